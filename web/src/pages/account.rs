use leptos::prelude::*;
use tollgate_core::api::{AccountPatch, AccountView};
use tollgate_core::language::Language;
use tollgate_core::leak_mark::LeakPolicy;

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::load::Loaded;
use crate::components::{FieldError, FormError, use_toasts};
use crate::i18n::use_i18n;

/// The account's settings: loaded through a resource, then the form.
#[component]
pub fn AccountPage() -> impl IntoView {
    let i = use_i18n();
    let loaded = LocalResource::new(api::account);
    view! {
        <h1>{move || i.t("account.title")}</h1>
        <Loaded resource=loaded ready=|a| view! { <AccountForm initial=a /> } />
    }
}

/// The settings form of a loaded account; a save shows what the server kept.
#[component]
fn AccountForm(initial: AccountView) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toasts = use_toasts();
    let account = RwSignal::new(None::<AccountView>);
    let contact_name = RwSignal::new(String::new());
    let contact_email = RwSignal::new(String::new());
    let api_access = RwSignal::new(true);
    let show_once = RwSignal::new(false);
    let max_days = RwSignal::new(String::new());
    let leak_policy = RwSignal::new(LeakPolicy::Disable);
    let language = RwSignal::new(Language::En);
    let error = RwSignal::new(None::<ApiError>);
    let fill = move |a: AccountView| {
        contact_name.set(a.contact_name.clone());
        contact_email.set(a.contact_email.clone());
        api_access.set(a.api_access_enabled);
        show_once.set(a.show_tokens_once);
        max_days.set(
            a.max_token_lifetime_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        );
        leak_policy.set(a.leak_policy);
        language.set(a.language);
        auth.session.update(|s| {
            if let Some(s) = s {
                s.account = a.clone()
            }
        });
        account.set(Some(a));
    };
    fill(initial);
    let save_action = Action::new_local(|(p, revision): &(AccountPatch, u64)| {
        let (p, revision) = (p.clone(), *revision);
        async move { api::patch_account(&p, revision).await }
    });
    Effect::new(move |_| {
        let Some(answer) = save_action.value().get() else {
            return;
        };
        untrack(|| match answer {
            Ok(a) => {
                error.set(None);
                fill(a);
                toasts.ok(i.t("app.saved"));
            }
            Err(e) if e.is_stale() => {
                if let Some(a) = e.current::<AccountView>() {
                    fill(a);
                }
                toasts.stale();
            }
            Err(e) => error.set(Some(e)),
        });
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = AccountPatch {
            name: None,
            contact_name: Some(contact_name.get_untracked()),
            contact_email: Some(contact_email.get_untracked()),
            api_access_enabled: Some(api_access.get_untracked()),
            show_tokens_once: Some(show_once.get_untracked()),
            // Empty: no limit; anything else goes to the server, which says what is wrong.
            max_token_lifetime_days: Some(match max_days.get_untracked().trim() {
                "" => None,
                d => Some(d.parse::<u32>().unwrap_or(0)),
            }),
            language: Some(language.get_untracked()),
            leak_policy: Some(leak_policy.get_untracked()),
        };
        let revision = account
            .with_untracked(|a| a.as_ref().map(|a| a.revision))
            .unwrap_or(0);
        save_action.dispatch((p, revision));
    };
    view! {
        <Show when=move || account.with(Option::is_some)>
            <form class="card" on:submit=save>
                <p>{move || i.t("account.name")}": "{move || account.with(|a| a.as_ref().map(|a| a.name.clone()))}</p>
                <p>{move || i.t("account.type")}": "{move || account.with(|a| a.as_ref().map(|a| i.t(&format!("type.{}", a.account_type.as_str()))))}</p>
                <label for="c-name">{move || i.t("account.contact_name")}</label>
                <input id="c-name" prop:value=move || contact_name.get() on:input=move |ev| contact_name.set(event_target_value(&ev)) />
                <FieldError error=error field="contact_name" />
                <label for="c-email">{move || i.t("account.contact_email")}</label>
                <input id="c-email" type="email" prop:value=move || contact_email.get() on:input=move |ev| contact_email.set(event_target_value(&ev)) />
                <FieldError error=error field="contact_email" />
                <label class="switch"><input type="checkbox" role="switch" prop:checked=move || api_access.get() on:change=move |ev| api_access.set(event_target_checked(&ev)) />
                    <span>{move || i.t("account.api_access")}</span></label>
                <p class="hint">{move || i.t("account.api_access_hint")}</p>
                <label class="switch"><input type="checkbox" role="switch" prop:checked=move || show_once.get() on:change=move |ev| show_once.set(event_target_checked(&ev)) />
                    <span>{move || i.t("account.show_once")}</span></label>
                <p class="hint">{move || i.t("account.show_once_hint")}</p>
                <label for="max-lifetime">{move || i.t("account.max_lifetime")}</label>
                <p class="hint" id="max-lifetime-hint">{move || i.t("account.max_lifetime_hint")}</p>
                <input id="max-lifetime" type="number" min="1" inputmode="numeric" aria-describedby="max-lifetime-hint err-max_token_lifetime_days"
                    prop:value=move || max_days.get() on:input=move |ev| max_days.set(event_target_value(&ev)) />
                <FieldError error=error field="max_token_lifetime_days" />
                <label for="leak-policy">{move || i.t("account.leak_policy")}</label>
                <p class="hint" id="leak-policy-hint">{move || i.t("account.leak_policy_hint")}</p>
                <select id="leak-policy" data-testid="leak-policy" aria-describedby="leak-policy-hint"
                    on:change=move |ev| leak_policy.set(if event_target_value(&ev) == "notify" { LeakPolicy::Notify } else { LeakPolicy::Disable })>
                    <option value="disable" selected=move || leak_policy.get() == LeakPolicy::Disable>{move || i.t("account.leak_disable")}</option>
                    <option value="notify" selected=move || leak_policy.get() == LeakPolicy::Notify>{move || i.t("account.leak_notify")}</option>
                </select>
                <label for="mail-language">{move || i.t("account.language")}</label>
                <p class="hint" id="mail-language-hint">{move || i.t("account.language_hint")}</p>
                <select id="mail-language" aria-describedby="mail-language-hint"
                    on:change=move |ev| language.set(match event_target_value(&ev).as_str() { "ja" => Language::Ja, "zh" => Language::Zh, _ => Language::En })>
                    {[(Language::En, "English"), (Language::Ja, "日本語"), (Language::Zh, "简体中文")]
                        .into_iter()
                        .map(|(l, name)| view! { <option value=l.code() selected=move || language.get() == l>{name}</option> })
                        .collect_view()}
                </select>
                <FormError error=error fields=&["contact_name", "contact_email", "max_token_lifetime_days"] />
                <button type="submit" class="button primary" disabled=move || save_action.pending().get()>{move || i.t("app.save")}</button>
            </form>
        </Show>
    }
}
