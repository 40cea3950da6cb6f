//! The shell: session, locale and toasts in context; the header with navigation and the
//! language picker; the routes.

use leptos::prelude::*;
use leptos_router::components::{A, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::path;
use tollgate_core::account::Permission;
use tollgate_core::api::SessionView;

use crate::api;
use crate::components::{ToastList, Toasts};
use crate::i18n::{I18n, Locale, browser_locale, remember_locale, use_i18n};
use crate::pages::{AccountPage, AuditPage, EditPage, LoginPage, SecurityPage, TokensPage, UsersPage, WizardPage};

/// The signed-in user, if any; `checked` turns true once the first session check ends.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    pub session: RwSignal<Option<SessionView>>,
    pub checked: RwSignal<bool>,
}

impl Auth {
    pub fn can(self, p: Permission) -> bool {
        self.session.with(|s| s.as_ref().is_some_and(|s| s.user.role.permits(p)))
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::new(browser_locale());
    provide_context(i18n);
    provide_context(Toasts::new());
    let auth = Auth { session: RwSignal::new(None), checked: RwSignal::new(false) };
    provide_context(auth);
    // A session that ends (idle timeout, sign-out elsewhere) sends the user to sign in.
    api::on_signed_out(move || auth.session.set(None));
    leptos::task::spawn_local(async move {
        if let Ok(s) = api::session().await {
            auth.session.set(Some(s));
        }
        auth.checked.set(true);
    });
    Effect::new(move |_| {
        let tag = i18n.locale.get().tag();
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("lang", tag);
        }
    });
    view! {
        <Router>
            <Header />
            <main id="main" class="main">
                <Show when=move || auth.checked.get() fallback=move || view! { <p class="loading">{move || i18n.t("app.loading")}</p> }>
                    <Routes fallback=move || view! { <p>{move || i18n.t("app.not_found")}</p> }>
                        <Route path=path!("/") view=|| view! { <Redirect path="/settings/api" /> } />
                        <Route path=path!("/login") view=LoginPage />
                        <Route path=path!("/settings/api") view=|| view! { <Guard><TokensPage /></Guard> } />
                        <Route path=path!("/settings/api/new") view=|| view! { <Guard><WizardPage /></Guard> } />
                        <Route path=path!("/settings/api/security") view=|| view! { <Guard><SecurityPage /></Guard> } />
                        <Route path=path!("/settings/api/:sid") view=|| view! { <Guard><EditPage /></Guard> } />
                        <Route path=path!("/settings/users") view=|| view! { <Guard><UsersPage /></Guard> } />
                        <Route path=path!("/settings/account") view=|| view! { <Guard><AccountPage /></Guard> } />
                        <Route path=path!("/settings/audit") view=|| view! { <Guard><AuditPage /></Guard> } />
                    </Routes>
                </Show>
            </main>
            <ToastList />
        </Router>
    }
}

/// Sends signed-out visitors to the sign-in page.
#[component]
fn Guard(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if auth.checked.get() && auth.session.with(Option::is_none) {
            navigate("/login", Default::default());
        }
    });
    let children = StoredValue::new(children);
    view! { <Show when=move || auth.session.with(Option::is_some)>{children.with_value(|c| c())}</Show> }
}

#[component]
fn Header() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let _ = api::logout().await;
            auth.session.set(None);
            navigate("/login", Default::default());
        });
    };
    view! {
        <header class="header">
            <a class="skip" href="#main">{move || i.t("app.name")}</a>
            <span class="brand">{move || i.t("app.name")}</span>
            <Show when=move || auth.session.with(Option::is_some)>
                <nav class="nav" aria-label=move || i.t("nav.settings")>
                    <Show when=move || auth.can(Permission::ViewTokens)>
                        <A href="/settings/api">{move || i.t("nav.api")}</A>
                    </Show>
                    <Show when=move || auth.can(Permission::ManageUsers)>
                        <A href="/settings/users">{move || i.t("nav.users")}</A>
                    </Show>
                    <Show when=move || auth.can(Permission::ManageAccount)>
                        <A href="/settings/account">{move || i.t("nav.account")}</A>
                    </Show>
                    <Show when=move || auth.can(Permission::ViewAudit)>
                        <A href="/settings/audit">{move || i.t("nav.audit")}</A>
                    </Show>
                </nav>
            </Show>
            <span class="spacer"></span>
            <label class="visually-hidden" for="locale">{move || i.t("app.language")}</label>
            <select
                id="locale"
                data-testid="locale"
                on:change=move |ev| {
                    if let Some(l) = Locale::parse(&event_target_value(&ev)) {
                        i.locale.set(l);
                        remember_locale(l);
                    }
                }
            >
                {Locale::ALL
                    .iter()
                    .map(|l| {
                        let l = *l;
                        view! { <option value=l.tag() selected=move || i.locale.get() == l>{l.native_name()}</option> }
                    })
                    .collect_view()}
            </select>
            <Show when=move || auth.session.with(Option::is_some)>
                <span class="user">{move || auth.session.with(|s| s.as_ref().map(|s| s.user.name.clone()))}</span>
                <button type="button" class="button small" on:click=sign_out.clone()>{move || i.t("app.sign_out")}</button>
            </Show>
        </header>
    }
}
