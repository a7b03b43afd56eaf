//! The port ID tokens are signed through: ES256 (ECDSA on P-256 with SHA-256, RFC 7518 §3.4), the
//! signature as JWS wants it (`r ‖ s`, 64 bytes). Deployed, the key never leaves AWS KMS
//! (`kms::KmsSigner`); local runs draw a key at start ([`LocalSigner`]). Either publishes its public
//! keys, each under its `kid`, for the JWKS; the previous key stays published while tokens it signed
//! can live.

use async_trait::async_trait;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::PublicKey;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("no signing key is configured")]
    Unconfigured,
    #[error("the signing service failed")]
    Upstream(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the signing service answered something that is no P-256 key or signature")]
    Malformed,
}

#[async_trait]
pub trait IdTokenSigner: Send + Sync + 'static {
    /// The `kid` of the key that signs now.
    async fn current_kid(&self) -> Result<String, SigningError>;

    /// The ES256 signature (`r ‖ s`) of `message` by the current key.
    async fn sign(&self, message: &[u8]) -> Result<[u8; 64], SigningError>;

    /// Every public key a live token may have been signed with, the current one first.
    async fn public_keys(&self) -> Result<Vec<PublicJwk>, SigningError>;
}

/// One key of the JWKS (RFC 7517/7518): an EC P-256 public key for ES256 signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicJwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub x: String,
    pub y: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub key_use: &'static str,
    pub alg: &'static str,
}

impl PublicJwk {
    pub fn new(kid: String, key: &PublicKey) -> Self {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let point = key.to_encoded_point(false);
        // An uncompressed point of a valid public key always has both coordinates.
        let coordinate = |c: Option<&p256::FieldBytes>| c.map(|c| URL_SAFE_NO_PAD.encode(c)).unwrap_or_default();
        Self {
            kty: "EC",
            crv: "P-256",
            x: coordinate(point.x()),
            y: coordinate(point.y()),
            kid,
            key_use: "sig",
            alg: "ES256",
        }
    }
}

/// The key of a local run: drawn at start, gone at exit (tokens of an earlier run do not verify).
pub struct LocalSigner {
    kid: String,
    key: SigningKey,
}

impl LocalSigner {
    pub fn random() -> Self {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        Self { kid: format!("local-{}", &crate::keys::random_token()[..12]), key }
    }
}

#[async_trait]
impl IdTokenSigner for LocalSigner {
    async fn current_kid(&self) -> Result<String, SigningError> {
        Ok(self.kid.clone())
    }

    async fn sign(&self, message: &[u8]) -> Result<[u8; 64], SigningError> {
        let signature: Signature = self.key.sign(message);
        Ok(signature.to_bytes().into())
    }

    async fn public_keys(&self) -> Result<Vec<PublicJwk>, SigningError> {
        Ok(vec![PublicJwk::new(self.kid.clone(), &PublicKey::from(self.key.verifying_key()))])
    }
}

/// The signer of functions that never sign.
pub(crate) struct NoSigner;

#[async_trait]
impl IdTokenSigner for NoSigner {
    async fn current_kid(&self) -> Result<String, SigningError> {
        Err(SigningError::Unconfigured)
    }

    async fn sign(&self, _message: &[u8]) -> Result<[u8; 64], SigningError> {
        Err(SigningError::Unconfigured)
    }

    async fn public_keys(&self) -> Result<Vec<PublicJwk>, SigningError> {
        Ok(Vec::new())
    }
}

/// A compact JWS (RFC 7515) of `claims` signed with ES256 by `signer`'s current key.
pub async fn sign_jwt<T: Serialize>(signer: &dyn IdTokenSigner, claims: &T) -> Result<String, SigningError> {
    #[derive(Serialize)]
    struct Header<'a> {
        alg: &'static str,
        typ: &'static str,
        kid: &'a str,
    }
    let kid = signer.current_kid().await?;
    let header =
        serde_json::to_vec(&Header { alg: "ES256", typ: "JWT", kid: &kid }).map_err(|_| SigningError::Malformed)?;
    let payload = serde_json::to_vec(claims).map_err(|_| SigningError::Malformed)?;
    let signing_input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let signature = signer.sign(signing_input.as_bytes()).await?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// The payload of a compact JWS whose ES256 signature verifies under one of `keys` (by `kid`);
/// expiry and audience are the caller's to check.
pub fn verified_payload(token: &str, keys: &[PublicJwk]) -> Option<serde_json::Value> {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::VerifyingKey;
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "ES256" {
        return None;
    }
    let kid = header.get("kid")?.as_str()?;
    let jwk = keys.iter().find(|k| k.kid == kid)?;
    let mut point = vec![0x04];
    point.extend(URL_SAFE_NO_PAD.decode(&jwk.x).ok()?);
    point.extend(URL_SAFE_NO_PAD.decode(&jwk.y).ok()?);
    let key = VerifyingKey::from_sec1_bytes(&point).ok()?;
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?).ok()?;
    let signing_input = &token[..header_and_payload_len(token)?];
    key.verify(signing_input.as_bytes(), &signature).ok()?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

fn header_and_payload_len(token: &str) -> Option<usize> {
    token.rfind('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_verifies_under_its_key_only_and_unaltered() {
        let signer = LocalSigner::random();
        let token = sign_jwt(&signer, &serde_json::json!({ "sub": "a" })).await.unwrap();
        let keys = signer.public_keys().await.unwrap();
        assert_eq!(verified_payload(&token, &keys).unwrap()["sub"], "a");
        let other = LocalSigner::random().public_keys().await.unwrap();
        assert!(verified_payload(&token, &other).is_none());
        let (input, signature) = token.rsplit_once('.').unwrap();
        let forged_payload = format!("{}.{}", URL_SAFE_NO_PAD.encode(br#"{"sub":"b"}"#), signature);
        let forged = format!("{}.{forged_payload}", input.split('.').next().unwrap());
        assert!(verified_payload(&forged, &keys).is_none());
    }
}
