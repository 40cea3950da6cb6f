//! The catalog's data: every category and scope, with the account types and the version
//! that grant it and the routes it opens.

use super::Method::{Delete, Get, Post, Put};
use super::{Access, CategoryDef, Method, Route, ScopeDef};
use crate::account::AccountType;
use crate::account::AccountType::{Agency as A, Brand as B, Partner as P};
use crate::version::ApiVersion;

const fn r(method: Method, pattern: &'static str) -> Route {
    Route { method, pattern }
}

const V24: ApiVersion = ApiVersion::V2024_04_01;
const V25: ApiVersion = ApiVersion::V2025_04_01;
const V26: ApiVersion = ApiVersion::V2026_04_01;
const ALL: &[AccountType] = &[P, B, A];
const ADVERTISERS: &[AccountType] = &[B, A];

/// The whole catalog, every account type and version.
pub static CATALOG: &[CategoryDef] = &[
    CategoryDef {
        key: "actions",
        name: "Actions",
        description: "Conversions (sales, leads, installs) tracked for the account.",
        scopes: &[
            ScopeDef {
                id: "actions.read",
                access: Access::Read,
                types: ALL,
                since: V24,
                routes: &[r(Get, "/v1/actions"), r(Get, "/v1/actions/{id}")],
            },
            ScopeDef {
                id: "actions.write",
                access: Access::Write,
                types: ADVERTISERS,
                since: V24,
                routes: &[
                    r(Put, "/v1/actions/{id}"),
                    r(Post, "/v1/actions/{id}/reversals"),
                ],
            },
        ],
    },
    CategoryDef {
        key: "action_inquiries",
        name: "Action inquiries",
        description: "Inquiries about missing or incorrectly paid actions.",
        scopes: &[
            ScopeDef {
                id: "action_inquiries.read",
                access: Access::Read,
                types: ALL,
                since: V24,
                routes: &[
                    r(Get, "/v1/action-inquiries"),
                    r(Get, "/v1/action-inquiries/{id}"),
                ],
            },
            ScopeDef {
                id: "action_inquiries.write",
                access: Access::Write,
                types: ALL,
                since: V24,
                routes: &[
                    r(Post, "/v1/action-inquiries"),
                    r(Put, "/v1/action-inquiries/{id}"),
                ],
            },
        ],
    },
    CategoryDef {
        key: "reports",
        name: "Reports",
        description: "Performance reports and their runs.",
        scopes: &[
            ScopeDef {
                id: "reports.read",
                access: Access::Read,
                types: ALL,
                since: V24,
                routes: &[
                    r(Get, "/v1/reports"),
                    r(Get, "/v1/reports/{id}"),
                    r(Get, "/v1/reports/{id}/runs/{run}"),
                ],
            },
            ScopeDef {
                id: "reports.write",
                access: Access::Write,
                types: ALL,
                since: V24,
                routes: &[r(Post, "/v1/reports/{id}/runs")],
            },
        ],
    },
    CategoryDef {
        key: "campaigns",
        name: "Campaigns",
        description: "Programs, their terms and settings.",
        scopes: &[
            ScopeDef {
                id: "campaigns.read",
                access: Access::Read,
                types: ALL,
                since: V24,
                routes: &[r(Get, "/v1/campaigns"), r(Get, "/v1/campaigns/{id}")],
            },
            ScopeDef {
                id: "campaigns.write",
                access: Access::Write,
                types: ADVERTISERS,
                since: V24,
                routes: &[r(Post, "/v1/campaigns"), r(Put, "/v1/campaigns/{id}")],
            },
        ],
    },
    CategoryDef {
        key: "media",
        name: "Media and ads",
        description: "Banners, text links and other creative.",
        scopes: &[
            ScopeDef {
                id: "media.read",
                access: Access::Read,
                types: ALL,
                since: V24,
                routes: &[r(Get, "/v1/ads"), r(Get, "/v1/ads/{id}")],
            },
            ScopeDef {
                id: "media.write",
                access: Access::Write,
                types: ADVERTISERS,
                since: V24,
                routes: &[
                    r(Post, "/v1/ads"),
                    r(Put, "/v1/ads/{id}"),
                    r(Delete, "/v1/ads/{id}"),
                ],
            },
        ],
    },
    CategoryDef {
        key: "contracts",
        name: "Contracts",
        description: "Contracts and their payout terms between brands and partners.",
        scopes: &[
            ScopeDef {
                id: "contracts.read",
                access: Access::Read,
                types: ALL,
                since: V24,
                routes: &[r(Get, "/v1/contracts"), r(Get, "/v1/contracts/{id}")],
            },
            ScopeDef {
                id: "contracts.write",
                access: Access::Write,
                types: ADVERTISERS,
                since: V24,
                routes: &[r(Post, "/v1/contracts"), r(Put, "/v1/contracts/{id}")],
            },
        ],
    },
    CategoryDef {
        key: "invoices",
        name: "Invoices",
        description: "Invoices issued to the account.",
        scopes: &[ScopeDef {
            id: "invoices.read",
            access: Access::Read,
            types: ADVERTISERS,
            since: V24,
            routes: &[r(Get, "/v1/invoices"), r(Get, "/v1/invoices/{id}")],
        }],
    },
    CategoryDef {
        key: "payments",
        name: "Payments",
        description: "Payments received and withdrawals requested.",
        scopes: &[
            ScopeDef {
                id: "payments.read",
                access: Access::Read,
                types: &[P],
                since: V24,
                routes: &[r(Get, "/v1/payments"), r(Get, "/v1/payments/{id}")],
            },
            ScopeDef {
                id: "payments.write",
                access: Access::Write,
                types: &[P],
                since: V24,
                routes: &[r(Post, "/v1/withdrawals")],
            },
        ],
    },
    CategoryDef {
        key: "partners",
        name: "Partners",
        description: "Partners joined to the account's programs.",
        scopes: &[
            ScopeDef {
                id: "partners.read",
                access: Access::Read,
                types: ADVERTISERS,
                since: V24,
                routes: &[r(Get, "/v1/partners"), r(Get, "/v1/partners/{id}")],
            },
            ScopeDef {
                id: "partners.write",
                access: Access::Write,
                types: ADVERTISERS,
                since: V24,
                routes: &[r(Put, "/v1/partners/{id}")],
            },
        ],
    },
    CategoryDef {
        key: "conversions",
        name: "Conversion tracking",
        description: "Server-to-server conversion submissions.",
        scopes: &[
            ScopeDef {
                id: "conversions.read",
                access: Access::Read,
                types: ADVERTISERS,
                since: V24,
                routes: &[r(Get, "/v1/conversions/{id}")],
            },
            ScopeDef {
                id: "conversions.write",
                access: Access::Write,
                types: ADVERTISERS,
                since: V24,
                routes: &[r(Post, "/v1/conversions")],
            },
        ],
    },
    CategoryDef {
        key: "media_properties",
        name: "Media properties",
        description: "Websites, apps and social accounts where a partner promotes.",
        scopes: &[
            ScopeDef {
                id: "media_properties.read",
                access: Access::Read,
                types: &[P],
                since: V24,
                routes: &[
                    r(Get, "/v1/media-properties"),
                    r(Get, "/v1/media-properties/{id}"),
                ],
            },
            ScopeDef {
                id: "media_properties.write",
                access: Access::Write,
                types: &[P],
                since: V24,
                routes: &[
                    r(Post, "/v1/media-properties"),
                    r(Put, "/v1/media-properties/{id}"),
                ],
            },
        ],
    },
    CategoryDef {
        key: "tracking_links",
        name: "Tracking links",
        description: "Links that attribute clicks and conversions.",
        scopes: &[
            ScopeDef {
                id: "tracking_links.read",
                access: Access::Read,
                types: ALL,
                since: V24,
                routes: &[
                    r(Get, "/v1/tracking-links"),
                    r(Get, "/v1/tracking-links/{id}"),
                ],
            },
            ScopeDef {
                id: "tracking_links.write",
                access: Access::Write,
                types: ALL,
                since: V24,
                routes: &[r(Post, "/v1/tracking-links")],
            },
        ],
    },
    CategoryDef {
        key: "catalogs",
        name: "Product catalogs",
        description: "Product feeds and their items.",
        scopes: &[
            ScopeDef {
                id: "catalogs.read",
                access: Access::Read,
                types: ALL,
                since: V25,
                routes: &[
                    r(Get, "/v1/catalogs"),
                    r(Get, "/v1/catalogs/{id}"),
                    r(Get, "/v1/catalogs/{id}/items"),
                ],
            },
            ScopeDef {
                id: "catalogs.write",
                access: Access::Write,
                types: ADVERTISERS,
                since: V25,
                routes: &[
                    r(Post, "/v1/catalogs/{id}/items"),
                    r(Put, "/v1/catalogs/{id}/items/{item}"),
                ],
            },
        ],
    },
    CategoryDef {
        key: "promo_codes",
        name: "Promo codes",
        description: "Deals and the promo codes assigned to partners.",
        scopes: &[
            ScopeDef {
                id: "promo_codes.read",
                access: Access::Read,
                types: ALL,
                since: V25,
                routes: &[r(Get, "/v1/promo-codes"), r(Get, "/v1/promo-codes/{id}")],
            },
            ScopeDef {
                id: "promo_codes.write",
                access: Access::Write,
                types: ADVERTISERS,
                since: V25,
                routes: &[
                    r(Post, "/v1/promo-codes"),
                    r(Put, "/v1/promo-codes/{id}"),
                    r(Delete, "/v1/promo-codes/{id}"),
                ],
            },
        ],
    },
    CategoryDef {
        key: "clients",
        name: "Clients",
        description: "Brands an agency manages.",
        scopes: &[ScopeDef {
            id: "clients.read",
            access: Access::Read,
            types: &[A],
            since: V25,
            routes: &[r(Get, "/v1/clients"), r(Get, "/v1/clients/{id}")],
        }],
    },
    CategoryDef {
        key: "webhooks",
        name: "Webhooks",
        description: "Event notifications sent to the account's endpoints.",
        scopes: &[
            ScopeDef {
                id: "webhooks.read",
                access: Access::Read,
                types: ALL,
                since: V26,
                routes: &[r(Get, "/v1/webhooks"), r(Get, "/v1/webhooks/{id}")],
            },
            ScopeDef {
                id: "webhooks.write",
                access: Access::Write,
                types: ALL,
                since: V26,
                routes: &[r(Post, "/v1/webhooks"), r(Delete, "/v1/webhooks/{id}")],
            },
        ],
    },
];
