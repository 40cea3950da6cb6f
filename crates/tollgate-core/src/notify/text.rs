//! The words of notifications, in English, Japanese and Simplified Chinese (the help pages'
//! terms: Account SID / アカウント SID / 账户 SID, Auth Token / 認証トークン / 认证令牌).
//! A message names the token, its SID (never its Auth Token), what changed, who and when.

use super::{Event, Facts, Language, Recipient, Role};

/// The subject and the sentence saying what happened.
pub fn describe(event: &Event, f: &Facts<'_>, lang: Language) -> (String, String) {
    let name = f.token_name;
    match lang {
        Language::En => english(event, name),
        Language::Ja => japanese(event, name),
        Language::Zh => chinese(event, name),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(", ")
    }
}

fn english(event: &Event, name: &str) -> (String, String) {
    let subject = |s: &str| format!("[Tollgate] API access token \"{name}\" {s}");
    match event {
        Event::Created => (subject("was created"), "The API access token was created.".into()),
        Event::Reset => (
            subject("was reset"),
            "The token's Auth Token was reset: the old value stops passing authentication (after its grace period, if one was chosen). Put the new value into every integration that uses the token.".into(),
        ),
        Event::Disabled => (subject("was disabled"), "The token was disabled: every request made with it is refused.".into()),
        Event::Enabled => (subject("was enabled"), "The token was enabled: requests made with it pass again.".into()),
        Event::Deleted => (subject("was deleted"), "The token was deleted: every request made with it is refused.".into()),
        Event::Upgraded { from, to } => (subject("was upgraded"), format!("The token's API version changed from {from} to {to}.")),
        Event::Leaked { url, source, stopped } => (
            subject("was found in public"),
            format!(
                "A secret scanner found the token's Auth Token in public: {url} ({source}). {}",
                if *stopped {
                    "The leaked Auth Token was stopped at once. Reset the token, put the new Auth Token into your integrations, then enable it."
                } else {
                    "The account's leak policy only notifies: the Auth Token still works. Reset the token now."
                }
            ),
        ),
        Event::Expiring { at } => (
            subject("expires soon"),
            format!("The token expires at {}. Extend its expiry or reset it with a new one before then.", at.utc_text()),
        ),
        Event::ScopesChanged { added, removed } => (
            subject("has new scopes"),
            format!("The token's scopes changed. Added: {}. Removed: {}.", list(added), list(removed)),
        ),
    }
}

fn japanese(event: &Event, name: &str) -> (String, String) {
    let subject = |s: &str| format!("[Tollgate] API アクセス トークン「{name}」{s}");
    match event {
        Event::Created => (subject("が作成されました"), "API アクセス トークンが作成されました。".into()),
        Event::Reset => (
            subject("がリセットされました"),
            "トークンの認証トークンがリセットされました。以前の認証トークンの値では認証チェックを通過しなくなります（猶予期間を選んだ場合はその後）。トークンを使用するすべての統合に新しい値を追加してください。".into(),
        ),
        Event::Disabled => (subject("が無効になりました"), "トークンが無効になりました。このトークンを使用するリクエストはすべて拒否されます。".into()),
        Event::Enabled => (subject("が有効になりました"), "トークンが有効になりました。このトークンを使用するリクエストは再び通過します。".into()),
        Event::Deleted => (subject("が削除されました"), "トークンが削除されました。このトークンを使用するリクエストはすべて拒否されます。".into()),
        Event::Upgraded { from, to } => (subject("の API バージョンが更新されました"), format!("トークンの API バージョンが {from} から {to} に変わりました。")),
        Event::Leaked { url, source, stopped } => (
            subject("が公開場所で見つかりました"),
            format!(
                "シークレット スキャナーが、トークンの認証トークンを公開場所で見つけました: {url} ({source})。{}",
                if *stopped {
                    "漏えいした認証トークンはただちに停止されました。トークンをリセットし、新しい認証トークンを統合に追加してから、トークンを有効にしてください。"
                } else {
                    "アカウントの漏えいポリシーは通知のみのため、認証トークンはまだ有効です。今すぐトークンをリセットしてください。"
                }
            ),
        ),
        Event::Expiring { at } => (
            subject("の有効期限が近づいています"),
            format!("トークンは {} に期限切れになります。それまでに有効期限を延長するか、トークンをリセットしてください。", at.utc_text()),
        ),
        Event::ScopesChanged { added, removed } => (
            subject("のスコープが変更されました"),
            format!("トークンのスコープが変更されました。追加: {}。削除: {}。", list(added), list(removed)),
        ),
    }
}

