//! Reading the provider's result: verified, decrypted, read as EUC-KR JSON and, when it reports
//! success, a whole person, with the I-PIN product's own field names mapped here.

use membership_domain::calendar::CalendarDate;
use membership_domain::identity::{Di, Gender, Method, PersonName};
use serde_json::Value;

use crate::identity::protocol::{self, RequestKeys, Undecipherable};
use crate::identity::{Outcome, ProviderResult, VerifiedPerson};

/// A result of `method` read with its request's keys: it must verify, decrypt, read as EUC-KR
/// JSON and, when it reports success, name a whole person.
pub fn read_result(
    method: Method,
    keys: &RequestKeys,
    enc_data: &str,
    integrity_value: &str,
) -> Result<ProviderResult, Undecipherable> {
    let plaintext = keys.open(enc_data, integrity_value)?;
    let text = zeroize::Zeroizing::new(protocol::from_euc_kr(&plaintext).ok_or(Undecipherable)?);
    let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(&text) else {
        return Err(Undecipherable);
    };
    // The request's own `enc_data` opens under the same keys and names the same `requestno`: what
    // carries the request's fields is a request, never a result.
    if ["returnurl", "methodtype", "receivedata"].iter().any(|name| fields.contains_key(*name)) {
        return Err(Undecipherable);
    }
    let field = |name: &str| fields.get(name).and_then(Value::as_str);
    let request_no = field("requestno").filter(|n| !n.is_empty()).ok_or(Undecipherable)?.to_owned();
    let result_code = field("resultcode").ok_or(Undecipherable)?;
    let (success, di_field) = match method {
        Method::Phone => ("0000", "di"),
        Method::Ipin => ("1", "dupinfo"),
    };
    if result_code != success {
        return Ok(ProviderResult { request_no, outcome: Outcome::Failed });
    }
    let name = field("utf8_name")
        .filter(|name| !name.is_empty())
        .and_then(protocol::percent_decode_utf8)
        .or_else(|| field("name").map(str::to_owned))
        .ok_or(Undecipherable)?;
    let name = PersonName::parse(&name).map_err(|_| Undecipherable)?;
    let birth_date = birth_date(field("birthdate").ok_or(Undecipherable)?).ok_or(Undecipherable)?;
    let gender = match field("gender") {
        Some("0") => Some(Gender::Female),
        Some("1") => Some(Gender::Male),
        None | Some("") => None,
        Some(_) => return Err(Undecipherable),
    };
    let di = field(di_field).filter(|di| di.bytes().all(|b| b.is_ascii_graphic())).ok_or(Undecipherable)?;
    let di = Di::new(di.to_owned()).map_err(|_| Undecipherable)?;
    Ok(ProviderResult { request_no, outcome: Outcome::Verified(VerifiedPerson { name, birth_date, gender, di }) })
}

