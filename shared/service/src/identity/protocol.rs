//! The NICE API's cryptography and formats (API.md, "The provider's protocol"), as both sides of it
//! use them: the adapter ([`super::nice`]) and the local simulator (`sim::nice`).
//!
//! - Keys: `h = Base64(SHA-256(req_dtim + req_no + token_val))` (44 characters); the AES key is the
//!   ASCII of `h[0..16]`, the IV of `h[28..44]`, the HMAC key of `h[0..32]`.
//! - `enc_data = Base64(AES-128-CBC(key, iv, PKCS#7(data)))`,
//!   `integrity_value = Base64(HMAC-SHA256(hmac_key, enc_data))`.
//! - Results are JSON in EUC-KR; `utf8_name` is the name percent-encoded in UTF-8.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;
type HmacSha256 = Hmac<Sha256>;

/// Largest `enc_data` read (a result is well under 2 KiB; this leaves room for long fields).
pub const ENC_DATA_MAX: usize = 8 * 1024;

/// The keys of one request, derived from its date-time, number and the provider's token value.
/// They never print and are wiped when dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestKeys {
    key: [u8; 16],
    iv: [u8; 16],
    hmac_key: [u8; 32],
}

impl Drop for RequestKeys {
    fn drop(&mut self) {
        self.key.zeroize();
        self.iv.zeroize();
        self.hmac_key.zeroize();
    }
}

impl std::fmt::Debug for RequestKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestKeys([redacted])")
    }
}

/// The data does not verify, decrypt or read as the protocol's: the one answer to anything wrong
/// with a result, so that no detail of the failure reaches a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the provider data does not verify or decrypt")]
pub struct Undecipherable;

impl RequestKeys {
    /// The protocol's derivation; each input trimmed.
    pub fn derive(req_dtim: &str, req_no: &str, token_val: &str) -> Self {
        let mut input = format!("{}{}{}", req_dtim.trim(), req_no.trim(), token_val.trim());
        let mut digest: [u8; 32] = Sha256::digest(input.as_bytes()).into();
        input.zeroize();
        let mut h = [0u8; 44];
        // 32 bytes are always 44 Base64 characters.
        let written = STANDARD.encode_slice(digest, &mut h).unwrap_or_default();
        digest.zeroize();
        debug_assert_eq!(written, 44);
        let mut keys = Self { key: [0; 16], iv: [0; 16], hmac_key: [0; 32] };
        keys.key.copy_from_slice(&h[0..16]);
        keys.iv.copy_from_slice(&h[28..44]);
        keys.hmac_key.copy_from_slice(&h[0..32]);
        h.zeroize();
        keys
    }

    /// The keys as 64 bytes (key ‖ iv ‖ hmac key), to be sealed for storage.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        zeroize::Zeroizing::new([self.key.as_slice(), &self.iv, &self.hmac_key].concat())
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 64 {
            return None;
        }
        let mut keys = Self { key: [0; 16], iv: [0; 16], hmac_key: [0; 32] };
        keys.key.copy_from_slice(&bytes[0..16]);
        keys.iv.copy_from_slice(&bytes[16..32]);
        keys.hmac_key.copy_from_slice(&bytes[32..64]);
        Some(keys)
    }

    /// `Base64(AES-128-CBC(PKCS#7(data)))`.
    pub fn encrypt(&self, data: &[u8]) -> String {
        let encrypted = Aes128CbcEnc::new(&self.key.into(), &self.iv.into()).encrypt_padded_vec_mut::<Pkcs7>(data);
        STANDARD.encode(encrypted)
    }

    /// `Base64(HMAC-SHA256(hmac_key, enc_data))`.
    pub fn integrity(&self, enc_data: &str) -> String {
        STANDARD.encode(self.mac(enc_data).finalize().into_bytes())
    }

    fn mac(&self, enc_data: &str) -> HmacSha256 {
        // HMAC takes keys of any length: this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.hmac_key).unwrap_or_else(|_| unreachable!());
        mac.update(enc_data.as_bytes());
        mac
    }

    /// The plaintext of `enc_data`, once `integrity_value` verifies over it (in constant time).
    pub fn open(&self, enc_data: &str, integrity_value: &str) -> Result<zeroize::Zeroizing<Vec<u8>>, Undecipherable> {
        if enc_data.len() > ENC_DATA_MAX || integrity_value.len() > 64 {
            return Err(Undecipherable);
        }
        let tag = STANDARD.decode(integrity_value.trim()).map_err(|_| Undecipherable)?;
        self.mac(enc_data).verify_slice(&tag).map_err(|_| Undecipherable)?;
        let encrypted = STANDARD.decode(enc_data.trim()).map_err(|_| Undecipherable)?;
        Aes128CbcDec::new(&self.key.into(), &self.iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(&encrypted)
            .map(zeroize::Zeroizing::new)
            .map_err(|_| Undecipherable)
    }
}

