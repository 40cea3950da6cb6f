//! The token list: filters in the query string (the server filters), a table (wide screens)
//! or cards (narrow ones, or by choice), each token's "more" menu and its confirmations.

mod list;

use list::{Layout, LayoutSwitch, ListCtx, TokenCards, TokenTable};

use crate::route::{Link, Route, use_navigator};
use leptos::prelude::*;
use tollgate_core::account::Permission;
use tollgate_core::api::{IssuedToken, TokenPage, TokenView};
use tollgate_core::filter::{CreatedWithin, LoadedList, Matcher, StateFilter, TokenFilter};

use crate::api;
use crate::app::use_auth;
use crate::components::actions::{Done, LaterConfirm, Outcome, TokenAction, now};
use crate::components::load::Loading;
use crate::components::scopes::BrowserNfkc;
use crate::components::use_toasts;
use crate::components::{Crumbs, LaterIssuedPanel};
use crate::i18n::use_i18n;

/// How long the search waits after the last keystroke before it asks the server.
const SEARCH_SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// The list page: the filters (in the URL), then the first page of the tokens that match,
/// loaded through a resource of the filter (`Transition` keeps the rows shown while the
/// next filter's answer comes).
#[component]
pub fn TokensPage() -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let auth = use_auth();
    let nav = use_navigator();
    let filter = RwSignal::new(
        TokenFilter::from_query(&untrack(|| nav.query()))
            .map(|(f, _)| f)
            .unwrap_or_default(),
    );
    Effect::new(move |_| nav.set_query(&filter.with(TokenFilter::to_query)));
    let first = LocalResource::new(move || {
        let query = filter.with(TokenFilter::to_query);
        async move { api.tokens(&query, None).await }
    });
    let layout = RwSignal::new(Layout::preferred());
    let issued = RwSignal::new(None::<IssuedToken>);
    let count = RwSignal::new(None::<usize>);
    let can_manage = Signal::derive(move || auth.can(Permission::ManageTokens));
    let retry = Callback::new(move |_| first.refetch());
    view! {
        <Crumbs />
        <div class="page-head">
            <h1>{move || i.t("tokens.title")}</h1>
            <Link to=Route::Security class="link">{move || i.t("nav.security")}</Link>
            <Show when=move || can_manage.get()>
                <Link to=Route::NewToken class="button primary">{move || i.t("tokens.create")}</Link>
            </Show>
        </div>
        <LaterIssuedPanel shown=issued />
        <TokenFilters filter=filter count=count layout=layout />
        // The answer's error is shown in place here rather than through an `ErrorBoundary`:
        // this page is the first load, and the boundary's machinery would add 14 KiB to it.
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match first.await {
                    Ok(page) => untrack(|| view! {
                        <TokenResults page=page filter=filter layout=layout issued=issued count=count can_manage=can_manage />
                    }).into_any(),
                    Err(error) => view! { <ListError error=error retry=retry /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The list could not be loaded: a role without access says so; anything else is said in
/// the admin's language, with Retry.
#[component]
fn ListError(error: api::ApiError, retry: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    if error.status == 403 {
        view! { <p class="empty card" role="alert">{move || i.t("tokens.forbidden")}</p> }
            .into_any()
    } else {
        view! {
            <div class="card load-error" role="alert">
                <p>{move || error.text(i)}</p>
                <button type="button" class="button" on:click=move |_| { retry.try_run(()); }>{move || i.t("app.retry")}</button>
            </div>
        }
        .into_any()
    }
}

/// The tokens loaded under the current filter, and how the server's answers change them.
#[derive(Clone, Copy)]
struct Results {
    loaded: RwSignal<LoadedList<TokenView>>,
    filter: RwSignal<TokenFilter>,
    issued: RwSignal<Option<IssuedToken>>,
}

impl Results {
    fn matcher(self) -> Matcher<BrowserNfkc> {
        self.filter.with(|f| f.matcher_with::<BrowserNfkc>(now()))
    }

    /// The rows shown: the loaded tokens that the filter still matches.
    fn shown(self) -> Signal<Vec<TokenView>> {
        Signal::derive(move || {
            let m = self.matcher();
            self.loaded.with(|l| l.shown(&m))
        })
    }

    /// Load more: the next page, appended (the answer is handled where the request was
    /// made; the list may be gone by then).
    fn more(self) -> Action<String, ()> {
        let api = crate::api::use_api();
        let toasts = use_toasts();
        Action::new_local(move |cursor: &String| {
            let query = self.filter.with_untracked(TokenFilter::to_query);
            let cursor = cursor.clone();
            async move {
                match api.tokens(&query, Some(&cursor)).await {
                    Ok(p) => {
                        self.loaded
                            .try_update(|l| l.extend(p.tokens, p.total, p.next_cursor));
                    }
                    Err(e) => toasts.fail(&e),
                }
            }
        })
    }

    /// What an action's answer changes: the row (or its absence) and the count, the new
    /// credentials, a toast.
    fn done(self) -> Callback<Done> {
        let i = use_i18n();
        let toasts = use_toasts();
        Callback::new(move |(action, sid, outcome): Done| {
            let m = untrack(|| self.matcher());
            let changed = |t: TokenView| self.loaded.try_update(|l| l.changed(t, &m));
            match outcome {
                Ok(Outcome::Changed(t)) => changed(t),
                Ok(Outcome::Removed) => self.loaded.try_update(|l| l.removed(&sid, &m)),
                Ok(Outcome::Issued(new)) => {
                    self.issued.set(Some(new.clone()));
                    changed(new.token)
                }
                Err(e) if e.is_stale() => {
                    // Someone else changed the token: show it as it is now, change nothing.
                    if let Some(t) = e.current::<TokenView>() {
                        changed(t);
                    }
                    toasts.stale();
                    return;
                }
                Err(e) => {
                    toasts.fail(&e);
                    return;
                }
            };
            toasts.ok(i.t(action.done()));
        })
    }
}

/// The loaded tokens of one filter: the rows, Load more, and the actions with their
/// confirmation. Each action's answer updates the rows and the count in place.
#[component]
fn TokenResults(
    page: TokenPage,
    filter: RwSignal<TokenFilter>,
    layout: RwSignal<Layout>,
    issued: RwSignal<Option<IssuedToken>>,
    count: RwSignal<Option<usize>>,
    can_manage: Signal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let r = Results {
        loaded: RwSignal::new(LoadedList::new(page.tokens, page.total, page.next_cursor)),
        filter,
        issued,
    };
    Effect::new(move |_| count.set(Some(r.loaded.with(LoadedList::count))));
    let shown = r.shown();
    let more = r.more();
    let pending = RwSignal::new(None::<(TokenAction, TokenView)>);
    let ctx = ListCtx {
        can_manage,
        ask: Callback::new(move |p: (TokenAction, TokenView)| pending.set(Some(p))),
    };
    let nothing_shown = move || shown.with(Vec::is_empty);
    view! {
        <NothingShown nothing=Signal::derive(nothing_shown) filter=filter can_manage=can_manage />
        <Show when=move || !nothing_shown()>
            <Show when=move || layout.get() == Layout::Table fallback=move || view! { <TokenCards tokens=shown ctx=ctx /> }>
                <TokenTable tokens=shown ctx=ctx />
            </Show>
        </Show>
        {move || r.loaded.with(|l| l.next_cursor().map(str::to_owned)).map(|cursor| view! {
            <button type="button" class="button" disabled=move || more.pending().get()
                on:click=move |_| { more.dispatch(cursor.clone()); }>{move || i.t("app.load_more")}</button>
        })}
        <LaterConfirm pending=pending done=r.done() />
    }
}

/// What the list says when it shows no token: none yet (with Create), or none that match.
#[component]
fn NothingShown(
    nothing: Signal<bool>,
    filter: RwSignal<TokenFilter>,
    can_manage: Signal<bool>,
) -> impl IntoView {
    let i = use_i18n();
    let clear = move || filter.with(TokenFilter::is_clear);
    view! {
        <Show when=move || nothing.get() && clear()>
            <section class="empty card">
                <p>{move || i.t("tokens.empty")}</p>
                <Show when=move || can_manage.get()><Link to=Route::NewToken class="button primary">{move || i.t("tokens.create")}</Link></Show>
            </section>
        </Show>
        <Show when=move || nothing.get() && !clear()>
            <p class="empty">{move || i.t("tokens.no_match")}</p>
        </Show>
    }
}

/// The filter bar: search by name (sent once typing settles), created within, state,
/// Clear all, how many tokens match, and the table/cards switch.
#[component]
fn TokenFilters(
    filter: RwSignal<TokenFilter>,
    count: RwSignal<Option<usize>>,
    layout: RwSignal<Layout>,
) -> impl IntoView {
    let i = use_i18n();
    let typed = RwSignal::new(filter.with_untracked(|f| f.q.clone().unwrap_or_default()));
    let search = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        typed.set(v.clone());
        set_timeout(
            move || {
                if typed.try_get_untracked().is_some_and(|t| t == v) {
                    filter.try_update(|f| f.q = (!v.trim().is_empty()).then_some(v));
                }
            },
            SEARCH_SETTLE,
        );
    };
    let clear = move |_| {
        typed.set(String::new());
        filter.set(TokenFilter::default());
    };
    view! {
        <section class="filters" aria-label=move || i.t("tokens.filters")>
            <label class="visually-hidden" for="q">{move || i.t("tokens.search")}</label>
            <input id="q" type="search" placeholder=move || i.t("tokens.search") prop:value=move || typed.get() on:input=search />
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
            <button type="button" class="button" on:click=clear>{move || i.t("tokens.clear_all")}</button>
            <span class="count" data-testid="token-count" aria-live="polite">{move || count.get().map(|n| i.tn("tokens.count", n))}</span>
            <LayoutSwitch layout=layout />
        </section>
    }
}
