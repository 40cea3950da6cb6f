//! Running Tollgate's Workers: one `wrangler dev` process per Worker, both stopped by
//! process id (with the workerd processes they started).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, agent, free_port, node_and_wrangler, root};

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
            .args([
                "dev",
                "--local",
                "--ip",
                "127.0.0.1",
                "--show-interactive-dev-session=false",
            ])
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
            let log = fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| e.to_string())?;
            let log2 = log.try_clone().map_err(|e| e.to_string())?;
            cmd.stdout(log).stderr(log2);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("could not start wrangler: {e}"))?;
        Ok(Wrangler {
            child: Some(child),
            base: format!("http://127.0.0.1:{}", l.port),
            first_ms: f64::NAN,
        })
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
            if agent
                .get(&format!("{}/v1/verify", self.base))
                .call()
                .is_ok()
            {
                self.first_ms = sent.elapsed().as_secs_f64() * 1000.0;
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        Err(format!(
            "wrangler did not answer within {} s",
            limit.as_secs()
        ))
    }

    /// Stops the process and the processes it started (workerd) at once, with SIGKILL to
    /// each of them by process id.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pids = descendants(child.id());
            let _ = child.kill();
            for pid in pids {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .stderr(Stdio::null())
                    .status();
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
    pub fn start(
        state: &Path,
        port: u16,
        env_file: Option<&Path>,
        output: Output,
    ) -> Result<Server> {
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
                    .filter(|l| {
                        l.split_once('=')
                            .is_some_and(|(k, _)| VERIFIER_VARS.contains(&k.trim()))
                    })
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
        let admin = Launch {
            config: None,
            state,
            port,
            env_file: admin_env.as_deref(),
            output: &admin_out,
        };
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
        let mut w = Wrangler::spawn(&Launch {
            config,
            state,
            port,
            env_file,
            output: &output,
        })?;
        w.wait_ready(Duration::from_secs(180))?;
        let base = w.base.clone();
        Ok(Server {
            procs: vec![w],
            port,
            edge: base.clone(),
            base,
        })
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
            let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
                continue;
            };
            // The parent pid is the second field after the parenthesised command name.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
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
