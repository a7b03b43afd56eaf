//! The service's own secrets and the small pieces of cryptography built on them: random tokens,
//! token hashes and peppered claim keys. Keys print as `[redacted]` and are wiped when dropped.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretSlice};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// A symmetric key of at least 256 bits.
#[derive(Clone)]
pub struct SecretKey(SecretSlice<u8>);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key is shorter than 32 bytes")]
    TooShort,
}

impl SecretKey {
    pub fn random() -> Self {
        let mut bytes = vec![0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes.into())
    }

    /// A key as Secrets Manager generates and holds it: a string of at least 32 bytes, used as it is.
    pub fn from_text(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.len() < 32 {
            return Err(KeyError::TooShort);
        }
        Ok(Self(text.as_bytes().to_vec().into()))
    }

    /// The key's bytes, for a library that signs with them (the token signer).
    pub(crate) fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }

    pub fn hmac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = HmacSha256::new_from_slice(self.0.expose_secret()).expect("HMAC takes keys of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    pub fn verify_hmac(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        let mut mac = HmacSha256::new_from_slice(self.0.expose_secret()).expect("HMAC takes keys of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.verify_slice(tag).is_ok()
    }
}

/// The keys the service holds (DOMAIN.md, "Upstream systems and where their secrets live").
#[derive(Clone, Debug)]
pub struct Keys {
    /// Peppers the HMAC of a DI in person and child claims.
    pub di_pepper: SecretKey,
    /// Compares idempotent payloads (HMAC) and seals the responses saved for replay and the keys of
    /// identity requests.
    pub idempotency: SecretKey,
    /// Signs access tokens (HS256).
    pub token_signing: SecretKey,
}

impl Keys {
    pub fn random() -> Self {
        Self { di_pepper: SecretKey::random(), idempotency: SecretKey::random(), token_signing: SecretKey::random() }
    }

    /// The key of the audit trail's chain of MACs (`records::audit_chain`), derived from the DI
    /// pepper: whoever can write the table but not read the key ring cannot forge a link.
    pub fn audit_chain(&self) -> SecretKey {
        SecretKey(self.di_pepper.hmac(&[b"audit-chain"]).to_vec().into())
    }

    /// The claim key of a person: the HMAC of their DI, so the table never holds the DI.
    pub fn person_key(&self, di: &str) -> String {
        hex(&self.di_pepper.hmac(&[b"person", di.as_bytes()]))
    }

    /// The claim key of a child: the guardian's person key with the child's name and birth date.
    pub fn child_key(&self, guardian_key: &str, child_name: &str, birth_date: &str) -> String {
        hex(&self.di_pepper.hmac(&[b"child", guardian_key.as_bytes(), child_name.as_bytes(), birth_date.as_bytes()]))
    }
}

impl SecretKey {
    fn sealing_cipher(&self) -> aes_gcm::Aes256Gcm {
        use aes_gcm::KeyInit;
        let key = self.hmac(&[b"seal"]);
        aes_gcm::Aes256Gcm::new(&key.into())
    }

    /// A sealing key of its own for `context`, derived from this key.
    fn sealing_cipher_for(&self, context: &[u8]) -> aes_gcm::Aes256Gcm {
        use aes_gcm::KeyInit;
        let key = self.hmac(&[b"seal", context]);
        aes_gcm::Aes256Gcm::new(&key.into())
    }

    /// Encrypts and authenticates `plaintext` (AES-256-GCM, random nonce): `base64url(nonce ‖ ciphertext)`;
    /// an error, never an empty ciphertext that would not open.
    pub fn seal(&self, plaintext: &[u8]) -> Result<String, SealError> {
        seal_with(&self.sealing_cipher(), plaintext)
    }

    /// The plaintext of a sealed value, if it was sealed with this key and not altered.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        open_with(&self.sealing_cipher(), sealed)
    }

    /// As [`SecretKey::seal`], under a key derived for `context`: what is sealed for one context
    /// opens in no other.
    pub fn seal_for(&self, context: &[u8], plaintext: &[u8]) -> Result<String, SealError> {
        seal_with(&self.sealing_cipher_for(context), plaintext)
    }

    pub fn open_for(&self, context: &[u8], sealed: &str) -> Option<Vec<u8>> {
        open_with(&self.sealing_cipher_for(context), sealed)
    }
}

fn seal_with(cipher: &aes_gcm::Aes256Gcm, plaintext: &[u8]) -> Result<String, SealError> {
    use aes_gcm::aead::Aead;
    let mut nonce = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher.encrypt(&nonce.into(), plaintext).map_err(|_| SealError)?;
    Ok(URL_SAFE_NO_PAD.encode([nonce.as_slice(), &sealed].concat()))
}

fn open_with(cipher: &aes_gcm::Aes256Gcm, sealed: &str) -> Option<Vec<u8>> {
    use aes_gcm::aead::Aead;
    let bytes = URL_SAFE_NO_PAD.decode(sealed).ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    cipher.decrypt(aes_gcm::Nonce::from_slice(nonce), ciphertext).ok()
}

#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("a value could not be sealed")]
pub struct SealError;

/// A bearer token of 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Random identifiers of 128 bits for records (sign-ups, members).
pub fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// How a bearer token is stored: SHA-256 is enough for 256 random bits (no dictionary to try).
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compares a presented token with a stored hash in constant time.
pub fn token_matches(token: &str, stored_hash: &str) -> bool {
    use subtle::ConstantTimeEq;
    token_hash(token).as_bytes().ct_eq(stored_hash.as_bytes()).into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_never_print() {
        let keys = Keys::random();
        assert_eq!(format!("{:?}", keys.di_pepper), "SecretKey([redacted])");
    }

    #[test]
    fn claim_keys_depend_on_the_pepper() {
        let (a, b) = (Keys::random(), Keys::random());
        assert_eq!(a.person_key("di-1"), a.person_key("di-1"));
        assert_ne!(a.person_key("di-1"), b.person_key("di-1"));
        assert_ne!(a.person_key("di-1"), a.person_key("di-2"));
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(matches!(SecretKey::from_text("short"), Err(KeyError::TooShort)));
        assert!(SecretKey::from_text(&"k".repeat(32)).is_ok());
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_unaltered() {
        let (key, other) = (SecretKey::random(), SecretKey::random());
        let sealed = key.seal(b"{\"signupToken\":\"abc\"}").unwrap();
        assert!(!sealed.contains("signupToken"));
        assert_eq!(key.open(&sealed).as_deref(), Some(&b"{\"signupToken\":\"abc\"}"[..]));
        assert_eq!(other.open(&sealed), None);
        let mut altered = sealed.into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(key.open(&String::from_utf8(altered).unwrap()), None);
    }

    #[test]
    fn what_is_sealed_for_a_context_opens_in_it_only() {
        let key = SecretKey::random();
        let sealed = key.seal_for(b"one", b"secret").unwrap();
        assert_eq!(key.open_for(b"one", &sealed).as_deref(), Some(&b"secret"[..]));
        assert_eq!(key.open_for(b"two", &sealed), None);
        assert_eq!(key.open(&sealed), None);
    }

    #[test]
    fn token_hashes_match_only_their_token() {
        let token = random_token();
        let stored = token_hash(&token);
        assert!(token_matches(&token, &stored));
        assert!(!token_matches(&random_token(), &stored));
    }
}
