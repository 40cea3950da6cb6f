//! The pages of the admin app.

mod account;
mod audit;
mod edit;
mod leak;
mod login;
mod notifications;
mod policy;
mod security;
mod tokens;
mod users;
mod wizard;

pub use account::AccountPage;
pub use audit::AuditPage;
pub use edit::EditPage;
pub use login::LoginPage;
pub use notifications::NotificationsPage;
pub use security::SecurityPage;
pub use tokens::TokensPage;
pub use users::UsersPage;
pub use wizard::WizardPage;

use crate::route::{Link, Route};
use leptos::prelude::*;

use crate::i18n::use_i18n;

/// "Settings › Technical › API" above the token pages.
#[component]
pub fn Crumbs() -> impl IntoView {
    let i = use_i18n();
    view! {
        <nav class="crumbs" aria-label="breadcrumb">
            <span>{move || i.t("nav.settings")}</span>
            " › "
            <span>{move || i.t("nav.technical")}</span>
            " › "
            <Link to=Route::Tokens>{move || i.t("nav.api")}</Link>
        </nav>
    }
}

/// The credentials panel shown once after create, duplicate and reset.
#[component]
pub fn IssuedPanel(issued: tollgate_core::api::IssuedToken, on_close: Callback<()>) -> impl IntoView {
    use crate::components::CopyButton;
    let i = use_i18n();
    let sid = issued.token.sid.to_string();
    let token = issued.auth_token.clone();
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let base = match (crate::api::api_url(), crate::api::base()) {
        (api, _) if !api.is_empty() => api,
        (_, admin) if !admin.is_empty() => admin,
        _ => origin,
    };
    let curl = format!("curl -u '{sid}:{token}' {base}/v1/verify");
    let (s1, s2, t1, t2, c1, c2) = (sid.clone(), sid.clone(), token.clone(), token.clone(), curl.clone(), curl.clone());
    view! {
        <section class="issued" aria-labelledby="issued-title">
            <h2 id="issued-title">{move || i.t("done.title")}</h2>
            <p class="warning" role="note">{move || i.t("done.warning")}</p>
            <dl>
                <dt>{move || i.t("done.sid")}</dt>
                <dd>
                    <code data-testid="issued-sid">{s1}</code>
                    <CopyButton value=Signal::derive(move || s2.clone()) label=Signal::derive(move || i.t("edit.copy_sid")) />
                </dd>
                <dt>{move || i.t("done.token")}</dt>
                <dd>
                    <code data-testid="issued-token">{t1}</code>
                    <CopyButton value=Signal::derive(move || t2.clone()) label=Signal::derive(move || i.t("edit.copy_token")) />
                </dd>
                <dt>{move || i.t("done.example")}</dt>
                <dd>
                    <code class="curl">{c1}</code>
                    <CopyButton value=Signal::derive(move || c2.clone()) label=Signal::derive(move || i.t("done.copy_example")) />
                </dd>
            </dl>
            <button type="button" class="button primary" on:click=move |_| on_close.run(())>{move || i.t("done.back")}</button>
        </section>
    }
}
