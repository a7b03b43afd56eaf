//! What the simulated upstream systems share on their upstream-facing side: the API key check, the
//! shape of their refusals, and faults on demand (`POST /_sim/faults`) so a local run can see the
//! service answer 503 when a system is down or slow.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::Simulators;
use membership::http::extract::ApiJson;
use membership::upstream::{System, API_KEY_HEADER};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultMode {
    /// Answers as the real system would.
    Ok,
    /// Hangs longer than the adapter waits, then answers 504 (if anyone still listens).
    Timeout,
    /// Answers 500 at once.
    Error,
}

/// The systems `POST /_sim/faults` can make misbehave: the residency registry, DLS, and the identity
/// provider's server calls (an identity request then answers 503).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimulatedSystem {
    Identity,
    Residency,
    Dls,
    /// The mail sender (SES) and the SMS provider the notifier sends through.
    Mail,
    Sms,
}

impl From<System> for SimulatedSystem {
    fn from(system: System) -> Self {
        match system {
            System::Residency => SimulatedSystem::Residency,
            System::Dls => SimulatedSystem::Dls,
            System::Identity => SimulatedSystem::Identity,
        }
    }
}

/// How each simulated system misbehaves, until set back to `ok`.
pub struct Faults {
    modes: Mutex<HashMap<SimulatedSystem, FaultMode>>,
    hang: Duration,
}

impl Faults {
    /// `hang` is how long `timeout` keeps a request waiting: longer than the adapters' timeout.
    pub fn new(hang: Duration) -> Self {
        Self { modes: Mutex::new(HashMap::new()), hang }
    }

    pub fn hang(&self) -> Duration {
        self.hang
    }

    pub fn set(&self, system: SimulatedSystem, mode: FaultMode) {
        self.modes.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(system, mode);
    }

    pub fn mode(&self, system: impl Into<SimulatedSystem>) -> FaultMode {
        let modes = self.modes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        modes.get(&system.into()).copied().unwrap_or(FaultMode::Ok)
    }

    /// A system up lets the request through; one down answers 500 at once, one slow hangs longer
    /// than the adapter waits.
    pub(super) async fn admit_system(&self, system: SimulatedSystem) -> Result<(), Response> {
        match self.mode(system) {
            FaultMode::Ok => Ok(()),
            FaultMode::Error => Err(refusal(StatusCode::INTERNAL_SERVER_ERROR, "internal")),
            FaultMode::Timeout => {
                tokio::time::sleep(self.hang).await;
                Err(refusal(StatusCode::GATEWAY_TIMEOUT, "timeout"))
            }
        }
    }

    /// Lets a request to `system` through when it is up and carries `expected` as its API key;
    /// otherwise the answer the system gives instead. A hang ends early when the client goes away
    /// and the server drops the request.
    pub(super) async fn admit(
        &self,
        system: System,
        expected: &SecretString,
        headers: &HeaderMap,
    ) -> Result<(), Response> {
        self.admit_system(system.into()).await?;
        let presented = headers.get(API_KEY_HEADER).map(|value| value.as_bytes()).unwrap_or_default();
        if bool::from(presented.ct_eq(expected.expose_secret().as_bytes())) {
            Ok(())
        } else {
            Err(refusal(StatusCode::UNAUTHORIZED, "invalid_api_key"))
        }
    }
}

/// A refusal as the upstream systems give it: `{ "error": "<code>" }`.
pub(super) fn refusal(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({ "error": code }))).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FaultBody {
    system: SimulatedSystem,
    mode: FaultMode,
}

/// `POST /_sim/faults` `{ "system": "identity" | "residency" | "dls" | "mail" | "sms", "mode": "ok" | "timeout" | "error" }`
/// → 204.
pub(super) async fn set_fault(State(sim): State<Simulators>, ApiJson(body): ApiJson<FaultBody>) -> StatusCode {
    sim.faults.set(body.system, body.mode);
    StatusCode::NO_CONTENT
}
