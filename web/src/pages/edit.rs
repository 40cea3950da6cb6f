//! The edit page: Overview, API credentials, policies, API scopes, usage, then Update,
//! Disable/Enable, Delete.

use std::collections::BTreeSet;

use crate::route::{Route, use_navigator};
use leptos::prelude::*;
use tollgate_core::account::Permission;
use tollgate_core::api::{
    CatalogResponse, IssuedToken, TokenEdit, TokenState, TokenView, UserView,
};
use tollgate_core::error_code::ErrorCode;

use crate::api::ApiError;
use crate::app::use_auth;
use crate::components::actions::{GraceChoice, Outcome, ResetChoice, TokenAction, perform};
use crate::components::contacts::{ContactSelect, EmailList};
use crate::components::form::TokenFields;
use crate::components::load::Loaded;
use crate::components::policy::{ExpiryField, IpField, RateField, UsageChart, ip_lines};
use crate::components::{
    Confirm, CopyButton, FieldError, FormError, ScopePicker, SudoDialog, use_toasts,
};
use crate::components::{Crumbs, IssuedPanel, LeakBanner};
use crate::i18n::use_i18n;

/// A token's page: loads the token and the account's users, then the editor; an unknown
/// token shows the not-found page, another failure its message and Retry.
#[component]
pub fn EditPage(sid: String) -> impl IntoView {
    let api = crate::api::use_api();
    let loaded = LocalResource::new(move || {
        let sid = sid.clone();
        async move {
            let token = api.token(&sid).await?;
            let users = api.users().await.unwrap_or_default();
            Ok::<_, ApiError>((token, users))
        }
    });
    view! {
        <Crumbs />
        <Loaded resource=loaded ready=|(token, users)| view! { <TokenEditor initial=token users=users /> } />
    }
}

/// The token as the server last answered it and the form's fields: what the editor's
/// sections share.
#[derive(Debug, Clone, Copy)]
struct Form {
    token: RwSignal<TokenView>,
    t: TokenFields,
}

impl std::ops::Deref for Form {
    type Target = TokenFields;
    fn deref(&self) -> &TokenFields {
        &self.t
    }
}

impl Form {
    fn new(t: TokenView) -> Form {
        let f = Form {
            token: RwSignal::new(t.clone()),
            t: TokenFields::empty(),
        };
        f.t.show(&t);
        f
    }

    /// Whether the page that held the form is gone (an answer that arrives after the admin
    /// left, or after the session ended, is then dropped).
    fn gone(self) -> bool {
        self.token.is_disposed()
    }

    /// Shows `t` (the server's answer): the record and every field.
    fn fill(self, t: TokenView) {
        self.t.show(&t);
        self.token.set(t);
    }

    /// What the form changes on the token (reactive): only the fields that differ.
    fn changes(self) -> TokenEdit {
        self.token.with(|t| {
            let current: BTreeSet<String> = t.scopes.iter().cloned().collect();
            TokenEdit {
                name: Some(self.name.get()).filter(|n| *n != t.name),
                description: Some(self.description.get()).filter(|d| *d != t.description),
                primary_contact: Some(self.contact.get()).filter(|c| *c != t.primary_contact),
                developer_emails: Some(self.emails.get()).filter(|e| *e != t.developer_emails),
                scopes: Some(self.scopes.get())
                    .filter(|s| *s != current)
                    .map(|s| s.into_iter().collect()),
                expires_at: Some(self.expires_at.get()).filter(|e| *e != t.expires_at),
                allowed_ips: Some(ip_lines(&self.ips.get())).filter(|l| *l != t.allowed_ips),
                rate_limit: Some(self.rate.get()).filter(|r| *r != t.rate_limit),
            }
        })
    }
}

