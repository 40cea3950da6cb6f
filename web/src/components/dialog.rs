//! Modal dialogs on the native `<dialog>` (`showModal()`): the page behind is inert, Tab
//! stays inside, Escape and a click on the backdrop cancel, focus goes into the dialog and
//! back to the opener on close. [`Modal`] is that behaviour; [`Confirm`] asks yes or no;
//! [`SudoDialog`] asks for the password again before a stored secret is shown.

use leptos::html;
use leptos::prelude::*;

use super::{FieldError, FormError, focused_element, next_id};
use crate::api::ApiError;
use crate::i18n::use_i18n;

/// A modal dialog labelled by its heading (`heading` is the heading's id). Its content is
/// drawn only while `open`, so each opening starts afresh.
#[component]
pub fn Modal(open: RwSignal<bool>, heading: String, children: ChildrenFn) -> impl IntoView {
    let dialog_ref = NodeRef::<html::Dialog>::new();
    let opener: StoredValue<Option<web_sys::HtmlElement>> = StoredValue::new(None);
    // (`try_` reads: the dialog's owner can be disposed in the same turn that closes it.)
    Effect::new(move |_| {
        let (Some(Some(d)), Some(now_open)) = (dialog_ref.try_get(), open.try_get()) else {
            return;
        };
        if now_open {
            opener.try_set_value(focused_element());
            show_when_connected(dialog_ref, 30, || {});
        } else {
            if d.open() {
                d.close();
            }
            if let Some(el) = opener.try_get_value().flatten() {
                let _ = el.focus();
            }
        }
    });
    let children = StoredValue::new(children);
    view! {
        <dialog
            class="dialog"
            aria-labelledby=heading
            node_ref=dialog_ref
            // Escape (the `cancel` event) and `close()` end here: keep `open` in step.
            on:close=move |_| open.set(false)
            // The page behind is inert; Tab also wraps inside instead of leaving for the
            // browser's own controls.
            on:keydown=move |ev| {
                if ev.key() == "Tab"
                    && let Some(d) = dialog_ref.get()
                    && wrap_focus(d.as_ref(), ev.shift_key())
                {
                    ev.prevent_default();
                }
            }
            // A click on the dialog element itself is a click on its backdrop.
            on:click=move |ev| {
                let on_backdrop = ev.target().zip(dialog_ref.get()).is_some_and(|(t, d)| {
                    let d: &web_sys::EventTarget = d.as_ref();
                    t == *d
                });
                if on_backdrop {
                    open.set(false);
                }
            }
        >
            <Show when=move || open.get()>
                <div class="dialog-body">{children.with_value(|c| c())}</div>
            </Show>
        </dialog>
    }
}

/// Shows `dialog` as a modal as soon as it is in the document (`showModal` refuses a
/// detached dialog, and a dialog drawn inside a `Suspense` is built before it is inserted),
/// then calls `shown`: tried once per animation frame, up to `tries` times.
pub(crate) fn show_when_connected(
    dialog: NodeRef<html::Dialog>,
    tries: u32,
    shown: impl FnOnce() + 'static,
) {
    let Some(d) = dialog.try_get().flatten() else {
        return;
    };
    if d.is_connected() {
        if !d.open() {
            let _ = d.show_modal();
        }
        shown();
    } else if tries > 0 {
        request_animation_frame(move || show_when_connected(dialog, tries - 1, shown));
    }
}

/// A modal confirmation: focus goes to its first button (Cancel).
#[component]
pub fn Confirm(
    open: RwSignal<bool>,
    #[prop(into)] title: Signal<String>,
    #[prop(into)] confirm_label: Signal<String>,
    /// Shown as destructive (the confirm button in the danger colour).
    #[prop(optional, into)]
    danger: Signal<bool>,
    on_confirm: Callback<()>,
    children: ChildrenFn,
) -> impl IntoView {
    let i = use_i18n();
    let children = StoredValue::new(children);
    let heading = format!("dialog-{}", next_id());
    let heading2 = heading.clone();
    view! {
        <Modal open=open heading=heading>
            <h2 id=heading2.clone()>{move || title.get()}</h2>
            {children.with_value(|c| c())}
            <div class="dialog-actions">
                <button type="button" class="button" on:click=move |_| open.set(false)>
                    {move || i.t("app.cancel")}
                </button>
                <button
                    type="button"
                    class="button"
                    class:primary=move || !danger.get()
                    class:danger=move || danger.get()
                    on:click=move |_| {
                        open.set(false);
                        on_confirm.try_run(());
                    }
                >
                    {move || confirm_label.get()}
                </button>
            </div>
        </Modal>
    }
}

/// Asks for the signed-in user's password again (`POST /api/session/sudo`), as GitHub's
/// sudo mode does, before a stored Auth Token is shown. A wrong password is said beside the
/// field and keeps the dialog open; the right one closes it and calls `on_done`.
#[component]
pub fn SudoDialog(open: RwSignal<bool>, on_done: Callback<()>) -> impl IntoView {
    let api = crate::api::use_api();
    let i = use_i18n();
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    // The answer is handled where the request was made; the dialog may be gone by then.
    let confirm = Action::new_local(move |pw: &String| {
        let pw = pw.clone();
        async move {
            match api.sudo(&pw).await {
                Ok(()) => {
                    password.try_set(String::new());
                    error.try_set(None);
                    open.try_set(false);
                    on_done.try_run(());
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        }
    });
    Effect::new(move |_| {
        if !open.get() {
            error.set(None);
            password.set(String::new());
        }
    });
    let heading = format!("dialog-{}", next_id());
    let heading2 = heading.clone();
    view! {
        <Modal open=open heading=heading>
            <form on:submit=move |ev| {
                ev.prevent_default();
                error.set(None);
                confirm.dispatch(password.get_untracked());
            }>
                <h2 id=heading2.clone()>{move || i.t("sudo.title")}</h2>
                <p>{move || i.t("sudo.explain")}</p>
                <label for="sudo-password">{move || i.t("login.password")}</label>
                <input id="sudo-password" type="password" autocomplete="current-password" required
                    aria-describedby="err-password"
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                <FieldError error=error field="password" />
                <FormError error=error fields=&["password"] />
                <div class="dialog-actions">
                    <button type="button" class="button" on:click=move |_| open.set(false)>{move || i.t("app.cancel")}</button>
                    <button type="submit" class="button primary" disabled=move || confirm.pending().get()>{move || i.t("sudo.confirm")}</button>
                </div>
            </form>
        </Modal>
    }
}

/// Moves focus from the last focusable element inside `within` to the first (or, going
/// back, from the first to the last). Whether it did.
pub fn wrap_focus(within: &web_sys::Element, back: bool) -> bool {
    use wasm_bindgen::JsCast as _;
    let Ok(nodes) = within.query_selector_all(
        "button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])",
    ) else {
        return false;
    };
    let all: Vec<web_sys::HtmlElement> = (0..nodes.length())
        .filter_map(|n| nodes.item(n)?.dyn_into::<web_sys::HtmlElement>().ok())
        .collect();
    let (Some(first), Some(last)) = (all.first(), all.last()) else {
        return false;
    };
    let active = focused_element();
    let (from, to) = if back { (first, last) } else { (last, first) };
    if active.as_ref() == Some(from) {
        let _ = to.focus();
        true
    } else {
        false
    }
}
