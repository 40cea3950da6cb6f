//! Tollgate's admin app: a Leptos client-side app over the admin API (`/api/`). It uses
//! the core's JSON types, validation and list filter, so the browser and the Worker apply
//! the same rules. Only this crate touches the DOM.
//!
//! Two entry points: `mountApp` (the standalone app served by the Worker, which owns the
//! page) and `mountTokenManager` (the same app embedded in a host page's element, inside a
//! shadow root so its styles and the host's stay apart, with its page kept in memory).

use std::cell::Cell;

use leptos::mount::UnmountHandle;
use leptos::prelude::*;
use leptos::tachys::view::any_view::AnyViewState;
use wasm_bindgen::prelude::*;

mod api;
mod app;
mod components;
mod i18n;
mod pages;
mod route;

pub use app::{App, AppProps, Mounting};

thread_local! {
    static MANAGER_MOUNTED: Cell<bool> = const { Cell::new(false) };
}

/// Mounts the app on the page's body (the standalone admin app), in the browser's language
/// once its translations are here.
#[wasm_bindgen(js_name = mountApp)]
pub async fn mount_app() {
    console_error_panic_hook_lite();
    i18n::set_assets("/pkg/");
    let locale = initial_locale(None).await;
    leptos::mount::mount_to_body(move || view! { <App locale=locale /> });
}

/// The language to start in (`chosen`, else the browser's), once its translations are
/// here; English when they cannot be fetched.
async fn initial_locale(chosen: Option<i18n::Locale>) -> i18n::Locale {
    let locale = chosen.unwrap_or_else(i18n::browser_locale);
    if i18n::load(locale).await {
        locale
    } else {
        i18n::Locale::En
    }
}

/// The embedded token manager; `unmount()` removes it from the host page.
#[wasm_bindgen]
pub struct TokenManager {
    handle: Option<UnmountHandle<AnyViewState>>,
    nodes: Vec<web_sys::Node>,
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("mounted", &self.handle.is_some())
            .finish()
    }
}

#[wasm_bindgen]
impl TokenManager {
    /// Removes the token manager and everything it added to the host element. Calling it
    /// again does nothing.
    pub fn unmount(&mut self) {
        if let Some(handle) = self.handle.take() {
            drop(handle);
            for node in self.nodes.drain(..) {
                if let Some(parent) = node.parent_node() {
                    let _ = parent.remove_child(&node);
                }
            }
            MANAGER_MOUNTED.with(|m| m.set(false));
        }
    }

    /// Whether the token manager is still mounted.
    #[wasm_bindgen(getter)]
    pub fn mounted(&self) -> bool {
        self.handle.is_some()
    }
}

/// Mounts the token manager inside `element` (in its shadow root, created when missing).
///
/// `options.apiBase` is the origin that serves Tollgate's `/api/` (empty or missing: the
/// page's own origin; the admin API only answers same-origin requests, so a different
/// origin must be routed to the page's own, for example with a Workers route);
/// `options.locale` is `"en"`, `"ja"` or `"zh"` (missing: the browser's language);
/// `options.assetBase` is the folder (URL) of this module's files, its stylesheet and
/// translations (the package's `mountTokenManager` sets it).
/// One token manager per page: unmount it before mounting another.
#[wasm_bindgen(js_name = mountTokenManager)]
pub async fn mount_token_manager(
    element: web_sys::HtmlElement,
    options: JsValue,
) -> Result<TokenManager, JsError> {
    console_error_panic_hook_lite();
    if MANAGER_MOUNTED.with(|m| m.replace(true)) {
        return Err(JsError::new(
            "A token manager is already mounted on this page; call unmount() on it first.",
        ));
    }
    let mounted = mount_manager(element, options).await;
    if mounted.is_err() {
        MANAGER_MOUNTED.with(|m| m.set(false));
    }
    mounted
}

async fn mount_manager(
    element: web_sys::HtmlElement,
    options: JsValue,
) -> Result<TokenManager, JsError> {
    let api_base = option_string(&options, "apiBase")?.unwrap_or_default();
    let api_base = api_base.trim_end_matches('/').to_owned();
    if !(api_base.is_empty() || api_base.starts_with("https://") || api_base.starts_with("http://"))
    {
        return Err(JsError::new(
            "apiBase must be an origin such as \"https://tollgate.example.com\", or empty.",
        ));
    }
    let locale = match option_string(&options, "locale")? {
        None => None,
        Some(tag) => Some(i18n::Locale::parse(&tag).ok_or_else(|| {
            JsError::new(&format!(
                "Unknown locale {tag:?}: use one of \"en\", \"ja\" or \"zh\"."
            ))
        })?),
    };
    let root = match element.shadow_root() {
        Some(root) => root,
        None => element
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .map_err(|_| {
                JsError::new(
                    "This element cannot hold the token manager (it cannot have a shadow root).",
                )
            })?,
    };
    let assets = option_string(&options, "assetBase")?.unwrap_or_default();
    let assets = if assets.is_empty() || assets.ends_with('/') {
        assets
    } else {
        format!("{assets}/")
    };
    i18n::set_assets(&assets);
    let locale = initial_locale(locale).await;
    let document = element
        .owner_document()
        .ok_or_else(|| JsError::new("The element is not in a document."))?;
    let style = document
        .create_element("link")
        .map_err(|_| JsError::new("Could not create the stylesheet link."))?;
    let _ = style.set_attribute("rel", "stylesheet");
    let _ = style.set_attribute("href", &format!("{assets}style.css"));
    let container: web_sys::HtmlElement = document
        .create_element("div")
        .ok()
        .and_then(|e| e.dyn_into().ok())
        .ok_or_else(|| JsError::new("Could not create the container element."))?;
    // Drawn once its stylesheet is here (no unstyled flash); a link, not inline styles, so a
    // host page whose CSP refuses inline styles can still embed it.
    let loaded = js_sys::Promise::new(&mut |done, _| {
        let _ = style.add_event_listener_with_callback("load", &done);
        let _ = style.add_event_listener_with_callback("error", &done);
    });
    root.append_child(&style)
        .map_err(|_| JsError::new("Could not add the styles to the element."))?;
    let _ = wasm_bindgen_futures::JsFuture::from(loaded).await;
    root.append_child(&container)
        .map_err(|_| JsError::new("Could not add the token manager to the element."))?;
    let handle = leptos::mount::mount_to(container.clone(), move || {
        App(AppProps {
            mounting: Mounting::Embedded,
            locale: Some(locale),
            api_base: api_base.clone(),
        })
        .into_any()
    });
    Ok(TokenManager {
        handle: Some(handle),
        nodes: vec![style.into(), container.into()],
    })
}

fn option_string(options: &JsValue, key: &str) -> Result<Option<String>, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let value = js_sys::Reflect::get(options, &key.into())
        .map_err(|_| JsError::new("options must be an object."))?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| JsError::new(&format!("options.{key} must be a string.")))
}

fn console_error_panic_hook_lite() {
    std::panic::set_hook(Box::new(|info| {
        web_sys_log(&format!("tollgate-web panicked: {info}"));
    }));
}

fn web_sys_log(s: &str) {
    let _ = js_sys::Reflect::get(&js_sys::global(), &"console".into())
        .ok()
        .and_then(|c| js_sys::Reflect::get(&c, &"error".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .map(|f| f.call1(&JsValue::NULL, &s.into()));
}
