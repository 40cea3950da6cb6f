//! "Create access token": Setup, Contact information, API scopes, Create.

use std::collections::BTreeSet;

use crate::route::{Route, use_navigator};
use leptos::prelude::*;
use tollgate_core::account::AccountType;
use tollgate_core::api::{CatalogResponse, IssuedToken, TokenDraft, UserView};
use tollgate_core::policy::{RateLimit, check_allowed_ips, check_expiry, check_rate_limit};
use tollgate_core::time::Timestamp;
use tollgate_core::token::{TokenError, check_description, check_emails, check_name};
use tollgate_core::version::{ApiVersion, VERSIONS};

use crate::api::ApiError;
use crate::components::contacts::{ContactSelect, EmailList, local_error};
use crate::components::form::TokenFields;
use crate::components::load::Loaded;
use crate::components::policy::{ExpiryField, IpField, RateField, ip_lines};
use crate::components::{Crumbs, IssuedPanel};
use crate::components::{FieldError, FormError, ScopePicker, use_toasts};
use crate::i18n::use_i18n;

const STEPS: [&str; 4] = [
    "wizard.step1",
    "wizard.step2",
    "wizard.step3",
    "wizard.step4",
];

/// The wizard's draft, kept by the app while it runs: each step is a history entry
/// (`?step=N`), and Back or Forward into the wizard from another page finds the draft again.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    name: String,
    description: String,
    version: Option<ApiVersion>,
    contact: String,
    emails: Vec<String>,
    scopes: BTreeSet<String>,
    expires_at: Option<Timestamp>,
    ips: String,
    rate: Option<RateLimit>,
    /// The furthest step (0-based) the draft passed the checks up to.
    reached: usize,
}

impl Draft {
    /// What `POST /api/tokens` is sent.
    fn token_draft(&self) -> TokenDraft {
        TokenDraft {
            name: self.name.clone(),
            description: self.description.clone(),
            api_version: self.version,
            primary_contact: self.contact.clone(),
            developer_emails: self.emails.clone(),
            scopes: self.scopes.iter().cloned().collect(),
            expires_at: self.expires_at,
            allowed_ips: ip_lines(&self.ips),
            rate_limit: self.rate,
        }
    }
}

/// Where the app keeps the draft (provided by the shell).
#[derive(Debug, Clone, Copy)]
pub struct DraftMemory(pub StoredValue<Option<Draft>>);

/// The step (0-based) a wizard URL's query names.
fn step_in(query: &str) -> Option<usize> {
    query
        .split('&')
        .find_map(|p| p.strip_prefix("step="))?
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
        .map(|s| s.min(3))
}

/// The wizard's fields, shared by its steps: a token's, and the API version.
#[derive(Debug, Clone, Copy)]
struct Fields {
    t: TokenFields,
    version: RwSignal<ApiVersion>,
}

impl std::ops::Deref for Fields {
    type Target = TokenFields;
    fn deref(&self) -> &TokenFields {
        &self.t
    }
}

impl Fields {
    fn empty() -> Fields {
        Fields {
            t: TokenFields::empty(),
            version: RwSignal::new(ApiVersion::latest()),
        }
    }

    /// Fills the fields from a kept draft.
    fn restore(self, d: Draft) {
        self.name.set(d.name);
        self.description.set(d.description);
        self.version
            .set(d.version.unwrap_or_else(ApiVersion::latest));
        self.contact.set(d.contact);
        self.emails.set(d.emails);
        self.scopes.set(d.scopes);
        self.expires_at.set(d.expires_at);
        self.ips.set(d.ips);
        self.rate.set(d.rate);
    }

    /// The fields as a draft that reached step `reached` (reactive).
    fn draft(self, reached: usize) -> Draft {
        Draft {
            name: self.name.get(),
            description: self.description.get(),
            version: Some(self.version.get()),
            contact: self.contact.get(),
            emails: self.emails.get(),
            scopes: self.scopes.get(),
            expires_at: self.expires_at.get(),
            ips: self.ips.get(),
            rate: self.rate.get(),
            reached,
        }
    }

