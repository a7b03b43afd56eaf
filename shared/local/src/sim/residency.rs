//! The simulated residency registry (행정정보공동이용). `POST /_sim/residents`
//! `{ "rrn", "name", "region" }` → 201 makes it answer for that person (a second call for the same
//! RRN replaces the first); the adapter reaches it at [`BASE_PATH`] as it would reach the real
//! registry, in the wire form `upstream::residency` documents:
//! `POST /_sim/upstream/residency/verify` with `x-api-key`, `{ "rrn", "name" }` →
//! `200 { "result": "matched", "region", "reference" }` | `{ "result": "not_found" }` |
//! `{ "result": "name_mismatch" }`; `401`/`400` refusals; the faults of `/_sim/faults`.
//! The register lives in memory only.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use membership_domain::calendar::seoul_date;
use membership_domain::identity::PersonName;
use membership_domain::rrn::Rrn;
use membership_domain::validation::FieldErrors;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::upstream::refusal;
use super::Simulators;
use membership::clock::Clock;
use membership::http::extract::ApiJson;
use membership::http::problem::{Problem, ProblemCode};
use membership::keys::random_id;
use membership::upstream::System;

/// Where the residency adapter of the local app points: its base URL is the server's address
/// followed by this.
pub const BASE_PATH: &str = "/_sim/upstream/residency";

/// The registered residents, by RRN digits, and the key the registry expects.
pub struct Residents {
    api_key: SecretString,
    people: Mutex<HashMap<String, Resident>>,
}

struct Resident {
    name: PersonName,
    region: String,
}

impl Residents {
    pub fn new(api_key: SecretString) -> Self {
        Self { api_key, people: Mutex::new(HashMap::new()) }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ResidentBody {
    rrn: SecretString,
    name: String,
    region: String,
}

/// A region is one lower-case word (`incheon`, `seoul`, `gyeonggi`...).
fn region(raw: &str) -> Result<String, &'static str> {
    if raw.is_empty() {
        return Err("required");
    }
    if raw.len() > 32 || !raw.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err("invalid_format");
    }
    Ok(raw.to_owned())
}

/// `POST /_sim/residents` → 201.
pub(super) async fn register_resident(
    State(sim): State<Simulators>,
    ApiJson(body): ApiJson<ResidentBody>,
) -> Result<StatusCode, Problem> {
    let mut errors = FieldErrors::default();
    let rrn = errors.take("/rrn", Rrn::parse(body.rrn.expose_secret(), seoul_date(sim.clock.now())));
    let name = errors.take("/name", PersonName::parse(&body.name));
    let region = errors.take("/region", region(&body.region));
    let (Some(rrn), Some(name), Some(region)) = (rrn, name, region) else {
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, ProblemCode::ValidationFailed)
            .with_errors(errors.into_vec()));
    };
    let mut people = sim.residents.people.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    people.insert(rrn.expose_digits().to_owned(), Resident { name, region });
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
struct Query {
    rrn: SecretString,
    name: String,
}

/// `POST /_sim/upstream/residency/verify`: the registry's answer.
pub(super) async fn verify(State(sim): State<Simulators>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = sim.faults.admit(System::Residency, &sim.residents.api_key, &headers).await {
        return refused;
    }
    let Ok(query) = serde_json::from_slice::<Query>(&body) else {
        return refusal(StatusCode::BAD_REQUEST, "bad_request");
    };
    let people = sim.residents.people.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let answer = match people.get(query.rrn.expose_secret()) {
        None => json!({ "result": "not_found" }),
        Some(resident) if PersonName::parse(&query.name).ok().as_ref() != Some(&resident.name) => {
            json!({ "result": "name_mismatch" })
        }
        Some(resident) => json!({
            "result": "matched",
            "region": resident.region,
            "reference": format!("RES-{}", random_id()),
        }),
    };
    (StatusCode::OK, Json(answer)).into_response()
}
