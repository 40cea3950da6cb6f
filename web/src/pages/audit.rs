//! The audit log: who did what and when, for all tokens and users or one token; newest
//! first, fifty at a time.

use leptos::prelude::*;
use tollgate_core::api::AuditPage as Page;
use tollgate_core::audit::AuditEntry;

use crate::components::load::Loaded;
use crate::components::paged::{Columns, Paged, PagedTable};
use crate::i18n::use_i18n;

#[component]
pub fn AuditPage() -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let token = RwSignal::new(String::new());
    let tokens = LocalResource::new(move || async move {
        api.tokens("", None)
            .await
            .map(|p| p.tokens)
            .unwrap_or_default()
    });
    let first = LocalResource::new(move || {
        let t = token.get();
        async move { api.audit((!t.is_empty()).then_some(t.as_str()), None).await }
    });
    view! {
        <h1>{move || i.t("audit.title")}</h1>
        <label class="visually-hidden" for="audit-token">{move || i.t("audit.target")}</label>
        <select id="audit-token" on:change=move |ev| token.set(event_target_value(&ev))>
            <option value="">{move || i.t("audit.all_tokens")}</option>
            <For each=move || tokens.get().unwrap_or_default() key=|t| t.sid.to_string() let:t>
                <option value=t.sid.to_string()>{format!("{} ({})", t.name, t.sid)}</option>
            </For>
        </select>
        <Loaded resource=first ready=move |page| view! { <AuditLog first=page token=token.get_untracked() /> } />
    }
}

/// The first page of entries, and the pages "Load more" adds.
#[component]
fn AuditLog(first: Page, token: String) -> impl IntoView {
    let api = crate::api::use_api();
    let load = move |cursor: String| {
        let t = token.clone();
        async move {
            let p = api
                .audit((!t.is_empty()).then_some(t.as_str()), Some(&cursor))
                .await?;
            Ok(paged(p))
        }
    };
    let columns = Columns {
        caption: "audit.title",
        headings: &["audit.when", "audit.who", "audit.what", "audit.target"],
        empty: "audit.empty",
        testid: None,
    };
    view! {
        <PagedTable first=paged(first) columns=columns load=load key=|e: &AuditEntry| e.id.clone()
            row=|e| view! { <AuditRow entry=e /> } />
    }
}

fn paged(p: Page) -> Paged<AuditEntry> {
    Paged {
        entries: p.entries,
        next: p.next_cursor,
    }
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    let i = use_i18n();
    let e = entry;
    let at = e.at.0;
    let action = format!("action.{}", e.action.as_str());
    let detail = e.detail.clone();
    let edited = e.action.lists_fields();
    view! {
        <tr>
            <td class="nowrap">{move || i.datetime(at)}</td>
            <td>{e.actor_email.clone()}</td>
            <td>{move || i.t(&action)}{move || detail.as_deref().map(|d| format!(" ({})", if edited { field_names(i, d) } else { d.to_owned() }))}</td>
            <td>{e.target_name.clone()}" "<code>{e.target.clone()}</code></td>
        </tr>
    }
}

/// The fields an edit changed ("name,scopes"), as the app labels them, in a list for the
/// admin's language.
fn field_names(i: crate::i18n::I18n, keys: &str) -> String {
    keys.split(',')
        .filter(|k| !k.is_empty())
        .map(|k| {
            i.find(&format!("field.{k}"))
                .unwrap_or_else(|| k.to_owned())
        })
        .collect::<Vec<_>>()
        .join(&i.t("audit.list_separator"))
}
