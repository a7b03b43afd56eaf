//! The client's transport rules, against tiny TCP servers whose behaviour each test controls: one
//! retry when no connection could be made, none after a timeout or an answer; no redirects; the key
//! in a header and the secrets in the body only.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use membership::upstream::{
    Cause, HttpResidencyRegistry, HttpSchoolLibrarySystem, ResidencyAnswer, ResidencyRegistry, SchoolLibrarySystem,
    UpstreamEndpoint, UpstreamError,
};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::dls::{id, password};
use crate::{name, rrn, TIMEOUT};

#[derive(Clone)]
enum Behaviour {
    /// Accepts the connection and drops it before a byte is exchanged.
    CloseAtOnce,
    /// Accepts the connection and never answers.
    Hang,
    /// Reads the request and sends this raw HTTP response.
    Answer(String),
}

struct TinyServer {
    address: SocketAddr,
    accepted: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TinyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TinyServer {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind");
        let address = listener.local_addr().expect("address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (count, record) = (accepted.clone(), requests.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let record = record.clone();
                match behaviour.clone() {
                    Behaviour::CloseAtOnce => drop(socket),
                    Behaviour::Hang => {
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            drop(socket);
                        });
                    }
                    Behaviour::Answer(raw) => {
                        tokio::spawn(async move {
                            let request = read_request(&mut socket).await;
                            record.lock().unwrap().push(request);
                            let _ = socket.write_all(raw.as_bytes()).await;
                            let _ = socket.shutdown().await;
                        });
                    }
                }
            }
        });
        Self { address, accepted, requests, task }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn base(&self, scheme: &str) -> String {
        format!("{scheme}://{}/api", self.address)
    }
}

/// The head and body of one HTTP/1.1 request, as sent.
async fn read_request(socket: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| line.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            if received.len() >= end + 4 + length {
                return text;
            }
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&received).into_owned(),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

fn residency_at(base: &str) -> HttpResidencyRegistry {
    let endpoint = UpstreamEndpoint::new(base, SecretString::from("the-residency-key")).unwrap();
    HttpResidencyRegistry::new(&endpoint, TIMEOUT).unwrap()
}

fn dls_at(base: &str) -> HttpSchoolLibrarySystem {
    let endpoint = UpstreamEndpoint::new(base, SecretString::from("the-dls-key")).unwrap();
    HttpSchoolLibrarySystem::new(&endpoint, TIMEOUT).unwrap()
}

async fn check(base: &str) -> Result<ResidencyAnswer, UpstreamError> {
    residency_at(base).check(&name("김하늘"), &rrn("900517-1234567")).await
}

/// A loopback port nobody listens on (bound, then let go).
async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    listener.local_addr().unwrap()
}

fn ok_answer(body: &'static str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_refused_connection_is_unavailable_without_waiting_for_the_timeout() {
    let address = closed_port().await;

    let started = Instant::now();
    let error = check(&format!("http://{address}/api")).await.unwrap_err();

    assert_eq!(error.cause(), Cause::Connect, "{error}");
    assert!(started.elapsed() < TIMEOUT, "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_failed_connection_is_tried_exactly_once_more() {
    // TLS to a server that hangs up before the handshake: the connection fails after the TCP
    // accept, so the attempts can be counted.
    let server = TinyServer::start(Behaviour::CloseAtOnce).await;

    let error = check(&server.base("https")).await.unwrap_err();

    assert_eq!(error.cause(), Cause::Connect, "{error}");
    assert_eq!(server.accepted(), 2);
}

#[tokio::test]
async fn a_timeout_is_not_retried() {
    let server = TinyServer::start(Behaviour::Hang).await;

    let started = Instant::now();
    let error = check(&server.base("http")).await.unwrap_err();

    assert_eq!(error.cause(), Cause::Timeout, "{error}");
    assert!(started.elapsed() < TIMEOUT * 3, "took {:?}", started.elapsed());
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn an_error_answer_is_not_retried() {
    let server = TinyServer::start(Behaviour::Answer(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
    ))
    .await;

    let error = check(&server.base("http")).await.unwrap_err();

    assert_eq!(error.cause(), Cause::Status(503), "{error}");
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = TinyServer::start(Behaviour::Answer(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:9/elsewhere\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
    ))
    .await;

    let error = check(&server.base("http")).await.unwrap_err();

    assert_eq!(error.cause(), Cause::Status(307), "{error}");
    assert_eq!(server.accepted(), 1);
}

#[tokio::test]
async fn an_answer_of_another_shape_is_unavailable() {
    for body in [
        "not json",
        r#"{"result":"moved"}"#,
        r#"{"result":"matched","region":"incheon"}"#,
        r#"{"result":"matched","region":"incheon","reference":""}"#,
        r#"{"result":"matched","region":"","reference":"RES-1"}"#,
    ] {
        let answer = ok_answer(body);
        let server = TinyServer::start(Behaviour::Answer(answer)).await;

        let error = check(&server.base("http")).await.unwrap_err();

        assert_eq!(error.cause(), Cause::Malformed, "{body}: {error}");
    }
}

#[tokio::test]
async fn a_dls_answer_with_an_impossible_date_is_unavailable() {
    let answer = ok_answer(r#"{"result":"verified","createdOn":"2019-02-30","reference":"DLS-1"}"#);
    let server = TinyServer::start(Behaviour::Answer(answer)).await;

    let error =
        dls_at(&server.base("http")).verify(&name("박별"), &id("star2012"), &password("pw-1")).await.unwrap_err();

    assert_eq!(error.cause(), Cause::Malformed, "{error}");
}

#[tokio::test]
async fn the_key_travels_in_a_header_and_the_secrets_only_in_the_body() {
    let answer = ok_answer(r#"{"result":"not_found"}"#);
    let residency = TinyServer::start(Behaviour::Answer(answer)).await;
    let dls = TinyServer::start(Behaviour::Answer(ok_answer(r#"{"result":"rejected"}"#))).await;

    let answer = check(&residency.base("http")).await.unwrap();
    assert_eq!(answer, ResidencyAnswer::Unknown);
    let rejected = dls_at(&dls.base("http")).verify(&name("박별"), &id("star2012"), &password("Pw-Secret-1")).await;
    assert!(rejected.is_ok(), "{rejected:?}");

    let residency_request = residency.requests.lock().unwrap()[0].clone();
    let (head, body) = residency_request.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("POST /api/verify HTTP/1.1\r\n"), "{head}");
    assert!(head.to_ascii_lowercase().contains("x-api-key: the-residency-key"), "{head}");
    assert!(!head.contains("9005171234567") && !head.contains("900517-1234567"), "{head}");
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body, serde_json::json!({ "rrn": "9005171234567", "name": "김하늘" }));

    let dls_request = dls.requests.lock().unwrap()[0].clone();
    let (head, body) = dls_request.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("POST /api/verify HTTP/1.1\r\n"), "{head}");
    assert!(head.to_ascii_lowercase().contains("x-api-key: the-dls-key"), "{head}");
    assert!(!head.contains("star2012") && !head.contains("Pw-Secret-1"), "{head}");
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body, serde_json::json!({ "name": "박별", "userId": "star2012", "password": "Pw-Secret-1" }));
}