    /// Checks the fields of step `s` (0-based) with the core's rules; `max_days` is the
    /// account's longest token lifetime.
    fn check(self, s: usize, max_days: Option<u32>) -> Result<(), ApiError> {
        match s {
            0 => {
                check_name(&self.name.get_untracked()).map_err(local_error)?;
                check_description(&self.description.get_untracked()).map_err(local_error)?;
            }
            1 => {
                if self.contact.with_untracked(String::is_empty) {
                    return Err(local_error(TokenError::UnknownContact));
                }
                check_emails(&self.emails.get_untracked()).map_err(local_error)?;
                let now = Timestamp(js_sys::Date::now() as i64);
                check_expiry(self.expires_at.get_untracked(), now, max_days)
                    .map_err(|e| local_error(e.into()))?;
                check_allowed_ips(&ip_lines(&self.ips.get_untracked()))
                    .map_err(|e| local_error(e.into()))?;
                check_rate_limit(self.rate.get_untracked()).map_err(|e| local_error(e.into()))?;
            }
            2 if self.scopes.with_untracked(BTreeSet::is_empty) => {
                return Err(local_error(TokenError::NoScopes));
            }
            _ => {}
        }
        Ok(())
    }
}

/// The step (0-based) that holds a field the server refused.
fn step_of(field: &str) -> usize {
    match field {
        "name" | "description" | "api_version" => 0,
        "primary_contact" | "developer_emails" | "expires_at" | "allowed_ips" | "rate_limit" => 1,
        "scopes" => 2,
        _ => 3,
    }
}

/// The scope catalog of the chosen API version, loaded again when it changes; selected
/// scopes the version does not have are dropped.
fn scope_catalog(f: Fields) -> Signal<Option<CatalogResponse>> {
    let api = crate::api::use_api();
    let toasts = use_toasts();
    let load = LocalResource::new(move || {
        let v = f.version.get();
        async move { api.catalog(v.as_str()).await }
    });
    Effect::new(move |_| {
        let Some(answer) = load.get() else { return };
        untrack(|| match answer {
            Ok(c) => {
                let known: BTreeSet<String> = c
                    .categories
                    .iter()
                    .flat_map(|c| c.scopes.iter().map(|s| s.id.clone()))
                    .collect();
                f.scopes.update(|s| s.retain(|x| known.contains(x)));
            }
            Err(e) => toasts.fail(&e),
        });
    });
    Signal::derive(move || load.get().and_then(Result::ok))
}

/// The wizard's page: loads the account's users (the primary contact is one of them), then
/// the wizard; a failed load is said with Retry.
#[component]
pub fn WizardPage() -> impl IntoView {
    let i = use_i18n();
    let api = crate::api::use_api();
    let users = LocalResource::new(move || api.users());
    view! {
        <Crumbs />
        <h1>{move || i.t("wizard.title")}</h1>
        <Loaded resource=users ready=|u| view! { <Wizard users=u /> } />
    }
}

/// Where the wizard is: the step shown, the furthest step the draft passed the checks up to,
/// and the URL that names the step (each step a history entry).
#[derive(Debug, Clone, Copy)]
struct Steps {
    at: RwSignal<usize>,
    reached: RwSignal<usize>,
    nav: crate::route::Navigator,
    memory: Option<DraftMemory>,
}

impl Steps {
    /// Back or Forward onto a step: the kept draft, up to the step it reached. Otherwise (the
    /// Create link) a fresh draft, and this entry becomes step 1.
    fn resume(f: Fields) -> Steps {
        let nav = use_navigator();
        let memory = use_context::<DraftMemory>();
        let s = Steps {
            at: RwSignal::new(0),
            reached: RwSignal::new(0),
            nav,
            memory,
        };
        let kept = memory.and_then(|m| m.0.get_value());
        match (step_in(&untrack(|| nav.query())), kept) {
            (Some(at), Some(d)) => {
                s.reached.set(d.reached);
                s.at.set(at.min(d.reached));
                f.restore(d);
            }
            _ => {
                s.forget();
                nav.set_query("step=1");
            }
        }
        s
    }

