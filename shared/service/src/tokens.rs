//! Access and refresh tokens for web and mobile clients.
//!
//! Access tokens are HS256 JWTs of 30 minutes naming the member, the session and the member's
//! credential epoch; expiry is checked against the service's clock, and the session and epoch
//! against the store on every use, so sign-out and password changes revoke them at once.
//! Refresh tokens are `<session>.<generation>.<HMAC of both under the signing key>`, stored only as
//! a hash; each use rotates them, and presenting an older generation again revokes the whole session
//! (OAuth 2.0 Security BCP, refresh token rotation with reuse detection). The MAC lets an older
//! generation be told genuine without keeping every generation's hash: a token whose MAC does not
//! verify never touches its session, so knowing a session id (it is in every access token) is not
//! enough to revoke it.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::keys::SecretKey;

pub const ACCESS_LIFETIME: Duration = Duration::minutes(30);
pub const REFRESH_LIFETIME: Duration = Duration::days(14);
pub const SESSION_LIFETIME: Duration = Duration::days(30);

/// What an access token lets its holder do: everything of its own member, or, for a dormant
/// member, only reading, exporting, renewing consent and withdrawing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Member,
    Dormant,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The member id.
    pub sub: String,
    /// The session id.
    pub sid: String,
    /// The member's credential epoch when the token was issued.
    pub ep: u32,
    pub scope: Scope,
    pub iat: i64,
    pub exp: i64,
}

/// A signed access token; an error rather than an empty token if it cannot be made.
pub fn issue_access(key: &SecretKey, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
    hs256::install();
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(key.expose()))
}

/// The claims of a token this service signed and that has not expired at `now`.
pub fn verify_access(key: &SecretKey, token: &str, now: OffsetDateTime) -> Option<AccessClaims> {
    hs256::install();
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry follows the service's clock, not the machine's: checked below.
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims =
        jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(key.expose()), &validation).ok()?.claims;
    (now.unix_timestamp() < claims.exp).then_some(claims)
}

/// jsonwebtoken's cryptography for the one algorithm the service signs with, HS256, on the
/// service's own `hmac` and `sha2` (the crate's built-in backends would link aws-lc, or RSA,
/// P-256/384 and Ed25519 code that nothing here uses). Any other algorithm is refused.
mod hs256 {
    use hmac::{Hmac, Mac};
    use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
    use jsonwebtoken::errors::{Error, ErrorKind};
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
    use sha2::Sha256;

    type HmacSha256 = Hmac<Sha256>;

    struct Hs256(HmacSha256);

    impl Hs256 {
        fn new(algorithm: &Algorithm, secret: Result<&[u8], Error>) -> Result<Self, Error> {
            if *algorithm != Algorithm::HS256 {
                return Err(ErrorKind::InvalidAlgorithm.into());
            }
            HmacSha256::new_from_slice(secret?).map(Self).map_err(|_| ErrorKind::InvalidKeyFormat.into())
        }
    }

    impl signature::Signer<Vec<u8>> for Hs256 {
        fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
            let mut mac = self.0.clone();
            mac.update(message);
            Ok(mac.finalize().into_bytes().to_vec())
        }
    }

    impl signature::Verifier<Vec<u8>> for Hs256 {
        fn verify(&self, message: &[u8], tag: &Vec<u8>) -> Result<(), signature::Error> {
            let mut mac = self.0.clone();
            mac.update(message);
            mac.verify_slice(tag).map_err(signature::Error::from_source)
        }
    }

    impl JwtSigner for Hs256 {
        fn algorithm(&self) -> Algorithm {
            Algorithm::HS256
        }
    }

    impl JwtVerifier for Hs256 {
        fn algorithm(&self) -> Algorithm {
            Algorithm::HS256
        }
    }

    static PROVIDER: CryptoProvider = CryptoProvider {
        signer_factory: |algorithm: &Algorithm, key: &EncodingKey| {
            Ok(Box::new(Hs256::new(algorithm, key.try_get_hmac_secret())?) as Box<dyn JwtSigner>)
        },
        verifier_factory: |algorithm: &Algorithm, key: &DecodingKey| {
            Ok(Box::new(Hs256::new(algorithm, key.try_get_hmac_secret())?) as Box<dyn JwtVerifier>)
        },
        jwk_utils: JwkUtils::new_unimplemented(),
    };

    /// Makes this the process's provider, once (jsonwebtoken has no other without a backend feature).
    pub(super) fn install() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let _ = PROVIDER.install_default();
        });
    }
}

