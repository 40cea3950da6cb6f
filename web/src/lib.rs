//! Tollgate's admin app: a Leptos client-side app over the admin API (`/api/`). It uses
//! the core's JSON types, validation and list filter, so the browser and the Worker apply
//! the same rules. Only this crate touches the DOM.

use wasm_bindgen::prelude::*;

mod api;
mod app;
mod components;
mod i18n;
mod pages;

pub use app::App;

/// Mounts the app on the page's body (the standalone admin app).
#[wasm_bindgen(js_name = mountApp)]
pub fn mount_app() {
    console_error_panic_hook_lite();
    leptos::mount::mount_to_body(App);
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