/// The editor of a loaded token: its sections, Update and the token actions, and the new
/// credentials after a reset.
#[component]
fn TokenEditor(initial: TokenView, users: Vec<UserView>) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let auth = use_auth();
    let nav = use_navigator();
    let sid = initial.sid.to_string();
    let f = Form::new(initial);
    // The catalog of the token's API version (again after an upgrade).
    let version = Memo::new(move |_| f.token.with(|t| t.api_version));
    let catalog = LocalResource::new(move || {
        let v = version.get();
        async move { api.catalog(v.as_str()).await.ok() }
    });
    let catalog = Signal::derive(move || catalog.get().flatten());
    warn_while_unsaved(f);
    let issued = RwSignal::new(None::<IssuedToken>);
    let pending = RwSignal::new(None::<TokenAction>);
    let ask = Callback::new(move |a: TokenAction| pending.set(Some(a)));
    let can_manage = Signal::derive(move || auth.can(Permission::ManageTokens));
    let t = move || f.token.get();
    view! {
        <Show when=move || issued.with(Option::is_some)>
            {move || issued.get().map(|t| view! { <IssuedPanel issued=t on_close=Callback::new(move |_| nav.go(Route::Tokens)) /> })}
        </Show>
        <h1>{move || t().name}</h1>
        {move || t().leak.map(|l| {
            let on_reset = can_manage.get().then(|| Callback::new(move |_| {
                ask.try_run(TokenAction::Reset);
            }));
            view! { <LeakBanner leak=l on_reset=on_reset /> }
        })}
        <p>
            <span class="badge" class:badge-off=move || t().state == TokenState::Disabled>
                {move || if t().state == TokenState::Enabled { i.t("tokens.enabled") } else { i.t("tokens.disabled") }}
            </span>
        </p>
        <Overview f=f can_manage=can_manage ask=ask />
        <Credentials f=f users=users can_manage=can_manage ask=ask />
        <section class="card">
            <h2>{move || i.t("policy.section")}</h2>
            <ExpiryField expires_at=f.expires_at error=f.error />
            <IpField ips=f.ips error=f.error />
            <RateField rate=f.rate error=f.error />
        </section>
        <Scopes f=f catalog=catalog />
        <FormError error=f.error fields=&["name", "description", "primary_contact", "developer_emails", "scopes", "expires_at", "allowed_ips", "rate_limit"] />
        <UsageChart sid=sid />
        <Show when=move || can_manage.get()>
            <EditActions f=f ask=ask />
        </Show>
        <ActionDialog f=f pending=pending issued=issued />
    }
}

/// Update (an `Action` after a confirmation: the form then shows the server's answer, or
/// the current state when someone else changed the token meanwhile), Disable or Enable,
/// Delete.
#[component]
fn EditActions(f: Form, ask: Callback<TokenAction>) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let toasts = use_toasts();
    // The answer is handled where the request was made; the page may be gone by then.
    let update = Action::new_local(move |(sid, edit, revision): &(String, TokenEdit, u64)| {
        let (sid, edit, revision) = (sid.clone(), edit.clone(), *revision);
        async move {
            let answer = api.edit(&sid, &edit, revision).await;
            if f.gone() {
                return;
            }
            match answer {
                Ok(v) => {
                    f.error.set(None);
                    f.fill(v);
                    toasts.ok(i.t("toast.updated"));
                }
                Err(e) if e.is_stale() => {
                    // Someone else changed the token: show its current state, not ours.
                    if let Some(v) = e.current::<TokenView>() {
                        f.fill(v);
                    }
                    toasts.stale();
                }
                Err(e) => {
                    toasts.fail(&e);
                    f.error.set(Some(e));
                }
            }
        }
    });
    let save = move |_| {
        let (sid, revision) = f.token.with_untracked(|t| (t.sid.to_string(), t.revision));
        update.dispatch((sid, untrack(|| f.changes()), revision));
    };
    let confirm_open = RwSignal::new(false);
    let enabled = move || f.token.with(|t| t.state == TokenState::Enabled);
    view! {
        <div class="edit-actions">
            <button type="button" class="button primary" disabled=move || update.pending().get() on:click=move |_| confirm_open.set(true)>{move || i.t("edit.update")}</button>
            <Show when=enabled fallback=move || view! {
                <button type="button" class="button" on:click=move |_| { ask.try_run(TokenAction::Enable); }>{move || i.t("edit.enable")}</button>
            }>
                <button type="button" class="button" on:click=move |_| { ask.try_run(TokenAction::Disable); }>{move || i.t("edit.disable")}</button>
            </Show>
            <button type="button" class="button danger" on:click=move |_| { ask.try_run(TokenAction::Delete); }>{move || i.t("edit.delete")}</button>
        </div>
        <Confirm open=confirm_open title=Signal::derive(move || i.t("edit.update")) confirm_label=Signal::derive(move || i.t("edit.update")) on_confirm=Callback::new(save)>
            <p>{move || i.t("confirm.update")}</p>
        </Confirm>
    }
}

