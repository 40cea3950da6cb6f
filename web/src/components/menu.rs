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

/// A menu's state and the keyboard behaviour of the pattern.
#[derive(Clone, Copy)]
struct Menu {
    open: RwSignal<bool>,
    /// Which item takes focus when the menu opens: 0 = first, -1 = last.
    start: RwSignal<i32>,
    button: NodeRef<html::Button>,
    list: NodeRef<html::Ul>,
    container: NodeRef<html::Div>,
}

impl Menu {
    fn new() -> Menu {
        let m = Menu {
            open: RwSignal::new(false),
            start: RwSignal::new(0),
            button: NodeRef::new(),
            list: NodeRef::new(),
            container: NodeRef::new(),
        };
        // Opening focuses the item the opening key asked for.
        Effect::new(move |_| {
            if m.open.get() {
                let s = m.start.get_untracked();
                request_animation_frame(move || m.focus_at(s));
            }
        });
        m
    }

    fn entries(self) -> Vec<web_sys::HtmlElement> {
        let Some(list) = self.list.try_get().flatten() else {
            return Vec::new();
        };
        let Ok(nodes) = list.query_selector_all("[role=menuitem]") else {
            return Vec::new();
        };
        (0..nodes.length())
            .filter_map(|n| nodes.item(n)?.dyn_into::<web_sys::HtmlElement>().ok())
            .collect()
    }

    /// Focuses item `index`, counting from the end when negative, wrapping around.
    fn focus_at(self, index: i32) {
        let all = self.entries();
        if !all.is_empty() {
            let n = all.len() as i32;
            let _ = all[index.rem_euclid(n) as usize].focus();
        }
    }

    /// The focused item's position, or -1.
    fn current(self) -> i32 {
        let active = super::focused_element();
        self.entries()
            .iter()
            .position(|e| active.as_ref() == Some(e))
            .map_or(-1, |p| p as i32)
    }

    fn open_at(self, start: i32) {
        self.start.set(start);
        self.open.set(true);
    }

    fn close_to_button(self) {
        self.open.set(false);
        if let Some(b) = self.button.get() {
            let _ = b.focus();
        }
    }

    fn on_button_key(self, ev: web_sys::KeyboardEvent) {
        let start = match ev.key().as_str() {
            "ArrowDown" => 0,
            "ArrowUp" => -1,
            _ => return,
        };
        ev.prevent_default();
        self.open_at(start);
    }

    fn on_menu_key(self, ev: web_sys::KeyboardEvent) {
        match ev.key().as_str() {
            "ArrowDown" => self.focus_at(self.current() + 1),
            "ArrowUp" => self.focus_at(self.current() - 1),
            "Home" => self.focus_at(0),
            "End" => self.focus_at(-1),
            "Escape" => self.close_to_button(),
            "Tab" => {
                self.open.set(false);
                return;
            }
            _ => return,
        }
        ev.prevent_default();
        ev.stop_propagation();
    }

    /// Focus leaving the menu and its button (a click elsewhere, Tab) closes it (also when
    /// the menu itself is being removed: its focused button leaves the page).
    fn on_focus_out(self, ev: web_sys::FocusEvent) {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .zip(self.container.try_get().flatten())
            .is_some_and(|(t, c)| c.contains(Some(&t)));
        if !inside {
            self.open.try_set(false);
        }
    }
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
    let m = Menu::new();
    let id = super::next_id();
    let button_id = format!("menu-button-{id}");
    let menu_id = format!("menu-{id}");
    let (menu_id2, button_id2) = (menu_id.clone(), button_id.clone());
    let items = StoredValue::new(items);
    view! {
        <div class="menu" node_ref=m.container on:focusout=move |ev| m.on_focus_out(ev)>
            <button type="button" class="button small" id=button_id node_ref=m.button
                aria-haspopup="menu" aria-controls=menu_id aria-label=move || label.get()
                aria-expanded=move || m.open.get().to_string()
                on:keydown=move |ev| m.on_button_key(ev)
                on:click=move |_| {
                    m.start.set(0);
                    m.open.update(|o| *o = !*o);
                }
            >
                {face}
            </button>
            <Show when=move || m.open.get()>
                <ul class="menu-list" role="menu" id=menu_id2.clone() aria-labelledby=button_id2.clone()
                    node_ref=m.list on:keydown=move |ev| m.on_menu_key(ev)>
                    {items.with_value(|all| all.iter().map(|item| view! { <Entry item=*item menu=m /> }).collect_view())}
                </ul>
            </Show>
        </div>
    }
}

/// One item of the list: back on the button first (what the item opens, a dialog, returns
/// focus there), then its action.
#[component]
fn Entry(item: MenuItem, menu: Menu) -> impl IntoView {
    let MenuItem {
        label,
        destructive,
        on_select,
    } = item;
    view! {
        <li role="none">
            <button type="button" role="menuitem" tabindex="-1" class:destructive=destructive
                on:click=move |_| {
                    menu.close_to_button();
                    on_select.try_run(());
                }>
                {move || label.get()}
            </button>
        </li>
    }
}
