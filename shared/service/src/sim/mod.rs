//! Simulated upstream systems for the local server (never deployed): an identity provider that
//! mints signed results, the residency registry ([`residency`]), DLS ([`dls`]), their faults on
//! demand ([`upstream`]), and the clock. Their state lives in memory, never in the service's table,
//! and their request bodies are never logged.

pub mod dls;
pub mod notices;
pub mod residency;
pub mod upstream;

use std::sync::Arc;

pub mod purge;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use membership_domain::calendar::CalendarDate;
use membership_domain::identity::{Gender, Method, PersonName};
use serde::Deserialize;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use unicode_normalization::UnicodeNormalization;

use crate::clock::{AdjustableClock, Clock};
use crate::http::extract::ApiJson;
use crate::http::problem::Problem;
use crate::identity_results::{ResultPayload, SignedResults};
use crate::keys::{hex, random_id, SecretKey};

#[derive(Clone)]
pub struct Simulators {
    pub provider: Arc<SignedResults>,
    pub clock: Arc<AdjustableClock>,
    /// The provider's site key for default DIs.
    pub di_key: SecretKey,
    pub residents: Arc<residency::Residents>,
    pub dls_accounts: Arc<dls::DlsAccounts>,
    pub faults: Arc<upstream::Faults>,
}

impl Simulators {
    /// The DI a provider gives when the caller names none: the same person (NFC name, birth date)
    /// gets the same DI by phone or by I-PIN.
    pub fn default_di(&self, name: &str, birth_date: &str) -> String {
        let name: String = name.trim().nfc().collect();
        hex(&self.di_key.hmac(&[b"di", name.as_bytes(), birth_date.as_bytes()]))
    }

    pub fn routes(self) -> Router {
        Router::new()
            .route("/_sim/identity-results", post(mint_identity_result))
            .route("/_sim/clock", post(advance_clock))
            .route("/_sim/residents", post(residency::register_resident))
            .route("/_sim/dls-accounts", post(dls::register_account))
            .route("/_sim/faults", post(upstream::set_fault))
            .route(&format!("{}/verify", residency::BASE_PATH), post(residency::verify))
            .route(&format!("{}/verify", dls::BASE_PATH), post(dls::verify))
            .with_state(self)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IdentityResultBody {
    method: Method,
    name: String,
    birth_date: String,
    #[serde(default)]
    gender: Option<Gender>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    di: Option<String>,
}

async fn mint_identity_result(
    State(sim): State<Simulators>,
    ApiJson(body): ApiJson<IdentityResultBody>,
) -> Result<axum::response::Response, Problem> {
    if let Err(refused) = sim.faults.admit_identity().await {
        return Ok(refused);
    }
    let name = PersonName::parse(&body.name).map_err(|code| Problem::validation("/name", code))?;
    let birth_date = CalendarDate::parse(&body.birth_date).map_err(|code| Problem::validation("/birthDate", code))?;
    let di = match body.di {
        Some(di) if !di.is_empty() && di.len() <= 128 => di,
        Some(_) => return Err(Problem::validation("/di", "invalid_format")),
        None => sim.default_di(name.as_str(), &birth_date.to_string()),
    };
    let payload = ResultPayload {
        tx_id: random_id(),
        method: body.method,
        name: name.as_str().to_owned(),
        birth_date: birth_date.to_string(),
        gender: body.gender,
        phone: body.phone,
        di,
        issued_at: sim.clock.now().unix_timestamp(),
    };
    Ok((StatusCode::CREATED, Json(json!({ "result": sim.provider.sign(&payload) }))).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockBody {
    advance_seconds: i64,
}

async fn advance_clock(
    State(sim): State<Simulators>,
    ApiJson(body): ApiJson<ClockBody>,
) -> Result<impl IntoResponse, Problem> {
    // Bounded (0 to a century a step, never past year 9000), so no rule's date arithmetic overflows.
    let now =
        sim.clock.advance(body.advance_seconds).map_err(|_| Problem::validation("/advanceSeconds", "out_of_range"))?;
    Ok(Json(json!({ "now": now.format(&Rfc3339).unwrap_or_default() })))
}
