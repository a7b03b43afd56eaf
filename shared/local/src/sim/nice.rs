//! The identity provider (NICE API), simulated under `/_sim/nice` as API.md's "Local simulators"
//! gives it: its two server calls check the client credentials and the bearer as the provider does,
//! its two windows check and decrypt the request and let the person be verified, and
//! `/_sim/nice/complete` encrypts the result with the request's keys for the service's return page.
//! State lives in memory; request bodies are never logged.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use membership_domain::calendar::CalendarDate;
use membership_domain::identity::{Method, PersonName};
use rand::distributions::Alphanumeric;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use super::upstream::SimulatedSystem;
use super::Simulators;
use membership::clock::Clock;
use membership::http::extract::parse_value;
use membership::http::problem::{Problem, ProblemCode};
use membership::identity::nice::{method_of_product, CRYPTO_TOKEN_PATH, GATEWAY_OK, TOKEN_PATH};
use membership::identity::protocol::{self, form_pairs, form_value, RequestKeys};

pub const BASE_PATH: &str = "/_sim/nice";
pub const PHONE_WINDOW_PATH: &str = "/_sim/nice/CheckPlusSafeModel/service.cb";
pub const IPIN_WINDOW_PATH: &str = "/_sim/nice/ipin.cb";

/// How many requests the simulator remembers; the oldest are forgotten first.
const REMEMBERED: usize = 10_000;

/// A crypto token the simulator issued, and what it learnt of the request since.
struct Issued {
    method: Method,
    req_no: String,
    keys: RequestKeys,
    /// The return page, once the request was posted to a window.
    return_url: Option<String>,
}

/// The simulated provider: the client it knows, its site code, the access tokens and requests it issued.
pub struct NiceProvider {
    client_id: String,
    client_secret: SecretString,
    site_code: String,
    access_tokens: Mutex<HashSet<String>>,
    issued: Mutex<(HashMap<String, Issued>, VecDeque<String>)>,
    /// Server calls answered (access and crypto tokens), for the benchmarks' round-trip count.
    server_calls: AtomicU64,
}

fn random_text(length: usize) -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(length).map(char::from).collect()
}

impl NiceProvider {
    pub fn new(client_id: String, client_secret: SecretString) -> Self {
        Self {
            client_id,
            client_secret,
            site_code: format!("BS{}", random_text(6).to_uppercase()),
            access_tokens: Mutex::new(HashSet::new()),
            issued: Mutex::new((HashMap::new(), VecDeque::new())),
            server_calls: AtomicU64::new(0),
        }
    }

    /// Revokes every access token issued: the next crypto-token call with one answers 401, as the
    /// provider does for a token it revoked or let expire.
    pub fn revoke_access_tokens(&self) {
        self.access_tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }

    /// How many server calls (access token, crypto token) the provider has answered.
    pub fn server_calls(&self) -> u64 {
        self.server_calls.load(Ordering::Relaxed)
    }

    fn remember(&self, token_version_id: String, issued: Issued) {
        let mut guard = self.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (requests, order) = &mut *guard;
        while order.len() >= REMEMBERED {
            if let Some(oldest) = order.pop_front() {
                requests.remove(&oldest);
            }
        }
        order.push_back(token_version_id.clone());
        requests.insert(token_version_id, issued);
    }

    fn with_request<T>(&self, token_version_id: &str, f: impl FnOnce(&mut Issued) -> T) -> Option<T> {
        let mut guard = self.issued.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.0.get_mut(token_version_id).map(f)
    }

    fn basic_matches(&self, headers: &HeaderMap) -> bool {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Basic "))
            .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
            .unwrap_or_default();
        let expected = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        bool::from(presented.ct_eq(expected.as_bytes()))
    }

    /// `bearer base64(access_token:unix seconds:client id)` naming a token this provider issued.
    fn bearer_matches(&self, headers: &HeaderMap) -> bool {
        let Some(decoded) = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("bearer ").or_else(|| value.strip_prefix("Bearer ")))
            .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            return false;
        };
        let mut parts = decoded.splitn(3, ':');
        let (Some(token), Some(at), Some(client_id)) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        let known = self.access_tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(token);
        known && !at.is_empty() && at.bytes().all(|b| b.is_ascii_digit()) && client_id == self.client_id
    }
}

mod window;

use self::window::{complete, ipin_window, phone_window};