fn chinese(event: &Event, name: &str) -> (String, String) {
    let subject = |s: &str| format!("[Tollgate] API 访问令牌“{name}”{s}");
    match event {
        Event::Created => (subject("已创建"), "API 访问令牌已创建。".into()),
        Event::Reset => (
            subject("已重置"),
            "令牌的认证令牌已重置：先前的认证令牌值将无法通过身份验证（如选择了宽限期，则在宽限期之后）。请务必将新的认证令牌值添加到使用该令牌的所有集成中。".into(),
        ),
        Event::Disabled => (subject("已禁用"), "令牌已禁用：使用该令牌的所有请求都将被拒绝。".into()),
        Event::Enabled => (subject("已启用"), "令牌已启用：使用该令牌的请求将再次通过。".into()),
        Event::Deleted => (subject("已删除"), "令牌已删除：使用该令牌的所有请求都将被拒绝。".into()),
        Event::Upgraded { from, to } => (subject("的 API 版本已更新"), format!("令牌的 API 版本已从 {from} 更改为 {to}。")),
        Event::Leaked { url, source, stopped } => (
            subject("在公开位置被发现"),
            format!(
                "密钥扫描程序在公开位置发现了令牌的认证令牌：{url}（{source}）。{}",
                if *stopped {
                    "泄露的认证令牌已立即停用。请重置令牌，将新的认证令牌添加到您的集成中，然后启用令牌。"
                } else {
                    "账户的泄露策略仅发送通知：认证令牌仍然有效。请立即重置令牌。"
                }
            ),
        ),
        Event::Expiring { at } => (
            subject("即将过期"),
            format!("令牌将于 {} 过期。请在此之前延长有效期或重置令牌。", at.utc_text()),
        ),
        Event::ScopesChanged { added, removed } => (
            subject("的范围已更改"),
            format!("令牌的访问范围已更改。新增：{}。移除：{}。", list(added), list(removed)),
        ),
    }
}

/// The whole message: what happened, the token, who and when, why the reader gets it.
pub fn body(what: &str, f: &Facts<'_>, to: &Recipient, unsubscribe: Option<&str>) -> String {
    let when = f.at.utc_text();
    let (labels, why, link) = match to.language {
        Language::En => (
            ["Account", "Token", "Account SID", "Changed by", "When"],
            match to.role {
                Role::PrimaryContact => "You get this because you are the token's primary contact.",
                Role::Developer => {
                    "You get this because your e-mail is listed as a developer e-mail on the token."
                }
            },
            "Stop these e-mails for this token",
        ),
        Language::Ja => (
            ["アカウント", "トークン", "アカウント SID", "変更者", "日時"],
            match to.role {
                Role::PrimaryContact => {
                    "このトークンの主要連絡先であるため、このメールをお送りしています。"
                }
                Role::Developer => {
                    "このトークンの開発者メールとして登録されているため、このメールをお送りしています。"
                }
            },
            "このトークンに関するメールの配信を停止する",
        ),
        Language::Zh => (
            ["账户", "令牌", "账户 SID", "更改者", "时间"],
            match to.role {
                Role::PrimaryContact => "您收到此邮件，是因为您是该令牌的主要联系人。",
                Role::Developer => "您收到此邮件，是因为您的电子邮件被列为该令牌的开发者电子邮件。",
            },
            "停止接收有关此令牌的邮件",
        ),
    };
    let values = [f.account_name, f.token_name, f.sid, f.actor, when.as_str()];
    let mut out = format!("{what}\n\n");
    for (label, value) in labels.iter().zip(values) {
        out.push_str(&format!("{label}: {value}\n"));
    }
    out.push_str(&format!("\n{why}\n"));
    if let Some(url) = unsubscribe {
        out.push_str(&format!("{link}: {url}\n"));
    }
    out
}

/// The unsubscribe page's words: title, question, button, done.
pub fn unsubscribe_page(lang: Language) -> [&'static str; 4] {
    match lang {
        Language::En => [
            "Unsubscribe",
            "Stop e-mails about this API access token to",
            "Unsubscribe",
            "You will no longer get e-mails about this token.",
        ],
        Language::Ja => [
            "配信停止",
            "この API アクセス トークンに関するメールの配信を停止しますか。宛先:",
            "配信を停止する",
            "このトークンに関するメールは今後届きません。",
        ],
        Language::Zh => [
            "退订",
            "停止向以下地址发送有关此 API 访问令牌的邮件：",
            "退订",
            "您将不再收到有关此令牌的邮件。",
        ],
    }
}
