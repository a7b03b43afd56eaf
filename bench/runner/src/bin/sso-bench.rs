//! In-process latency of the single sign-on token endpoint: `POST /oauth2/token` through the full
//! router (middleware, JSON logging to a sink) on the embedded store, with the local signing key,
//! p50 and p99 of the code exchange (PKCE check, ID token signed with ES256, code and grant written
//! in one transaction) and of a refresh (rotation). The authorization before each exchange is not
//! measured. Deployed, each answer adds one KMS `Sign` call (a network round trip) to these.
//!
//! Usage: sso-bench [ITERATIONS]; prints one JSON line per measured request.

use std::time::{Duration, Instant};

use api_tests::{adult, spawn_app_in_memory, PASSWORD};
use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use bench::{micros, percentile};
use http_body_util::BodyExt;
use membership_local::local::LocalOptions;
use serde_json::{json, Value};
use tower::ServiceExt;

const CALLBACK: &str = "http://127.0.0.1:8401/callback";

async fn call(
    router: &Router,
    method: Method,
    path: &str,
    content_type: &str,
    token: Option<&str>,
    body: String,
) -> (u16, Value) {
    let mut request = Request::builder().method(method).uri(path).header("content-type", content_type);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = router.clone().oneshot(request.body(Body::from(body)).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A PKCE verifier and its S256 challenge, computed as a relying party does (RFC 7636 §4.2).
fn pkce(n: usize) -> (String, String) {
    use base64::Engine;
    use sha2::Digest;
    let verifier = format!("bench-verifier-{n:08}-0123456789abcdefghijklmnopqrstuvwxyz");
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn report(request: &str, samples: &[Duration], status: u16) {
    println!(
        "{}",
        json!({
            "request": request, "status": status, "n": samples.len(),
            "p50Us": micros(percentile(samples, 50.0)), "p99Us": micros(percentile(samples, 99.0)),
        })
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let _ = tracing_subscriber::fmt().json().flatten_event(true).with_writer(std::io::sink).try_init();
    let iterations: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let app = spawn_app_in_memory(LocalOptions::default()).await;
    app.register_general(&adult(), "bench01").await;
    let access = app.signed_in("bench01", PASSWORD).await.access;
    let router = app.app.router.clone();

    let (mut exchanges, mut refreshes) = (Vec::with_capacity(iterations), Vec::with_capacity(iterations));
    let (mut exchange_status, mut refresh_status) = (0, 0);
    for n in 0..iterations {
        let (verifier, challenge) = pkce(n);
        let body = json!({ "responseType": "code", "clientId": "library-app", "redirectUri": CALLBACK,
            "scope": "openid profile library", "state": "s", "nonce": "n", "codeChallenge": challenge,
            "codeChallengeMethod": "S256" });
        let (_, authorized) = call(
            &router,
            Method::POST,
            "/v1/oauth2/authorizations",
            "application/json",
            Some(&access),
            body.to_string(),
        )
        .await;
        let redirect = reqwest::Url::parse(authorized["redirectTo"].as_str().unwrap()).unwrap();
        let code = redirect.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
        let form = format!(
            "grant_type=authorization_code&code={code}&redirect_uri=http%3A%2F%2F127.0.0.1%3A8401%2Fcallback\
             &code_verifier={verifier}&client_id=library-app"
        );
        let started = Instant::now();
        let (status, tokens) =
            call(&router, Method::POST, "/oauth2/token", "application/x-www-form-urlencoded", None, form).await;
        exchanges.push(started.elapsed());
        exchange_status = status;
        let form = format!(
            "grant_type=refresh_token&refresh_token={}&client_id=library-app",
            tokens["refresh_token"].as_str().unwrap_or_default()
        );
        let started = Instant::now();
        let (status, _) =
            call(&router, Method::POST, "/oauth2/token", "application/x-www-form-urlencoded", None, form).await;
        refreshes.push(started.elapsed());
        refresh_status = status;
    }
    report("POST /oauth2/token (authorization_code)", &exchanges, exchange_status);
    report("POST /oauth2/token (refresh_token)", &refreshes, refresh_status);
}
