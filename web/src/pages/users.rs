use leptos::prelude::*;
use tollgate_core::account::Role;
use tollgate_core::api::{NewUser, UserPatch, UserView};

use crate::api::{self, ApiError};
use crate::app::use_auth;
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
    let auth = use_auth();
    let toasts = use_toasts();
    let users = RwSignal::new(Vec::<UserView>::new());
    let loading = RwSignal::new(true);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::StandardUser);
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match api::users().await {
                Ok(u) => users.set(u),
                Err(e) => toasts.fail(&e),
            }
            loading.set(false);
        })
    };
    load();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let u = NewUser {
            email: email.get_untracked(),
            name: name.get_untracked(),
            role: role.get_untracked(),
            password: password.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api::add_user(&u).await {
                Ok(_) => {
                    error.set(None);
                    email.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    toasts.ok(i.t("users.added"));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let patch = move |id: String, p: UserPatch| {
        let revision = users.with_untracked(|all| all.iter().find(|u| u.id == id).map(|u| u.revision)).unwrap_or(0);
        leptos::task::spawn_local(async move {
            match api::patch_user(&id, &p, revision).await {
                Ok(_) => {
                    toasts.ok(i.t("users.changed"));
                    load();
                }
                Err(e) if e.is_stale() => {
                    toasts.stale();
                    load();
                }
                Err(e) => toasts.fail(&e),
            }
        });
    };
    let me = move || auth.session.with(|s| s.as_ref().map(|s| s.user.id.clone()).unwrap_or_default());
    view! {
        <h1>{move || i.t("users.title")}</h1>
        <Show when=move || loading.get()><p class="loading">{move || i.t("app.loading")}</p></Show>
        <table class="table">
            <thead><tr><th>{move || i.t("users.name")}</th><th>{move || i.t("users.email")}</th><th>{move || i.t("users.role")}</th><th>{move || i.t("users.enabled")}</th><th></th></tr></thead>
            <tbody>
                <For each=move || users.get() key=|u| (u.id.clone(), u.revision) let:u>
                    {
                        let id = u.id.clone();
                        let id2 = id.clone();
                        let own = me() == u.id;
                        let current = u.role;
                        view! {
                            <tr>
                                <td>{u.name.clone()}</td>
                                <td>{u.email.clone()}</td>
                                <td>
                                    <select aria-label=move || i.t("users.role") disabled=own on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        if let Ok(r) = serde_json::from_value::<Role>(serde_json::Value::String(v)) {
                                            patch(id.clone(), UserPatch { role: Some(r), ..UserPatch::default() });
                                        }
                                    }>
                                        {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == current>{move || i.t(role_key(r))}</option> }).collect_view()}
                                    </select>
                                </td>
                                <td>{move || if u.enabled { i.t("app.yes") } else { i.t("app.no") }}</td>
                                <td>
                                    <Show when=move || u.enabled && !own>
                                        <button type="button" class="button small danger" on:click={ let id = id2.clone(); move |_| patch(id.clone(), UserPatch { enabled: Some(false), ..UserPatch::default() }) }>{move || i.t("users.disable")}</button>
                                    </Show>
                                </td>
                            </tr>
                        }
                    }
                </For>
            </tbody>
        </table>
        <form class="card" on:submit=add>
            <h2>{move || i.t("users.add")}</h2>
            <label for="u-email">{move || i.t("users.email")}</label>
            <input id="u-email" type="email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
            <FieldError error=error field="email" />
            <label for="u-name">{move || i.t("users.name")}</label>
            <input id="u-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <FieldError error=error field="name" />
            <label for="u-role">{move || i.t("users.role")}</label>
            <select id="u-role" on:change=move |ev| { if let Ok(r) = serde_json::from_value::<Role>(serde_json::Value::String(event_target_value(&ev))) { role.set(r) } }>
                {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=move || role.get() == r>{move || i.t(role_key(r))}</option> }).collect_view()}
            </select>
            <label for="u-password">{move || i.t("users.password")}</label>
            <input id="u-password" type="password" autocomplete="new-password" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
            <FieldError error=error field="password" />
            <FormError error=error fields=&["email", "name", "password"] />
            <button type="submit" class="button primary">{move || i.t("users.add")}</button>
        </form>
    }
}
