//! The ID-token signer deployed: an asymmetric AWS KMS key (`ECC_NIST_P256`, `SIGN_VERIFY`) that never
//! leaves KMS. `Sign` with `MessageType=RAW` and `ECDSA_SHA_256` hashes and signs the JWS signing
//! input; its DER signature becomes JWS `r ‖ s` through `p256`. The public keys come from
//! `GetPublicKey` once per key and process (a key's public half never changes). Rotation: the new key
//! signs, the previous one (`previous`) stays in the JWKS until the tokens it signed have expired.

use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{MessageType, SigningAlgorithmSpec};
use p256::ecdsa::Signature;
use p256::pkcs8::DecodePublicKey;
use p256::PublicKey;
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::signing::{IdTokenSigner, PublicJwk, SigningError};

pub struct KmsSigner {
    client: aws_sdk_kms::Client,
    current: KmsKey,
    previous: Option<KmsKey>,
}

struct KmsKey {
    key_id: String,
    /// The public key and its `kid`, fetched on first use.
    public: OnceCell<(String, PublicKey)>,
}

impl KmsKey {
    fn new(key_id: String) -> Self {
        Self { key_id, public: OnceCell::new() }
    }
}

impl KmsSigner {
    /// `key_id` signs (a key id, ARN or alias); `previous`, if any, is only published.
    pub fn new(client: aws_sdk_kms::Client, key_id: String, previous: Option<String>) -> Self {
        Self { client, current: KmsKey::new(key_id), previous: previous.map(KmsKey::new) }
    }

    async fn public(&self, key: &KmsKey) -> Result<(String, PublicKey), SigningError> {
        key.public
            .get_or_try_init(|| async {
                let answer = self
                    .client
                    .get_public_key()
                    .key_id(&key.key_id)
                    .send()
                    .await
                    .map_err(|e| SigningError::Upstream(Box::new(e)))?;
                let der = answer.public_key().ok_or(SigningError::Malformed)?;
                let public = PublicKey::from_public_key_der(der.as_ref()).map_err(|_| SigningError::Malformed)?;
                Ok((kid_of(der.as_ref()), public))
            })
            .await
            .cloned()
    }
}

/// A key's `kid`: the start of the SHA-256 of its public key (SubjectPublicKeyInfo, DER), so the
/// JWKS names no account, region or key id.
fn kid_of(spki_der: &[u8]) -> String {
    crate::keys::hex(&Sha256::digest(spki_der))[..16].to_owned()
}

/// A DER-encoded ECDSA signature (what KMS answers) as JWS `r ‖ s`.
pub fn jws_signature(der: &[u8]) -> Result<[u8; 64], SigningError> {
    let signature = Signature::from_der(der).map_err(|_| SigningError::Malformed)?;
    Ok(signature.to_bytes().into())
}

#[async_trait]
impl IdTokenSigner for KmsSigner {
    async fn current_kid(&self) -> Result<String, SigningError> {
        Ok(self.public(&self.current).await?.0)
    }

    async fn sign(&self, message: &[u8]) -> Result<[u8; 64], SigningError> {
        let answer = self
            .client
            .sign()
            .key_id(&self.current.key_id)
            .message(Blob::new(message))
            .message_type(MessageType::Raw)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(|e| SigningError::Upstream(Box::new(e)))?;
        jws_signature(answer.signature().ok_or(SigningError::Malformed)?.as_ref())
    }

    async fn public_keys(&self) -> Result<Vec<PublicJwk>, SigningError> {
        let mut keys = Vec::new();
        for key in std::iter::once(&self.current).chain(self.previous.as_ref()) {
            let (kid, public) = self.public(key).await?;
            keys.push(PublicJwk::new(kid, &public));
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::{Signer, Verifier};
    use p256::ecdsa::SigningKey;

    #[test]
    fn a_der_signature_becomes_the_64_bytes_that_verify() {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let signature: Signature = key.sign(b"message");
        let jws = jws_signature(signature.to_der().as_bytes()).unwrap();
        let back = Signature::from_slice(&jws).unwrap();
        assert!(key.verifying_key().verify(b"message", &back).is_ok());
        assert!(jws_signature(b"not der").is_err());
    }
}
