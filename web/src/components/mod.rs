//! Pieces shared by the pages: toasts, copy buttons, field errors, focus; modal dialogs
//! (confirmation, password again) in `dialog`, the menu button in [`menu`], the scope
//! picker in [`scopes`].

// `#[lazy]` (code splitting) generates glue with unsafe imports; nothing else there is unsafe.
#[allow(unsafe_code)]
pub mod actions;
pub mod contacts;
mod dialog;
pub mod form;
#[allow(unsafe_code)]
mod issued;
mod leak;
pub mod load;
pub mod menu;
pub mod paged;
pub mod policy;
pub mod scopes;

pub use dialog::{Confirm, SudoDialog, wrap_focus};
pub use issued::{IssuedPanel, LaterIssuedPanel};
pub use leak::LeakBanner;
pub use scopes::ScopePicker;

use leptos::html;
use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{I18n, use_i18n};

// ------------------------------------------------------------------ toasts

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
    /// The app's translations, held here because toasts are shown from async tasks, where
    /// the reactive context is no longer reachable.
    i18n: I18n,
}

impl Toasts {
    pub fn new(i18n: I18n) -> Toasts {
        Toasts {
            list: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            i18n,
        }
    }

    pub fn show(self, text: String, error: bool) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| l.push(Toast { id, text, error }));
        let list = self.list;
        set_timeout(
            move || list.update(|l| l.retain(|t| t.id != id)),
            std::time::Duration::from_millis(4500),
        );
    }

    pub fn ok(self, text: String) {
        self.show(text, false);
    }

    /// Someone else changed what the admin acted on; the page now shows its current state.
    pub fn stale(self) {
        self.show(self.i18n.t("toast.stale"), true);
    }

    pub fn fail(self, e: &ApiError) {
        self.show(e.text(self.i18n), true);
    }
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

#[component]
pub fn ToastList() -> impl IntoView {
    let toasts = use_toasts();
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:t>
                <div class="toast" class:toast-error=t.error>{t.text.clone()}</div>
            </For>
        </div>
    }
}

// ------------------------------------------------------------------ breadcrumbs

/// "Settings › Technical › API" above the token pages.
#[component]
pub fn Crumbs() -> impl IntoView {
    let i = use_i18n();
    view! {
        <nav class="crumbs" aria-label="breadcrumb">
            <span>{move || i.t("nav.settings")}</span>
            " › "
            <span>{move || i.t("nav.technical")}</span>
            " › "
            <crate::route::Link to=crate::route::Route::Tokens>{move || i.t("nav.api")}</crate::route::Link>
        </nav>
    }
}

// ------------------------------------------------------------------ field errors

/// The message of `error` if it is about `field`, beside the field: the control that names
/// it in `aria-describedby` (`err-{field}`) is marked `aria-invalid` and takes focus.
#[component]
pub fn FieldError(error: RwSignal<Option<ApiError>>, #[prop(into)] field: String) -> impl IntoView {
    let i = use_i18n();
    let field2 = field.clone();
    let message = Signal::derive(move || {
        error
            .get()
            .filter(|e| e.field.as_deref() == Some(field2.as_str()))
            .map(|e| e.text(i))
    });
    let note = NodeRef::<html::P>::new();
    let marked: StoredValue<Option<web_sys::Element>> = StoredValue::new(None);
    let selector = format!("[aria-describedby~=\"err-{field}\"]");
    Effect::new(move |_| {
        let shown = message.with(Option::is_some);
        if let Some(el) = marked.get_value() {
            let _ = el.remove_attribute("aria-invalid");
            marked.set_value(None);
        }
        if !shown {
            return;
        }
        let selector = selector.clone();
        request_animation_frame(move || {
            let Some(control) = note
                .try_get()
                .flatten()
                .and_then(|p| control_for(&p, &selector))
            else {
                return;
            };
            let _ = control.set_attribute("aria-invalid", "true");
            if let Some(c) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&control) {
                let _ = c.focus();
            }
            marked.set_value(Some(control));
        });
    });
    view! {
        <Show when=move || message.with(Option::is_some)>
            <p class="field-error" role="alert" id=format!("err-{field}") node_ref=note>{move || message.get()}</p>
        </Show>
    }
}

