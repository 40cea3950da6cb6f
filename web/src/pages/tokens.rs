//! The token list: cards, filters, the "more" menu and its confirmations.

use crate::route::{Link, Route, use_navigator};
use leptos::prelude::*;
use tollgate_core::account::Permission;
use tollgate_core::api::{IssuedToken, ResetRequest, TokenState, TokenView};

use super::leak::LeakBanner;
use tollgate_core::filter::{CreatedWithin, StateFilter, TokenFilter};
use tollgate_core::time::Timestamp;
use tollgate_core::token::{GracePeriod, Nudge};

use super::{Crumbs, IssuedPanel};
use crate::api;
use crate::app::use_auth;
use crate::components::menu::{MenuButton, MenuItem};
use crate::components::{Confirm, use_toasts};
use crate::i18n::use_i18n;

/// An action picked from a card's menu, waiting for confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Duplicate,
    Reset,
    Upgrade,
    Disable,
    Enable,
    Delete,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Duplicate => "menu.duplicate",
            Action::Reset => "menu.reset",
            Action::Upgrade => "menu.upgrade",
            Action::Disable => "menu.disable",
            Action::Enable => "menu.enable",
            Action::Delete => "menu.delete",
        }
    }
    /// The confirmation button's text (the help pages' "Reset token" for a reset).
    pub fn confirm_label(self) -> &'static str {
        match self {
            Action::Reset => "edit.reset",
            a => a.label(),
        }
    }
    /// Whether the action takes access away (shown as destructive).
    pub fn destructive(self) -> bool {
        matches!(self, Action::Reset | Action::Disable | Action::Delete)
    }
    /// What the confirmation says about the action on `t` (an upgrade names both versions).
    pub fn explain(self, i: crate::i18n::I18n, t: &TokenView) -> String {
        match self {
            Action::Upgrade => i
                .t("confirm.upgrade_versions")
                .replace("{from}", t.api_version.as_str())
                .replace("{to}", tollgate_core::version::ApiVersion::latest().as_str()),
            a => i.t(a.explanation()),
        }
    }
    pub fn explanation(self) -> &'static str {
        match self {
            Action::Duplicate => "confirm.duplicate",
            Action::Reset => "confirm.reset",
            Action::Upgrade => "confirm.upgrade",
            Action::Disable => "confirm.disable",
            Action::Enable => "confirm.enable",
            Action::Delete => "confirm.delete",
        }
    }
    /// The toast shown when the action succeeded.
    pub fn done(self) -> &'static str {
        match self {
            Action::Duplicate => "toast.duplicated",
            Action::Reset => "toast.reset",
            Action::Upgrade => "toast.upgraded",
            Action::Disable => "toast.disabled",
            Action::Enable => "toast.enabled",
            Action::Delete => "toast.deleted",
        }
    }
}

pub fn grace_key(g: GracePeriod) -> &'static str {
    match g {
        GracePeriod::None => "grace.none",
        GracePeriod::OneMinute => "grace.1m",
        GracePeriod::FifteenMinutes => "grace.15m",
        GracePeriod::OneHour => "grace.1h",
        GracePeriod::SixHours => "grace.6h",
        GracePeriod::TwentyFourHours => "grace.24h",
    }
}

fn grace_value(g: GracePeriod) -> String {
    serde_json::to_value(g).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// What an action produced: a changed token, a removed one, or new credentials.
pub enum Outcome {
    Changed(TokenView),
    Removed,
    Issued(IssuedToken),
}

/// Runs a confirmed action against the API.
/// Runs a confirmed action against the API, on the revision of the token as shown.
/// What a reset asks besides the action: how long the old token keeps working, and a new
/// expiry (`renew`: `None` keeps it, `Some(0)` is never, `Some(days)` a preset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResetChoice {
    pub grace: GracePeriod,
    pub renew: Option<u32>,
}

pub async fn perform(action: Action, token: &TokenView, choice: ResetChoice) -> api::ApiResult<Outcome> {
    let grace = choice.grace;
    let expires_at = choice.renew.map(|d| (d > 0).then(|| tollgate_core::policy::preset(d, now())));
    let (sid, rev) = (token.sid.as_str(), token.revision);
    Ok(match action {
        Action::Duplicate => Outcome::Issued(api::duplicate(sid, rev).await?),
        Action::Reset => Outcome::Issued(api::reset(sid, &ResetRequest { grace, expires_at }, rev).await?),
        Action::Upgrade => Outcome::Changed(api::upgrade(sid, rev).await?),
        Action::Disable => Outcome::Changed(api::set_enabled(sid, false, rev).await?),
        Action::Enable => Outcome::Changed(api::set_enabled(sid, true, rev).await?),
        Action::Delete => {
            api::delete(sid, rev).await?;
            Outcome::Removed
        }
    })
}

