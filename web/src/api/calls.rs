//! The admin API's endpoints, one method each.

use gloo_net::http::Request;
use tollgate_core::api::{
    AccountPatch, AccountView, AuditPage, CatalogResponse, IssuedToken, LoginRequest, NewUser,
    ResetRequest, RevealedToken, SessionView, TokenDraft, TokenEdit, TokenPage, TokenView,
    UpgradeRequest, UserPatch, UserView,
};

use super::{Api, ApiError, ApiResult, Empty, answer_empty, if_match};

impl Api {
    pub async fn login(self, email: &str, password: &str) -> ApiResult<SessionView> {
        let body = LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let req = Request::post(&self.url("/api/session"))
            .json(&body)
            .map_err(ApiError::network)?;
        let s: SessionView = self
            .read(req.send().await.map_err(ApiError::network)?)
            .await?;
        self.remember(&s);
        Ok(s)
    }

    pub async fn session(self) -> ApiResult<SessionView> {
        let s: SessionView = self.get("/api/session").await?;
        self.remember(&s);
        Ok(s)
    }

    pub async fn logout(self) -> ApiResult<()> {
        let r = self
            .with_csrf(Request::delete(&self.url("/api/session")))
            .send()
            .await
            .map_err(ApiError::network)?;
        answer_empty(r).await
    }

    /// A page of the tokens that match `filter` (a query string of `TokenFilter::to_query`;
    /// empty: every token), after `cursor`.
    pub async fn tokens(self, filter: &str, cursor: Option<&str>) -> ApiResult<TokenPage> {
        let f = if filter.is_empty() {
            String::new()
        } else {
            format!("&{filter}")
        };
        let c = cursor.map(|c| format!("&cursor={c}")).unwrap_or_default();
        self.get(&format!("/api/tokens?limit=100{f}{c}")).await
    }

    pub async fn token(self, sid: &str) -> ApiResult<TokenView> {
        self.get(&format!("/api/tokens/{sid}")).await
    }

    pub async fn create(self, d: &TokenDraft) -> ApiResult<IssuedToken> {
        self.issue("/api/tokens", d, None).await
    }

    // Every change of a token carries the revision the page shows (`If-Match`): a change made
    // by someone else meanwhile answers 412 with the current state instead of being overwritten.

    pub async fn edit(self, sid: &str, e: &TokenEdit, revision: u64) -> ApiResult<TokenView> {
        self.send_with(
            "PATCH",
            &format!("/api/tokens/{sid}"),
            e,
            Some(revision),
            None,
        )
        .await
    }

    pub async fn delete(self, sid: &str, revision: u64) -> ApiResult<()> {
        let b = self
            .with_csrf(Request::delete(&self.url(&format!("/api/tokens/{sid}"))))
            .header("If-Match", &if_match(revision));
        answer_empty(b.send().await.map_err(ApiError::network)?).await
    }

    pub async fn duplicate(self, sid: &str, revision: u64) -> ApiResult<IssuedToken> {
        self.issue(
            &format!("/api/tokens/{sid}/duplicate"),
            &Empty {},
            Some(revision),
        )
        .await
    }

    pub async fn reset(self, sid: &str, r: &ResetRequest, revision: u64) -> ApiResult<IssuedToken> {
        self.issue(&format!("/api/tokens/{sid}/reset"), r, Some(revision))
            .await
    }

    pub async fn upgrade(self, sid: &str, revision: u64) -> ApiResult<TokenView> {
        self.send_with(
            "POST",
            &format!("/api/tokens/{sid}/upgrade"),
            &UpgradeRequest::default(),
            Some(revision),
            None,
        )
        .await
    }

    pub async fn set_enabled(
        self,
        sid: &str,
        enabled: bool,
        revision: u64,
    ) -> ApiResult<TokenView> {
        let action = if enabled { "enable" } else { "disable" };
        self.send_with(
            "POST",
            &format!("/api/tokens/{sid}/{action}"),
            &Empty {},
            Some(revision),
            None,
        )
        .await
    }

    pub async fn reveal(self, sid: &str) -> ApiResult<RevealedToken> {
        self.send("POST", &format!("/api/tokens/{sid}/reveal"), &Empty {})
            .await
    }

    /// The password again: opens the session's sudo window (revealing stored Auth Tokens).
    pub async fn sudo(self, password: &str) -> ApiResult<()> {
        let req = tollgate_core::api::SudoRequest {
            password: password.to_owned(),
        };
        self.send::<_, tollgate_core::api::SudoView>("POST", "/api/session/sudo", &req)
            .await
            .map(|_| ())
    }

    pub async fn usage(self, sid: &str, days: u32) -> ApiResult<tollgate_core::usage::UsageView> {
        self.get(&format!("/api/tokens/{sid}/usage?days={days}"))
            .await
    }

    pub async fn catalog(self, version: &str) -> ApiResult<CatalogResponse> {
        self.get(&format!("/api/catalog?version={version}")).await
    }

    pub async fn users(self) -> ApiResult<Vec<UserView>> {
        self.get("/api/users").await
    }

    pub async fn add_user(self, u: &NewUser) -> ApiResult<UserView> {
        self.send("POST", "/api/users", u).await
    }

    pub async fn patch_user(self, id: &str, p: &UserPatch, revision: u64) -> ApiResult<UserView> {
        self.send_with(
            "PATCH",
            &format!("/api/users/{id}"),
            p,
            Some(revision),
            None,
        )
        .await
    }

    pub async fn account(self) -> ApiResult<AccountView> {
        self.get("/api/account").await
    }

    pub async fn patch_account(self, p: &AccountPatch, revision: u64) -> ApiResult<AccountView> {
        self.send_with("PATCH", "/api/account", p, Some(revision), None)
            .await
    }

    pub async fn audit(self, token: Option<&str>, cursor: Option<&str>) -> ApiResult<AuditPage> {
        let mut q = vec!["limit=50".to_owned()];
        if let Some(t) = token {
            q.push(format!("token={t}"));
        }
        if let Some(c) = cursor {
            q.push(format!("cursor={c}"));
        }
        self.get(&format!("/api/audit?{}", q.join("&"))).await
    }

    pub async fn notifications(
        self,
        cursor: Option<&str>,
    ) -> ApiResult<tollgate_core::notify::NotificationPage> {
        let c = cursor.map(|c| format!("?cursor={c}")).unwrap_or_default();
        self.get(&format!("/api/notifications{c}")).await
    }

    /// Saves the signed-in user's language (the app's and their notifications').
    pub async fn set_locale(
        self,
        locale: tollgate_core::language::Language,
    ) -> ApiResult<UserView> {
        self.send(
            "PATCH",
            "/api/session",
            &tollgate_core::api::SessionPatch { locale },
        )
        .await
    }
}
