//! Identity verification (본인확인): a request opened with the provider for one purpose and one
//! owner, and its result used up the same way wherever one is presented (sign-up, recovery,
//! guardian consent, upgrade): not a result of such a request, used before, too old, not a success
//! — in that order; from then on the request counts as used, whatever follows. Where what follows
//! succeeds, the request is marked used in the same transaction as its effect, so a fault leaves
//! both undone.

use membership_domain::identity::{Method, VerifiedIdentity, RESULT_LIFETIME};
use rand::distributions::Alphanumeric;
use rand::Rng;
use time::OffsetDateTime;

use super::{Failure, Service};
use crate::identity::{Outcome, Purpose, RequestKeys, RequestSpec};
use crate::keys::random_id;
use crate::records::{IdentityRequestRecord, Refusal, Transaction};
use crate::store::{StoreError, Write};

/// What the sealed keys of a request are sealed for (the key derivation's context).
const SEALED_KEYS: &[u8] = b"identity-request-keys";

/// The path of the return page the provider sends the person back to.
pub const RETURN_PATH: &str = "/v1/identity/return";

/// The web origins that may ask for a verification (the template's `AllowedOrigins`; the local
/// server's own), and where the provider sends the person back.
#[derive(Debug, Clone, Default)]
pub struct ClientOrigins {
    allowed: Vec<String>,
    return_page: ReturnPage,
}

/// Where the return page is served.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReturnPage {
    /// Behind API Gateway: at the domain the request reached (API Gateway's, not the client's word).
    #[default]
    ApiDomain,
    /// The local server, which serves the web client itself: at the client's origin.
    ClientOrigin,
}

impl ClientOrigins {
    /// Each of `allowed` must be a web origin as a browser names it (`https://host[:port]`, or plain
    /// `http` to a loopback host): the return page posts a result to exactly that origin, so a
    /// wildcard (`*`), `null` or anything with a path would hand results to any window.
    pub fn new(allowed: impl IntoIterator<Item = String>, return_page: ReturnPage) -> Result<Self, InvalidOrigin> {
        let mut origins = Vec::new();
        for raw in allowed {
            let raw = raw.trim().trim_end_matches('/');
            if raw.is_empty() {
                continue;
            }
            origins.push(web_origin(raw).ok_or_else(|| InvalidOrigin(raw.chars().take(100).collect()))?);
        }
        Ok(Self { allowed: origins, return_page })
    }

    /// `origin` exactly as one of the allowed.
    pub fn allows(&self, origin: &str) -> bool {
        self.allowed.iter().any(|allowed| allowed == origin)
    }

    pub fn return_page(&self) -> ReturnPage {
        self.return_page
    }
}

/// An allowed origin that is not a web origin.
#[derive(Debug, thiserror::Error)]
#[error("allowed origin {0:?} is not a web origin (https://host[:port], or http to a loopback host)")]
pub struct InvalidOrigin(String);

/// `raw` as a browser serialises an origin, if it is exactly one.
fn web_origin(raw: &str) -> Option<String> {
    let url = reqwest::Url::parse(raw).ok()?;
    let host = url.host_str().unwrap_or_default();
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let secure = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    let origin = url.origin().ascii_serialization();
    (secure && url.host().is_some() && !host.contains('*') && origin == raw).then_some(origin)
}

/// A result as the client hands it on: the three values the return page received.
pub struct IdentityForm {
    pub token_version_id: String,
    pub enc_data: String,
    pub integrity_value: String,
}

/// A request the provider accepted: what the client posts to the provider's window.
pub struct CreatedRequest {
    pub request_id: String,
    pub expires_at: OffsetDateTime,
    pub window_url: String,
    pub token_version_id: String,
    pub enc_data: String,
    pub integrity_value: String,
}

/// The label of the write marking a result used.
#[derive(Debug)]
struct ResultUsed;

/// A result that passed every check and is not yet marked used.
pub struct FreshResult {
    pub identity: VerifiedIdentity,
    marker: Write,
}

impl FreshResult {
    /// The write marking the request used, to go first in the effect's transaction.
    pub fn marker(&self) -> Write {
        self.marker.clone()
    }
}

/// A provider id as the table keys it: visible ASCII, at most 128 characters.
fn valid_token_version_id(value: &str) -> bool {
    !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic())
}

/// `YYYYMMDDHHmmss` on the Asia/Seoul clock.
fn request_date_time(now: OffsetDateTime) -> String {
    let seoul = now.to_offset(time::macros::offset!(+9));
    format!(
        "{}{:02}{:02}{:02}{:02}{:02}",
        seoul.year(),
        u8::from(seoul.month()),
        seoul.day(),
        seoul.hour(),
        seoul.minute(),
        seoul.second()
    )
}