/// The control described by a field error: looked up in the error's own root (the page, or
/// the embedded token manager's shadow root).
fn control_for(note: &web_sys::Element, selector: &str) -> Option<web_sys::Element> {
    use wasm_bindgen::JsCast as _;
    let root = note.get_root_node();
    if let Some(d) = root.dyn_ref::<web_sys::Document>() {
        d.query_selector(selector).ok().flatten()
    } else {
        root.dyn_ref::<web_sys::ShadowRoot>()?
            .query_selector(selector)
            .ok()
            .flatten()
    }
}

/// The message of an error that names no field shown here.
#[component]
pub fn FormError(
    error: RwSignal<Option<ApiError>>,
    fields: &'static [&'static str],
) -> impl IntoView {
    let i = use_i18n();
    let message = Signal::derive(move || {
        error
            .get()
            .filter(|e| e.field.as_deref().is_none_or(|f| !fields.contains(&f)))
            .map(|e| e.text(i))
    });
    view! {
        <Show when=move || message.with(Option::is_some)>
            <p class="form-error" role="alert">{move || message.get()}</p>
        </Show>
    }
}

/// Moves focus to the first `selector` match inside `within` (made focusable with
/// `tabindex="-1"`), else to `within` itself: where a page or a wizard step begins, so that
/// keyboard and screen-reader users start there rather than at the top of the document.
pub fn focus_start(within: &web_sys::Element, selector: &str) {
    use wasm_bindgen::JsCast as _;
    let target = within
        .query_selector(selector)
        .ok()
        .flatten()
        .unwrap_or_else(|| within.clone());
    if target.get_attribute("tabindex").is_none() {
        let _ = target.set_attribute("tabindex", "-1");
    }
    if let Some(t) = target.dyn_ref::<web_sys::HtmlElement>() {
        let _ = t.focus();
    }
}

/// A number unique in this page (for `id`s that tie labels to elements).
pub fn next_id() -> u64 {
    thread_local! { static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) }; }
    NEXT.with(|n| {
        let id = n.get() + 1;
        n.set(id);
        id
    })
}

/// The element that has focus, looking inside shadow roots (the embedded token manager
/// lives in one, where `document.activeElement` names only its host).
pub(crate) fn focused_element() -> Option<web_sys::HtmlElement> {
    let mut active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())?;
    while let Some(inner) = active.shadow_root().and_then(|r| r.active_element()) {
        active = inner;
    }
    wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(active).ok()
}

// ------------------------------------------------------------------ wide tables

/// Holds a table that may be wider than a narrow screen: the table scrolls sideways inside
/// this region (not the page), which a keyboard user can focus to scroll and a screen
/// reader names by `label`.
#[component]
pub fn ScrollRegion(#[prop(into)] label: Signal<String>, children: Children) -> impl IntoView {
    view! { <div class="table-scroll" role="region" tabindex="0" aria-label=move || label.get()>{children()}</div> }
}

// ------------------------------------------------------------------ copy

pub fn copy_to_clipboard(text: String) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(&text);
    }
}

/// A copy button: it shows "Copy" and is named by `label` ("Copy Account SID"); after a
/// click it turns green and a status message says "Copied" (the name never changes, so
/// what is announced is what is shown).
#[component]
pub fn CopyButton(
    #[prop(into)] value: Signal<String>,
    #[prop(into)] label: Signal<String>,
) -> impl IntoView {
    let i = use_i18n();
    let copied = RwSignal::new(false);
    view! {
        <button
            type="button"
            class="button small copy"
            class:copied=move || copied.get()
            aria-label=move || label.get()
            on:click=move |_| {
                copy_to_clipboard(value.get());
                copied.set(true);
                set_timeout(move || copied.set(false), std::time::Duration::from_millis(1500));
            }
        >
            {move || i.t("app.copy")}
        </button>
        <span class="visually-hidden" role="status">{move || if copied.get() { i.t("app.copied") } else { String::new() }}</span>
    }
}
