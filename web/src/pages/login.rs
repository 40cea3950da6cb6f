use crate::route::{Route, use_navigator};
use leptos::prelude::*;

use crate::api::ApiError;
use crate::app::use_auth;
use crate::components::FormError;
use crate::i18n::use_i18n;

/// Sign-in: e-mail and password; a refusal is said above the button.
#[component]
pub fn LoginPage() -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let auth = use_auth();
    let nav = use_navigator();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    // Signed in: the session is the app's and the page goes away, so nothing of the page's
    // own is touched after the answer (that is done in the action, not in an effect here).
    let login = Action::new_local(move |(email, password): &(String, String)| {
        let (email, password) = (email.clone(), password.clone());
        async move {
            match api.login(&email, &password).await {
                Ok(s) => {
                    auth.session.set(Some(s));
                    nav.go(Route::Tokens);
                }
                Err(mut e) => {
                    if e.status == 401 {
                        e.code = Some(tollgate_core::error_code::ErrorCode::InvalidCredentials);
                    }
                    error.try_set(Some(e));
                }
            }
        }
    });
    let busy = login.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        login.dispatch((email.get_untracked(), password.get_untracked()));
    };
    view! {
        <section class="card narrow">
            <h1>{move || i.t("login.title")}</h1>
            <form on:submit=submit>
                <label for="email">{move || i.t("login.email")}</label>
                <input id="email" type="email" autocomplete="username" required prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
                <label for="password">{move || i.t("login.password")}</label>
                <input id="password" type="password" autocomplete="current-password" required prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                <FormError error=error fields=&[] />
                <button type="submit" class="button primary" disabled=move || busy.get()>
                    {move || if busy.get() { i.t("app.loading") } else { i.t("login.submit") }}
                </button>
            </form>
        </section>
    }
}
