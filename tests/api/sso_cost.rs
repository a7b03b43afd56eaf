//! The single sign-on flow's store round trips, per request, counted at the table (`-- --nocapture`
//! prints them): the authorization, the code exchange, userinfo and a refresh each make at most
//! three, whatever the table holds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use api_tests::{adult, spawn_app_wrapped, TestApp, PASSWORD};
use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use membership::store::{Item, Key, StoreError, Table, Write};
use membership_local::local::LocalOptions;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The table, counting the calls a request makes of it (a transaction is one call).
struct Counting {
    inner: Arc<dyn Table>,
    reads: AtomicU64,
    writes: AtomicU64,
}

impl Counting {
    fn take(&self) -> (u64, u64) {
        (self.reads.swap(0, Ordering::SeqCst), self.writes.swap(0, Ordering::SeqCst))
    }
}

#[async_trait]
impl Table for Counting {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.get(key).await
    }
    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.write(writes).await
    }
    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.query(pk, sk_prefix).await
    }
    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.query_due(due_pk, from, to, limit).await
    }
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.delete_batch(keys).await
    }
    async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        self.inner.put_batch(items).await
    }
}

async fn counted_app() -> (TestApp, Arc<Counting>) {
    let slot: Arc<std::sync::Mutex<Option<Arc<Counting>>>> = Arc::default();
    let kept = slot.clone();
    let app = spawn_app_wrapped(LocalOptions::default(), move |inner| {
        let counting = Arc::new(Counting { inner, reads: AtomicU64::new(0), writes: AtomicU64::new(0) });
        *kept.lock().unwrap() = Some(counting.clone());
        counting
    })
    .await;
    let counting = slot.lock().unwrap().take().expect("the wrapper was built");
    (app, counting)
}

#[tokio::test]
async fn each_request_of_the_code_flow_makes_at_most_three_store_round_trips() {
    let (app, counting) = counted_app().await;
    app.register_general(&adult(), "reader01").await;
    let access = app.signed_in("reader01", PASSWORD).await.access;
    let verifier = membership::keys::random_token();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    counting.take();

    let body = json!({ "responseType": "code", "clientId": "library-app", "redirectUri": "http://127.0.0.1:8401/callback",
        "scope": "openid profile library", "state": "s", "nonce": "n", "codeChallenge": challenge,
        "codeChallengeMethod": "S256" });
    let authorized = app.post("/v1/oauth2/authorizations").bearer(&access).json(&body).send().await;
    assert_eq!(authorized.status, 201, "{}", authorized.text);
    let authorize = counting.take();
    let redirect = reqwest::Url::parse(authorized.body["redirectTo"].as_str().unwrap()).unwrap();
    let code = redirect.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();

    let form = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap();
    let exchanged = app
        .post("/oauth2/token")
        .raw(
            "application/x-www-form-urlencoded",
            form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", "http://127.0.0.1:8401/callback"),
                ("code_verifier", &verifier),
                ("client_id", "library-app"),
            ]),
        )
        .send()
        .await;
    assert_eq!(exchanged.status, 200, "{}", exchanged.text);
    let exchange = counting.take();

    let info = app.get("/oauth2/userinfo").bearer(exchanged.body["access_token"].as_str().unwrap()).send().await;
    assert_eq!(info.status, 200, "{}", info.text);
    let userinfo = counting.take();

    let refresh_token = exchanged.body["refresh_token"].as_str().unwrap();
    let refreshed = app
        .post("/oauth2/token")
        .raw(
            "application/x-www-form-urlencoded",
            form(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token), ("client_id", "library-app")]),
        )
        .send()
        .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let refresh = counting.take();

    for (request, (reads, writes)) in [
        ("POST /v1/oauth2/authorizations", authorize),
        ("POST /oauth2/token (code)", exchange),
        ("GET /oauth2/userinfo", userinfo),
        ("POST /oauth2/token (refresh)", refresh),
    ] {
        println!("{request}: {reads} reads, {writes} writes ({} round trips)", reads + writes);
        assert!(reads + writes <= 3 && writes <= 1, "{request}: {reads} reads, {writes} writes");
    }
}
