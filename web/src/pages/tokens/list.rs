//! The tokens as a table or as cards. Both show the state first, the name (a link to the
//! token), the Account SID with a copy button, the API version, when it was created and last
//! used; a click anywhere on a row or card that is not a control opens the token; disabled
//! tokens are muted.

use leptos::prelude::*;
use tollgate_core::api::{TokenState, TokenView};
use tollgate_core::token::Nudge;

use crate::components::actions::TokenAction;
use crate::components::menu::{MenuButton, MenuItem};
use crate::components::{CopyButton, LeakBanner};
use crate::i18n::{I18n, use_i18n};
use crate::route::{Link, Navigator, Route, use_navigator};

/// How the list is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Table,
    Cards,
}

const LAYOUT_KEY: &str = "tollgate.layout";

impl Layout {
    /// The admin's last choice, else a table on wide screens and cards on narrow ones.
    pub fn preferred() -> Layout {
        let w = web_sys::window();
        let stored = w
            .as_ref()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(LAYOUT_KEY).ok().flatten());
        match stored.as_deref() {
            Some("table") => Layout::Table,
            Some("cards") => Layout::Cards,
            _ => {
                let wide = w
                    .and_then(|w| w.match_media("(min-width: 760px)").ok().flatten())
                    .is_some_and(|m| m.matches());
                if wide { Layout::Table } else { Layout::Cards }
            }
        }
    }

    fn remember(self) {
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(
                LAYOUT_KEY,
                if self == Layout::Table {
                    "table"
                } else {
                    "cards"
                },
            );
        }
    }
}

/// Two toggle buttons: Table, Cards.
#[component]
pub fn LayoutSwitch(layout: RwSignal<Layout>) -> impl IntoView {
    let i = use_i18n();
    let button = move |l: Layout, key: &'static str| {
        view! {
            <button type="button" class="button small" aria-pressed=move || (layout.get() == l).to_string()
                on:click=move |_| { l.remember(); layout.set(l); }>{move || i.t(key)}</button>
        }
    };
    view! {
        <span class="layout-switch" role="group" aria-label=move || i.t("tokens.layout")>
            {button(Layout::Table, "tokens.table")}
            {button(Layout::Cards, "tokens.cards")}
        </span>
    }
}

/// What a row or a card needs from the page.
#[derive(Clone, Copy)]
pub struct ListCtx {
    pub can_manage: Signal<bool>,
    /// Asks to confirm an action on a token.
    pub ask: Callback<(TokenAction, TokenView)>,
}

impl ListCtx {
    /// Whether the admin may act on tokens (false once the page is gone: a row can be
    /// redrawn in the same turn in which a sign-out disposes the page).
    fn manages(self) -> bool {
        self.can_manage.try_get().unwrap_or(false)
    }
}

/// Opens the token unless the click was on a control inside the row or card.
fn open_unless_control(nav: Navigator, ev: &web_sys::MouseEvent, sid: &str) {
    use wasm_bindgen::JsCast as _;
    let on_control = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| {
            e.closest("a, button, input, select, textarea, [role=menu], dialog")
                .ok()
                .flatten()
        })
        .is_some();
    if !on_control {
        nav.go(Route::Token(sid.to_owned()));
    }
}

/// The ⋯ menu of one token.
#[component]
fn TokenMenu(token: TokenView, ctx: ListCtx) -> impl IntoView {
    let i = use_i18n();
    let enabled = token.state == TokenState::Enabled;
    let latest = token.latest_version;
    let t = StoredValue::new(token);
    let items = [
        TokenAction::Duplicate,
        TokenAction::Reset,
        TokenAction::Upgrade,
        if enabled {
            TokenAction::Disable
        } else {
            TokenAction::Enable
        },
        TokenAction::Delete,
    ]
    .into_iter()
    .filter(|a| *a != TokenAction::Upgrade || !latest)
    .map(|a| MenuItem {
        label: Signal::derive(move || i.t(a.label())),
        destructive: a == TokenAction::Delete,
        on_select: Callback::new(move |_| {
            if let Some(t) = t.try_get_value() {
                ctx.ask.try_run((a, t));
            }
        }),
    })
    .collect();
    view! { <MenuButton label=Signal::derive(move || i.t("tokens.more")) face="⋯" items=items /> }
}

fn state_badge(i: I18n, enabled: bool) -> impl IntoView {
    view! {
        <span class="badge" class:badge-off=!enabled>{move || if enabled { i.t("tokens.enabled") } else { i.t("tokens.disabled") }}</span>
    }
}

/// The tokens as a table: one row each.
#[component]
pub fn TokenTable(tokens: Signal<Vec<TokenView>>, ctx: ListCtx) -> impl IntoView {
    let i = use_i18n();
    view! {
        <table class="table token-table" data-testid="token-table">
            <thead>
                <tr>
                    <th scope="col">{move || i.t("tokens.state")}</th>
                    <th scope="col">{move || i.t("tokens.name")}</th>
                    <th scope="col">{move || i.t("tokens.sid")}</th>
                    <th scope="col">{move || i.t("tokens.version")}</th>
                    <th scope="col">{move || i.t("tokens.created")}</th>
                    <th scope="col">{move || i.t("tokens.last_used")}</th>
                    <Show when=move || ctx.manages()><th scope="col"><span class="visually-hidden">{move || i.t("tokens.actions")}</span></th></Show>
                </tr>
            </thead>
            <tbody>
                <For each=move || tokens.get() key=|t| (t.sid.to_string(), t.updated_at, t.state == TokenState::Enabled, t.api_version) let:t>
                    <TokenRow token=t ctx=ctx />
                </For>
            </tbody>
        </table>
    }
}

