//! The app's pages and how it moves between them.
//!
//! Two modes: the standalone app owns the page's URL (History API, back/forward work),
//! while the embedded token manager keeps its page in memory so it never touches the host
//! page's URL or history.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// One page of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Login,
    Tokens,
    NewToken,
    Security,
    Token(String),
    Users,
    Account,
    Audit,
    Notifications,
    NotFound,
}

impl Route {
    /// The page a URL path names. `/` is the token list.
    pub fn parse(path: &str) -> Route {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        match path {
            "" | "/" | "/settings/api" => Route::Tokens,
            "/login" => Route::Login,
            "/settings/api/new" => Route::NewToken,
            "/settings/api/security" => Route::Security,
            "/settings/users" => Route::Users,
            "/settings/account" => Route::Account,
            "/settings/audit" => Route::Audit,
            "/settings/notifications" => Route::Notifications,
            other => match other.strip_prefix("/settings/api/") {
                Some(sid) if !sid.is_empty() && !sid.contains('/') => Route::Token(sid.to_owned()),
                _ => Route::NotFound,
            },
        }
    }

    /// The URL path of this page.
    pub fn path(&self) -> String {
        match self {
            Route::Login => "/login".into(),
            Route::Tokens => "/settings/api".into(),
            Route::NewToken => "/settings/api/new".into(),
            Route::Security => "/settings/api/security".into(),
            Route::Token(sid) => format!("/settings/api/{sid}"),
            Route::Users => "/settings/users".into(),
            Route::Account => "/settings/account".into(),
            Route::Audit => "/settings/audit".into(),
            Route::Notifications => "/settings/notifications".into(),
            Route::NotFound => "/404".into(),
        }
    }

    /// The navigation section a page belongs to (for `aria-current` in the header).
    pub fn section(&self) -> Route {
        match self {
            Route::NewToken | Route::Security | Route::Token(_) => Route::Tokens,
            other => other.clone(),
        }
    }
}

/// Where the app is and how to go elsewhere; provided as context by the shell.
#[derive(Debug, Clone, Copy)]
pub struct Navigator {
    current: RwSignal<Route>,
    owns_url: bool,
    /// Set while a page holds unsaved work: what to ask before leaving it.
    leave_warning: RwSignal<Option<String>>,
    /// The current page's query string (without `?`), also when embedded (in memory).
    query: RwSignal<String>,
}

impl Navigator {
    /// Reads the page from the browser's URL and follows back/forward.
    pub fn from_url() -> Navigator {
        let current = RwSignal::new(Route::parse(&location_path()));
        let query = RwSignal::new(location_query());
        let leave_warning = RwSignal::new(None::<String>);
        // Back or Forward out of a page with unsaved work asks first; the browser has moved
        // already (popstate cannot be cancelled), so staying puts the page's entry back.
        let on_pop = Closure::<dyn Fn()>::new(move || {
            let to = Route::parse(&location_path());
            if current.with_untracked(|c| *c != to)
                && let Some(question) = leave_warning.get_untracked()
            {
                let leave = web_sys::window()
                    .and_then(|w| w.confirm_with_message(&question).ok())
                    .unwrap_or(true);
                if !leave {
                    let path = current.with_untracked(Route::path);
                    let q = query.get_untracked();
                    let url = if q.is_empty() {
                        path
                    } else {
                        format!("{path}?{q}")
                    };
                    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
                        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
                    }
                    return;
                }
                leave_warning.set(None);
            }
            current.set(to);
            query.set(location_query());
        });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
        }
        on_pop.forget();
        Navigator {
            current,
            owns_url: true,
            leave_warning,
            query,
        }
    }

    /// Keeps the page in memory (embedded in a host page).
    pub fn in_memory(start: Route) -> Navigator {
        Navigator {
            current: RwSignal::new(start),
            owns_url: false,
            leave_warning: RwSignal::new(None),
            query: RwSignal::new(String::new()),
        }
    }

    pub fn current(self) -> Route {
        self.current.get()
    }

    pub fn is(self, route: &Route) -> bool {
        self.current.with(|c| c == route)
    }

    pub fn in_section(self, route: &Route) -> bool {
        self.current.with(|c| c.section() == *route)
    }

    /// Goes to a page, adding a history entry when the app owns the URL.
    pub fn go(self, route: Route) {
        self.change(route, false);
    }

    /// Goes to a page in place of the current history entry.
    pub fn replace(self, route: Route) {
        self.change(route, true);
    }

    /// The page's query string (without `?`; reactive).
    pub fn query(self) -> String {
        self.query.get()
    }

    /// Puts `query` in the current page's URL in place of the current history entry, so
    /// that a reload or a shared link keeps it.
    pub fn set_query(self, query: &str) {
        self.write_query(query, true);
    }

    /// Puts `query` in the current page's URL as a new history entry (Back returns to the
    /// one before).
    pub fn push_query(self, query: &str) {
        self.write_query(query, false);
    }

    fn write_query(self, query: &str, replace: bool) {
        if self.query.with_untracked(|q| q == query) {
            return;
        }
        if self.owns_url
            && let Some(h) = web_sys::window().and_then(|w| w.history().ok())
        {
            let path = self.current.with_untracked(Route::path);
            let url = if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            };
            let _ = if replace {
                h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            } else {
                h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
            };
        }
        self.query.set(query.to_owned());
    }

    /// Back one history entry (the browser's Back) when the app owns the URL; whether it did.
    pub fn back(self) -> bool {
        self.owns_url
            && web_sys::window()
                .and_then(|w| w.history().ok())
                .is_some_and(|h| h.back().is_ok())
    }

    /// While `Some`, leaving the page in the app asks this question first (and the page
    /// also asks the browser to confirm a reload or close: see `pages::edit`).
    pub fn warn_on_leave(self, question: Option<String>) {
        if self.leave_warning.with_untracked(|w| *w != question) {
            self.leave_warning.set(question);
        }
    }

    fn change(self, route: Route, replace: bool) {
        if self.current.with_untracked(|c| *c == route) {
            return;
        }
        if let Some(question) = self.leave_warning.get_untracked() {
            let leave = web_sys::window()
                .and_then(|w| w.confirm_with_message(&question).ok())
                .unwrap_or(true);
            if !leave {
                return;
            }
            self.leave_warning.set(None);
        }
        if self.owns_url
            && let Some(h) = web_sys::window().and_then(|w| w.history().ok())
        {
            let path = route.path();
            let _ = if replace {
                h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path))
            } else {
                h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path))
            };
        }
        self.query.set(String::new());
        self.current.set(route);
    }
}