    /// Moves to step `at` (0-based), as a new history entry or in place of this one.
    fn go(self, at: usize, new_entry: bool) {
        self.reached.update(|r| *r = (*r).max(at));
        let q = format!("step={}", at + 1);
        if new_entry {
            self.nav.push_query(&q)
        } else {
            self.nav.set_query(&q)
        }
    }

    /// Back one step: the browser's Back where the app owns the URL (the same entry).
    fn back(self) {
        if !self.nav.back() {
            self.go(self.at.get_untracked().saturating_sub(1), false);
        }
    }

    /// The app forgets the draft (it was created, or a new one starts).
    fn forget(self) {
        if let Some(m) = self.memory {
            m.0.try_set_value(None);
        }
    }

    /// Keeps the draft on every change, and follows the URL: Back and Forward move between
    /// the steps already reached.
    fn follow(self, f: Fields) {
        Effect::new(move |_| {
            let draft = f.draft(self.reached.get());
            if let Some(m) = self.memory {
                m.0.set_value(Some(draft));
            }
        });
        Effect::new(move |_| {
            if let Some(at) = step_in(&self.nav.query()) {
                let at = at.min(self.reached.get_untracked());
                if self.at.get_untracked() != at {
                    self.at.set(at);
                }
            }
        });
    }
}

/// Moves focus to each new step's heading (not on the first step: the page heading has it).
fn focus_each_step(at: RwSignal<usize>, form: NodeRef<leptos::html::Form>) {
    Effect::new(move |previous: Option<usize>| {
        let now = at.get();
        if previous.is_some_and(|p| p != now) {
            request_animation_frame(move || {
                if let Some(f) = form.try_get().flatten() {
                    crate::components::focus_start(&f, "h2");
                }
            });
        }
        now
    });
}

/// The four steps over one draft, each a history entry; Create at the end.
#[component]
fn Wizard(users: Vec<UserView>) -> impl IntoView {
    let nav = use_navigator();
    let f = Fields::empty();
    let steps = Steps::resume(f);
    steps.follow(f);
    let issued = RwSignal::new(None::<IssuedToken>);
    let create = creating(f, steps, issued);
    let users = RwSignal::new(users);
    let catalog = scope_catalog(f);
    let account_type = Signal::derive(move || {
        catalog
            .with(|c| c.as_ref().map(|c| c.account_type))
            .unwrap_or(AccountType::Partner)
    });
    let form_ref = NodeRef::<leptos::html::Form>::new();
    focus_each_step(steps.at, form_ref);
    let at = steps.at;
    let close = Callback::new(move |_| nav.go(Route::Tokens));
    view! {
        <Show when=move || issued.with(Option::is_some)>
            {move || issued.get().map(|t| view! { <IssuedPanel issued=t on_close=close /> })}
        </Show>
        <Show when=move || issued.with(Option::is_none)>
            <Progress at=at />
            <form class="card wizard" node_ref=form_ref on:submit=move |ev| ev.prevent_default()>
                <Show when=move || at.get() == 0><SetupStep f=f /></Show>
                <Show when=move || at.get() == 1><ContactStep f=f users=users /></Show>
                <Show when=move || at.get() == 2><ScopesStep f=f catalog=catalog /></Show>
                <Show when=move || at.get() == 3><ReviewStep f=f users=users account_type=account_type /></Show>
                <FormError error=f.error fields=&["name", "description", "primary_contact", "developer_emails", "scopes", "expires_at", "allowed_ips", "rate_limit"] />
                <WizardButtons f=f steps=steps create=create />
            </form>
        </Show>
    }
}

