//! Users of the account: their roles, disabling one, adding one.

use leptos::prelude::*;
use tollgate_core::account::Role;
use tollgate_core::api::{NewUser, UserPatch, UserView};

use crate::api::ApiError;
use crate::app::use_auth;
use crate::components::load::Loaded;
use crate::components::{FieldError, FormError, use_toasts};
use crate::i18n::use_i18n;

fn role_key(r: Role) -> &'static str {
    match r {
        Role::AccountAdmin => "role.account_admin",
        Role::ImplementationSpecialist => "role.implementation_specialist",
        Role::StandardUser => "role.standard_user",
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let i = use_i18n();
    let api = crate::api::use_api();
    let users = LocalResource::new(move || api.users());
    let reload = Callback::new(move |_| users.refetch());
    view! {
        <h1>{move || i.t("users.title")}</h1>
        <Loaded resource=users ready=move |all| view! { <UserTable users=all changed=reload /> } />
        <AddUser added=reload />
    }
}

/// The users, each with a role select and Disable; `changed` runs after a change was saved
/// (or refused because someone else changed the user first).
#[component]
fn UserTable(users: Vec<UserView>, changed: Callback<()>) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let auth = use_auth();
    let toasts = use_toasts();
    let me = auth
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.user.id.clone()).unwrap_or_default());
    // The answer is handled where the request was made.
    let patch = Action::new_local(move |(id, revision, p): &(String, u64, UserPatch)| {
        let (id, revision, p) = (id.clone(), *revision, p.clone());
        async move {
            match api.patch_user(&id, &p, revision).await {
                Ok(_) => {
                    toasts.ok(i.t("users.changed"));
                    changed.try_run(());
                }
                Err(e) if e.is_stale() => {
                    toasts.stale();
                    changed.try_run(());
                }
                Err(e) => toasts.fail(&e),
            }
        }
    });
    view! {
        <table class="table">
            <thead><tr><th>{move || i.t("users.name")}</th><th>{move || i.t("users.email")}</th><th>{move || i.t("users.role")}</th><th>{move || i.t("users.enabled")}</th><th></th></tr></thead>
            <tbody>
                {users.into_iter().map(|u| {
                    let (id, revision, current, enabled) = (u.id.clone(), u.revision, u.role, u.enabled);
                    let own = me == u.id;
                    let id2 = id.clone();
                    view! {
                        <tr>
                            <td>{u.name.clone()}</td>
                            <td>{u.email.clone()}</td>
                            <td>
                                <select aria-label=move || i.t("users.role") disabled=own on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    if let Ok(r) = Role::parse(&v).ok_or(()) {
                                        patch.dispatch((id.clone(), revision, UserPatch { role: Some(r), ..UserPatch::default() }));
                                    }
                                }>
                                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == current>{move || i.t(role_key(r))}</option> }).collect_view()}
                                </select>
                            </td>
                            <td>{move || if enabled { i.t("app.yes") } else { i.t("app.no") }}</td>
                            <td>
                                <Show when=move || enabled && !own>
                                    <button type="button" class="button small danger" on:click={
                                        let id = id2.clone();
                                        move |_| { patch.dispatch((id.clone(), revision, UserPatch { enabled: Some(false), ..UserPatch::default() })); }
                                    }>{move || i.t("users.disable")}</button>
                                </Show>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The form that adds a user; `added` runs once the user exists.
#[component]
fn AddUser(added: Callback<()>) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let toasts = use_toasts();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::StandardUser);
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    // The answer is handled where the request was made; the form may be gone by then.
    let add = Action::new_local(move |u: &NewUser| {
        let u = u.clone();
        async move {
            match api.add_user(&u).await {
                Ok(_) => {
                    error.try_set(None);
                    email.try_set(String::new());
                    name.try_set(String::new());
                    password.try_set(String::new());
                    toasts.ok(i.t("users.added"));
                    added.try_run(());
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        add.dispatch(NewUser {
            email: email.get_untracked(),
            name: name.get_untracked(),
            role: role.get_untracked(),
            password: password.get_untracked(),
        });
    };
    view! {
        <form class="card" on:submit=submit>
            <h2>{move || i.t("users.add")}</h2>
            <label for="u-email">{move || i.t("users.email")}</label>
            <input id="u-email" type="email" aria-describedby="err-email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
            <FieldError error=error field="email" />
            <label for="u-name">{move || i.t("users.name")}</label>
            <input id="u-name" aria-describedby="err-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <FieldError error=error field="name" />
            <label for="u-role">{move || i.t("users.role")}</label>
            <select id="u-role" on:change=move |ev| { if let Ok(r) = Role::parse(&event_target_value(&ev)).ok_or(()) { role.set(r) } }>
                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=move || role.get() == r>{move || i.t(role_key(r))}</option> }).collect_view()}
            </select>
            <label for="u-password">{move || i.t("users.password")}</label>
            <input id="u-password" type="password" autocomplete="new-password" aria-describedby="err-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
            <FieldError error=error field="password" />
            <FormError error=error fields=&["email", "name", "password"] />
            <button type="submit" class="button primary" disabled=move || add.pending().get()>{move || i.t("users.add")}</button>
        </form>
    }
}
