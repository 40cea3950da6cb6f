//! How a page shows data it is loading: `Transition` keeps what was shown while a new
//! request runs, `ErrorBoundary` shows a failed request in the admin's language with a way
//! to try again.

use leptos::prelude::*;

use crate::api::{ApiError, ApiResult};
use crate::i18n::use_i18n;

/// What a page shows of the data `resource` loads: "Loading…" until the first answer, then
/// `ready(value)` (built untracked; `Transition` keeps it shown while the resource loads
/// again), or the failure through an `ErrorBoundary`: an unknown address (404) is the
/// not-found page, anything else is said in the admin's language with Retry.
#[component]
pub fn Loaded<T, F, V>(resource: LocalResource<ApiResult<T>>, ready: F) -> impl IntoView
where
    T: Clone + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let retry = Callback::new(move |_| resource.refetch());
    view! {
        <Transition fallback=Loading>
            <ErrorBoundary fallback=move |errors| view! { <PageError errors=errors retry=retry /> }>
                {move || {
                    let ready = ready.clone();
                    Suspend::new(async move { resource.await.map(|v| untrack(|| ready(v))) })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

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
            <button type="button" class="button" on:click=move |_| { retry.try_run(()); }>{move || i.t("app.retry")}</button>
        </div>
    }
}

/// The "loading" line shown until the first answer.
#[component]
pub fn Loading() -> impl IntoView {
    let i = use_i18n();
    view! { <p class="loading">{move || i.t("app.loading")}</p> }
}

/// A page's load failed: an unknown address (404) is the not-found page, anything else is
/// said with Retry.
#[component]
pub fn PageError(errors: ArcRwSignal<Errors>, retry: Callback<()>) -> impl IntoView {
    let not_found = errors.with_untracked(|e| {
        e.iter().any(|(_, e)| {
            (**e)
                .downcast_ref::<ApiError>()
                .is_some_and(|a| a.status == 404)
        })
    });
    if not_found {
        view! { <NotFound /> }.into_any()
    } else {
        view! { <LoadError errors=errors retry=retry /> }.into_any()
    }
}

/// The page for an address that names nothing: says so, and links back to the tokens.
#[component]
pub fn NotFound() -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="card not-found" data-testid="not-found">
            <h1>{move || i.t("app.not_found")}</h1>
            <crate::route::Link to=crate::route::Route::Tokens class="button">{move || i.t("nav.api")}</crate::route::Link>
        </section>
    }
}