/// Create: the draft as it stands, sent once; the new credentials are shown, or the step with
/// the refused field. The answer is handled where the request was made; the wizard may be
/// gone by then.
fn creating(
    f: Fields,
    steps: Steps,
    issued: RwSignal<Option<IssuedToken>>,
) -> Action<TokenDraft, ()> {
    let api = crate::api::use_api();
    let i = use_i18n();
    let toasts = use_toasts();
    Action::new_local(move |draft: &TokenDraft| {
        let draft = draft.clone();
        async move {
            let answer = api.create(&draft).await;
            if f.error.is_disposed() {
                return;
            }
            match answer {
                Ok(t) => {
                    toasts.ok(i.t("toast.created"));
                    steps.forget();
                    issued.set(Some(t));
                }
                Err(e) => {
                    if let Some(field) = e.field.as_deref() {
                        steps.go(step_of(field), false);
                    }
                    toasts.fail(&e);
                    f.error.set(Some(e));
                }
            }
        }
    })
}

/// Where the wizard is, as a list of its steps.
#[component]
fn Progress(at: RwSignal<usize>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <ol class="steps" aria-label=move || i.t("wizard.title")>
            {STEPS.iter().enumerate().map(|(n, key)| view! {
                <li class:current=move || at.get() == n class:done=move || { at.get() > n } aria-current=move || if at.get() == n { "step" } else { "false" }>
                    <span class="step-number">{n + 1}</span>" "{move || i.t(key)}
                </li>
            }).collect_view()}
        </ol>
    }
}

/// Back, Next (after the step's checks) and, on the last step, Create.
#[component]
fn WizardButtons(f: Fields, steps: Steps, create: Action<TokenDraft, ()>) -> impl IntoView {
    let i = use_i18n();
    let auth = crate::app::use_auth();
    let max_days = move || {
        auth.session
            .with_untracked(|s| s.as_ref().and_then(|s| s.account.max_token_lifetime_days))
    };
    let at = steps.at;
    let next = move |_| match f.check(at.get_untracked(), max_days()) {
        Ok(()) => {
            f.error.set(None);
            steps.go((at.get_untracked() + 1).min(3), true);
        }
        Err(e) => f.error.set(Some(e)),
    };
    let busy = create.pending();
    let send = move |_| {
        create.dispatch(untrack(|| f.draft(steps.reached.get())).token_draft());
    };
    view! {
        <div class="wizard-actions">
            <button type="button" class="button" disabled=move || at.get() == 0 on:click=move |_| {
                f.error.set(None);
                steps.back();
            }>{move || i.t("wizard.back")}</button>
            <Show when=move || at.get() < 3 fallback=move || view! {
                <button type="button" class="button primary" disabled=move || busy.get() on:click=send>{move || if busy.get() { i.t("app.loading") } else { i.t("wizard.create") }}</button>
            }>
                <button type="button" class="button primary" on:click=next>{move || i.t("wizard.next")}</button>
            </Show>
        </div>
    }
}

/// Step 1, Setup: name, description, API version.
#[component]
fn SetupStep(f: Fields) -> impl IntoView {
    let i = use_i18n();
    let Fields {
        t:
            TokenFields {
                name,
                description,
                error,
                ..
            },
        version,
    } = f;
    view! {
        <h2>{move || i.t("wizard.step1")}</h2>
        <label for="name">{move || i.t("wizard.name")}</label>
        <input id="name" aria-describedby="err-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
        <FieldError error=error field="name" />
        <label for="description">{move || i.t("wizard.description")}</label>
        <p class="hint">{move || i.t("wizard.description_hint")}</p>
        <textarea id="description" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
        <FieldError error=error field="description" />
        <label for="version">{move || i.t("wizard.version")}</label>
        <p class="hint">{move || i.t("wizard.version_hint")}</p>
        <select id="version" on:change=move |ev| { if let Ok(v) = ApiVersion::parse(&event_target_value(&ev)) { version.set(v) } }>
            {VERSIONS.iter().rev().map(|v| {
                let parsed = ApiVersion::parse(v).unwrap_or_default();
                view! { <option value=*v selected=move || version.get() == parsed>{*v}{move || if parsed.is_latest() { format!(" ({})", i.t("wizard.latest")) } else { String::new() }}</option> }
            }).collect_view()}
        </select>
    }
}

