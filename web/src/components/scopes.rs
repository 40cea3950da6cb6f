//! The scope picker, in the help pages' model: a switch per category, then a checkbox per
//! scope. What it shows is what is saved: a category's switch is on exactly when one of its
//! scopes is selected (switching one on selects its read scopes — least privilege — and
//! shows the rest; off clears them), each category says "n of m", each scope what it allows
//! (its routes), the search filters scopes inside categories, and Clear all clears all.

use std::collections::BTreeSet;

use leptos::prelude::*;
use tollgate_core::api::{CatalogResponse, CategoryJson, ScopeView};
use tollgate_core::filter::{Nfkc, search_key_of_nfkc};
use tollgate_core::scope::Access;

use crate::i18n::{I18n, use_i18n};

/// The core's search key (NFKC, then lower case), with the browser's NFKC.
fn search_key(text: &str) -> String {
    search_key_of_nfkc(&BrowserNfkc::nfkc(text))
}

/// The browser's NFKC (`String.prototype.normalize`): the core's search rule without the
/// Unicode tables in the download.
#[derive(Debug, Clone, Copy)]
pub struct BrowserNfkc;

impl Nfkc for BrowserNfkc {
    fn nfkc(text: &str) -> String {
        js_sys::JsString::from(text).normalize("NFKC").into()
    }
}

/// The categories and scopes a search keeps: a category whose name matches keeps all its
/// scopes; otherwise only its scopes whose id or routes match.
fn matching(
    i: I18n,
    categories: Vec<CategoryJson>,
    query: &str,
) -> Vec<(CategoryJson, Vec<ScopeView>)> {
    let q = search_key(query.trim());
    categories
        .into_iter()
        .filter_map(|c| {
            if q.is_empty() || search_key(&i.t(&format!("cat.{}", c.key))).contains(&q) {
                let all = c.scopes.clone();
                return Some((c, all));
            }
            let kept: Vec<ScopeView> = c
                .scopes
                .iter()
                .filter(|s| {
                    search_key(&s.id).contains(&q)
                        || s.routes.iter().any(|r| search_key(&r.pattern).contains(&q))
                })
                .cloned()
                .collect();
            (!kept.is_empty()).then_some((c, kept))
        })
        .collect()
}

#[component]
pub fn ScopePicker(
    catalog: Signal<Option<CatalogResponse>>,
    selected: RwSignal<BTreeSet<String>>,
) -> impl IntoView {
    let i = use_i18n();
    let search = RwSignal::new(String::new());
    // Categories switched on whose scopes were all unchecked since: still listed (so the
    // admin can pick again) while their switch shows off.
    let opened = RwSignal::new(BTreeSet::<String>::new());
    let shown = move || {
        matching(
            i,
            catalog.get().map(|c| c.categories).unwrap_or_default(),
            &search.get(),
        )
    };
    view! {
        <div class="scope-picker">
            <div class="scope-tools">
                <label class="visually-hidden" for="scope-search">{move || i.t("scopes.search")}</label>
                <input
                    id="scope-search"
                    type="search"
                    placeholder=move || i.t("scopes.search")
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
                <span class="count" data-testid="scope-count" role="status">{move || i.tn("scopes.selected", selected.with(|s| s.len()))}</span>
                <button type="button" class="button" on:click=move |_| {
                    selected.set(BTreeSet::new());
                    opened.set(BTreeSet::new());
                }>
                    {move || i.t("scopes.clear_all")}
                </button>
            </div>
            <Show when=move || shown().is_empty() && catalog.with(Option::is_some)>
                <p class="empty">{move || i.t("scopes.none_match")}</p>
            </Show>
            <For each=shown key=|(c, kept)| (c.key.clone(), kept.len()) let:entry>
                <Category category=entry.0 kept=entry.1 selected=selected opened=opened />
            </For>
        </div>
    }
}

/// A category's scopes and what its switch does: on exactly when one of its scopes is
/// selected; switching it on selects its read scopes (or all, when it has none) and lists
/// them, off clears them.
#[derive(Clone, Copy)]
struct Group {
    key: StoredValue<String>,
    ids: StoredValue<Vec<String>>,
    reads: StoredValue<Vec<String>>,
    selected: RwSignal<BTreeSet<String>>,
    opened: RwSignal<BTreeSet<String>>,
}

impl Group {
    fn new(
        c: &CategoryJson,
        selected: RwSignal<BTreeSet<String>>,
        opened: RwSignal<BTreeSet<String>>,
    ) -> Group {
        let ids = |read_only: bool| -> Vec<String> {
            c.scopes
                .iter()
                .filter(|s| !read_only || s.access == Access::Read)
                .map(|s| s.id.clone())
                .collect()
        };
        Group {
            key: StoredValue::new(c.key.clone()),
            ids: StoredValue::new(ids(false)),
            reads: StoredValue::new(ids(true)),
            selected,
            opened,
        }
    }

