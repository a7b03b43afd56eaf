//! In-process latency per route: requests through the full router (middleware, problem rendering,
//! idempotency layer, JSON logging to a sink) on the embedded store, p50 and p99 over many runs.
//! Routes that hash passwords are left out: their cost is argon2id's, measured by flow-bench. The
//! identity provider is the local simulator, served on loopback: an identity request's round trips
//! to it are real HTTP, as they are to the provider (less the network's latency).
//!
//! Usage: latency-bench [ITERATIONS]; prints one JSON line per route, then the identity steps'
//! provider round trips.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request};
use axum::Router;
use bench::{micros, percentile};
use http_body_util::BodyExt;
use membership_local::local::{LocalApp, LocalOptions};
use serde_json::{json, Value};
use tower::ServiceExt;

async fn call(router: &Router, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut request = Request::builder().method(method).uri(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn timed(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (Duration, u16) {
    let started = Instant::now();
    let (status, _) = call(router, method, path, token, body).await;
    (started.elapsed(), status)
}

/// A form post (`application/x-www-form-urlencoded`), as the provider's pages make them.
async fn post_form(router: &Router, path: &str, form: &str, accept: &str) -> (u16, Vec<u8>) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", accept)
        .body(Body::from(form.to_owned()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    (status, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn form_of(fields: &Value) -> String {
    let encode = |s: &str| s.replace('%', "%25").replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    fields
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value.as_str().unwrap())))
        .collect::<Vec<_>>()
        .join("&")
}

/// The person verifies at the provider for an opened request: its window, then its completion.
/// Answers the provider's fields as the return page receives them.
async fn verify_at_provider(router: &Router, base: &str, opened: &Value, n: usize) -> Value {
    let window = opened["provider"]["url"].as_str().unwrap().strip_prefix(base).unwrap().to_owned();
    let fields = &opened["provider"]["fields"];
    let (status, _) = post_form(router, &window, &form_of(fields), "text/html").await;
    assert_eq!(status, 200, "the provider's window");
    let person = json!({ "tokenVersionId": fields["token_version_id"], "name": "김하늘",
        "birthDate": "1990-05-17", "di": format!("bench-{n}") });
    let request = Request::builder()
        .method(Method::POST)
        .uri("/_sim/nice/complete")
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Body::from(person.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let completed: Value = serde_json::from_slice(&bytes).unwrap();
    completed["fields"].clone()
}

fn report(route: &str, samples: &[Duration], status: u16) {
    println!(
        "{}",
        json!({
            "route": route, "status": status, "n": samples.len(),
            "p50Us": micros(percentile(samples, 50.0)), "p99Us": micros(percentile(samples, 99.0)),
        })
    );
}

async fn signup_at(router: &Router, step: &str) -> (String, String) {
    let (_, started) = call(router, Method::POST, "/v1/signups", None, Some(&json!({ "memberType": "general" }))).await;
    let (id, token) =
        (started["signupId"].as_str().unwrap().to_owned(), started["signupToken"].as_str().unwrap().to_owned());
    if step != "consent" {
        call(router, Method::POST, &format!("/v1/signups/{id}/consents"), Some(&token), Some(&consents())).await;
    }
    (id, token)
}

fn consents() -> Value {
    json!({ "consents": [
        { "document": "terms-of-use", "version": "2026-11-01", "agreed": true },
        { "document": "privacy-collection", "version": "2026-11-01", "agreed": true },
    ]})
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_writer(std::io::sink)
        .try_init();
    let iterations: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = LocalApp::new(LocalOptions { upstream_base: Some(base.clone()), ..LocalOptions::default() });
    let router = app.router.clone();
    let served = router.clone();
    tokio::spawn(async move {
        axum::serve(listener, served.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });

    let gets = ["/healthz", "/v1/terms", "/v1/libraries", "/v1/usernames/reader01", "/v1/nowhere"];
    for path in gets {
        let mut samples = Vec::with_capacity(iterations);
        let mut status = 0;
        for _ in 0..iterations {
            let (elapsed, s) = timed(&router, Method::GET, path, None, None).await;
            samples.push(elapsed);
            status = s;
        }
        report(&format!("GET {path}"), &samples, status);
    }

    let mut samples = Vec::with_capacity(iterations);
    let mut status = 0;
    for _ in 0..iterations {
        let (elapsed, s) =
            timed(&router, Method::POST, "/v1/signups", None, Some(&json!({ "memberType": "general" }))).await;
        samples.push(elapsed);
        status = s;
    }
    report("POST /v1/signups", &samples, status);

    let sessions: Vec<(String, String)> = {
        let mut v = Vec::new();
        for _ in 0..iterations {
            v.push(signup_at(&router, "consent").await);
        }
        v
    };
    let mut samples = Vec::with_capacity(iterations);
    for (id, token) in &sessions {
        let (elapsed, s) =
            timed(&router, Method::POST, &format!("/v1/signups/{id}/consents"), Some(token), Some(&consents())).await;
        samples.push(elapsed);
        status = s;
    }
    report("POST /v1/signups/{signupId}/consents", &samples, status);

    // 본인확인: the request (the provider's crypto token over loopback HTTP; the first also fetches
    // the access token), the provider's window and completion (not measured: the person's time), the
    // return page, and the sign-up's identity step.
    let calls_before = app.identity_provider.server_calls();
    let (mut requests, mut returns, mut steps) = (Vec::new(), Vec::new(), Vec::new());
    let (mut request_status, mut return_status) = (0, 0);
    for (n, (id, token)) in sessions.iter().enumerate() {
        let body = json!({ "purpose": "signup", "method": "phone", "origin": base });
        let started = Instant::now();
        let (s, opened) = call(&router, Method::POST, "/v1/identity/requests", Some(token), Some(&body)).await;
        requests.push(started.elapsed());
        request_status = s;
        let fields = verify_at_provider(&router, &base, &opened, n).await;
        let started = Instant::now();
        let (s, _) = post_form(&router, "/v1/identity/return", &form_of(&fields), "text/html").await;
        returns.push(started.elapsed());
        return_status = s;
        let identity = json!({ "identity": {
            "tokenVersionId": fields["token_version_id"], "encData": fields["enc_data"],
            "integrityValue": fields["integrity_value"] } });
        let (elapsed, s) =
            timed(&router, Method::POST, &format!("/v1/signups/{id}/identity"), Some(token), Some(&identity)).await;
        steps.push(elapsed);
        status = s;
    }
    let provider_calls = app.identity_provider.server_calls() - calls_before;
    report("POST /v1/identity/requests", &requests, request_status);
    report("POST /v1/identity/return", &returns, return_status);
    report("POST /v1/signups/{signupId}/identity", &steps, status);
    let added: Vec<Duration> = requests.iter().zip(&returns).zip(&steps).map(|((a, b), c)| *a + *b + *c).collect();
    report("identity steps together (request + return page + sign-up step)", &added, status);
    println!(
        "{}",
        json!({
            "providerServerCalls": provider_calls,
            "verifications": sessions.len(),
            "providerRoundTripsPerVerification": provider_calls as f64 / sessions.len() as f64,
        })
    );

    // One member, signed in once (hashing is outside the measured routes).
    let (id, token) = &sessions[0];
    let member = json!({ "username": "bench01", "password": "Bench-Mark-2026!", "email": "b@example.kr",
        "phone": "010-1111-2222", "homeLibrary": "central" });
    call(&router, Method::POST, &format!("/v1/signups/{id}/member"), Some(token), Some(&member)).await;
    let (_, signed_in) = call(
        &router,
        Method::POST,
        "/v1/sessions",
        None,
        Some(&json!({ "username": "bench01", "password": "Bench-Mark-2026!" })),
    )
    .await;
    let access = signed_in["accessToken"].as_str().unwrap().to_owned();
    let mut refresh = signed_in["refreshToken"].as_str().unwrap().to_owned();

    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let (elapsed, s) = timed(&router, Method::GET, "/v1/members/me", Some(&access), None).await;
        samples.push(elapsed);
        status = s;
    }
    report("GET /v1/members/me", &samples, status);

    let mut samples = Vec::with_capacity(iterations);
    for n in 0..iterations {
        let body = json!({ "email": format!("b{n}@example.kr") });
        let (elapsed, s) = timed(&router, Method::PATCH, "/v1/members/me", Some(&access), Some(&body)).await;
        samples.push(elapsed);
        status = s;
    }
    report("PATCH /v1/members/me", &samples, status);

    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        let (s, body) =
            call(&router, Method::POST, "/v1/sessions/refresh", None, Some(&json!({ "refreshToken": refresh }))).await;
        samples.push(started.elapsed());
        status = s;
        refresh = body["refreshToken"].as_str().unwrap_or_default().to_owned();
    }
    report("POST /v1/sessions/refresh", &samples, status);
}
