//! The shell: session, locale and toasts in context; the header with navigation and the
//! language picker; the routes.

use leptos::prelude::*;
use tollgate_core::account::Permission;
use tollgate_core::api::SessionView;

use crate::components::{ToastList, Toasts};
use crate::i18n::{I18n, Locale, browser_locale, remember_locale, use_i18n};
use crate::route::{Link, Navigator, Route, use_navigator};

/// The signed-in user, if any; `checked` turns true once the first session check ends.
#[derive(Debug, Clone, Copy)]
pub struct Auth {
    pub session: RwSignal<Option<SessionView>>,
    pub checked: RwSignal<bool>,
}

impl Auth {
    pub fn can(self, p: Permission) -> bool {
        self.session
            .with(|s| s.as_ref().is_some_and(|s| s.user.role.permits(p)))
    }
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// How the app is mounted: as the standalone admin app that owns the page, or embedded in
/// a host page's element (the token manager widget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mounting {
    #[default]
    Standalone,
    Embedded,
}

#[component]
pub fn App(
    #[prop(optional)] mounting: Mounting,
    #[prop(optional)] locale: Option<Locale>,
    /// The origin that serves `/api/` (empty: the page's own).
    #[prop(optional, into)]
    api_base: String,
) -> impl IntoView {
    let api = crate::api::Api::new(&api_base);
    provide_context(api);
    let i18n = I18n::new(locale.unwrap_or_else(browser_locale));
    provide_context(i18n);
    provide_context(Toasts::new(i18n));
    let nav = match mounting {
        Mounting::Standalone => Navigator::from_url(),
        Mounting::Embedded => Navigator::in_memory(Route::Tokens),
    };
    provide_context(nav);
    provide_context(crate::pages::DraftMemory(StoredValue::new(None)));
    let auth = Auth {
        session: RwSignal::new(None),
        checked: RwSignal::new(false),
    };
    provide_context(auth);
    // A session that ends (idle timeout, sign-out elsewhere) sends the user to sign in.
    api.on_signed_out(move || auth.session.set(None));
    leptos::task::spawn_local(async move {
        if let Ok(s) = api.session().await {
            auth.session.set(Some(s));
        }
        auth.checked.set(true);
    });
    if mounting == Mounting::Standalone {
        // The standalone app owns the document, so it also sets the document's language.
        Effect::new(move |_| {
            let tag = i18n.locale.get().tag();
            if let Some(html) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = html.set_attribute("lang", tag);
            }
        });
    }
    let page = move || match nav.current() {
        Route::Login => view! { <crate::pages::LoginPage /> }.into_any(),
        Route::Tokens => view! { <Guard><crate::pages::TokensPage /></Guard> }.into_any(),
        Route::NewToken => view! { <Guard><Later page=parts::wizard /></Guard> }.into_any(),
        Route::Security => view! { <Guard><Later page=parts::security /></Guard> }.into_any(),
        Route::Token(sid) => view! { <Guard><LaterEdit sid=sid.clone() /></Guard> }.into_any(),
        Route::Users => view! { <Guard><Later page=parts::users /></Guard> }.into_any(),
        Route::Account => view! { <Guard><Later page=parts::account /></Guard> }.into_any(),
        Route::Audit => view! { <Guard><Later page=parts::audit /></Guard> }.into_any(),
        Route::Notifications => {
            view! { <Guard><Later page=parts::notifications /></Guard> }.into_any()
        }
        Route::NotFound => view! { <crate::components::load::NotFound /> }.into_any(),
    };
    // On every page change (not the first page: the visitor has not moved yet) focus goes
    // to the new page's heading once it is there.
    let main_ref = NodeRef::<leptos::html::Main>::new();
    Effect::new(move |previous: Option<Route>| {
        let now = nav.current();
        if previous.is_some_and(|p| p != now) {
            focus_page_heading(main_ref, 60);
        }
        now
    });
    view! {
        <div class="tg-app" lang=move || i18n.locale.get().tag()>
            <Header main=main_ref />
            <main id="main" class="main" tabindex="-1" node_ref=main_ref>
                <Show when=move || auth.checked.get() fallback=move || view! { <p class="loading">{move || i18n.t("app.loading")}</p> }>
                    {page}
                </Show>
            </main>
            <ToastList />
        </div>
    }
}

/// A page whose code is loaded when it is first shown (see [`parts`]).
#[component]
fn Later<F, Fut>(page: F) -> impl IntoView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = AnyView> + Send + 'static,
{
    view! { <Suspense fallback=crate::components::load::Loading>{move || Suspend::new(page())}</Suspense> }
}

/// A token's page, loaded when first shown.
#[component]
fn LaterEdit(sid: String) -> impl IntoView {
    view! { <Later page=move || parts::edit(sid.clone()) /> }
}

