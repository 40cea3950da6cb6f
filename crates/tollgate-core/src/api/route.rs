//! The admin API's routes: which endpoint a method and path under `/api/` name, and the one
//! permission each needs — a table, not a `match` in each handler. The permission is
//! checked before anything else about the request, so a role that may not use a part of the
//! API learns nothing more about it than "forbidden".

use crate::account::Permission;
use crate::error_code::Failure;
use crate::wire_name::named_enum;

named_enum! {
    /// A token action (`POST /api/tokens/{sid}/{action}`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TokenAction {
        Duplicate,
        Reset,
        Upgrade,
        Disable,
        Enable,
        Reveal,
    }
}

/// An endpoint of the admin API behind the session check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Session,
    SignOut,
    SetLocale,
    Sudo,
    Notifications,
    Catalog,
    Tokens,
    CreateToken,
    Token(String),
    EditToken(String),
    DeleteToken(String),
    TokenUsage(String),
    Act(String, TokenAction),
    Users,
    CreateUser,
    /// `PATCH /api/users/{id}`, or `DELETE` (which disables the user).
    PatchUser {
        id: String,
        disable: bool,
    },
    Account,
    PatchAccount,
    Audit,
}

/// Where a request goes: the permission it needs (checked first), then its endpoint or why
/// there is none (405 on a known path, 404 otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub permission: Option<Permission>,
    pub endpoint: Result<Endpoint, Failure>,
}

fn to(permission: Option<Permission>, endpoint: Endpoint) -> Routed {
    Routed {
        permission,
        endpoint: Ok(endpoint),
    }
}

fn refused(permission: Option<Permission>, failure: Failure) -> Routed {
    Routed {
        permission,
        endpoint: Err(failure),
    }
}

/// The route of `method` and `path` (`/api/...`).
pub fn route(method: &str, path: &str) -> Routed {
    use Endpoint as E;
    use Permission as P;
    let segments: Vec<&str> = path
        .trim_start_matches("/api")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match (method, segments.as_slice()) {
        ("GET", ["session"]) => to(None, E::Session),
        ("DELETE", ["session"]) => to(None, E::SignOut),
        ("PATCH", ["session"]) => to(None, E::SetLocale),
        ("POST", ["session", "sudo"]) => to(None, E::Sudo),
        ("GET", ["notifications"]) => to(Some(P::ViewTokens), E::Notifications),
        ("GET", ["catalog"]) => to(Some(P::ViewTokens), E::Catalog),
        ("GET", ["tokens"]) => to(Some(P::ViewTokens), E::Tokens),
        ("POST", ["tokens"]) => to(Some(P::ManageTokens), E::CreateToken),
        ("GET", ["tokens", sid, "usage"]) => to(Some(P::ViewTokens), E::TokenUsage(id(sid))),
        (_, ["tokens", sid, rest @ ..]) => token_route(method, sid, rest),
        ("GET", ["users"]) => to(Some(P::ViewUsers), E::Users),
        ("POST", ["users"]) => to(Some(P::ManageUsers), E::CreateUser),
        ("PATCH" | "DELETE", ["users", user]) => to(
            Some(P::ManageUsers),
            E::PatchUser {
                id: id(user),
                disable: method == "DELETE",
            },
        ),
        ("GET", ["account"]) => to(Some(P::ViewAccount), E::Account),
        ("PATCH", ["account"]) => to(Some(P::ManageAccount), E::PatchAccount),
        ("GET", ["audit"]) => to(Some(P::ViewAudit), E::Audit),
        (
            _,
            [
                "catalog" | "tokens" | "users" | "account" | "audit" | "session" | "notifications",
                ..,
            ],
        ) => refused(None, Failure::method_not_allowed()),
        _ => refused(None, Failure::not_found()),
    }
}

fn id(s: &str) -> String {
    s.to_owned()
}

