//! The banner a token shows once a secret scanner reported its Auth Token in public: where,
//! when, what was done, and reset as the next step.

use leptos::prelude::*;
use tollgate_core::leak_mark::{LeakMark, LeakedSecret};

use crate::i18n::use_i18n;

#[component]
pub fn LeakBanner(leak: LeakMark, on_reset: Option<Callback<()>>) -> impl IntoView {
    let i = use_i18n();
    let at = leak.reported_at.0;
    let link = leak.link().map(str::to_owned);
    let url = leak.url.clone();
    let source = leak.source.clone();
    let done = match (leak.secret, leak.stopped) {
        (LeakedSecret::Current, true) => "leak.stopped",
        (LeakedSecret::Previous, true) => "leak.stopped_previous",
        (_, false) => "leak.notify_only",
    };
    view! {
        <div class="leak-banner" role="alert" data-testid="leak-banner">
            <strong>{move || i.t("leak.title")}</strong>
            <p>
                {move || i.t("leak.found_at")}" "
                {match link {
                    Some(href) => view! { <a href=href rel="noopener noreferrer nofollow" target="_blank">{url.clone()}</a> }.into_any(),
                    None => view! { <code>{url.clone()}</code> }.into_any(),
                }}
                {format!(" ({source}) · ")}{move || i.datetime(at)}
            </p>
            <p>{move || i.t(done)}</p>
            {on_reset.map(|f| view! {
                <button type="button" class="button danger" data-testid="leak-reset" on:click=move |_| { f.try_run(()); }>{move || i.t("leak.reset")}</button>
            })}
        </div>
    }
}