/// A refresh token as presented: which session, which generation, and its secret part.
pub struct PresentedRefresh {
    pub session_id: String,
    pub generation: u32,
    pub token: String,
    secret: String,
}

impl PresentedRefresh {
    pub fn parse(token: &str) -> Option<Self> {
        let mut parts = token.splitn(3, '.');
        let session_id = parts.next().filter(|s| !s.is_empty() && s.len() <= 64)?.to_owned();
        let generation = parts.next()?.parse().ok()?;
        let secret = parts.next().filter(|s| !s.is_empty() && s.len() <= 128)?.to_owned();
        Some(Self { session_id, generation, token: token.to_owned(), secret })
    }

    /// Whether the service issued this token (of any generation) with `key`.
    pub fn is_signed_by(&self, key: &SecretKey) -> bool {
        URL_SAFE_NO_PAD.decode(&self.secret).is_ok_and(|tag| {
            key.verify_hmac(&[REFRESH, self.session_id.as_bytes(), &self.generation.to_be_bytes()], &tag)
        })
    }
}

const REFRESH: &[u8] = b"refresh";

/// The refresh token of `generation` for `session_id` (the session id is 128 random bits).
pub fn new_refresh(key: &SecretKey, session_id: &str, generation: u32) -> String {
    let tag = key.hmac(&[REFRESH, session_id.as_bytes(), &generation.to_be_bytes()]);
    format!("{session_id}.{generation}.{}", URL_SAFE_NO_PAD.encode(tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn claims(now: OffsetDateTime) -> AccessClaims {
        AccessClaims {
            sub: "m".into(),
            sid: "s".into(),
            ep: 0,
            scope: Scope::Member,
            iat: now.unix_timestamp(),
            exp: (now + ACCESS_LIFETIME).unix_timestamp(),
        }
    }

    #[test]
    fn access_tokens_verify_until_they_expire_and_only_with_their_key() {
        let key = SecretKey::random();
        let now = datetime!(2026-11-22 06:00:00 UTC);
        let token = issue_access(&key, &claims(now)).unwrap();
        assert!(verify_access(&key, &token, now + Duration::minutes(29)).is_some());
        assert!(verify_access(&key, &token, now + ACCESS_LIFETIME).is_none());
        assert!(verify_access(&SecretKey::random(), &token, now).is_none());
        assert!(verify_access(&key, &format!("{token}x"), now).is_none());
    }

    #[test]
    fn a_token_of_another_algorithm_is_refused() {
        let key = SecretKey::random();
        let now = datetime!(2026-11-22 06:00:00 UTC);
        let token = issue_access(&key, &claims(now)).unwrap();
        let (_, rest) = token.split_once('.').unwrap();
        for header in
            [r#"{"alg":"none","typ":"JWT"}"#, r#"{"alg":"HS512","typ":"JWT"}"#, r#"{"alg":"ES256","typ":"JWT"}"#]
        {
            let forged = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(header));
            assert!(verify_access(&key, &forged, now).is_none(), "{header}");
        }
        // The same claims and the same HMAC-SHA256 tag computed here, not by the token code: the
        // HS256 backend is the standard one.
        let (signing_input, tag) = token.rsplit_once('.').unwrap();
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.expose()).unwrap();
        mac.update(signing_input.as_bytes());
        assert_eq!(URL_SAFE_NO_PAD.decode(tag).unwrap(), mac.finalize().into_bytes().to_vec());
    }

    #[test]
    fn refresh_tokens_name_session_and_generation() {
        let key = SecretKey::random();
        let token = new_refresh(&key, "session-1", 3);
        let parsed = PresentedRefresh::parse(&token).unwrap();
        assert_eq!((parsed.session_id.as_str(), parsed.generation), ("session-1", 3));
        assert!(parsed.is_signed_by(&key));
        assert!(!parsed.is_signed_by(&SecretKey::random()));
        let other_generation = token.replacen(".3.", ".2.", 1);
        assert!(!PresentedRefresh::parse(&other_generation).unwrap().is_signed_by(&key));
        assert!(!PresentedRefresh::parse("session-1.3.forged").unwrap().is_signed_by(&key));
        assert!(PresentedRefresh::parse("no-dots").is_none());
        assert!(PresentedRefresh::parse("s.x.secret").is_none());
    }
}
