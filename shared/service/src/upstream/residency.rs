//! The residency registry (행정정보공동이용, Ministry of the Interior and Safety): given a name and
//! an RRN, is this a registered resident, and is the registered address in Incheon?
//!
//! Wire form (the local simulator, `sim::residency`, answers the same):
//! `POST {baseUrl}/verify` with header `x-api-key: <key>` and body
//! `{ "rrn": "<13 digits>", "name": "<name>" }`; a `200` answers one of
//! - `{ "result": "matched", "region": "<lower-case region word>", "reference": "<id>" }`,
//! - `{ "result": "not_found" }` (the RRN is not registered),
//! - `{ "result": "name_mismatch" }` (registered under another name; which one is not said);
//!
//! `401 { "error": "invalid_api_key" }` refuses the key, `400 { "error": "bad_request" }` a body.
//! The region `incheon` is Incheon.

use std::time::Duration;

use async_trait::async_trait;
use membership_domain::identity::PersonName;
use membership_domain::rrn::Rrn;
use serde::{Deserialize, Serialize};

use super::client::JsonCall;
use super::{Cause, System, UpstreamConfigError, UpstreamEndpoint, UpstreamError};

/// The region word of Incheon Metropolitan City in the registry's answers.
pub const INCHEON: &str = "incheon";

/// What the registry says of a name and an RRN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidencyAnswer {
    /// The RRN is not registered, or registered under another name: the contract answers both
    /// with `certification.identity_mismatch`, so they are one answer here.
    Unknown,
    /// Registered under this name; `reference` is the registry's id of this check, kept with the
    /// certification outcome.
    Resident { in_incheon: bool, reference: String },
}

#[async_trait]
pub trait ResidencyRegistry: Send + Sync + 'static {
    async fn check(&self, name: &PersonName, rrn: &Rrn) -> Result<ResidencyAnswer, UpstreamError>;
}

pub struct HttpResidencyRegistry {
    call: JsonCall,
}

impl HttpResidencyRegistry {
    pub fn new(endpoint: &UpstreamEndpoint, timeout: Duration) -> Result<Self, UpstreamConfigError> {
        Ok(Self { call: JsonCall::new(System::Residency, endpoint, "verify", timeout)? })
    }
}

#[derive(Serialize)]
struct Query<'a> {
    rrn: &'a str,
    name: &'a str,
}

#[derive(Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
enum Verdict {
    Matched { region: String, reference: String },
    NotFound,
    NameMismatch,
}

#[async_trait]
impl ResidencyRegistry for HttpResidencyRegistry {
    async fn check(&self, name: &PersonName, rrn: &Rrn) -> Result<ResidencyAnswer, UpstreamError> {
        let query = Query { rrn: rrn.expose_digits(), name: name.as_str() };
        match self.call.post(&query).await? {
            Verdict::Matched { region, reference } => {
                if region.is_empty() || !valid_reference(&reference) {
                    return Err(UpstreamError::unavailable(System::Residency, Cause::Malformed));
                }
                Ok(ResidencyAnswer::Resident { in_incheon: region == INCHEON, reference })
            }
            Verdict::NotFound | Verdict::NameMismatch => Ok(ResidencyAnswer::Unknown),
        }
    }
}

/// A reference is stored with the outcome: a short printable id, or the answer is not usable.
pub(crate) fn valid_reference(reference: &str) -> bool {
    !reference.is_empty() && reference.len() <= 128 && reference.bytes().all(|b| b.is_ascii_graphic())
}
