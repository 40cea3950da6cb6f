//! The people on a token: the primary-contact select and the developer e-mail list, and
//! how a rule the app checks itself becomes an error shown beside its field.

use leptos::prelude::*;
use tollgate_core::api::UserView;
use tollgate_core::email::normalize_email;
use tollgate_core::token::{TokenError, check_emails};

use crate::api::ApiError;
use crate::components::FieldError;
use crate::i18n::use_i18n;

/// A core rule's refusal as the API would answer it (its status, code, field, values).
pub fn local_error(e: TokenError) -> ApiError {
    ApiError::from(tollgate_core::error_code::Failure::from(e))
}

/// The developer e-mail list editor (add, remove, validated with the core's rules).
#[component]
pub fn EmailList(
    emails: RwSignal<Vec<String>>,
    error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let i = use_i18n();
    let draft = RwSignal::new(String::new());
    let add = move || {
        let raw = draft.get_untracked();
        match normalize_email(&raw) {
            Ok(e) => {
                let mut next = emails.get_untracked();
                next.push(e);
                match check_emails(&next) {
                    Ok(list) => {
                        emails.set(list);
                        draft.set(String::new());
                        error.set(None);
                    }
                    Err(err) => error.set(Some(local_error(err))),
                }
            }
            Err(reason) => error.set(Some(local_error(TokenError::EmailInvalid {
                email: raw,
                reason,
            }))),
        }
    };
    view! {
        <label for="email-new">{move || i.t("wizard.emails")}</label>
        <p class="hint">{move || i.t("wizard.emails_hint")}</p>
        <ul class="emails">
            <For each=move || emails.get() key=|e| e.clone() let:e>
                {
                    let e2 = e.clone();
                    view! { <li><span>{e.clone()}</span>
                        <button type="button" class="link" aria-label=move || format!("{} {}", i.t("wizard.remove"), e2) on:click={ let e = e.clone(); move |_| emails.update(|l| l.retain(|x| *x != e)) }>{move || i.t("wizard.remove")}</button></li> }
                }
            </For>
        </ul>
        <div class="row">
            <input id="email-new" type="email" aria-describedby="err-developer_emails" prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| { if ev.key() == "Enter" { ev.prevent_default(); add(); } } />
            <button type="button" class="button" on:click=move |_| add()>{move || i.t("wizard.add_email")}</button>
        </div>
        <FieldError error=error field="developer_emails" />
    }
}

#[component]
pub fn ContactSelect(users: RwSignal<Vec<UserView>>, contact: RwSignal<String>) -> impl IntoView {
    let i = use_i18n();
    let enabled_users = move || {
        users
            .get()
            .into_iter()
            .filter(|u| u.enabled)
            .collect::<Vec<_>>()
    };
    // The choice shown is the one kept, also when the select is drawn again (a step
    // revisited) or its options arrive after it.
    let select_ref = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        let chosen = contact.get();
        users.track();
        request_animation_frame(move || {
            if let Some(s) = select_ref.try_get().flatten() {
                s.set_value(&chosen);
            }
        });
    });
    view! {
        <select id="contact" node_ref=select_ref aria-describedby="err-primary_contact" on:change=move |ev| contact.set(event_target_value(&ev))>
            <option value="" selected=move || contact.with(String::is_empty)>{move || i.t("wizard.choose")}</option>
            <For each=enabled_users key=|u| u.id.clone() let:u>
                {
                    let id = u.id.clone();
                    let id2 = id.clone();
                    view! { <option value=id selected=move || contact.with(|c| *c == id2)>{format!("{} <{}>", u.name, u.email)}</option> }
                }
            </For>
        </select>
    }
}