fn location_query() -> String {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    search.trim_start_matches('?').to_owned()
}

fn location_path() -> String {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default()
}

pub fn use_navigator() -> Navigator {
    expect_context::<Navigator>()
}

/// A link to a page of the app. Plain clicks stay in the app; modified clicks (new tab,
/// new window) are left to the browser when the app owns the URL.
#[component]
pub fn Link(
    to: Route,
    #[prop(optional, into)] class: Option<String>,
    /// Marks the link as current when the page is in this link's section.
    #[prop(optional)]
    section: bool,
    children: Children,
) -> impl IntoView {
    let nav = use_navigator();
    let href = to.path();
    // Plain clones, not a stored value: a click or a page change can reach these closures
    // after the link's owner is gone (a page loaded into a `Suspense`).
    let target = to.clone();
    let current = move || {
        let on = if section {
            nav.in_section(&to)
        } else {
            nav.is(&to)
        };
        on.then_some("page")
    };
    view! {
        <a
            href=href
            class=class
            aria-current=current
            on:click=move |ev: web_sys::MouseEvent| {
                let modified = ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() || ev.button() != 0;
                if modified && nav.owns_url {
                    return;
                }
                ev.prevent_default();
                nav.go(target.clone());
            }
        >
            {children()}
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_round_trips_through_its_path() {
        let pages = [
            Route::Login,
            Route::Tokens,
            Route::NewToken,
            Route::Security,
            Route::Token("TGSIDabc".into()),
            Route::Users,
            Route::Account,
            Route::Audit,
        ];
        for p in pages {
            assert_eq!(Route::parse(&p.path()), p, "{}", p.path());
        }
    }

    #[test]
    fn paths_are_read_leniently_but_unknown_ones_are_not_found() {
        assert_eq!(Route::parse("/"), Route::Tokens);
        assert_eq!(Route::parse(""), Route::Tokens);
        assert_eq!(Route::parse("/settings/api/"), Route::Tokens);
        assert_eq!(Route::parse("/settings/users?x=1"), Route::Users);
        assert_eq!(
            Route::parse("/settings/api/TGSIDx#top"),
            Route::Token("TGSIDx".into())
        );
        assert_eq!(Route::parse("/settings/api/a/b"), Route::NotFound);
        assert_eq!(Route::parse("/nowhere"), Route::NotFound);
    }

    #[test]
    fn token_pages_belong_to_the_token_section() {
        assert_eq!(Route::Token("x".into()).section(), Route::Tokens);
        assert_eq!(Route::NewToken.section(), Route::Tokens);
        assert_eq!(Route::Users.section(), Route::Users);
    }
}
