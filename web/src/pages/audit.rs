use leptos::prelude::*;
use tollgate_core::api::{AuditAction, AuditEntry, TokenView};

use crate::api;
use crate::components::use_toasts;
use crate::i18n::use_i18n;

#[component]
pub fn AuditPage() -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next = RwSignal::new(None::<String>);
    let token = RwSignal::new(String::new());
    let tokens = RwSignal::new(Vec::<TokenView>::new());
    let loading = RwSignal::new(true);
    leptos::task::spawn_local(async move {
        if let Ok(p) = api::tokens(None).await {
            tokens.set(p.tokens);
        }
    });
    let load = move |cursor: Option<String>| {
        loading.set(true);
        let t = token.get_untracked();
        leptos::task::spawn_local(async move {
            match api::audit((!t.is_empty()).then_some(t.as_str()), cursor.as_deref()).await {
                Ok(p) => {
                    if cursor.is_some() {
                        entries.update(|e| e.extend(p.entries))
                    } else {
                        entries.set(p.entries)
                    }
                    next.set(p.next_cursor);
                }
                Err(e) => toasts.fail(&e),
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| {
        token.track();
        load(None);
    });
    view! {
        <h1>{move || i.t("audit.title")}</h1>
        <label class="visually-hidden" for="audit-token">{move || i.t("audit.target")}</label>
        <select id="audit-token" on:change=move |ev| token.set(event_target_value(&ev))>
            <option value="">{move || i.t("audit.all_tokens")}</option>
            <For each=move || tokens.get() key=|t| t.sid.to_string() let:t>
                <option value=t.sid.to_string()>{format!("{} ({})", t.name, t.sid)}</option>
            </For>
        </select>
        <Show when=move || loading.get()><p class="loading">{move || i.t("app.loading")}</p></Show>
        <Show when=move || !loading.get() && entries.with(Vec::is_empty)><p class="empty">{move || i.t("audit.empty")}</p></Show>
        <table class="table">
            <thead><tr><th>{move || i.t("audit.when")}</th><th>{move || i.t("audit.who")}</th><th>{move || i.t("audit.what")}</th><th>{move || i.t("audit.target")}</th></tr></thead>
            <tbody>
                <For each=move || entries.get() key=|e| e.id.clone() let:e>
                    {
                        let at = e.at.0;
                        let action = serde_json::to_value(e.action).ok().and_then(|v| v.as_str().map(|s| format!("action.{s}"))).unwrap_or_default();
                        let detail = e.detail.clone();
                        let edited = matches!(e.action, AuditAction::TokenEdited | AuditAction::AccountEdited);
                        view! {
                            <tr>
                                <td>{move || i.datetime(at)}</td>
                                <td>{e.actor_email.clone()}</td>
                                <td>{move || i.t(&action)}{move || detail.as_deref().map(|d| format!(" ({})", if edited { field_names(i, d) } else { d.to_owned() }))}</td>
                                <td>{e.target_name.clone()}" "<code>{e.target.clone()}</code></td>
                            </tr>
                        }
                    }
                </For>
            </tbody>
        </table>
        <Show when=move || next.with(Option::is_some)>
            <button type="button" class="button" on:click=move |_| load(next.get_untracked())>{move || i.t("app.load_more")}</button>
        </Show>
    }
}

/// The fields an edit changed ("name,scopes"), as the app labels them, in a list for the
/// admin's language.
fn field_names(i: crate::i18n::I18n, keys: &str) -> String {
    keys.split(',')
        .filter(|k| !k.is_empty())
        .map(|k| i.find(&format!("field.{k}")).unwrap_or_else(|| k.to_owned()))
        .collect::<Vec<_>>()
        .join(&i.t("audit.list_separator"))
}