/// The grace-period choice shown in the reset confirmation.
#[component]
pub fn GraceChoice(grace: RwSignal<ResetChoice>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <label for="grace">{move || i.t("confirm.reset_grace")}</label>
        <select id="grace" on:change=move |ev| {
            let v = event_target_value(&ev);
            if let Some(g) = GracePeriod::ALL.into_iter().find(|g| grace_value(*g) == v) { grace.update(|c| c.grace = g); }
        }>
            {GracePeriod::ALL.into_iter().map(|g| view! {
                <option value=grace_value(g) selected=move || grace.get().grace == g>{move || i.t(grace_key(g))}</option>
            }).collect_view()}
        </select>
        <label for="renew">{move || i.t("confirm.reset_expiry")}</label>
        <select id="renew" on:change=move |ev| {
            let v = event_target_value(&ev);
            grace.update(|c| c.renew = v.parse::<u32>().ok());
        }>
            <option value="keep" selected=move || grace.get().renew.is_none()>{move || i.t("confirm.keep_expiry")}</option>
            <option value="0">{move || i.t("policy.never")}</option>
            {tollgate_core::policy::EXPIRY_PRESETS_DAYS.iter().map(|d| view! {
                <option value=d.to_string()>{move || i.tn("policy.days", *d as usize)}</option>
            }).collect_view()}
        </select>
    }
}

fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toasts = use_toasts();
    let tokens = RwSignal::new(Vec::<TokenView>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(true);
    let failed = RwSignal::new(false);
    let forbidden = RwSignal::new(false);
    // The filters live in the query string: a reload or a shared link keeps them.
    let nav = use_navigator();
    let filter = RwSignal::new(TokenFilter::from_query(&untrack(|| nav.query())).map(|(f, _)| f).unwrap_or_default());
    Effect::new(move |_| nav.set_query(&filter.with(TokenFilter::to_query)));
    let issued = RwSignal::new(None::<IssuedToken>);
    let pending = RwSignal::new(None::<(Action, TokenView)>);
    let confirm_open = RwSignal::new(false);
    let grace = RwSignal::new(ResetChoice::default());

    let load = move |cursor: Option<String>| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            match api::tokens(cursor.as_deref()).await {
                Ok(page) => {
                    if cursor.is_some() {
                        tokens.update(|t| t.extend(page.tokens));
                    } else {
                        tokens.set(page.tokens);
                    }
                    next.set(page.next_cursor);
                    failed.set(false);
                }
                Err(e) if e.status == 403 => forbidden.set(true),
                Err(e) => {
                    failed.set(true);
                    toasts.fail(&e);
                }
            }
            loading.set(false);
        });
    };
    load(None);

    let shown = move || {
        let m = filter.with(|f| f.matcher(now()));
        tokens.with(|t| t.iter().filter(|t| m.matches(*t)).cloned().collect::<Vec<_>>())
    };

    let run = move |_| {
        let Some((action, token)) = pending.get_untracked() else { return };
        let g = grace.get_untracked();
        leptos::task::spawn_local(async move {
            match perform(action, &token, g).await {
                Ok(Outcome::Changed(t)) => {
                    tokens.update(|all| all.iter_mut().filter(|x| x.sid == t.sid).for_each(|x| *x = t.clone()));
                    toasts.ok(i.t(action.done()));
                }
                Ok(Outcome::Removed) => {
                    tokens.update(|all| all.retain(|x| x.sid != token.sid));
                    toasts.ok(i.t(action.done()));
                }
                Ok(Outcome::Issued(new)) => {
                    let t = new.token.clone();
                    tokens.update(|all| {
                        if let Some(x) = all.iter_mut().find(|x| x.sid == t.sid) {
                            *x = t.clone();
                        } else {
                            all.insert(0, t.clone());
                        }
                    });
                    issued.set(Some(new));
                    toasts.ok(i.t(action.done()));
                }
                Err(e) if e.is_stale() => {
                    // Someone else changed the token: show it as it is now, change nothing.
                    match e.current::<TokenView>() {
                        Some(t) => {
                            tokens.update(|all| all.iter_mut().filter(|x| x.sid == t.sid).for_each(|x| *x = t.clone()))
                        }
                        None => load(None),
                    }
                    toasts.stale();
                }
                Err(e) => toasts.fail(&e),
            }
        });
    };

    let can_manage = move || auth.can(Permission::ManageTokens);
    view! {
        <Crumbs />
        <div class="page-head">
            <h1>{move || i.t("tokens.title")}</h1>
            <Link to=Route::Security class="link">{move || i.t("nav.security")}</Link>
            <Show when=can_manage>
                <Link to=Route::NewToken class="button primary">{move || i.t("tokens.create")}</Link>
            </Show>
        </div>
        <Show when=move || issued.with(Option::is_some)>
            {move || issued.get().map(|t| view! { <IssuedPanel issued=t on_close=Callback::new(move |_| issued.set(None)) /> })}
        </Show>
        <section class="filters" aria-label=move || i.t("tokens.filters")>
            <label class="visually-hidden" for="q">{move || i.t("tokens.search")}</label>
            <input id="q" type="search" placeholder=move || i.t("tokens.search") prop:value=move || filter.with(|f| f.q.clone().unwrap_or_default())
                on:input=move |ev| { let v = event_target_value(&ev); filter.update(|f| f.q = (!v.is_empty()).then_some(v)); } />
            <label class="visually-hidden" for="created">{move || i.t("tokens.created")}</label>
            <select id="created" prop:value=move || filter.with(|f| match f.created { Some(CreatedWithin::Last7Days) => "7d", Some(CreatedWithin::Last30Days) => "30d", Some(CreatedWithin::OlderThan30Days) => "older", None => "" })
                on:change=move |ev| { let v = event_target_value(&ev); filter.update(|f| f.created = match v.as_str() { "7d" => Some(CreatedWithin::Last7Days), "30d" => Some(CreatedWithin::Last30Days), "older" => Some(CreatedWithin::OlderThan30Days), _ => None }); }>
                <option value="">{move || i.t("tokens.created_any")}</option>
                <option value="7d">{move || i.t("tokens.created_7d")}</option>
                <option value="30d">{move || i.t("tokens.created_30d")}</option>
                <option value="older">{move || i.t("tokens.created_older")}</option>
            </select>
            <label class="visually-hidden" for="state">{move || i.t("tokens.state")}</label>
            <select id="state" prop:value=move || filter.with(|f| match f.state { Some(StateFilter::Enabled) => "enabled", Some(StateFilter::Disabled) => "disabled", None => "" })
                on:change=move |ev| { let v = event_target_value(&ev); filter.update(|f| f.state = match v.as_str() { "enabled" => Some(StateFilter::Enabled), "disabled" => Some(StateFilter::Disabled), _ => None }); }>
                <option value="">{move || i.t("tokens.state_any")}</option>
                <option value="enabled">{move || i.t("tokens.enabled")}</option>
                <option value="disabled">{move || i.t("tokens.disabled")}</option>
            </select>
            <button type="button" class="button" on:click=move |_| filter.set(TokenFilter::default())>{move || i.t("tokens.clear_all")}</button>
            <span class="count" data-testid="token-count">{move || i.tn("tokens.count", shown().len())}</span>
        </section>
        <Show when=move || forbidden.get()>
            <p class="empty card" role="alert">{move || i.t("tokens.forbidden")}</p>
        </Show>
        <Show when=move || loading.get() && tokens.with(Vec::is_empty)>
            <p class="loading">{move || i.t("app.loading")}</p>
        </Show>
        <Show when=move || failed.get()>
            <button type="button" class="button" on:click=move |_| load(None)>{move || i.t("app.retry")}</button>
        </Show>
        <Show when=move || !loading.get() && !failed.get() && !forbidden.get() && tokens.with(Vec::is_empty)>
            <section class="empty card">
                <p>{move || i.t("tokens.empty")}</p>
                <Show when=can_manage><Link to=Route::NewToken class="button primary">{move || i.t("tokens.create")}</Link></Show>
            </section>
        </Show>
        <Show when=move || !tokens.with(Vec::is_empty) && shown().is_empty()>
            <p class="empty">{move || i.t("tokens.no_match")}</p>
        </Show>
        <ul class="cards">
            <For each=shown key=|t| (t.sid.to_string(), t.updated_at, t.state == TokenState::Enabled, t.api_version) let:t>
                {
                    let sid = t.sid.to_string();
                    let enabled = t.state == TokenState::Enabled;
                    let t_menu = StoredValue::new(t.clone());
                                                            let created = t.created_at.0;
                    let last_used = t.last_used_at.map(|x| x.0);
                    let nudges = t.nudges.clone();
                    let latest = t.latest_version;
                    let expires = t.expires_at.map(|x| x.0);
                    let soon = t.expiring_soon;
                    let requests = t.requests_24h;
                    view! {
                        <li class="card token-card" class:token-disabled=!enabled data-sid=sid.clone()>
                            <div class="token-head">
                                <Link to=Route::Token(sid.clone()) class="token-name">{t.name.clone()}</Link>
                                <span class="badge" class:badge-off=!enabled>{move || if enabled { i.t("tokens.enabled") } else { i.t("tokens.disabled") }}</span>
                                <Show when=can_manage>
                                    <MenuButton
                                        label=Signal::derive(move || i.t("tokens.more"))
                                        face="⋯"
                                        items=[Action::Duplicate, Action::Reset, Action::Upgrade, if enabled { Action::Disable } else { Action::Enable }, Action::Delete]
                                            .into_iter()
                                            .filter(|a| *a != Action::Upgrade || !latest)
                                            .map(|a| MenuItem {
                                                label: Signal::derive(move || i.t(a.label())),
                                                destructive: a == Action::Delete,
                                                on_select: Callback::new(move |_| {
                                                    grace.set(ResetChoice::default());
                                                    pending.set(Some((a, t_menu.get_value())));
                                                    confirm_open.set(true);
                                                }),
                                            })
                                            .collect()
                                    />
                                </Show>
                            </div>
                            {t.leak.clone().map(|l| {
                                let on_reset = can_manage().then(|| Callback::new(move |_| {
                                    grace.set(ResetChoice::default());
                                    pending.set(Some((Action::Reset, t_menu.get_value())));
                                    confirm_open.set(true);
                                }));
                                view! { <LeakBanner leak=l on_reset=on_reset /> }
                            })}
                            <dl class="token-facts">
                                <dt>{move || i.t("tokens.sid")}</dt><dd><code>{sid.clone()}</code></dd>
                                <dt>{move || i.t("tokens.version")}</dt>
                                <dd>{t.api_version.to_string()}<Show when=move || !latest><span class="badge badge-warn">{move || i.t("tokens.not_latest")}</span></Show></dd>
                                <dt>{move || i.t("tokens.created")}</dt><dd>{move || i.date(created)}</dd>
                                <dt>{move || i.t("tokens.last_used")}</dt>
                                <dd>{move || last_used.map(|u| i.datetime(u)).unwrap_or_else(|| i.t("tokens.never_used"))}</dd>
                                <dt>{move || i.t("tokens.expires")}</dt>
                                <dd data-testid="expires">{move || expires.map(|e| i.date(e)).unwrap_or_else(|| i.t("policy.never"))}
                                    <Show when=move || soon><span class="badge badge-warn">{move || i.t("tokens.expires_soon")}</span></Show></dd>
                                <dt>{move || i.t("tokens.requests_24h")}</dt>
                                <dd data-testid="requests-24h">{requests.unwrap_or(0)}</dd>
                            </dl>
                            <ul class="nudges">
                                {nudges.into_iter().map(|n| {
                                    let key = match n {
                                        Nudge::RotationDue => "nudge.rotation_due",
                                        Nudge::EveryScope => "nudge.every_scope",
                                        Nudge::NeverUsed => "nudge.never_used",
                                        Nudge::ExpiresSoon => "nudge.expires_soon",
                                        Nudge::NoExpiry => "nudge.no_expiry",
                                    };
                                    view! { <li><Link to=Route::Security>{move || i.t(key)}</Link></li> }
                                }).collect_view()}
                            </ul>
                        </li>
                    }
                }
            </For>
        </ul>
        <Show when=move || next.with(Option::is_some)>
            <button type="button" class="button" disabled=move || loading.get() on:click=move |_| load(next.get_untracked())>{move || i.t("app.load_more")}</button>
        </Show>
        <Confirm
            open=confirm_open
            title=Signal::derive(move || pending.with(|p| p.as_ref().map(|(a, t)| format!("{} — {}", i.t(a.label()), t.name)).unwrap_or_default()))
            confirm_label=Signal::derive(move || pending.with(|p| p.as_ref().map(|(a, _)| i.t(a.confirm_label())).unwrap_or_default()))
            danger=Signal::derive(move || pending.with(|p| p.as_ref().is_some_and(|(a, _)| a.destructive())))
            on_confirm=Callback::new(run)
        >
            <p>{move || pending.with(|p| p.as_ref().map(|(a, t)| a.explain(i, t)).unwrap_or_default())}</p>
            <Show when=move || pending.with(|p| matches!(p, Some((Action::Reset, _))))>
                <GraceChoice grace=grace />
            </Show>
        </Confirm>
    }
}
