//! Identity-provider results (phone / I-PIN): a signed statement of who verified, valid ten minutes
//! and once. The provider signs with a key the service shares; the same codec mints results in the
//! local simulator, so the verifier under test is the one production runs.
//!
//! Wire form: `base64url(json payload) "." base64url(HMAC-SHA256(key, "idres.v1", payload))`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use membership_domain::calendar::CalendarDate;
use membership_domain::identity::{Di, Gender, Method, PersonName, VerifiedIdentity};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use std::sync::Arc;

use crate::secrets::KeyRing;

const CONTEXT: &[u8] = b"idres.v1";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResultPayload {
    pub tx_id: String,
    pub method: Method,
    pub name: String,
    pub birth_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub di: String,
    /// Epoch seconds.
    pub issued_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("identity result is not a valid result of this method")]
pub struct InvalidResult;

/// Checks what the provider vouches for; freshness and single use are the caller's to check, in the
/// order the contract gives (invalid, then replayed, then expired).
pub trait IdentityProvider: Send + Sync + 'static {
    fn verify(&self, method: Method, result: &str) -> Result<VerifiedIdentity, InvalidResult>;
}

pub struct SignedResults {
    keys: Arc<KeyRing>,
}

impl SignedResults {
    pub fn new(keys: Arc<KeyRing>) -> Self {
        Self { keys }
    }

    pub fn sign(&self, payload: &ResultPayload) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap_or_default());
        let tag = self.keys.current().identity_result.hmac(&[CONTEXT, body.as_bytes()]);
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag))
    }
}

impl IdentityProvider for SignedResults {
    fn verify(&self, method: Method, result: &str) -> Result<VerifiedIdentity, InvalidResult> {
        if result.len() > 4096 {
            return Err(InvalidResult);
        }
        let (body, tag) = result.split_once('.').ok_or(InvalidResult)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| InvalidResult)?;
        if !self.keys.current().identity_result.verify_hmac(&[CONTEXT, body.as_bytes()], &tag) {
            return Err(InvalidResult);
        }
        let json = URL_SAFE_NO_PAD.decode(body).map_err(|_| InvalidResult)?;
        let payload: ResultPayload = serde_json::from_slice(&json).map_err(|_| InvalidResult)?;
        if payload.method != method {
            return Err(InvalidResult);
        }
        Ok(VerifiedIdentity {
            transaction_id: payload.tx_id,
            method: payload.method,
            name: PersonName::parse(&payload.name).map_err(|_| InvalidResult)?,
            birth_date: CalendarDate::parse(&payload.birth_date).map_err(|_| InvalidResult)?,
            gender: payload.gender,
            di: Di::new(payload.di).map_err(|_| InvalidResult)?,
            issued_at: OffsetDateTime::from_unix_timestamp(payload.issued_at).map_err(|_| InvalidResult)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Keys;

    fn provider() -> SignedResults {
        SignedResults::new(Arc::new(KeyRing::fixed(Keys::random())))
    }

    fn payload(method: Method) -> ResultPayload {
        ResultPayload {
            tx_id: "tx-1".into(),
            method,
            name: "김하늘".into(),
            birth_date: "1990-05-17".into(),
            gender: Some(Gender::Female),
            phone: None,
            di: "di-value".into(),
            issued_at: 1_790_000_000,
        }
    }

    #[test]
    fn a_signed_result_verifies_for_its_method_only() {
        let provider = provider();
        let result = provider.sign(&payload(Method::Phone));
        let verified = provider.verify(Method::Phone, &result).unwrap();
        assert_eq!(verified.name.as_str(), "김하늘");
        assert_eq!(verified.birth_date.to_string(), "1990-05-17");
        assert_eq!(provider.verify(Method::Ipin, &result).unwrap_err(), InvalidResult);
    }

    #[test]
    fn another_key_or_a_changed_byte_is_refused() {
        let provider = provider();
        let result = provider.sign(&payload(Method::Ipin));
        let stranger = super::tests::provider();
        assert!(stranger.verify(Method::Ipin, &result).is_err());
        let mut tampered = result.into_bytes();
        tampered[3] ^= 1;
        let tampered = String::from_utf8_lossy(&tampered).into_owned();
        assert!(provider.verify(Method::Ipin, &tampered).is_err());
        assert!(provider.verify(Method::Ipin, "garbage").is_err());
    }
}