#[component]
fn TokenRow(token: TokenView, ctx: ListCtx) -> impl IntoView {
    let i = use_i18n();
    let sid = token.sid.to_string();
    let enabled = token.state == TokenState::Enabled;
    let (created, last_used, latest) = (
        token.created_at.0,
        token.last_used_at.map(|x| x.0),
        token.latest_version,
    );
    let (open_sid, copy_sid) = (sid.clone(), sid.clone());
    let leaked = token.leak.is_some();
    let nav = use_navigator();
    let (name, version) = (token.name.clone(), token.api_version.to_string());
    let stored = StoredValue::new(token);
    view! {
        <tr class="token-row token-item" class:token-disabled=!enabled data-sid=sid.clone() on:click=move |ev| open_unless_control(nav, &ev, &open_sid)>
            <td>{state_badge(i, enabled)}<Show when=move || leaked><span class="badge badge-warn">{move || i.t("leak.badge")}</span></Show></td>
            <td><Link to=Route::Token(sid.clone()) class="token-name">{name}</Link></td>
            <td class="sid-cell"><code>{sid.clone()}</code>
                <CopyButton value=Signal::derive(move || copy_sid.clone()) label=Signal::derive(move || i.t("edit.copy_sid")) /></td>
            <td>{version}<Show when=move || !latest><span class="badge badge-warn">{move || i.t("tokens.not_latest")}</span></Show></td>
            <td class="nowrap">{move || i.date(created)}</td>
            <td class="nowrap">{move || last_used.map(|u| i.datetime(u)).unwrap_or_else(|| i.t("tokens.never_used"))}</td>
            <Show when=move || ctx.manages()><td><TokenMenu token=stored.get_value() ctx=ctx /></td></Show>
        </tr>
    }
}

/// The tokens as cards, with their policies, usage and nudges.
#[component]
pub fn TokenCards(tokens: Signal<Vec<TokenView>>, ctx: ListCtx) -> impl IntoView {
    view! {
        <ul class="cards">
            <For each=move || tokens.get() key=|t| (t.sid.to_string(), t.updated_at, t.state == TokenState::Enabled, t.api_version) let:t>
                <TokenCard token=t ctx=ctx />
            </For>
        </ul>
    }
}

#[component]
fn TokenCard(token: TokenView, ctx: ListCtx) -> impl IntoView {
    let i = use_i18n();
    let t = token;
    let sid = t.sid.to_string();
    let enabled = t.state == TokenState::Enabled;
    let stored = StoredValue::new(t.clone());
    let created = t.created_at.0;
    let last_used = t.last_used_at.map(|x| x.0);
    let latest = t.latest_version;
    let expires = t.expires_at.map(|x| x.0);
    let soon = t.expiring_soon;
    let requests = t.requests_24h;
    let (open_sid, copy_sid) = (sid.clone(), sid.clone());
    let nav = use_navigator();
    view! {
        <li class="card token-card token-item" class:token-disabled=!enabled data-sid=sid.clone() on:click=move |ev| open_unless_control(nav, &ev, &open_sid)>
            <div class="token-head">
                {state_badge(i, enabled)}
                <Link to=Route::Token(sid.clone()) class="token-name">{t.name.clone()}</Link>
                <Show when=move || ctx.manages()><TokenMenu token=stored.get_value() ctx=ctx /></Show>
            </div>
            {t.leak.clone().map(|l| {
                let on_reset = untrack(|| ctx.manages()).then(|| Callback::new(move |_| {
                    if let Some(t) = stored.try_get_value() {
                        ctx.ask.try_run((TokenAction::Reset, t));
                    }
                }));
                view! { <LeakBanner leak=l on_reset=on_reset /> }
            })}
            <dl class="token-facts">
                <dt>{move || i.t("tokens.sid")}</dt>
                <dd class="sid-cell"><code>{sid.clone()}</code>
                    <CopyButton value=Signal::derive(move || copy_sid.clone()) label=Signal::derive(move || i.t("edit.copy_sid")) /></dd>
                <dt>{move || i.t("tokens.version")}</dt>
                <dd>{t.api_version.to_string()}<Show when=move || !latest><span class="badge badge-warn">{move || i.t("tokens.not_latest")}</span></Show></dd>
                <dt>{move || i.t("tokens.created")}</dt><dd>{move || i.date(created)}</dd>
                <dt>{move || i.t("tokens.last_used")}</dt>
                <dd>{move || last_used.map(|u| i.datetime(u)).unwrap_or_else(|| i.t("tokens.never_used"))}</dd>
                <dt>{move || i.t("tokens.expires")}</dt>
                <dd data-testid="expires">{move || expires.map(|e| i.date(e)).unwrap_or_else(|| i.t("policy.never"))}
                    <Show when=move || soon><span class="badge badge-warn">{move || i.t("tokens.expires_soon")}</span></Show></dd>
                <dt>{move || i.t("tokens.requests_24h")}</dt>
                <dd data-testid="requests-24h">{requests.unwrap_or(0)}</dd>
            </dl>
            <ul class="nudges">
                {t.nudges.clone().into_iter().map(|n| {
                    let key = match n {
                        Nudge::RotationDue => "nudge.rotation_due",
                        Nudge::EveryScope => "nudge.every_scope",
                        Nudge::NeverUsed => "nudge.never_used",
                        Nudge::ExpiresSoon => "nudge.expires_soon",
                        Nudge::NoExpiry => "nudge.no_expiry",
                    };
                    view! { <li><Link to=Route::Security>{move || i.t(key)}</Link></li> }
                }).collect_view()}
            </ul>
        </li>
    }
}
