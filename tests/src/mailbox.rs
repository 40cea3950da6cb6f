//! A loopback HTTP mail API for tests: records every message posted to it (with its
//! `Idempotency-Key` and `Authorization`), and answers 500 for recipients containing
//! `bounce` (a provider that keeps failing).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::Result;

/// One post the mail API received.
#[derive(Debug, Clone)]
pub struct Received {
    pub message: Value,
    pub idempotency_key: String,
    pub authorization: String,
    /// The status it answered.
    pub status: u16,
}

#[derive(Debug, Clone)]
pub struct Mailbox {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Mailbox {
    /// Listens on a free loopback port, in a thread, for the rest of the process.
    pub fn start() -> Result<Mailbox> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let url = format!(
            "http://127.0.0.1:{}/send",
            listener.local_addr().map_err(|e| e.to_string())?.port()
        );
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let sink = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let sink = sink.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &sink);
                });
            }
        });
        Ok(Mailbox { url, received })
    }

    /// Everything received so far.
    pub fn all(&self) -> Vec<Received> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// What was received for `to`.
    pub fn to(&self, to: &str) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| r.message["to"] == to)
            .collect()
    }
}

fn serve(stream: std::net::TcpStream, sink: &Mutex<Vec<Received>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let (mut length, mut key, mut auth) = (0usize, String::new(), String::new());
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().unwrap_or(0),
                "idempotency-key" => key = v.trim().to_owned(),
                "authorization" => auth = v.trim().to_owned(),
                _ => {}
            }
        }
    }
    let mut body = vec![0u8; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let message: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let status = if message["to"].as_str().is_some_and(|t| t.contains("bounce")) {
        500
    } else {
        202
    };
    if let Ok(mut r) = sink.lock() {
        r.push(Received {
            message,
            idempotency_key: key,
            authorization: auth,
            status,
        });
    }
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{{}}"
    )?;
    out.flush()
}
