//! A menu button in the WAI-ARIA menu-button pattern: the button (`aria-haspopup`,
//! `aria-expanded`, `aria-controls`) opens a `role="menu"` list of `role="menuitem"`
//! buttons. Enter, Space and ArrowDown open it on the first item, ArrowUp on the last;
//! inside, ArrowUp/ArrowDown move (wrapping), Home/End jump, Escape closes back to the
//! button, Tab and a click anywhere else close it.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast as _;

/// One entry of a menu.
#[derive(Clone, Copy)]
pub struct MenuItem {
    pub label: Signal<String>,
    /// Shown as destructive (Delete).
    pub destructive: bool,
    pub on_select: Callback<()>,
}

#[component]
pub fn MenuButton(
    /// The button's accessible name.
    #[prop(into)]
    label: Signal<String>,
    /// What the button shows.
    #[prop(into)]
    face: String,
    items: Vec<MenuItem>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    // Which item takes focus when the menu opens: 0 = first, -1 = last.
    let start = RwSignal::new(0i32);
    let id = super::next_id();
    let button_id = format!("menu-button-{id}");
    let menu_id = format!("menu-{id}");
    let button_ref = NodeRef::<html::Button>::new();
    let list_ref = NodeRef::<html::Ul>::new();
    let container_ref = NodeRef::<html::Div>::new();

    let entries = move || -> Vec<web_sys::HtmlElement> {
        let Some(list) = list_ref.try_get().flatten() else {
            return Vec::new();
        };
        let Ok(nodes) = list.query_selector_all("[role=menuitem]") else {
            return Vec::new();
        };
        (0..nodes.length())
            .filter_map(|n| nodes.item(n)?.dyn_into::<web_sys::HtmlElement>().ok())
            .collect()
    };
    let focus_at = move |index: i32| {
        let all = entries();
        if all.is_empty() {
            return;
        }
        let n = all.len() as i32;
        let _ = all[index.rem_euclid(n) as usize].focus();
    };
    let current = move || -> i32 {
        let active = super::focused_element();
        entries()
            .iter()
            .position(|e| active.as_ref() == Some(e))
            .map_or(-1, |p| p as i32)
    };
    let close_to_button = move || {
        open.set(false);
        if let Some(b) = button_ref.get() {
            let _ = b.focus();
        }
    };
    Effect::new(move |_| {
        if open.get() {
            let s = start.get_untracked();
            request_animation_frame(move || focus_at(s));
        }
    });

    let on_button_key = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "ArrowDown" => {
            ev.prevent_default();
            start.set(0);
            open.set(true);
        }
        "ArrowUp" => {
            ev.prevent_default();
            start.set(-1);
            open.set(true);
        }
        _ => {}
    };
    let on_menu_key = move |ev: web_sys::KeyboardEvent| {
        let key = ev.key();
        match key.as_str() {
            "ArrowDown" => focus_at(current() + 1),
            "ArrowUp" => focus_at(current() - 1),
            "Home" => focus_at(0),
            "End" => focus_at(-1),
            "Escape" => close_to_button(),
            "Tab" => {
                open.set(false);
                return;
            }
            _ => return,
        }
        ev.prevent_default();
        ev.stop_propagation();
    };
    // Focus leaving the menu and its button (a click elsewhere, Tab) closes it.
    let on_focus_out = move |ev: web_sys::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(container_ref.try_get().flatten())
            .is_some_and(|(t, c)| c.contains(Some(&t)));
        // (Also when the menu itself is being removed: its focused button leaves the page.)
        if !inside {
            open.try_set(false);
        }
    };
    let items = StoredValue::new(items);
    let menu_id2 = menu_id.clone();
    let button_id2 = button_id.clone();
    view! {
        <div class="menu" node_ref=container_ref on:focusout=on_focus_out>
            <button
                type="button"
                class="button small"
                id=button_id
                node_ref=button_ref
                aria-haspopup="menu"
                aria-controls=menu_id
                aria-label=move || label.get()
                aria-expanded=move || open.get().to_string()
                on:keydown=on_button_key
                on:click=move |_| {
                    start.set(0);
                    open.update(|o| *o = !*o);
                }
            >
                {face}
            </button>
            <Show when=move || open.get()>
                <ul class="menu-list" role="menu" id=menu_id2.clone() aria-labelledby=button_id2.clone() node_ref=list_ref on:keydown=on_menu_key>
                    {items.with_value(|all| all.iter().map(|item| {
                        let MenuItem { label, destructive, on_select } = *item;
                        view! {
                            <li role="none">
                                <button type="button" role="menuitem" tabindex="-1" class:destructive=destructive
                                    on:click=move |_| {
                                        // Back on the button first: what the item opens
                                        // (a dialog) returns focus there.
                                        close_to_button();
                                        on_select.try_run(());
                                    }>
                                    {move || label.get()}
                                </button>
                            </li>
                        }
                    }).collect_view())}
                </ul>
            </Show>
        </div>
    }
}
