//! Simulated upstream systems for the local server (never deployed): the identity provider
//! ([`nice`]), the residency registry ([`residency`]), DLS ([`dls`]), their faults on
//! demand ([`upstream`]), and the clock. Their state lives in memory, never in the service's table,
//! and their request bodies are never logged.

pub mod dls;
pub mod nice;
pub mod notices;
pub mod residency;
pub mod upstream;

use std::sync::Arc;

pub mod purge;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use unicode_normalization::UnicodeNormalization;

use membership::clock::AdjustableClock;
use membership::http::extract::ApiJson;
use membership::http::problem::Problem;
use membership::keys::{hex, SecretKey};

#[derive(Clone)]
pub struct Simulators {
    pub nice: Arc<nice::NiceProvider>,
    pub clock: Arc<AdjustableClock>,
    /// The provider's site key for default DIs (and CIs).
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
            .merge(nice::routes())
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
