use crate::route::{Route, use_navigator};
use leptos::prelude::*;

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::FormError;
use crate::i18n::use_i18n;

#[component]
pub fn LoginPage() -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let nav = use_navigator();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match api::login(&email.get_untracked(), &password.get_untracked()).await {
                Ok(s) => {
                    // The page goes away: nothing of its own is touched after this.
                    auth.session.set(Some(s));
                    nav.go(Route::Tokens);
                }
                Err(mut e) => {
                    if e.status == 401 {
                        e.code = "invalid_credentials".into();
                    }
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        });
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