/// `/api/tokens/{sid}` and its actions: reading needs `ViewTokens`, revealing
/// `RevealTokens`, anything else `ManageTokens` — also a method or action that does not
/// exist, so that a role without it learns nothing of the token routes.
fn token_route(method: &str, sid: &str, rest: &[&str]) -> Routed {
    use Endpoint as E;
    use Permission as P;
    let permission = Some(match (method, rest) {
        ("GET", []) => P::ViewTokens,
        ("POST", ["reveal"]) => P::RevealTokens,
        _ => P::ManageTokens,
    });
    let sid = id(sid);
    match (method, rest) {
        ("GET", []) => to(permission, E::Token(sid)),
        ("PATCH", []) => to(permission, E::EditToken(sid)),
        ("DELETE", []) => to(permission, E::DeleteToken(sid)),
        ("POST", [action]) => match TokenAction::from_name(action) {
            Some(a) => to(permission, E::Act(sid, a)),
            None => refused(permission, Failure::not_found()),
        },
        (_, []) => refused(permission, Failure::method_not_allowed()),
        (_, [action]) if TokenAction::from_name(action).is_some() => {
            refused(permission, Failure::method_not_allowed())
        }
        _ => refused(permission, Failure::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::ErrorCode;

    fn code(r: &Routed) -> Option<ErrorCode> {
        r.endpoint.as_ref().err().map(|f| f.code)
    }

    #[test]
    fn each_route_names_its_endpoint_and_permission() {
        use Endpoint as E;
        use Permission as P;
        let table: [(&str, &str, Option<P>, E); 12] = [
            ("GET", "/api/session", None, E::Session),
            ("GET", "/api/tokens", Some(P::ViewTokens), E::Tokens),
            ("POST", "/api/tokens", Some(P::ManageTokens), E::CreateToken),
            (
                "GET",
                "/api/tokens/S1",
                Some(P::ViewTokens),
                E::Token("S1".into()),
            ),
            (
                "PATCH",
                "/api/tokens/S1",
                Some(P::ManageTokens),
                E::EditToken("S1".into()),
            ),
            (
                "DELETE",
                "/api/tokens/S1",
                Some(P::ManageTokens),
                E::DeleteToken("S1".into()),
            ),
            (
                "POST",
                "/api/tokens/S1/reveal",
                Some(P::RevealTokens),
                E::Act("S1".into(), TokenAction::Reveal),
            ),
            (
                "POST",
                "/api/tokens/S1/reset",
                Some(P::ManageTokens),
                E::Act("S1".into(), TokenAction::Reset),
            ),
            (
                "GET",
                "/api/tokens/S1/usage",
                Some(P::ViewTokens),
                E::TokenUsage("S1".into()),
            ),
            (
                "DELETE",
                "/api/users/u1",
                Some(P::ManageUsers),
                E::PatchUser {
                    id: "u1".into(),
                    disable: true,
                },
            ),
            (
                "PATCH",
                "/api/account",
                Some(P::ManageAccount),
                E::PatchAccount,
            ),
            ("GET", "/api/audit", Some(P::ViewAudit), E::Audit),
        ];
        for (method, path, permission, endpoint) in table {
            let r = route(method, path);
            assert_eq!(r.permission, permission, "{method} {path}");
            assert_eq!(r.endpoint.ok(), Some(endpoint), "{method} {path}");
        }
    }

    #[test]
    fn wrong_methods_and_unknown_paths_are_refused_after_the_permission() {
        let cases: [(&str, &str, Option<Permission>, ErrorCode); 6] = [
            (
                "PUT",
                "/api/tokens/S1",
                Some(Permission::ManageTokens),
                ErrorCode::MethodNotAllowed,
            ),
            (
                "GET",
                "/api/tokens/S1/reset",
                Some(Permission::ManageTokens),
                ErrorCode::MethodNotAllowed,
            ),
            (
                "POST",
                "/api/tokens/S1/explode",
                Some(Permission::ManageTokens),
                ErrorCode::NotFound,
            ),
            ("PUT", "/api/account", None, ErrorCode::MethodNotAllowed),
            ("GET", "/api/nothing", None, ErrorCode::NotFound),
            (
                "POST",
                "/api/session/sudo/x",
                None,
                ErrorCode::MethodNotAllowed,
            ),
        ];
        for (method, path, permission, want) in cases {
            let r = route(method, path);
            assert_eq!(r.permission, permission, "{method} {path}");
            assert_eq!(code(&r), Some(want), "{method} {path}");
        }
    }
}