    /// How many of the category's scopes are selected.
    fn count(self) -> usize {
        self.selected.with(|s| {
            self.ids
                .try_with_value(|ids| ids.iter().filter(|id| s.contains(*id)).count())
                .unwrap_or(0)
        })
    }

    fn on(self) -> bool {
        self.count() > 0
    }

    /// Whether its scopes are listed: when on, or opened by its switch.
    fn listed(self) -> bool {
        self.on()
            || self
                .opened
                .with(|o| self.key.try_with_value(|k| o.contains(k)).unwrap_or(false))
    }

    fn switch(self, on: bool) {
        let k = self.key.get_value();
        if on {
            let pick = self.reads.with_value(|r| {
                if r.is_empty() {
                    self.ids.get_value()
                } else {
                    r.clone()
                }
            });
            self.selected.update(|s| s.extend(pick));
            self.opened.update(|o| {
                o.insert(k);
            });
        } else {
            self.selected
                .update(|s| self.ids.with_value(|ids| s.retain(|id| !ids.contains(id))));
            self.opened.update(|o| {
                o.remove(&k);
            });
        }
    }

    fn select_all(self) {
        self.selected.update(|s| s.extend(self.ids.get_value()));
    }
}

#[component]
fn Category(
    category: CategoryJson,
    kept: Vec<ScopeView>,
    selected: RwSignal<BTreeSet<String>>,
    opened: RwSignal<BTreeSet<String>>,
) -> impl IntoView {
    let i = use_i18n();
    let g = Group::new(&category, selected, opened);
    let total = category.scopes.len();
    let n_of_m = move || {
        let text = i.t("scopes.n_of_m");
        text.replace("{n}", &g.count().to_string())
            .replace("{m}", &total.to_string())
    };
    let kept = StoredValue::new(kept);
    let scopes = move || {
        kept.try_with_value(|kept| {
            kept.iter()
                .map(|s| scope_item(i, s, selected))
                .collect_view()
        })
    };
    let about_id = format!("cat-about-{}", category.key);
    let label_key = format!("cat.{}", category.key);
    let label_key2 = label_key.clone();
    let about_key = format!("cat.{}.about", category.key);
    view! {
        <fieldset class="scope-category" class:on=move || g.on() data-category=category.key.clone()>
            <legend>
                <label class="switch">
                    <input type="checkbox" role="switch" prop:checked=move || g.on()
                        aria-label=move || i.t(&label_key2) aria-describedby=about_id.clone()
                        on:change=move |ev| g.switch(event_target_checked(&ev)) />
                    <span>{move || i.t(&label_key)}</span>
                </label>
                " "<span class="hint" data-testid="category-count">{n_of_m}</span>
            </legend>
            <p class="hint category-about" id=about_id>{move || i.t(&about_key)}</p>
            <Show when=move || g.listed()>
                <div class="scope-list">
                    <button type="button" class="link" on:click=move |_| g.select_all()>{move || i.t("scopes.select_all")}</button>
                    <ul class="scopes">{scopes}</ul>
                </div>
            </Show>
        </fieldset>
    }
}

/// One scope: its checkbox (read or write, the id) and the routes it allows.
fn scope_item(
    i: I18n,
    s: &ScopeView,
    selected: RwSignal<BTreeSet<String>>,
) -> impl IntoView + use<> {
    let id = StoredValue::new(s.id.clone());
    let access = if s.access == Access::Read {
        "scopes.read"
    } else {
        "scopes.write"
    };
    let routes = s
        .routes
        .iter()
        .map(|r| format!("{} {}", r.method, r.pattern))
        .collect::<Vec<_>>()
        .join(", ");
    let routes_id = format!("routes-{}", s.id.replace('.', "-"));
    view! {
        <li class="scope">
            <label>
                <input
                    type="checkbox"
                    value=s.id.clone()
                    aria-describedby=routes_id.clone()
                    prop:checked=move || selected.with(|sel| id.try_with_value(|id| sel.contains(id)).unwrap_or(false))
                    on:change=move |ev| {
                        let checked = event_target_checked(&ev);
                        selected.update(|sel| {
                            if checked { sel.insert(id.get_value()); } else { sel.remove(&id.get_value()); }
                        });
                    }
                />
                <span>{move || i.t(access)}</span>
                " "<code>{s.id.clone()}</code>
            </label>
            <p class="routes hint" id=routes_id>{move || i.t("scopes.allows")}": "<code>{routes.clone()}</code></p>
        </li>
    }
}
