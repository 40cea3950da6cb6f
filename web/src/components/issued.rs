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
    let sid = issued.token.sid.to_string();
    let token = issued.auth_token.clone();
    let name = issued.token.name.clone();
    let old_until = issued.token.previous_valid_until.map(|t| t.0);
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let api = crate::api::use_api();
    let base = match (api.api_url(), api.base()) {
        (api, _) if !api.is_empty() => api,
        (_, admin) if !admin.is_empty() => admin,
        _ => origin,
    };
    let curl = format!("curl -u '{sid}:{token}' {base}/v1/verify");
    let (s1, s2, t1, t2, c1, c2) = (
        sid.clone(),
        sid.clone(),
        token.clone(),
        token.clone(),
        curl.clone(),
        curl.clone(),
    );
    let show_once = move || {
        auth.session
            .with(|s| s.as_ref().is_some_and(|s| s.account.show_tokens_once))
    };
    let dialog_ref = NodeRef::<leptos::html::Dialog>::new();
    let title_ref = NodeRef::<leptos::html::H2>::new();
    // Opened once the dialog is in the document (`showModal` refuses a detached dialog; in a
    // `Suspense` the view is built before it is inserted).
    Effect::new(move |_| {
        if dialog_ref.get().is_some() {
            super::dialog::show_when_connected(dialog_ref, 30, move || {
                if let Some(t) = title_ref.try_get().flatten() {
                    let _ = t.focus();
                }
            });
        }
    });
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
            <dl>
                <dt>{move || i.t("done.sid")}</dt>
                <dd>
                    <code data-testid="issued-sid">{s1}</code>
                    <super::CopyButton value=Signal::derive(move || s2.clone()) label=Signal::derive(move || i.t("edit.copy_sid")) />
                </dd>
                <dt>{move || i.t("done.token")}</dt>
                <dd>
                    <code data-testid="issued-token">{t1}</code>
                    <super::CopyButton value=Signal::derive(move || t2.clone()) label=Signal::derive(move || i.t("edit.copy_token")) />
                </dd>
                <dt>{move || i.t("done.example")}</dt>
                <dd>
                    <code class="curl">{c1}</code>
                    <super::CopyButton value=Signal::derive(move || c2.clone()) label=Signal::derive(move || i.t("done.copy_example")) />
                </dd>
            </dl>
            <div class="dialog-actions">
                <button type="button" class="button primary" on:click=move |_| { on_close.try_run(()); }>{move || i.t("done.back")}</button>
            </div>
        </dialog>
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
