//! The account page: its settings as the server last answered them, in sections (contact,
//! tokens, leaks and language) over one [`Settings`]; a save shows what the server kept.

use leptos::prelude::*;
use tollgate_core::api::{AccountPatch, AccountView};
use tollgate_core::language::Language;
use tollgate_core::leak_mark::LeakPolicy;

use crate::api::ApiError;
use crate::app::use_auth;
use crate::components::load::Loaded;
use crate::components::{FieldError, FormError, use_toasts};
use crate::i18n::use_i18n;

/// The account's settings: loaded through a resource, then the form.
#[component]
pub fn AccountPage() -> impl IntoView {
    let i = use_i18n();
    let api = crate::api::use_api();
    let loaded = LocalResource::new(move || api.account());
    view! {
        <h1>{move || i.t("account.title")}</h1>
        <Loaded resource=loaded ready=|a| view! { <AccountForm initial=a /> } />
    }
}

/// The account as last answered and the form's fields: what the sections share.
#[derive(Debug, Clone, Copy)]
struct Settings {
    account: RwSignal<Option<AccountView>>,
    contact_name: RwSignal<String>,
    contact_email: RwSignal<String>,
    api_access: RwSignal<bool>,
    show_once: RwSignal<bool>,
    max_days: RwSignal<String>,
    leak_policy: RwSignal<LeakPolicy>,
    language: RwSignal<Language>,
    error: RwSignal<Option<ApiError>>,
}

impl Settings {
    fn new() -> Settings {
        Settings {
            account: RwSignal::new(None),
            contact_name: RwSignal::new(String::new()),
            contact_email: RwSignal::new(String::new()),
            api_access: RwSignal::new(true),
            show_once: RwSignal::new(false),
            max_days: RwSignal::new(String::new()),
            leak_policy: RwSignal::new(LeakPolicy::Disable),
            language: RwSignal::new(Language::En),
            error: RwSignal::new(None),
        }
    }

    /// Shows `a` (the server's answer) in every field.
    fn fill(self, a: AccountView) {
        self.contact_name.set(a.contact_name.clone());
        self.contact_email.set(a.contact_email.clone());
        self.api_access.set(a.api_access_enabled);
        self.show_once.set(a.show_tokens_once);
        let days = a.max_token_lifetime_days.map(|d| d.to_string());
        self.max_days.set(days.unwrap_or_default());
        self.leak_policy.set(a.leak_policy);
        self.language.set(a.language);
        self.account.set(Some(a));
    }

    /// Whether the page is gone (an answer after the admin left is dropped).
    fn gone(self) -> bool {
        self.account.is_disposed()
    }

    /// The change the form asks for (everything it shows), at the revision it shows.
    fn patch(self) -> (AccountPatch, u64) {
        let p = AccountPatch {
            name: None,
            contact_name: Some(self.contact_name.get_untracked()),
            contact_email: Some(self.contact_email.get_untracked()),
            api_access_enabled: Some(self.api_access.get_untracked()),
            show_tokens_once: Some(self.show_once.get_untracked()),
            // Empty: no limit; anything else goes to the server, which says what is wrong.
            max_token_lifetime_days: Some(match self.max_days.get_untracked().trim() {
                "" => None,
                d => Some(d.parse::<u32>().unwrap_or(0)),
            }),
            language: Some(self.language.get_untracked()),
            leak_policy: Some(self.leak_policy.get_untracked()),
        };
        let revision = self
            .account
            .with_untracked(|a| a.as_ref().map(|a| a.revision))
            .unwrap_or(0);
        (p, revision)
    }
}

/// The settings form of a loaded account.
#[component]
fn AccountForm(initial: AccountView) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let auth = use_auth();
    let toasts = use_toasts();
    let s = Settings::new();
    // The header and the other pages read the account from the session: keep it current.
    let show = move |a: AccountView| {
        auth.session.update(|session| {
            if let Some(session) = session {
                session.account = a.clone();
            }
        });
        s.fill(a);
    };
    show(initial);
    // The answer is handled where the request was made; the page may be gone by then.
    let save = Action::new_local(move |(p, revision): &(AccountPatch, u64)| {
        let (p, revision) = (p.clone(), *revision);
        async move {
            let answer = api.patch_account(&p, revision).await;
            if s.gone() {
                return;
            }
            match answer {
                Ok(a) => {
                    s.error.set(None);
                    show(a);
                    toasts.ok(i.t("app.saved"));
                }
                Err(e) if e.is_stale() => {
                    if let Some(a) = e.current::<AccountView>() {
                        show(a);
                    }
                    toasts.stale();
                }
                Err(e) => s.error.set(Some(e)),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(s.patch());
    };
    view! {
        <Show when=move || s.account.with(Option::is_some)>
            <form class="card" on:submit=submit>
                <Identity s=s />
                <Contact s=s />
                <TokenRules s=s />
                <LeaksAndLanguage s=s />
                <FormError error=s.error fields=&["contact_name", "contact_email", "max_token_lifetime_days"] />
                <button type="submit" class="button primary" disabled=move || save.pending().get()>{move || i.t("app.save")}</button>
            </form>
        </Show>
    }
}

/// The account's name and type (not changed here).
#[component]
fn Identity(s: Settings) -> impl IntoView {
    let i = use_i18n();
    let name = move || s.account.with(|a| a.as_ref().map(|a| a.name.clone()));
    let kind = move || {
        s.account.with(|a| {
            a.as_ref()
                .map(|a| i.t(&format!("type.{}", a.account_type.as_str())))
        })
    };
    view! {
        <p>{move || i.t("account.name")}": "{name}</p>
        <p>{move || i.t("account.type")}": "{kind}</p>
    }
}

/// The technical contact.
#[component]
fn Contact(s: Settings) -> impl IntoView {
    let i = use_i18n();
    let (name, email) = (s.contact_name, s.contact_email);
    view! {
        <label for="c-name">{move || i.t("account.contact_name")}</label>
        <input id="c-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
        <FieldError error=s.error field="contact_name" />
        <label for="c-email">{move || i.t("account.contact_email")}</label>
        <input id="c-email" type="email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
        <FieldError error=s.error field="contact_email" />
    }
}

/// What holds for every token of the account: API access, show-once, the lifetime limit.
#[component]
fn TokenRules(s: Settings) -> impl IntoView {
    let i = use_i18n();
    let (api_access, show_once, max_days) = (s.api_access, s.show_once, s.max_days);
    view! {
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
        <FieldError error=s.error field="max_token_lifetime_days" />
    }
}

/// What a reported leak does, and the language of notifications to developer e-mails.
#[component]
fn LeaksAndLanguage(s: Settings) -> impl IntoView {
    let i = use_i18n();
    let (leak_policy, language) = (s.leak_policy, s.language);
    let languages = [
        (Language::En, "English"),
        (Language::Ja, "日本語"),
        (Language::Zh, "简体中文"),
    ];
    view! {
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
            on:change=move |ev| language.set(event_target_value(&ev).parse().unwrap_or_default())>
            {languages
                .into_iter()
                .map(|(l, name)| view! { <option value=l.code() selected=move || language.get() == l>{name}</option> })
                .collect_view()}
        </select>
    }
}
