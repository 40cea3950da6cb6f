//! The new credentials after create, duplicate and reset.

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// The new credentials after create, duplicate and reset, in a modal `<dialog>` that takes
/// focus (on its title): which token, the Account SID, the Auth Token and a ready `curl`
/// line with copy buttons, that the Auth Token is not shown again in full (unless revealed,
/// where the account allows it), and until when the old one still works after a reset with
/// grace. Closing it (the button or Escape) calls `on_close`.
#[component]
pub fn IssuedPanel(
    issued: tollgate_core::api::IssuedToken,
    on_close: Callback<()>,
) -> impl IntoView {
    let i = use_i18n();
    let auth = crate::app::use_auth();
    let name = issued.token.name.clone();
    let old_until = issued.token.previous_valid_until.map(|t| t.0);
    let show_once = move || {
        auth.session
            .with(|s| s.as_ref().is_some_and(|s| s.account.show_tokens_once))
    };
    let dialog_ref = NodeRef::<leptos::html::Dialog>::new();
    let title_ref = NodeRef::<leptos::html::H2>::new();
    open_on_title(dialog_ref, title_ref);
    view! {
        <dialog class="dialog issued" aria-labelledby="issued-title" node_ref=dialog_ref
            on:close=move |_| { on_close.try_run(()); }
            on:keydown=move |ev| {
                if ev.key() == "Tab"
                    && let Some(d) = dialog_ref.get()
                    && super::wrap_focus(d.as_ref(), ev.shift_key())
                {
                    ev.prevent_default();
                }
            }>
            <h2 id="issued-title" tabindex="-1" node_ref=title_ref>{move || i.t("done.title")}</h2>
            <p class="issued-for">{move || i.t("done.for").replace("{name}", &name)}</p>
            <p class="warning" role="note">
                {move || i.t("done.warning")}" "
                {move || if show_once() { i.t("done.once") } else { i.t("done.once_revealable") }}
            </p>
            {old_until.map(|until| view! {
                <p class="hint" data-testid="grace-until">{move || i.t("done.grace_until").replace("{when}", &i.datetime(until))}</p>
            })}
            <Credentials sid=issued.token.sid.to_string() token=issued.auth_token.clone() />
            <div class="dialog-actions">
                <button type="button" class="button primary" on:click=move |_| { on_close.try_run(()); }>{move || i.t("done.back")}</button>
            </div>
        </dialog>
    }
}

/// Opens the dialog once it is in the document (`showModal` refuses a detached dialog; in a
/// `Suspense` the view is built before it is inserted), focus on its title.
fn open_on_title(dialog: NodeRef<leptos::html::Dialog>, title: NodeRef<leptos::html::H2>) {
    Effect::new(move |_| {
        if dialog.get().is_some() {
            super::dialog::show_when_connected(dialog, 30, move || {
                if let Some(t) = title.try_get().flatten() {
                    let _ = t.focus();
                }
            });
        }
    });
}

/// Where the `curl` line sends its request: the API's address the session named, else the
/// API client's origin, else this page's.
fn api_origin() -> String {
    let api = crate::api::use_api();
    match (api.api_url(), api.base()) {
        (url, _) if !url.is_empty() => url,
        (_, admin) if !admin.is_empty() => admin,
        _ => web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default(),
    }
}

/// The Account SID, the Auth Token and a ready `curl` line, each with a copy button.
#[component]
fn Credentials(sid: String, token: String) -> impl IntoView {
    let i = use_i18n();
    let curl = format!("curl -u '{sid}:{token}' {}/v1/verify", api_origin());
    // The value (found by the tests by its test id, or class) and its copy button.
    let copy = |value: String, label: &'static str, testid: Option<&'static str>, class| {
        let shown = value.clone();
        view! {
            <code data-testid=testid class=class>{shown}</code>
            <super::CopyButton value=Signal::derive(move || value.clone()) label=Signal::derive(move || i.t(label)) />
        }
    };
    view! {
        <dl>
            <dt>{move || i.t("done.sid")}</dt>
            <dd>{copy(sid, "edit.copy_sid", Some("issued-sid"), None)}</dd>
            <dt>{move || i.t("done.token")}</dt>
            <dd>{copy(token, "edit.copy_token", Some("issued-token"), None)}</dd>
            <dt>{move || i.t("done.example")}</dt>
            <dd>{copy(curl, "done.copy_example", None, Some("curl"))}</dd>
        </dl>
    }
}

/// [`IssuedPanel`] as a lazily loaded part (the token list's first load does not carry it):
/// shown while `shown` holds new credentials; closing it clears `shown`. Only plain values
/// cross into the part, so nothing it holds belongs to the page that opened it.
#[component]
pub fn LaterIssuedPanel(shown: RwSignal<Option<tollgate_core::api::IssuedToken>>) -> impl IntoView {
    view! {
        <Suspense>
            {move || shown.get().map(|t| Suspend::new(issued_panel(t, shown)))}
        </Suspense>
    }
}

#[lazy]
fn issued_panel(
    issued: tollgate_core::api::IssuedToken,
    shown: RwSignal<Option<tollgate_core::api::IssuedToken>>,
) -> AnyView {
    untrack(|| {
        view! { <IssuedPanel issued=issued on_close=Callback::new(move |_| shown.set(None)) /> }
            .into_any()
    })
}