/// Every page, each a split point: the build (`wasm-split`) moves the code only it uses into
/// a part of the app that the browser fetches when the page is first opened, so the first
/// load carries the shell alone (header, routes, API client, translations) and the sign-in
/// page is the shell and its own part.
/// `#[lazy]` generates the loader's glue, which declares `unsafe` imports; nothing else
/// here is unsafe. Each page is built untracked: `Suspend` tracks what its future reads, and
/// a page must not be rebuilt because a signal it read while being built changed.
#[allow(unsafe_code)]
mod parts {
    use leptos::prelude::*;

    use crate::pages::{
        AccountPage, AuditPage, EditPage, NotificationsPage, SecurityPage, UsersPage, WizardPage,
    };

    #[lazy]
    pub fn wizard() -> AnyView {
        untrack(|| view! { <WizardPage /> }.into_any())
    }

    #[lazy]
    pub fn edit(sid: String) -> AnyView {
        untrack(|| view! { <EditPage sid=sid /> }.into_any())
    }

    #[lazy]
    pub fn security() -> AnyView {
        untrack(|| view! { <SecurityPage /> }.into_any())
    }

    #[lazy]
    pub fn users() -> AnyView {
        untrack(|| view! { <UsersPage /> }.into_any())
    }

    #[lazy]
    pub fn account() -> AnyView {
        untrack(|| view! { <AccountPage /> }.into_any())
    }

    #[lazy]
    pub fn audit() -> AnyView {
        untrack(|| view! { <AuditPage /> }.into_any())
    }

    #[lazy]
    pub fn notifications() -> AnyView {
        untrack(|| view! { <NotificationsPage /> }.into_any())
    }
}

/// Sends signed-out visitors to the sign-in page.
#[component]
fn Guard(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let nav = use_navigator();
    Effect::new(move |_| {
        if auth.checked.get() && auth.session.with(Option::is_none) {
            nav.replace(Route::Login);
        }
    });
    let children = StoredValue::new(children);
    view! { <Show when=move || auth.session.with(Option::is_some)>{children.with_value(|c| c())}</Show> }
}

/// Focuses the page's `h1` when it has rendered (pages that load first show it a little
/// later: tried on the next `tries` frames), else the page's main region.
fn focus_page_heading(main: NodeRef<leptos::html::Main>, tries: u32) {
    request_animation_frame(move || {
        let Some(m) = main.try_get().flatten() else {
            return;
        };
        let heading = m.query_selector("h1").ok().flatten();
        if heading.is_some() || tries == 0 {
            crate::components::focus_start(&m, "h1");
        } else {
            focus_page_heading(main, tries - 1);
        }
    });
}

#[component]
fn Header(main: NodeRef<leptos::html::Main>) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let auth = use_auth();
    let nav = use_navigator();
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = api.logout().await;
            auth.session.set(None);
            nav.go(Route::Login);
        });
    };
    view! {
        <header class="header">
            <a class="skip" href="#main" on:click=move |ev| {
                // Focus rather than a jump to `#main`: the URL is the app's (or the host page's).
                ev.prevent_default();
                if let Some(m) = main.get() {
                    crate::components::focus_start(&m, "h1");
                }
            }>{move || i.t("app.skip")}</a>
            <span class="brand">{move || i.t("app.name")}</span>
            <Show when=move || auth.session.with(Option::is_some)>
                <nav class="nav" aria-label=move || i.t("nav.settings")>
                    <Show when=move || auth.can(Permission::ViewTokens)>
                        <Link to=Route::Tokens section=true>{move || i.t("nav.api")}</Link>
                    </Show>
                    <Show when=move || auth.can(Permission::ManageUsers)>
                        <Link to=Route::Users section=true>{move || i.t("nav.users")}</Link>
                    </Show>
                    <Show when=move || auth.can(Permission::ManageAccount)>
                        <Link to=Route::Account section=true>{move || i.t("nav.account")}</Link>
                    </Show>
                    <Show when=move || auth.can(Permission::ViewTokens)>
                        <Link to=Route::Notifications section=true>{move || i.t("nav.notifications")}</Link>
                    </Show>
                    <Show when=move || auth.can(Permission::ViewAudit)>
                        <Link to=Route::Audit section=true>{move || i.t("nav.audit")}</Link>
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
                        remember_locale(l);
                        // Signed in: the user's notifications follow the language they chose.
                        let signed_in = auth.session.with_untracked(Option::is_some);
                        leptos::task::spawn_local(async move {
                            i.switch(l).await;
                            if signed_in {
                                let _ = api.set_locale(l.language()).await;
                            }
                        });
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
                <button type="button" class="button small" on:click=sign_out>{move || i.t("app.sign_out")}</button>
            </Show>
        </header>
    }
}
