//! Identity verification (본인확인) by a 본인확인기관, as a port: the service opens a request with the
//! provider for one purpose, the person verifies in the provider's window, and the provider's
//! encrypted result comes back through the client. [`nice`] is the adapter for NICE평가정보's NICE
//! API (통합형 phone and I-PIN); another provider (KCB, PASS) is another adapter of the same port.

pub mod nice;
pub mod protocol;

use async_trait::async_trait;
use membership_domain::calendar::CalendarDate;
use membership_domain::identity::{Di, Gender, Method, PersonName};
use serde::{Deserialize, Serialize};

pub use self::protocol::{RequestKeys, Undecipherable};
use crate::upstream::UpstreamError;

/// What a verification is for; a result serves only the purpose (and owner) of its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    Signup,
    Recovery,
    Guardian,
    Upgrade,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Signup => "signup",
            Purpose::Recovery => "recovery",
            Purpose::Guardian => "guardian",
            Purpose::Upgrade => "upgrade",
        }
    }
}

/// A request as the service numbers it: `req_no` (at most 30 characters) and `req_dtim`
/// (`YYYYMMDDHHmmss`, Asia/Seoul) go into the keys; the provider sends the person back to
/// `return_url`.
pub struct RequestSpec<'a> {
    pub method: Method,
    pub req_dtim: &'a str,
    pub req_no: &'a str,
    pub return_url: &'a str,
}

/// A request the provider accepted: what the client posts to the provider's window, and the keys
/// its result will be read with.
pub struct OpenedRequest {
    pub token_version_id: String,
    pub window_url: String,
    pub enc_data: String,
    pub integrity_value: String,
    pub keys: RequestKeys,
}

/// The person a successful result vouches for.
#[derive(Debug, Clone)]
pub struct VerifiedPerson {
    pub name: PersonName,
    pub birth_date: CalendarDate,
    pub gender: Option<Gender>,
    pub di: Di,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Verified(VerifiedPerson),
    /// The person cancelled, or failed, at the provider.
    Failed,
}

/// A result that verified and decrypted with its request's keys.
#[derive(Debug, Clone)]
pub struct ProviderResult {
    /// The request number the provider echoes: it must be the request's own.
    pub request_no: String,
    pub outcome: Outcome,
}

#[async_trait]
pub trait IdentityProvider: Send + Sync + 'static {
    /// Asks the provider for a request (its server calls); unavailable when it fails or is slow.
    async fn open_request(&self, spec: &RequestSpec<'_>) -> Result<OpenedRequest, UpstreamError>;

    /// Reads a result with its request's keys, without calling the provider.
    fn read_result(
        &self,
        method: Method,
        keys: &RequestKeys,
        enc_data: &str,
        integrity_value: &str,
    ) -> Result<ProviderResult, Undecipherable>;
}