impl Service {
    /// `POST /v1/identity/requests` once the caller is known: `owner` is the sign-up session or the
    /// member the request is for (none for a recovery), `origin` an allowed client origin, and
    /// `return_url` the service's return page.
    pub async fn request_identity(
        &self,
        purpose: Purpose,
        owner: Option<String>,
        method: Method,
        origin: &str,
        return_url: &str,
    ) -> Result<CreatedRequest, Failure> {
        let now = self.clock.now();
        let request_no: String = rand::thread_rng().sample_iter(&Alphanumeric).take(30).map(char::from).collect();
        let req_dtim = request_date_time(now);
        let spec = RequestSpec { method, req_dtim: &req_dtim, req_no: &request_no, return_url };
        let opened = self.identity.open_request(&spec).await.map_err(|error| {
            tracing::warn!(error = %error, method = method.as_str(), "identity provider unavailable");
            Failure::UpstreamUnavailable
        })?;
        let sealed_keys = self
            .keys
            .current()
            .idempotency
            .seal_for(SEALED_KEYS, &opened.keys.to_bytes())
            .map_err(|e| Failure::Internal(Box::new(e)))?;
        let record = IdentityRequestRecord {
            request_id: random_id(),
            token_version_id: opened.token_version_id,
            purpose,
            owner,
            method,
            origin: origin.to_owned(),
            request_no,
            sealed_keys,
            created_at: now,
            expires_at: now + RESULT_LIFETIME,
        };
        match self.records.create_identity_request(&record).await {
            Ok(()) => {}
            // The provider gave an id it gave before: no request can be kept under it.
            Err(StoreError::ConditionFailed { .. }) => {
                tracing::warn!("identity provider repeated a token version id");
                return Err(Failure::UpstreamUnavailable);
            }
            Err(error) => return Err(error.into()),
        }
        tracing::info!(
            request = %record.request_id,
            purpose = purpose.as_str(),
            method = method.as_str(),
            "identity request opened"
        );
        Ok(CreatedRequest {
            request_id: record.request_id,
            expires_at: record.expires_at,
            window_url: opened.window_url,
            token_version_id: record.token_version_id,
            enc_data: opened.enc_data,
            integrity_value: opened.integrity_value,
        })
    }

    /// The origin the return page may hand the result of a request to, while it is kept.
    pub async fn identity_request_origin(&self, token_version_id: &str) -> Result<Option<String>, Failure> {
        if !valid_token_version_id(token_version_id) {
            return Ok(None);
        }
        let request = self.records.identity_request(token_version_id, self.clock.now()).await?;
        Ok(request.map(|request| request.origin))
    }

    /// The checks of API.md, "Identity verification", in its order.
    pub async fn check_identity_result(
        &self,
        purpose: Purpose,
        owner: Option<&str>,
        form: &IdentityForm,
    ) -> Result<FreshResult, Failure> {
        let now = self.clock.now();
        if !valid_token_version_id(&form.token_version_id) {
            return Err(Failure::IdentityResultInvalid);
        }
        // The request and whether its result was used, read at once; checked in the contract's order.
        let (request, used) = self.records.identity_request_and_use(&form.token_version_id, now).await?;
        let request = request
            .filter(|request| request.purpose == purpose && request.owner.as_deref() == owner)
            .ok_or(Failure::IdentityResultInvalid)?;
        // Keys sealed under a key since replaced cannot be opened: the person verifies again.
        let keys = self
            .keys
            .current()
            .idempotency
            .open_for(SEALED_KEYS, &request.sealed_keys)
            .and_then(|bytes| RequestKeys::from_bytes(&zeroize::Zeroizing::new(bytes)))
            .ok_or(Failure::IdentityResultInvalid)?;
        let result = self
            .identity
            .read_result(request.method, &keys, &form.enc_data, &form.integrity_value)
            .map_err(|_| Failure::IdentityResultInvalid)?;
        if result.request_no != request.request_no {
            return Err(Failure::IdentityResultInvalid);
        }
        if used {
            return Err(Failure::IdentityResultReplayed);
        }
        if now > request.expires_at {
            return Err(Failure::IdentityResultExpired);
        }
        let Outcome::Verified(person) = result.outcome else {
            return Err(Failure::IdentityVerificationFailed);
        };
        let marker = self.records.used_result_write(&request.token_version_id, request.expires_at, now)?;
        let identity = VerifiedIdentity {
            transaction_id: request.token_version_id,
            method: request.method,
            name: person.name,
            birth_date: person.birth_date,
            gender: person.gender,
            di: person.di,
            issued_at: request.created_at,
        };
        Ok(FreshResult { identity, marker })
    }

    /// Marks the request used on its own: what follows refuses, and the request is spent all the same.
    pub async fn spend(&self, fresh: &FreshResult) -> Result<(), Failure> {
        let mut transaction = Transaction::new();
        transaction.guard(ResultUsed, fresh.marker());
        match self.records.apply(transaction).await {
            Err(Refusal::Refused(ResultUsed)) => Err(Failure::IdentityResultReplayed),
            other => Ok(other.map_err(Refusal::into_store)?),
        }
    }

    pub async fn use_identity_result(
        &self,
        purpose: Purpose,
        owner: Option<&str>,
        form: &IdentityForm,
    ) -> Result<VerifiedIdentity, Failure> {
        let fresh = self.check_identity_result(purpose, owner, form).await?;
        self.spend(&fresh).await?;
        Ok(fresh.identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_origins_are_web_origins_only() {
        let allowed = |raw: &str| ClientOrigins::new([raw.to_owned()], ReturnPage::ApiDomain).is_ok();
        for origin in
            ["https://lib.example.kr", "https://lib.example.kr:8443", "http://127.0.0.1:3000", "http://localhost:3000"]
        {
            assert!(allowed(origin), "{origin}");
        }
        for origin in [
            "*",
            "null",
            "https://*.example.kr",
            "http://lib.example.kr",
            "https://lib.example.kr/app",
            "https://user@lib.example.kr",
            "lib.example.kr",
            "https://lib.example.kr?x=1",
        ] {
            assert!(!allowed(origin), "{origin}");
        }
        let origins =
            ClientOrigins::new(["https://lib.example.kr/".to_owned(), " ".to_owned()], ReturnPage::ApiDomain).unwrap();
        assert!(origins.allows("https://lib.example.kr"));
        assert!(!origins.allows("*"));
    }

    #[test]
    fn request_date_times_are_seoul_wall_clock() {
        let at = time::macros::datetime!(2026-12-01 15:04:05 UTC);
        assert_eq!(request_date_time(at), "20261202000405");
    }
}
