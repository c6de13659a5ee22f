//! A minimal Lambda Runtime API for cold-start timing: a loopback HTTP listener that records
//! when the first `GET /2018-06-01/runtime/invocation/next` arrives. It answers nothing useful
//! (the process under test is killed once the request is seen).

use crate::BenchError;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The path every runtime polls for its next invocation.
pub const NEXT_PATH: &str = "/2018-06-01/runtime/invocation/next";

/// A listener on 127.0.0.1 that reports the arrival time of the first `next` request.
#[derive(Debug)]
pub struct RuntimeApi {
    addr: String,
    arrivals: mpsc::Receiver<Instant>,
}

fn read_head(stream: &mut TcpStream) -> Option<String> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf);
    text.lines().next().map(str::to_string)
}

impl RuntimeApi {
    /// Starts listening; the accept loop runs on a thread for the life of the process.
    pub fn start() -> Result<Self, BenchError> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| BenchError::io("127.0.0.1:0", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| BenchError::io("127.0.0.1:0", e))?
            .to_string();
        let (tx, arrivals) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let line = read_head(&mut stream);
                    let at = Instant::now();
                    if line
                        .as_deref()
                        .is_some_and(|l| l.starts_with("GET ") && l.contains(NEXT_PATH))
                    {
                        let _ = tx.send(at);
                        // hold the connection open like a real Runtime API with no invocation
                        std::thread::sleep(Duration::from_secs(60));
                    } else {
                        let _ = stream
                            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}");
                    }
                });
            }
        });
        Ok(Self { addr, arrivals })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Drops arrivals left from an earlier process.
    pub fn drain(&self) {
        while self.arrivals.try_recv().is_ok() {}
    }

    /// Waits for the next `next` request.
    pub fn wait_next(&self, timeout: Duration) -> Option<Instant> {
        self.arrivals.recv_timeout(timeout).ok()
    }
}