/// The confirmation of the token action in `pending` (a reset also asks for its grace
/// period and a new expiry), then the action (an `Action`): the form shows the changed
/// token, a deletion goes back to the list, new credentials go to `issued`.
#[component]
fn ActionDialog(
    f: Form,
    pending: RwSignal<Option<TokenAction>>,
    issued: RwSignal<Option<IssuedToken>>,
) -> impl IntoView {
    let i = use_i18n();
    let toasts = use_toasts();
    let nav = use_navigator();
    let open = RwSignal::new(false);
    let grace = RwSignal::new(ResetChoice::default());
    Effect::new(move |_| {
        if pending.with(Option::is_some) {
            grace.set(ResetChoice::default());
            open.set(true);
        }
    });
    let api = crate::api::use_api();
    let act = Action::new_local(move |(a, t, g): &(TokenAction, TokenView, ResetChoice)| {
        let (a, t, g) = (*a, t.clone(), *g);
        async move {
            let answer = perform(api, a, t, g).await;
            if f.gone() {
                return;
            }
            match answer {
                Ok(outcome) => {
                    match outcome {
                        Outcome::Changed(v) => f.fill(v),
                        Outcome::Removed => {
                            nav.warn_on_leave(None);
                            nav.go(Route::Tokens);
                        }
                        Outcome::Issued(new) => {
                            if a == TokenAction::Reset {
                                f.fill(new.token.clone());
                            }
                            issued.set(Some(new));
                        }
                    }
                    toasts.ok(i.t(a.done()));
                }
                Err(e) if e.is_stale() => {
                    if let Some(v) = e.current::<TokenView>() {
                        f.fill(v);
                    }
                    toasts.stale();
                }
                Err(e) => toasts.fail(&e),
            }
        }
    });
    let run = move |_| {
        if let Some(a) = pending.get_untracked() {
            act.dispatch((a, f.token.get_untracked(), grace.get_untracked()));
        }
    };
    view! {
        <Confirm
            open=open
            title=Signal::derive(move || pending.get().map(|a| i.t(a.label())).unwrap_or_default())
            confirm_label=Signal::derive(move || pending.get().map(|a| i.t(a.confirm_label())).unwrap_or_default())
            danger=Signal::derive(move || pending.get().is_some_and(TokenAction::destructive))
            on_confirm=Callback::new(run)
        >
            <p>{move || pending.get().map(|a| f.token.with(|t| a.explain(i, t))).unwrap_or_default()}</p>
            <Show when=move || pending.get() == Some(TokenAction::Reset)><GraceChoice grace=grace /></Show>
        </Confirm>
    }
}

