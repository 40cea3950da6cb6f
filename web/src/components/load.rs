//! How a page shows data it is loading: `Transition` keeps what was shown while a new
//! request runs, `ErrorBoundary` shows a failed request in the admin's language with a way
//! to try again.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::use_i18n;

/// The messages of the errors an `ErrorBoundary` caught, and a Retry button.
#[component]
pub fn LoadError(errors: ArcRwSignal<Errors>, retry: Callback<()>) -> impl IntoView {
    let i = use_i18n();
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| match (*e).downcast_ref::<ApiError>() {
                Some(api) => api.text(i),
                None => i.t("app.error"),
            })
            .collect::<Vec<_>>()
    };
    view! {
        <div class="card load-error" role="alert">
            <For each=messages key=|m| m.clone() let:m><p>{m}</p></For>
            <button type="button" class="button" on:click=move |_| retry.run(())>{move || i.t("app.retry")}</button>
        </div>
    }
}

/// The "loading" line shown until the first answer.
#[component]
pub fn Loading() -> impl IntoView {
    let i = use_i18n();
    view! { <p class="loading">{move || i.t("app.loading")}</p> }
}
