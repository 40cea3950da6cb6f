//! The Notifications page: every message to the people on the account's tokens — who, what,
//! when, and whether it was delivered (or kept here, without a mail API).

use leptos::prelude::*;
use tollgate_core::notify::{Delivery, NotificationPage as Page, NotificationView};

use crate::api::{self, ApiError};
use crate::components::load::Loaded;
use crate::components::{ScrollRegion, use_toasts};
use crate::i18n::use_i18n;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i = use_i18n();
    let first = LocalResource::new(|| api::notifications(None));
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
    let i = use_i18n();
    let toasts = use_toasts();
    let mail_configured = first.mail_configured;
    let entries = RwSignal::new(first.entries);
    let next = RwSignal::new(first.next_cursor);
    let more = Action::new_local(|cursor: &String| {
        let c = cursor.clone();
        async move { api::notifications(Some(&c)).await }
    });
    Effect::new(move |_| match more.value().get() {
        Some(Ok(p)) => {
            entries.update(|e| e.extend(p.entries));
            next.set(p.next_cursor);
        }
        Some(Err::<Page, ApiError>(e)) => toasts.fail(&e),
        None => {}
    });
    view! {
        <Show when=move || !mail_configured>
            <p class="card" role="note" data-testid="mail-off">{move || i.t("notifications.kept_note")}</p>
        </Show>
        <Show when=move || entries.with(Vec::is_empty)><p class="empty">{move || i.t("notifications.empty")}</p></Show>
        <ScrollRegion label=Signal::derive(move || i.t("notifications.title"))>
            <table class="table" data-testid="notifications">
                <caption class="visually-hidden">{move || i.t("notifications.title")}</caption>
                <thead><tr>
                    <th scope="col">{move || i.t("notifications.when")}</th>
                    <th scope="col">{move || i.t("notifications.what")}</th>
                    <th scope="col">{move || i.t("notifications.token")}</th>
                    <th scope="col">{move || i.t("notifications.to")}</th>
                    <th scope="col">{move || i.t("notifications.status")}</th>
                </tr></thead>
                <tbody>
                    <For each=move || entries.get() key=|n| (n.id.clone(), n.updated_at, n.delivery) let:n>
                        <NotificationRow n=n />
                    </For>
                </tbody>
            </table>
        </ScrollRegion>
        <Show when=move || next.with(Option::is_some)>
            <button type="button" class="button" disabled=move || more.pending().get()
                on:click=move |_| { if let Some(c) = next.get_untracked() { more.dispatch(c); } }>{move || i.t("app.load_more")}</button>
        </Show>
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
