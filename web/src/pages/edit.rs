//! The edit page: Overview, API credentials, API scopes, then Update, Disable, Delete.

use std::collections::BTreeSet;

use crate::route::{Route, use_navigator};
use leptos::prelude::*;
use tollgate_core::account::Permission;
use tollgate_core::api::{IssuedToken, TokenEdit, TokenState, TokenView, UserView};
use tollgate_core::policy::RateLimit;
use tollgate_core::time::Timestamp;

use crate::api::{self, ApiError};
use crate::app::use_auth;
use crate::components::actions::{GraceChoice, Outcome, ResetChoice, TokenAction, perform};
use crate::components::contacts::{ContactSelect, EmailList};
use crate::components::load::{Loading, PageError};
use crate::components::policy::{ExpiryField, IpField, RateField, UsageChart, ip_lines};
use crate::components::{Confirm, CopyButton, FieldError, FormError, ScopePicker, SudoDialog, use_toasts};
use crate::components::{Crumbs, IssuedPanel, LeakBanner};
use crate::i18n::use_i18n;

/// A token's page: loads the token and the account's users, then the editor; an unknown
/// token shows the not-found page, another failure its message and Retry.
#[component]
pub fn EditPage(sid: String) -> impl IntoView {
    let loaded = LocalResource::new(move || {
        let sid = sid.clone();
        async move {
            let token = api::token(&sid).await?;
            let users = api::users().await.unwrap_or_default();
            Ok::<_, ApiError>((token, users))
        }
    });
    view! {
        <Crumbs />
        <Transition fallback=Loading>
            <ErrorBoundary fallback=move |errors| view! { <PageError errors=errors retry=Callback::new(move |_| loaded.refetch()) /> }>
                {move || Suspend::new(async move {
                    loaded.await.map(|(token, users)| view! { <TokenEditor initial=token users=users /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The editor of a loaded token: Overview, API credentials, policies, API scopes, usage,
/// then Update, Disable/Enable, Delete.
#[component]
fn TokenEditor(initial: TokenView, users: Vec<UserView>) -> impl IntoView {
    let i = use_i18n();
    let auth = use_auth();
    let toasts = use_toasts();
    let nav = use_navigator();
    let token = RwSignal::new(None::<TokenView>);
    let users = RwSignal::new(users);
    // The catalog of the token's API version (again after an upgrade).
    let version = RwSignal::new(initial.api_version);
    let catalog = LocalResource::new(move || {
        let v = version.get();
        async move { api::catalog(v.as_str()).await.ok() }
    });
    let catalog = Signal::derive(move || catalog.get().flatten());
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let emails = RwSignal::new(Vec::<String>::new());
    let scopes = RwSignal::new(BTreeSet::<String>::new());
    let expires_at = RwSignal::new(None::<Timestamp>);
    let ips = RwSignal::new(String::new());
    let rate = RwSignal::new(None::<RateLimit>);
    let error = RwSignal::new(None::<ApiError>);
    // A scope error goes once a scope is selected (what is shown stays what is true).
    Effect::new(move |_| {
        let any = scopes.with(|s| !s.is_empty());
        if any && error.with_untracked(|e| e.as_ref().is_some_and(|e| e.field.as_deref() == Some("scopes"))) {
            error.set(None);
        }
    });
    let issued = RwSignal::new(None::<IssuedToken>);
    let update_open = RwSignal::new(false);
    let action_open = RwSignal::new(false);
    let pending = RwSignal::new(None::<TokenAction>);
    let grace = RwSignal::new(ResetChoice::default());

    let fill = move |t: TokenView| {
        name.set(t.name.clone());
        description.set(t.description.clone());
        contact.set(t.primary_contact.clone());
        emails.set(t.developer_emails.clone());
        scopes.set(t.scopes.iter().cloned().collect());
        expires_at.set(t.expires_at);
        ips.set(t.allowed_ips.join("\n"));
        rate.set(t.rate_limit);
        if version.get_untracked() != t.api_version {
            version.set(t.api_version);
        }
        token.set(Some(t));
    };
    fill(initial);

    // What the form changes on `t` (reactive): only the fields that differ.
    let changes = move |t: &TokenView| {
        let current: BTreeSet<String> = t.scopes.iter().cloned().collect();
        TokenEdit {
            name: Some(name.get()).filter(|n| *n != t.name),
            description: Some(description.get()).filter(|d| *d != t.description),
            primary_contact: Some(contact.get()).filter(|c| *c != t.primary_contact),
            developer_emails: Some(emails.get()).filter(|e| *e != t.developer_emails),
            scopes: Some(scopes.get()).filter(|s| *s != current).map(|s| s.into_iter().collect()),
            expires_at: Some(expires_at.get()).filter(|e| *e != t.expires_at),
            allowed_ips: Some(ip_lines(&ips.get())).filter(|l| *l != t.allowed_ips),
            rate_limit: Some(rate.get()).filter(|r| *r != t.rate_limit),
        }
    };
    // Unsaved changes: leaving asks first, in the app and in the browser (reload, close).
    let dirty = Memo::new(move |_| token.with(|t| t.as_ref().is_some_and(|t| changes(t) != TokenEdit::default())));
    Effect::new(move |_| nav.warn_on_leave(dirty.get().then(|| i.t("edit.unsaved"))));
    on_cleanup(move || nav.warn_on_leave(None));
    let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if dirty.get_untracked() {
            ev.prevent_default();
            ev.set_return_value("");
        }
    });
    on_cleanup(move || unload.remove());

    let update = move |_| {
        let Some(t) = token.get_untracked() else { return };
        let e = untrack(|| changes(&t));
        leptos::task::spawn_local(async move {
            match api::edit(t.sid.as_str(), &e, t.revision).await {
                Ok(v) => {
                    error.set(None);
                    fill(v);
                    toasts.ok(i.t("toast.updated"));
                }
                Err(e) if e.is_stale() => {
                    // Someone else changed the token: show its current state, not ours.
                    if let Some(v) = e.current::<TokenView>() {
                        fill(v);
                    }
                    toasts.stale();
                }
                Err(e) => {
                    toasts.fail(&e);
                    error.set(Some(e));
                }
            }
        });
    };
    let ask = move |a: TokenAction| {
        grace.set(ResetChoice::default());
        pending.set(Some(a));
        action_open.set(true);
    };
    let run = move |_| {
        let (Some(a), Some(t)) = (pending.get_untracked(), token.get_untracked()) else { return };
        let g = grace.get_untracked();
        leptos::task::spawn_local(async move {
            match perform(a, t.clone(), g).await {
                Ok(Outcome::Changed(v)) => fill(v),
                Ok(Outcome::Removed) => {
                    nav.warn_on_leave(None);
                    nav.go(Route::Tokens);
                }
                Ok(Outcome::Issued(new)) => {
                    if a == TokenAction::Reset {
                        fill(new.token.clone());
                    }
                    issued.set(Some(new));
                }
                Err(e) if e.is_stale() => {
                    if let Some(v) = e.current::<TokenView>() {
                        fill(v);
                    }
                    toasts.stale();
                    return;
                }
                Err(e) => {
                    toasts.fail(&e);
                    return;
                }
            }
            toasts.ok(i.t(a.done()));
        });
    };
    // Revealing a stored Auth Token: the password again first when the session's sudo
    // window has ended (the server says so), then the token on the page until hidden.
    let revealed = RwSignal::new(None::<String>);
    let sudo_open = RwSignal::new(false);
    let reveal = Action::new_local(move |sid: &String| {
        let sid = sid.clone();
        async move { api::reveal(&sid).await }
    });
    let ask_reveal = move || {
        if let Some(t) = token.get_untracked() {
            reveal.dispatch(t.sid.to_string());
        }
    };
    Effect::new(move |_| match reveal.value().get() {
        Some(Ok(r)) => revealed.set(Some(r.auth_token)),
        Some(Err(e)) if e.code == "reauthentication_required" => sudo_open.set(true),
        Some(Err(e)) => toasts.fail(&e),
        None => {}
    });
    let can_manage = move || auth.can(Permission::ManageTokens);
    let show_once = move || auth.session.with(|s| s.as_ref().is_some_and(|s| s.account.show_tokens_once));
    let t = move || token.get();
    view! {
            <Show when=move || issued.with(Option::is_some)>
                {move || issued.get().map(|t| view! { <IssuedPanel issued=t on_close=Callback::new(move |_| nav.go(Route::Tokens)) /> })}
            </Show>
            <Show when=move || token.with(Option::is_some)>
                <h1>{move || t().map(|t| t.name)}</h1>
                {move || t().and_then(|t| t.leak).map(|l| {
                    let on_reset = can_manage().then(|| Callback::new(move |_| ask(TokenAction::Reset)));
                    view! { <LeakBanner leak=l on_reset=on_reset /> }
                })}
                <p>
                    <span class="badge" class:badge-off=move || t().is_some_and(|t| t.state == TokenState::Disabled)>
                        {move || if t().is_some_and(|t| t.state == TokenState::Enabled) { i.t("tokens.enabled") } else { i.t("tokens.disabled") }}
                    </span>
                </p>
                <section class="card">
                    <h2>{move || i.t("edit.overview")}</h2>
                    <label for="name">{move || i.t("wizard.name")}</label>
                    <input id="name" aria-describedby="err-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    <FieldError error=error field="name" />
                    <label for="description">{move || i.t("wizard.description")}</label>
                    <textarea id="description" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <FieldError error=error field="description" />
                    <p>{move || i.t("tokens.version")}": "{move || t().map(|t| t.api_version.to_string())}</p>
                    <Show when=move || t().is_some_and(|t| !t.latest_version) && can_manage()>
                        <button type="button" class="button" on:click=move |_| ask(TokenAction::Upgrade)>{move || i.t("edit.upgrade")}</button>
                    </Show>
                </section>
                <section class="card">
                    <h2>{move || i.t("edit.credentials")}</h2>
                    <label for="contact">{move || i.t("wizard.contact")}</label>
                    <ContactSelect users=users contact=contact />
                    <FieldError error=error field="primary_contact" />
                    <EmailList emails=emails error=error />
                    <dl>
                        <dt>{move || i.t("done.sid")}</dt>
                        <dd><code data-testid="sid">{move || t().map(|t| t.sid.to_string())}</code>
                            <CopyButton value=Signal::derive(move || t().map(|t| t.sid.to_string()).unwrap_or_default()) label=Signal::derive(move || i.t("edit.copy_sid")) /></dd>
                        <dt>{move || i.t("done.token")}</dt>
                        <dd>
                            <Show when=move || !show_once() && t().is_some_and(|t| t.revealable) fallback=move || view! { <p class="hint">{move || i.t("edit.show_once")}</p> }>
    <Show when=move || revealed.with(Option::is_some) fallback=move || view! {
                                    <button type="button" class="button small" data-testid="reveal-token" disabled=move || reveal.pending().get() on:click=move |_| ask_reveal()>{move || i.t("edit.reveal")}</button>
                                }>
                                    <code data-testid="revealed-token">{move || revealed.get()}</code>
                                    <CopyButton value=Signal::derive(move || revealed.get().unwrap_or_default()) label=Signal::derive(move || i.t("edit.copy_token")) />
                                    <button type="button" class="button small" on:click=move |_| revealed.set(None)>{move || i.t("edit.hide")}</button>
                                </Show>
                            </Show>
                        </dd>
                    </dl>
                    <Show when=can_manage>
                        <button type="button" class="button danger" on:click=move |_| ask(TokenAction::Reset)>{move || i.t("edit.reset")}</button>
                    </Show>
                </section>
                <section class="card">
                    <h2>{move || i.t("policy.section")}</h2>
                    <ExpiryField expires_at=expires_at error=error />
                    <IpField ips=ips error=error />
                    <RateField rate=rate error=error />
                </section>
                <section class="card">
                    <h2>{move || i.t("edit.scopes")}</h2>
                    <ScopePicker catalog=catalog selected=scopes />
                    <FieldError error=error field="scopes" />
                </section>
                <FormError error=error fields=&["name", "description", "primary_contact", "developer_emails", "scopes", "expires_at", "allowed_ips", "rate_limit"] />
                {move || t().map(|t| view! { <UsageChart sid=t.sid.to_string() /> })}
                <Show when=can_manage>
                    <div class="edit-actions">
                        <button type="button" class="button primary" on:click=move |_| update_open.set(true)>{move || i.t("edit.update")}</button>
                        <Show when=move || t().is_some_and(|t| t.state == TokenState::Enabled) fallback=move || view! {
                            <button type="button" class="button" on:click=move |_| ask(TokenAction::Enable)>{move || i.t("edit.enable")}</button>
                        }>
                            <button type="button" class="button" on:click=move |_| ask(TokenAction::Disable)>{move || i.t("edit.disable")}</button>
                        </Show>
                        <button type="button" class="button danger" on:click=move |_| ask(TokenAction::Delete)>{move || i.t("edit.delete")}</button>
                    </div>
                </Show>
            </Show>
            <SudoDialog open=sudo_open on_done=Callback::new(move |_| ask_reveal()) />
            <Confirm open=update_open title=Signal::derive(move || i.t("edit.update")) confirm_label=Signal::derive(move || i.t("edit.update")) on_confirm=Callback::new(update)>
                <p>{move || i.t("confirm.update")}</p>
            </Confirm>
            <Confirm
                open=action_open
                title=Signal::derive(move || pending.get().map(|a| i.t(a.label())).unwrap_or_default())
                confirm_label=Signal::derive(move || pending.get().map(|a| i.t(a.confirm_label())).unwrap_or_default())
                danger=Signal::derive(move || pending.get().is_some_and(TokenAction::destructive))
                on_confirm=Callback::new(run)
            >
                <p>{move || pending.get().zip(token.get()).map(|(a, t)| a.explain(i, &t)).unwrap_or_default()}</p>
                <Show when=move || pending.get() == Some(TokenAction::Reset)><GraceChoice grace=grace /></Show>
            </Confirm>
        }
}
