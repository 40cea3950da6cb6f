//! The token list: filters in the query string, a table (wide screens) or cards (narrow
//! ones, or by choice), each token's "more" menu and its confirmations.

mod list;

use list::{Layout, LayoutSwitch, ListCtx, TokenCards, TokenTable};

use crate::route::{Link, Route, use_navigator};
use leptos::prelude::*;
use tollgate_core::account::Permission;
use tollgate_core::api::{IssuedToken, TokenView};

use tollgate_core::filter::{CreatedWithin, StateFilter, TokenFilter};

use crate::api;
use crate::app::use_auth;
use crate::components::actions::{GraceChoice, Outcome, ResetChoice, TokenAction, now, perform};
use crate::components::{Confirm, use_toasts};
use crate::components::{Crumbs, LaterIssuedPanel};
use crate::i18n::use_i18n;

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
    let pending = RwSignal::new(None::<(TokenAction, TokenView)>);
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
        let m = filter.with(|f| f.matcher_with::<crate::components::scopes::BrowserNfkc>(now()));
        tokens.with(|t| t.iter().filter(|t| m.matches(*t)).cloned().collect::<Vec<_>>())
    };

    let run = move |_| {
        let Some((action, token)) = pending.get_untracked() else { return };
        let g = grace.get_untracked();
        leptos::task::spawn_local(async move {
            match perform(action, token.clone(), g).await {
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
    let layout = RwSignal::new(Layout::preferred());
    let ctx = ListCtx {
        can_manage: Signal::derive(can_manage),
        ask: Callback::new(move |(a, t): (TokenAction, TokenView)| {
            grace.set(ResetChoice::default());
            pending.set(Some((a, t)));
            confirm_open.set(true);
        }),
    };
    view! {
        <Crumbs />
        <div class="page-head">
            <h1>{move || i.t("tokens.title")}</h1>
            <Link to=Route::Security class="link">{move || i.t("nav.security")}</Link>
            <Show when=can_manage>
                <Link to=Route::NewToken class="button primary">{move || i.t("tokens.create")}</Link>
            </Show>
        </div>
        <LaterIssuedPanel shown=issued />
        <TokenFilters filter=filter shown=Signal::derive(move || shown().len()) layout=layout />
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
        <Show when=move || layout.get() == Layout::Table fallback=move || view! { <TokenCards tokens=Signal::derive(shown) ctx=ctx /> }>
            <TokenTable tokens=Signal::derive(shown) ctx=ctx />
        </Show>
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
            <Show when=move || pending.with(|p| matches!(p, Some((TokenAction::Reset, _))))>
                <GraceChoice grace=grace />
            </Show>
        </Confirm>
    }
}

/// The filter bar: search by name, created within, state, Clear all, how many tokens show,
/// and the table/cards switch.
#[component]
fn TokenFilters(filter: RwSignal<TokenFilter>, shown: Signal<usize>, layout: RwSignal<Layout>) -> impl IntoView {
    let i = use_i18n();
    view! {
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
            <span class="count" data-testid="token-count">{move || i.tn("tokens.count", shown.get())}</span>
            <LayoutSwitch layout=layout />
        </section>
    }
}