/// The bytes of `text` in EUC-KR, as the provider writes results; characters EUC-KR lacks become
/// numeric character references (which is why `utf8_name` is preferred).
pub fn to_euc_kr(text: &str) -> Vec<u8> {
    encoding_rs::EUC_KR.encode(text).0.into_owned()
}

/// `bytes` read as EUC-KR (ASCII is a subset); `None` when they are not.
pub fn from_euc_kr(bytes: &[u8]) -> Option<String> {
    encoding_rs::EUC_KR.decode_without_bom_handling_and_without_replacement(bytes).map(|text| text.into_owned())
}

/// Percent-encoded UTF-8 (`utf8_name`), every byte outside the unreserved set encoded.
pub fn percent_encode_utf8(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}

/// `utf8_name` decoded; `None` when it is not percent-encoded UTF-8.
pub fn percent_decode_utf8(text: &str) -> Option<String> {
    // A `+` in a percent-encoded name is a space, as URL encoders write it.
    let text = text.replace('+', " ");
    percent_encoding::percent_decode_str(&text).decode_utf8().ok().map(|name| name.into_owned())
}

/// An `application/x-www-form-urlencoded` body as name/value pairs. A `+` stays a `+`: the fields
/// it carries (`token_version_id`, `enc_data`, `integrity_value`, names, dates) never hold a space,
/// but Base64 holds `+`, which a sender that does not encode it would otherwise lose. `None` when
/// a value is not UTF-8 once decoded.
pub fn form_pairs(body: &[u8]) -> Option<Vec<(String, String)>> {
    let body = std::str::from_utf8(body).ok()?;
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8().ok().map(|s| s.into_owned());
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

/// The value of `name` in form pairs, if it is there once.
pub fn form_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut values = pairs.iter().filter(|(n, _)| n == name);
    let first = values.next()?;
    values.next().is_none().then_some(first.1.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    // A golden case worked out apart from this code (Python's hashlib, base64 and hmac, and
    // `openssl enc -aes-128-cbc`).
    const REQ_DTIM: &str = "20210622162600";
    const REQ_NO: &str = "111111111122222222223333333333";
    const TOKEN_VAL: &str = "mR8Fq2hVtQ1nZ0xY7cW3eB9sK4uJ6pLd";
    const REQUEST: &str = r#"{"requestno":"111111111122222222223333333333","returnurl":"https://lib.example.kr/v1/identity/return","sitecode":"AB123","methodtype":"post","popupyn":"Y","receivedata":""}"#;
    const ENC_DATA: &str = "8bRumlerbYsPp8nTtLbwfUh0tVYuWJeT1h4N5/ffdA8V4CQtAxkC2pI0mn4K76jTGj46407GfSjtJ45iMTU/HTkNBrEy3EWRJ8/K4xSJz+l+apOaOpWR6+YSeTLnuP0LZWg+rIbV4B71aBzH4QusODdjfIvDArsKmRAkVD8vzDpNehD/34S547FehSjV2ljgv34WeNnxlcQ8rKLkPks/8EHECBRBVTfHqNCEVykh1JI=";
    const INTEGRITY_VALUE: &str = "4lJrgBcbRzPI2h+ZedIBSI6DSztRCMP0E6J62F7BVkg=";

    #[test]
    fn the_keys_are_the_protocols_slices_of_the_hashed_inputs() {
        // h = Base64(SHA-256(req_dtim + req_no + token_val)), computed here on its own.
        let digest = Sha256::digest(format!("{REQ_DTIM}{REQ_NO}{TOKEN_VAL}").as_bytes());
        let h = STANDARD.encode(digest);
        assert_eq!(h, "S9h1Zrs7Klaa+TK7LikLZ98WcMHce+XH4dvT8ZnmCUE=");
        let keys = RequestKeys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL);
        assert_eq!(&keys.key, &h.as_bytes()[0..16]);
        assert_eq!(&keys.key, b"S9h1Zrs7Klaa+TK7");
        assert_eq!(&keys.iv, &h.as_bytes()[28..44]);
        assert_eq!(&keys.iv, b"e+XH4dvT8ZnmCUE=");
        assert_eq!(&keys.hmac_key, &h.as_bytes()[0..32]);
        // Inputs are trimmed.
        assert_eq!(RequestKeys::derive(&format!(" {REQ_DTIM}"), &format!("{REQ_NO} "), TOKEN_VAL), keys);
    }

    #[test]
    fn a_known_request_encrypts_to_the_known_ciphertext_and_integrity_value() {
        let keys = RequestKeys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL);
        let enc_data = keys.encrypt(REQUEST.as_bytes());
        assert_eq!(enc_data, ENC_DATA);
        assert_eq!(keys.integrity(&enc_data), INTEGRITY_VALUE);
        assert_eq!(&keys.open(ENC_DATA, INTEGRITY_VALUE).unwrap()[..], REQUEST.as_bytes());
    }

    #[test]
    fn a_changed_byte_of_the_data_or_its_integrity_value_is_refused() {
        let keys = RequestKeys::derive("20261202090000", "REQ0001", "token-value");
        let enc_data = keys.encrypt(b"{\"resultcode\":\"0000\"}");
        let integrity = keys.integrity(&enc_data);
        assert_eq!(&keys.open(&enc_data, &integrity).unwrap()[..], b"{\"resultcode\":\"0000\"}");
        let mut flipped = enc_data.clone().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.open(&String::from_utf8(flipped).unwrap(), &integrity), Err(Undecipherable));
        let other = RequestKeys::derive("20261202090000", "REQ0002", "token-value");
        assert_eq!(other.open(&enc_data, &integrity), Err(Undecipherable));
        assert_eq!(keys.open(&enc_data, "not base64!"), Err(Undecipherable));
    }

    #[test]
    fn keys_round_trip_through_their_bytes_and_never_print() {
        let keys = RequestKeys::derive("20261202090000", "REQ0001", "token-value");
        assert_eq!(RequestKeys::from_bytes(&keys.to_bytes()), Some(keys.clone()));
        assert_eq!(format!("{keys:?}"), "RequestKeys([redacted])");
        assert_eq!(RequestKeys::from_bytes(&[0; 63]), None);
    }

    #[test]
    fn form_decoding_keeps_a_plus_and_decodes_percent_escapes() {
        let pairs = form_pairs(b"enc_data=ab+c%2Bd%3D&m=service&empty=").unwrap();
        assert_eq!(form_value(&pairs, "enc_data"), Some("ab+c+d="));
        assert_eq!(form_value(&pairs, "m"), Some("service"));
        assert_eq!(form_value(&pairs, "empty"), Some(""));
        assert_eq!(form_value(&pairs, "missing"), None);
        let twice = form_pairs(b"m=a&m=b").unwrap();
        assert_eq!(form_value(&twice, "m"), None);
        assert!(form_pairs(b"m=%FF").is_none());
    }

    #[test]
    fn names_survive_euc_kr_and_percent_encoding() {
        assert_eq!(from_euc_kr(&to_euc_kr("김하늘")).as_deref(), Some("김하늘"));
        assert_eq!(percent_decode_utf8(&percent_encode_utf8("김 하늘")).as_deref(), Some("김 하늘"));
        assert!(from_euc_kr(&[0xff, 0xff]).is_none());
    }
}
