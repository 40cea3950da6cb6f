//! The actions on a token (duplicate, reset, upgrade, disable, enable, delete): their
//! labels and confirmations, the reset's choices, and running one against the API. Shared
//! by the token list and the token's page.

use leptos::prelude::*;
use tollgate_core::api::{IssuedToken, ResetRequest, TokenView};
use tollgate_core::time::Timestamp;
use tollgate_core::token::GracePeriod;

use crate::api;
use crate::i18n::use_i18n;

/// An action picked from a card's menu, waiting for confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAction {
    Duplicate,
    Reset,
    Upgrade,
    Disable,
    Enable,
    Delete,
}

impl TokenAction {
    pub fn label(self) -> &'static str {
        match self {
            TokenAction::Duplicate => "menu.duplicate",
            TokenAction::Reset => "menu.reset",
            TokenAction::Upgrade => "menu.upgrade",
            TokenAction::Disable => "menu.disable",
            TokenAction::Enable => "menu.enable",
            TokenAction::Delete => "menu.delete",
        }
    }
    /// The confirmation button's text (the help pages' "Reset token" for a reset).
    pub fn confirm_label(self) -> &'static str {
        match self {
            TokenAction::Reset => "edit.reset",
            a => a.label(),
        }
    }
    /// Whether the action takes access away (shown as destructive).
    pub fn destructive(self) -> bool {
        matches!(
            self,
            TokenAction::Reset | TokenAction::Disable | TokenAction::Delete
        )
    }
    /// What the confirmation says about the action on `t` (an upgrade names both versions).
    pub fn explain(self, i: crate::i18n::I18n, t: &TokenView) -> String {
        match self {
            TokenAction::Upgrade => i
                .t("confirm.upgrade_versions")
                .replace("{from}", t.api_version.as_str())
                .replace(
                    "{to}",
                    tollgate_core::version::ApiVersion::latest().as_str(),
                ),
            a => i.t(a.explanation()),
        }
    }
    pub fn explanation(self) -> &'static str {
        match self {
            TokenAction::Duplicate => "confirm.duplicate",
            TokenAction::Reset => "confirm.reset",
            TokenAction::Upgrade => "confirm.upgrade",
            TokenAction::Disable => "confirm.disable",
            TokenAction::Enable => "confirm.enable",
            TokenAction::Delete => "confirm.delete",
        }
    }
    /// The toast shown when the action succeeded.
    pub fn done(self) -> &'static str {
        match self {
            TokenAction::Duplicate => "toast.duplicated",
            TokenAction::Reset => "toast.reset",
            TokenAction::Upgrade => "toast.upgraded",
            TokenAction::Disable => "toast.disabled",
            TokenAction::Enable => "toast.enabled",
            TokenAction::Delete => "toast.deleted",
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
    g.as_str().to_owned()
}

/// What an action produced: a changed token, a removed one, or new credentials.
#[derive(Debug, Clone)]
pub enum Outcome {
    Changed(TokenView),
    Removed,
    Issued(IssuedToken),
}

/// What a reset asks besides the action: how long the old token keeps working, and a new
/// expiry (`renew`: `None` keeps it, `Some(0)` is never, `Some(days)` a preset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResetChoice {
    pub grace: GracePeriod,
    pub renew: Option<u32>,
}

/// Runs a confirmed action against the API, on the revision of the token as shown. Its code
/// (the actions' requests and answers) loads with the first action taken (`#[lazy]`).
#[lazy]
pub async fn perform(
    api: api::Api,
    action: TokenAction,
    token: TokenView,
    choice: ResetChoice,
) -> api::ApiResult<Outcome> {
    let grace = choice.grace;
    let expires_at = choice
        .renew
        .map(|d| (d > 0).then(|| tollgate_core::policy::preset(d, now())));
    let (sid, rev) = (token.sid.as_str(), token.revision);
    Ok(match action {
        TokenAction::Duplicate => Outcome::Issued(api.duplicate(sid, rev).await?),
        TokenAction::Reset => Outcome::Issued(
            api.reset(sid, &ResetRequest { grace, expires_at }, rev)
                .await?,
        ),
        TokenAction::Upgrade => Outcome::Changed(api.upgrade(sid, rev).await?),
        TokenAction::Disable => Outcome::Changed(api.set_enabled(sid, false, rev).await?),
        TokenAction::Enable => Outcome::Changed(api.set_enabled(sid, true, rev).await?),
        TokenAction::Delete => {
            api.delete(sid, rev).await?;
            Outcome::Removed
        }
    })
}

/// What an action on the token list was, and how it went.
pub type Done = (TokenAction, String, api::ApiResult<Outcome>);

/// The confirmation of an action picked on the token list, loaded with the first one
/// (`#[lazy]`: the list's first load does not carry it): shown while `pending` holds an
/// action; a confirmed action runs and its answer goes to `done`; closing it clears
/// `pending`. Only plain values and the list's own signals cross into the part.
#[component]
pub fn LaterConfirm(
    pending: RwSignal<Option<(TokenAction, TokenView)>>,
    done: Callback<Done>,
) -> impl IntoView {
    view! {
        <Suspense>
            {move || pending.get().map(|(action, token)| Suspend::new(confirm_part(action, token, pending, done)))}
        </Suspense>
    }
}

#[lazy]
fn confirm_part(
    action: TokenAction,
    token: TokenView,
    pending: RwSignal<Option<(TokenAction, TokenView)>>,
    done: Callback<Done>,
) -> AnyView {
    untrack(|| {
        view! { <ActionConfirm action=action token=token pending=pending done=done /> }.into_any()
    })
}

/// Asks to confirm `action` on `token` (a reset also asks for its grace period and a new
/// expiry), then runs it.
#[component]
fn ActionConfirm(
    action: TokenAction,
    token: TokenView,
    pending: RwSignal<Option<(TokenAction, TokenView)>>,
    done: Callback<Done>,
) -> impl IntoView {
    let i = use_i18n();
    let open = RwSignal::new(true);
    let grace = RwSignal::new(ResetChoice::default());
    // Closed (Cancel, Escape, the backdrop, or confirmed): the list forgets the action, once
    // the dialog has given focus back.
    Effect::new(move |_| {
        if !open.get() {
            request_animation_frame(move || {
                pending.try_set(None);
            });
        }
    });
    let api = api::use_api();
    let run = Action::new_local(move |(t, choice): &(TokenView, ResetChoice)| {
        let (t, choice) = (t.clone(), *choice);
        async move {
            let sid = t.sid.to_string();
            let answer = perform(api, action, t, choice).await;
            done.try_run((action, sid, answer));
        }
    });
    let name = token.name.clone();
    let explained = action.explain(i, &token);
    let stored = StoredValue::new(token);
    view! {
        <super::Confirm
            open=open
            title=Signal::derive(move || format!("{} — {}", i.t(action.label()), name))
            confirm_label=Signal::derive(move || i.t(action.confirm_label()))
            danger=Signal::derive(move || action.destructive())
            on_confirm=Callback::new(move |_| {
                if let Some(t) = stored.try_get_value() {
                    run.dispatch((t, grace.get_untracked()));
                }
            })
        >
            <p>{explained.clone()}</p>
            {(action == TokenAction::Reset).then(|| view! { <GraceChoice grace=grace /> })}
        </super::Confirm>
    }
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

/// The browser's clock.
pub fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as i64)
}
