//! A newest-first table that "Load more" extends (the audit log, the notifications): the
//! first page comes from the page's resource, each further page from `load` after the last
//! cursor, appended where the table is; a page that cannot be loaded says why in a toast.

use std::future::Future;
use std::hash::Hash;

use leptos::prelude::*;

use crate::api::ApiResult;
use crate::components::{ScrollRegion, use_toasts};
use crate::i18n::use_i18n;

/// One page of a newest-first list: its entries and the cursor of the next, if any.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub entries: Vec<T>,
    pub next: Option<String>,
}

/// What a paged table shows around its rows: its caption (also the scroll region's name),
/// its column headings and what it says when empty (translation keys).
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub caption: &'static str,
    pub headings: &'static [&'static str],
    pub empty: &'static str,
    /// The table's `data-testid`, if the tests find it by one.
    pub testid: Option<&'static str>,
}

#[component]
pub fn PagedTable<T, K, KF, L, Fut, R, RV>(
    first: Paged<T>,
    columns: Columns,
    /// The page after a cursor.
    load: L,
    /// A row's identity (a row whose key changes is drawn again).
    key: KF,
    row: R,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    K: Eq + Hash + 'static,
    KF: Fn(&T) -> K + Clone + Send + Sync + 'static,
    L: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ApiResult<Paged<T>>> + 'static,
    R: Fn(T) -> RV + Clone + Send + Sync + 'static,
    RV: IntoView + 'static,
{
    let i = use_i18n();
    let toasts = use_toasts();
    let entries = RwSignal::new(first.entries);
    let next = RwSignal::new(first.next);
    // The answer is handled where the request was made; the page may be gone by then.
    let more = Action::new_local(move |cursor: &String| {
        let page = load(cursor.clone());
        async move {
            match page.await {
                Ok(p) => {
                    entries.try_update(|e| e.extend(p.entries));
                    next.try_set(p.next);
                }
                Err(e) => toasts.fail(&e),
            }
        }
    });
    let Columns {
        caption,
        headings,
        empty,
        testid,
    } = columns;
    view! {
        <Show when=move || entries.with(Vec::is_empty)><p class="empty">{move || i.t(empty)}</p></Show>
        <ScrollRegion label=Signal::derive(move || i.t(caption))>
            <table class="table" data-testid=testid>
                <caption class="visually-hidden">{move || i.t(caption)}</caption>
                <thead><tr>
                    {headings.iter().map(|h| view! { <th scope="col">{move || i.t(h)}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    <For each=move || entries.get() key=key.clone() children=row.clone() />
                </tbody>
            </table>
        </ScrollRegion>
        <Show when=move || next.with(Option::is_some)>
            <button type="button" class="button" disabled=move || more.pending().get()
                on:click=move |_| { if let Some(c) = next.get_untracked() { more.dispatch(c); } }>{move || i.t("app.load_more")}</button>
        </Show>
    }
}