/// Step 2, Contact information: primary contact, developer e-mails, policies.
#[component]
fn ContactStep(f: Fields, users: RwSignal<Vec<UserView>>) -> impl IntoView {
    let i = use_i18n();
    let Fields {
        t:
            TokenFields {
                contact,
                emails,
                expires_at,
                ips,
                rate,
                error,
                ..
            },
        ..
    } = f;
    view! {
        <h2>{move || i.t("wizard.step2")}</h2>
        <label for="contact">{move || i.t("wizard.contact")}</label>
        <p class="hint">{move || i.t("wizard.contact_hint")}</p>
        <ContactSelect users=users contact=contact />
        <FieldError error=error field="primary_contact" />
        <EmailList emails=emails error=error />
        <h3>{move || i.t("policy.section")}</h3>
        <ExpiryField expires_at=expires_at error=error />
        <IpField ips=ips error=error />
        <RateField rate=rate error=error />
    }
}

/// Step 3, API scopes.
#[component]
fn ScopesStep(f: Fields, catalog: Signal<Option<CatalogResponse>>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <h2>{move || i.t("wizard.step3")}</h2>
        <ScopePicker catalog=catalog selected=f.scopes />
        <FieldError error=f.error field="scopes" />
    }
}

/// Step 4, Create: everything the token will be, to review.
#[component]
fn ReviewStep(
    f: Fields,
    users: RwSignal<Vec<UserView>>,
    account_type: Signal<AccountType>,
) -> impl IntoView {
    let i = use_i18n();
    let Fields {
        t:
            TokenFields {
                name,
                contact,
                emails,
                scopes,
                expires_at,
                ips,
                rate,
                ..
            },
        version,
    } = f;
    view! {
        <h2>{move || i.t("wizard.step4")}</h2>
        <p>{move || i.t("wizard.review")}</p>
        <dl class="review">
            <dt>{move || i.t("wizard.name")}</dt><dd>{move || name.get()}</dd>
            <dt>{move || i.t("wizard.version")}</dt><dd>{move || version.get().to_string()}</dd>
            <dt>{move || i.t("wizard.contact")}</dt><dd>{move || users.with(|u| u.iter().find(|u| contact.with(|c| *c == u.id)).map(|u| u.name.clone()))}</dd>
            <dt>{move || i.t("wizard.emails")}</dt><dd>{move || emails.get().join(", ")}</dd>
            <dt>{move || i.t("wizard.step3")}</dt><dd>{move || scopes.get().into_iter().collect::<Vec<_>>().join(", ")}</dd>
            <dt>{move || i.t("policy.expiry")}</dt><dd>{move || expires_at.get().map(|t| i.datetime(t.0)).unwrap_or_else(|| i.t("policy.never"))}</dd>
            <dt>{move || i.t("policy.ips")}</dt><dd>{move || { let l = ip_lines(&ips.get()); if l.is_empty() { "—".to_owned() } else { l.join(", ") } }}</dd>
            <dt>{move || i.t("policy.rate")}</dt><dd>{move || rate.get().map(|r| format!("{} / {} s", r.requests, r.period_seconds)).unwrap_or_else(|| "—".to_owned())}</dd>
            <dt>{move || i.t("account.type")}</dt><dd>{move || i.t(&format!("type.{}", account_type.get().as_str()))}</dd>
        </dl>
    }
}
