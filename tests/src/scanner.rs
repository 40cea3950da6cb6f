//! A stand-in for GitHub's secret scanning in tests: a P-256 key pair made for the run, its
//! public key in GitHub's key-list JSON (for `SECRET_SCANNING_KEYS`), and reports signed as
//! GitHub signs them (ECDSA P-256 with SHA-256 over the raw body, DER, base64).

use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey as _, LineEnding};
use serde_json::{Value, json};

use crate::{Answer, Result, send};

/// The key identifier the tests' key list uses.
pub const KEY_ID: &str = "tollgate-local-key";

#[derive(Debug, Clone)]
pub struct Scanner {
    key: SigningKey,
}

impl Scanner {
    /// A new key pair from the OS's random bytes.
    pub fn new() -> Result<Scanner> {
        use std::io::Read as _;
        let mut f = std::fs::File::open("/dev/urandom").map_err(|e| e.to_string())?;
        loop {
            let mut bytes = [0u8; 32];
            f.read_exact(&mut bytes).map_err(|e| e.to_string())?;
            if let Ok(key) = SigningKey::from_slice(&bytes) {
                return Ok(Scanner { key });
            }
        }
    }

    /// The key pair saved by [`Scanner::private_pem`].
    pub fn from_pem(pem: &str) -> Result<Scanner> {
        use p256::pkcs8::DecodePrivateKey as _;
        Ok(Scanner {
            key: SigningKey::from_pkcs8_pem(pem)
                .map_err(|e| format!("not a P-256 private key: {e}"))?,
        })
    }

    /// The key list, in GitHub's format, on one line (for an env file).
    pub fn key_list(&self) -> Result<String> {
        let pem = self
            .key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        Ok(json!({ "public_keys": [{ "key_identifier": KEY_ID, "key": pem, "is_current": true }] }).to_string())
    }

    /// The private key as PKCS#8 PEM (for a test in another language that signs too).
    pub fn private_pem(&self) -> Result<String> {
        use p256::pkcs8::EncodePrivateKey as _;
        Ok(self
            .key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?
            .to_string())
    }

    /// The signature header's value for `body`.
    pub fn sign(&self, body: &str) -> String {
        let sig: Signature = self.key.sign(body.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes())
    }

    /// Posts `body` to the admin host's endpoint with `signature` (and the test key's id).
    pub fn post(base: &str, body: &str, key_id: &str, signature: &str) -> Result<Answer> {
        send(
            "POST",
            &format!("{base}/secret-scanning/github"),
            &[
                ("Content-Type", "application/json"),
                ("Github-Public-Key-Identifier", key_id),
                ("Github-Public-Key-Signature", signature),
            ],
            Some(body),
        )
    }

    /// Reports `tokens` found at `url`, signed.
    pub fn report(&self, base: &str, tokens: &[&str], url: &str) -> Result<Answer> {
        let body = report_body(tokens, url);
        Scanner::post(base, &body, KEY_ID, &self.sign(&body))
    }
}

/// A report body in GitHub's format.
pub fn report_body(tokens: &[&str], url: &str) -> String {
    let matches: Vec<Value> = tokens
        .iter()
        .map(|t| json!({ "token": t, "type": "tollgate_auth_token", "url": url, "source": "content" }))
        .collect();
    Value::Array(matches).to_string()
}

/// GitHub's key-list endpoint on a loopback port (for `SECRET_SCANNING_KEYS_URL`): answers
/// the key list to every GET and counts them; [`KeyServer::go_down`] makes it answer 503.
#[derive(Debug, Clone)]
pub struct KeyServer {
    pub url: String,
    fetches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl KeyServer {
    /// Serves `list` in a thread, for the rest of the process.
    pub fn start(list: String) -> Result<KeyServer> {
        use std::io::{BufRead as _, BufReader, Write as _};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let server = KeyServer {
            url: format!("http://127.0.0.1:{port}/meta/public_keys/secret_scanning"),
            ..KeyServer::idle()
        };
        let (fetches, down) = (server.fetches.clone(), server.down.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                fetches.fetch_add(1, Ordering::SeqCst);
                let (status, body) = if down.load(Ordering::SeqCst) {
                    (503, "{}")
                } else {
                    (200, list.as_str())
                };
                let mut out = &stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Ok(server)
    }

    fn idle() -> KeyServer {
        KeyServer {
            url: String::new(),
            fetches: Default::default(),
            down: Default::default(),
        }
    }

    /// How many times the list was asked for.
    pub fn fetches(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// From now on, answers 503 (GitHub unreachable).
    pub fn go_down(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}