pub fn routes() -> Router<Simulators> {
    Router::new()
        .route(&format!("{BASE_PATH}/{TOKEN_PATH}"), post(access_token))
        .route(&format!("{BASE_PATH}/{CRYPTO_TOKEN_PATH}"), post(crypto_token))
        .route(PHONE_WINDOW_PATH, post(phone_window))
        .route(IPIN_WINDOW_PATH, post(ipin_window))
        .route(&format!("{BASE_PATH}/complete"), post(complete))
}

/// The gateway's answer: `{ "dataHeader": { "GW_RSLT_CD", "GW_RSLT_MSG" }, "dataBody"? }`.
fn gateway(status: StatusCode, code: &str, message: &str, body: Option<Value>) -> Response {
    let mut answer = json!({ "dataHeader": { "GW_RSLT_CD": code, "GW_RSLT_MSG": message } });
    if let Some(body) = body {
        answer["dataBody"] = body;
    }
    (status, Json(answer)).into_response()
}

fn unauthorized() -> Response {
    gateway(StatusCode::UNAUTHORIZED, "1800", "invalid credentials", None)
}

/// `POST /_sim/nice/digital/niceid/oauth/oauth/token`: Basic client credentials and the form
/// `grant_type=client_credentials&scope=default` → an access token.
async fn access_token(State(sim): State<Simulators>, headers: HeaderMap, body: Bytes) -> Response {
    sim.nice.server_calls.fetch_add(1, Ordering::Relaxed);
    if let Err(refused) = sim.faults.admit_system(SimulatedSystem::Identity).await {
        return refused;
    }
    if !sim.nice.basic_matches(&headers) {
        return unauthorized();
    }
    let form = form_pairs(&body).unwrap_or_default();
    if form_value(&form, "grant_type") != Some("client_credentials") || form_value(&form, "scope") != Some("default") {
        return gateway(StatusCode::BAD_REQUEST, "1300", "invalid grant", None);
    }
    let token = random_text(36);
    sim.nice.access_tokens.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(token.clone());
    let body =
        json!({ "access_token": token, "token_type": "bearer", "expires_in": 1_577_846_300u64, "scope": "default" });
    gateway(StatusCode::OK, GATEWAY_OK, "no error", Some(body))
}

/// `POST /_sim/nice/digital/niceid/api/v1.0/common/crypto/token`: the bearer, a `ProductID`, and
/// `{ "dataHeader", "dataBody": { "req_dtim", "req_no", "enc_mode": "1" } }` → the site code, a
/// token version id and the token value the request's keys derive from.
async fn crypto_token(State(sim): State<Simulators>, headers: HeaderMap, body: Bytes) -> Response {
    sim.nice.server_calls.fetch_add(1, Ordering::Relaxed);
    if let Err(refused) = sim.faults.admit_system(SimulatedSystem::Identity).await {
        return refused;
    }
    if !sim.nice.bearer_matches(&headers) {
        return unauthorized();
    }
    let Some(method) = headers.get("ProductID").and_then(|v| v.to_str().ok()).and_then(method_of_product) else {
        return gateway(StatusCode::OK, GATEWAY_OK, "no error", Some(json!({ "rsp_cd": "EAPI2500", "result_cd": "" })));
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let field = |name: &str| request["dataBody"][name].as_str().unwrap_or_default();
    let (req_dtim, req_no) = (field("req_dtim"), field("req_no"));
    let valid = req_dtim.len() == 14
        && req_dtim.bytes().all(|b| b.is_ascii_digit())
        && (1..=30).contains(&req_no.len())
        && req_no.bytes().all(|b| b.is_ascii_graphic())
        && field("enc_mode") == "1";
    if !valid {
        return gateway(StatusCode::OK, GATEWAY_OK, "no error", Some(json!({ "rsp_cd": "P000", "result_cd": "0001" })));
    }
    let token_version_id = format!("{}{}", &req_dtim[..8], random_text(24));
    let token_val = STANDARD.encode(rand::random::<[u8; 24]>());
    let keys = RequestKeys::derive(req_dtim, req_no, &token_val);
    sim.nice.remember(token_version_id.clone(), Issued { method, req_no: req_no.to_owned(), keys, return_url: None });
    let body = json!({
        "rsp_cd": "P000",
        "result_cd": "0000",
        "site_code": sim.nice.site_code,
        "token_version_id": token_version_id,
        "token_val": token_val,
        "period": 3600,
    });
    gateway(StatusCode::OK, GATEWAY_OK, "no error", Some(body))
}
