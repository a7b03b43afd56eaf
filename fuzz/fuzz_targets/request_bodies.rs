//! Any bytes as the body of any POST route, through the whole router on the embedded store: the
//! answer is never a 5xx, and nothing panics.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use membership::local::{LocalApp, LocalOptions};
use tower::ServiceExt;

const ROUTES: &[&str] = &[
    "/v1/signups",
    "/v1/signups/00000000-0000-0000-0000-000000000000/consents",
    "/v1/signups/00000000-0000-0000-0000-000000000000/identity",
    "/v1/signups/00000000-0000-0000-0000-000000000000/member",
    "/v1/sessions",
    "/v1/sessions/refresh",
    "/v1/recovery/username",
    "/v1/recovery/password",
    "/v1/members/me/certifications/citizen",
    "/v1/identity/requests",
    "/v1/identity/return",
    "/_sim/nice/complete",
    "/_sim/residents",
];

fn runtime() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static APP: OnceLock<(tokio::runtime::Runtime, axum::Router)> = OnceLock::new();
    APP.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let router = runtime.block_on(async {
            // No upstream address: no origin may open an identity request (a provider that cannot be
            // reached would answer 503), and no upstream is called behind the fuzzed bearer's 401.
            LocalApp::new(LocalOptions { upstream_base: None, ..LocalOptions::default() }).router
        });
        (runtime, router)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let (runtime, router) = runtime();
    let path = ROUTES[selector as usize % ROUTES.len()];
    let request = Request::post(path)
        .header("content-type", "application/json")
        .header("authorization", "Bearer fuzz")
        .body(Body::from(body.to_vec()))
        .unwrap();
    let status = runtime.block_on(router.clone().oneshot(request)).unwrap().status();
    assert!(status.as_u16() < 500, "{path} answered {status}");
});
