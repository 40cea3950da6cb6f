//! The Notifications page: every message to the people on the account's tokens — who, what,
//! when, and whether it was delivered (or kept here, without a mail API).

use leptos::prelude::*;
use tollgate_core::notify::{Delivery, NotificationPage as Page, NotificationView};

use crate::components::load::Loaded;
use crate::components::paged::{Columns, Paged, PagedTable};
use crate::i18n::use_i18n;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let first = LocalResource::new(move || api.notifications(None));
    view! {
        <h1>{move || i.t("notifications.title")}</h1>
        <p class="hint">{move || i.t("notifications.intro")}</p>
        <button type="button" class="button small" on:click=move |_| first.refetch()>{move || i.t("notifications.refresh")}</button>
        <Loaded resource=first ready=|page| view! { <Notifications first=page /> } />
    }
}

/// The first page of messages, and the pages "Load more" adds.
#[component]
fn Notifications(first: Page) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let mail_configured = first.mail_configured;
    let load =
        move |cursor: String| async move { Ok(paged(api.notifications(Some(&cursor)).await?)) };
    let columns = Columns {
        caption: "notifications.title",
        headings: &[
            "notifications.when",
            "notifications.what",
            "notifications.token",
            "notifications.to",
            "notifications.status",
        ],
        empty: "notifications.empty",
        testid: Some("notifications"),
    };
    view! {
        <Show when=move || !mail_configured>
            <p class="card" role="note" data-testid="mail-off">{move || i.t("notifications.kept_note")}</p>
        </Show>
        <PagedTable first=paged(first) columns=columns load=load
            key=|n: &NotificationView| (n.id.clone(), n.updated_at, n.delivery)
            row=|n| view! { <NotificationRow n=n /> } />
    }
}

fn paged(p: Page) -> Paged<NotificationView> {
    Paged {
        entries: p.entries,
        next: p.next_cursor,
    }
}

#[component]
fn NotificationRow(n: NotificationView) -> impl IntoView {
    let i = use_i18n();
    let at = n.at.0;
    let event = format!("event.{}", n.event.as_str());
    let role = format!("notifications.role.{}", n.role.as_str());
    let status = format!("delivery.{}", n.delivery.as_str());
    let failed = n.delivery == Delivery::Failed;
    let attempts = n.attempts;
    let error = n.last_error.clone();
    view! {
        <tr data-delivery=n.delivery.as_str() data-event=n.event.as_str()>
            <td class="nowrap">{move || i.datetime(at)}</td>
            <td>
                {move || i.t(&event)}" · "{n.actor.clone()}
                <details><summary>{n.subject.clone()}</summary><pre class="mail-text">{n.text.clone()}</pre></details>
            </td>
            <td>{n.token_name.clone()}" "<code>{n.sid.clone()}</code></td>
            <td>{n.recipient.clone()}" "<span class="hint">{move || i.t(&role)}" · "{n.language.code()}</span></td>
            <td>
                <span class="badge" class:badge-off=failed>{move || i.t(&status)}</span>
                <Show when=move || { attempts > 0 }><span class="hint">{move || i.tn("notifications.attempts", attempts as usize)}</span></Show>
                {error.map(|e| view! { <p class="hint">{e}</p> })}
            </td>
        </tr>
    }
}