/// Unsaved changes: leaving asks first, in the app (links, Back and Forward) and in the
/// browser (reload, close).
fn warn_while_unsaved(f: Form) {
    let i = use_i18n();
    let nav = use_navigator();
    let dirty = Memo::new(move |_| f.changes() != TokenEdit::default());
    Effect::new(move |_| nav.warn_on_leave(dirty.get().then(|| i.t("edit.unsaved"))));
    on_cleanup(move || nav.warn_on_leave(None));
    let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if dirty.try_get_untracked().unwrap_or(false) {
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    on_cleanup(move || unload.remove());
}

/// Overview: name, description, API version (with Upgrade when it is not the latest).
#[component]
fn Overview(f: Form, can_manage: Signal<bool>, ask: Callback<TokenAction>) -> impl IntoView {
    let i = use_i18n();
    let Form {
        token,
        t:
            TokenFields {
                name,
                description,
                error,
                ..
            },
    } = f;
    view! {
        <section class="card">
            <h2>{move || i.t("edit.overview")}</h2>
            <label for="name">{move || i.t("wizard.name")}</label>
            <input id="name" aria-describedby="err-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <FieldError error=error field="name" />
            <label for="description">{move || i.t("wizard.description")}</label>
            <textarea id="description" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
            <FieldError error=error field="description" />
            <p>{move || i.t("tokens.version")}": "{move || token.with(|t| t.api_version.to_string())}</p>
            <Show when=move || token.with(|t| !t.latest_version) && can_manage.get()>
                <button type="button" class="button" on:click=move |_| { ask.try_run(TokenAction::Upgrade); }>{move || i.t("edit.upgrade")}</button>
            </Show>
        </section>
    }
}

/// API credentials: primary contact, developer e-mails, the Account SID, the stored Auth
/// Token (revealed after the password again, where the account keeps it), Reset token.
#[component]
fn Credentials(
    f: Form,
    users: Vec<UserView>,
    can_manage: Signal<bool>,
    ask: Callback<TokenAction>,
) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let users = RwSignal::new(users);
    let Form {
        token,
        t:
            TokenFields {
                contact,
                emails,
                error,
                ..
            },
    } = f;
    let show_once = move || {
        auth.session
            .with(|s| s.as_ref().is_some_and(|s| s.account.show_tokens_once))
    };
    let sid = move || token.with(|t| t.sid.to_string());
    view! {
        <section class="card">
            <h2>{move || i.t("edit.credentials")}</h2>
            <label for="contact">{move || i.t("wizard.contact")}</label>
            <ContactSelect users=users contact=contact />
            <FieldError error=error field="primary_contact" />
            <EmailList emails=emails error=error />
            <dl>
                <dt>{move || i.t("done.sid")}</dt>
                <dd><code data-testid="sid">{sid}</code>
                    <CopyButton value=Signal::derive(sid) label=Signal::derive(move || i.t("edit.copy_sid")) /></dd>
                <dt>{move || i.t("done.token")}</dt>
                <dd>
                    <Show when=move || !show_once() && token.with(|t| t.revealable) fallback=move || view! { <p class="hint">{move || i.t("edit.show_once")}</p> }>
                        <StoredToken sid=Signal::derive(sid) />
                    </Show>
                </dd>
            </dl>
            <Show when=move || can_manage.get()>
                <button type="button" class="button danger" on:click=move |_| { ask.try_run(TokenAction::Reset); }>{move || i.t("edit.reset")}</button>
            </Show>
        </section>
    }
}

/// The stored Auth Token behind a Show button: the password again first when the session's
/// sudo window has ended (the server says so), then the token until hidden.
#[component]
fn StoredToken(sid: Signal<String>) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let toasts = use_toasts();
    let revealed = RwSignal::new(None::<String>);
    let sudo_open = RwSignal::new(false);
    let reveal = Action::new_local(move |sid: &String| {
        let sid = sid.clone();
        async move {
            match api.reveal(&sid).await {
                Ok(r) => {
                    revealed.try_set(Some(r.auth_token));
                }
                Err(e) if e.is(ErrorCode::ReauthenticationRequired) => {
                    sudo_open.try_set(true);
                }
                Err(e) => toasts.fail(&e),
            }
        }
    });
    let ask_reveal = move || {
        reveal.dispatch(sid.get_untracked());
    };
    view! {
        <Show when=move || revealed.with(Option::is_some) fallback=move || view! {
            <button type="button" class="button small" data-testid="reveal-token" disabled=move || reveal.pending().get() on:click=move |_| ask_reveal()>{move || i.t("edit.reveal")}</button>
        }>
            <code data-testid="revealed-token">{move || revealed.get()}</code>
            <CopyButton value=Signal::derive(move || revealed.get().unwrap_or_default()) label=Signal::derive(move || i.t("edit.copy_token")) />
            <button type="button" class="button small" on:click=move |_| revealed.set(None)>{move || i.t("edit.hide")}</button>
        </Show>
        <SudoDialog open=sudo_open on_done=Callback::new(move |_| ask_reveal()) />
    }
}

/// API scopes: the picker over the catalog of the token's version.
#[component]
fn Scopes(f: Form, catalog: Signal<Option<CatalogResponse>>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section class="card">
            <h2>{move || i.t("edit.scopes")}</h2>
            <ScopePicker catalog=catalog selected=f.scopes />
            <FieldError error=f.error field="scopes" />
        </section>
    }
}
