//! The fields of a token's form and their error, shared by the create wizard and the
//! token's page.

use std::collections::BTreeSet;

use leptos::prelude::*;
use tollgate_core::api::TokenView;
use tollgate_core::policy::RateLimit;
use tollgate_core::time::Timestamp;

use crate::api::ApiError;

#[derive(Debug, Clone, Copy)]
pub struct TokenFields {
    pub name: RwSignal<String>,
    pub description: RwSignal<String>,
    pub contact: RwSignal<String>,
    pub emails: RwSignal<Vec<String>>,
    pub scopes: RwSignal<BTreeSet<String>>,
    pub expires_at: RwSignal<Option<Timestamp>>,
    /// The IP allowlist as typed: one entry a line.
    pub ips: RwSignal<String>,
    pub rate: RwSignal<Option<RateLimit>>,
    /// The error shown beside its field (or above the buttons).
    pub error: RwSignal<Option<ApiError>>,
}

impl TokenFields {
    /// Empty fields. A scope error goes as soon as a scope is selected (what is shown stays
    /// what is true).
    pub fn empty() -> TokenFields {
        let f = TokenFields {
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            contact: RwSignal::new(String::new()),
            emails: RwSignal::new(Vec::new()),
            scopes: RwSignal::new(BTreeSet::new()),
            expires_at: RwSignal::new(None),
            ips: RwSignal::new(String::new()),
            rate: RwSignal::new(None),
            error: RwSignal::new(None),
        };
        Effect::new(move |_| {
            let any = f.scopes.with(|s| !s.is_empty());
            if any
                && f.error.with_untracked(|e| {
                    e.as_ref()
                        .is_some_and(|e| e.field.as_deref() == Some("scopes"))
                })
            {
                f.error.set(None);
            }
        });
        f
    }

    /// Shows the token `t` in every field.
    pub fn show(self, t: &TokenView) {
        self.name.set(t.name.clone());
        self.description.set(t.description.clone());
        self.contact.set(t.primary_contact.clone());
        self.emails.set(t.developer_emails.clone());
        self.scopes.set(t.scopes.iter().cloned().collect());
        self.expires_at.set(t.expires_at);
        self.ips.set(t.allowed_ips.join("\n"));
        self.rate.set(t.rate_limit);
    }
}