/// `YYYYMMDD` as a calendar date.
fn birth_date(raw: &str) -> Option<CalendarDate> {
    if raw.len() != 8 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year = raw[0..4].parse().ok()?;
    let month = raw[4..6].parse().ok()?;
    let day = raw[6..8].parse().ok()?;
    CalendarDate::from_ymd(year, month, day)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use secrecy::SecretString;

    use super::*;
    use crate::identity::nice::{method_of_product, product_id, ClientCredentials};

    /// AES-128-CBC with PKCS#7 and HMAC-SHA256 as the provider applies them, written out here from
    /// the block cipher up, so that the adapter's reading is checked against other code than its own.
    fn provider_encrypts(keys_from: (&str, &str, &str), plaintext: &[u8]) -> (String, String) {
        use aes::cipher::{BlockEncrypt, KeyInit};
        let digest = sha2::Sha256::digest(format!("{}{}{}", keys_from.0, keys_from.1, keys_from.2).as_bytes());
        let h = STANDARD.encode(digest);
        let (key, iv, hmac_key) = (&h.as_bytes()[0..16], &h.as_bytes()[28..44], &h.as_bytes()[0..32]);
        let cipher = aes::Aes128::new_from_slice(key).unwrap();
        let pad = 16 - plaintext.len() % 16;
        let mut padded = plaintext.to_vec();
        padded.extend(std::iter::repeat_n(pad as u8, pad));
        let mut previous: [u8; 16] = iv.try_into().unwrap();
        let mut encrypted = Vec::new();
        for chunk in padded.chunks(16) {
            let mut block = aes::Block::default();
            for (i, byte) in chunk.iter().enumerate() {
                block[i] = byte ^ previous[i];
            }
            cipher.encrypt_block(&mut block);
            previous.copy_from_slice(&block);
            encrypted.extend_from_slice(&block);
        }
        let enc_data = STANDARD.encode(encrypted);
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(hmac_key).unwrap();
        hmac::Mac::update(&mut mac, enc_data.as_bytes());
        let integrity = STANDARD.encode(hmac::Mac::finalize(mac).into_bytes());
        (enc_data, integrity)
    }

    use sha2::Digest;

    const INPUTS: (&str, &str, &str) = ("20261202101500", "REQNO0000000000000000000000042", "tokenVal+/=");

    fn euc_kr(text: &str) -> Vec<u8> {
        encoding_rs::EUC_KR.encode(text).0.into_owned()
    }

    #[test]
    fn a_result_encrypted_by_the_provider_reads_as_the_person() {
        let result = r#"{"resultcode":"0000","requestno":"REQNO0000000000000000000000042","responseno":"R1","enctime":"20261202101700","sitecode":"AB123","authtype":"M","name":"김하늘","utf8_name":"%EA%B9%80%ED%95%98%EB%8A%98","birthdate":"19900517","gender":"0","nationalinfo":"0","mobileco":"1","mobileno":"01012345678","ci":"CI-VALUE","di":"MC0GCCqGSIb3DQIJAyEAdi0000000000000000000000000000000000000000000"}"#;
        let (enc_data, integrity) = provider_encrypts(INPUTS, &euc_kr(result));
        let keys = RequestKeys::derive(INPUTS.0, INPUTS.1, INPUTS.2);

        let read = read_result(Method::Phone, &keys, &enc_data, &integrity).unwrap();

        assert_eq!(read.request_no, "REQNO0000000000000000000000042");
        let Outcome::Verified(person) = read.outcome else { panic!("a verified person") };
        assert_eq!(person.name.as_str(), "김하늘");
        assert_eq!(person.birth_date.to_string(), "1990-05-17");
        assert_eq!(person.gender, Some(Gender::Female));
        assert_eq!(person.di.expose(), "MC0GCCqGSIb3DQIJAyEAdi0000000000000000000000000000000000000000000");
    }

    #[test]
    fn an_ipin_result_uses_its_own_names_and_the_euc_kr_name_when_no_utf8_name_is_given() {
        let result = r#"{"resultcode":"1","requestno":"REQNO0000000000000000000000042","name":"이보호","birthdate":"19800303","gender":"1","dupinfo":"DUPINFO-1","coinfo1":"CI-1"}"#;
        let (enc_data, integrity) = provider_encrypts(INPUTS, &euc_kr(result));
        let keys = RequestKeys::derive(INPUTS.0, INPUTS.1, INPUTS.2);

        let read = read_result(Method::Ipin, &keys, &enc_data, &integrity).unwrap();

        let Outcome::Verified(person) = read.outcome else { panic!("a verified person") };
        assert_eq!(person.name.as_str(), "이보호");
        assert_eq!(person.gender, Some(Gender::Male));
        assert_eq!(person.di.expose(), "DUPINFO-1");
        // Read as a phone result, "1" is no success.
        let as_phone = read_result(Method::Phone, &keys, &enc_data, &integrity).unwrap();
        assert!(matches!(as_phone.outcome, Outcome::Failed));
    }

    #[test]
    fn a_cancelled_result_is_a_failure_and_a_tampered_one_is_undecipherable() {
        let result = r#"{"resultcode":"0099","requestno":"REQNO0000000000000000000000042"}"#;
        let (enc_data, integrity) = provider_encrypts(INPUTS, &euc_kr(result));
        let keys = RequestKeys::derive(INPUTS.0, INPUTS.1, INPUTS.2);
        let read = read_result(Method::Phone, &keys, &enc_data, &integrity).unwrap();
        assert!(matches!(read.outcome, Outcome::Failed));

        let (other_data, other_integrity) = provider_encrypts(INPUTS, b"{\"resultcode\":\"0000\"}");
        assert!(read_result(Method::Phone, &keys, &enc_data, &other_integrity).is_err());
        assert!(read_result(Method::Phone, &keys, &other_data, &other_integrity).is_err(), "no requestno");
    }

    #[test]
    fn birth_dates_are_eight_digits_of_a_real_day() {
        assert_eq!(birth_date("19900517").map(|d| d.to_string()).as_deref(), Some("1990-05-17"));
        for bad in ["1990517", "19900230", "1990-5-17", "abcdefgh", ""] {
            assert!(birth_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn each_method_has_its_product() {
        for method in [Method::Phone, Method::Ipin] {
            assert_eq!(method_of_product(product_id(method)), Some(method));
        }
        assert_eq!(method_of_product("0"), None);
    }

    #[test]
    fn credentials_never_print() {
        let credentials = ClientCredentials::new("client-1", SecretString::from("top-secret")).unwrap();
        assert!(!format!("{credentials:?}").contains("top-secret"));
        assert!(ClientCredentials::new("a:b", SecretString::from("s")).is_err());
    }
}
