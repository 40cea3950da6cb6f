use leptos::prelude::*;

use crate::components::Crumbs;
use crate::i18n::use_i18n;

/// The product's advice on keeping access tokens secure.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let i = use_i18n();
    let section = move |title: &'static str, items: &'static [&'static str]| {
        view! {
            <section class="card">
                <h2>{move || i.t(title)}</h2>
                <ul>{items.iter().map(|k| view! { <li>{move || i.t(k)}</li> }).collect_view()}</ul>
            </section>
        }
    };
    view! {
        <Crumbs />
        <h1>{move || i.t("security.title")}</h1>
        <p>{move || i.t("security.intro")}</p>
        {section("security.storing", &["security.share", "security.store", "security.encrypt"])}
        {section("security.rotating", &["security.rotate"])}
        {section("security.limiting", &["security.least"])}
        {section("security.policies", &["security.expiry", "security.ips", "security.rate"])}
        {section("security.revoking", &["security.compromised", "security.unused", "security.contact"])}
    }
}
