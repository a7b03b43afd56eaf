//! Identity-provider results (NICE API): any bytes are refused or read without panicking, and a
//! genuine result with any byte of its data or its integrity value changed is refused.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use membership::identity::nice::read_result;
use membership::identity::protocol::to_euc_kr;
use membership::identity::RequestKeys;
use membership_domain::identity::Method;

struct Genuine {
    keys: RequestKeys,
    enc_data: String,
    integrity_value: String,
}

fn genuine() -> &'static Genuine {
    static GENUINE: OnceLock<Genuine> = OnceLock::new();
    GENUINE.get_or_init(|| {
        let keys = RequestKeys::derive("20261202101500", "REQNO0000000000000000000000042", "token-value");
        let result = r#"{"resultcode":"0000","requestno":"REQNO0000000000000000000000042","name":"김하늘","utf8_name":"%EA%B9%80%ED%95%98%EB%8A%98","birthdate":"19900517","gender":"0","di":"DI-1","ci":"CI-1"}"#;
        let enc_data = keys.encrypt(&to_euc_kr(result));
        let integrity_value = keys.integrity(&enc_data);
        assert!(read_result(Method::Phone, &keys, &enc_data, &integrity_value).is_ok(), "the genuine result reads");
        Genuine { keys, enc_data, integrity_value }
    })
}

fuzz_target!(|data: &[u8]| {
    let genuine = genuine();
    // Any text as the data, with the genuine integrity value or with the text as both.
    if let Ok(text) = std::str::from_utf8(data) {
        for method in [Method::Phone, Method::Ipin] {
            let _ = read_result(method, &genuine.keys, text, &genuine.integrity_value);
            let _ = read_result(method, &genuine.keys, text, text);
            let _ = read_result(method, &genuine.keys, &genuine.enc_data, text);
        }
    }
    // Change the genuine data or integrity value at one place, by one byte value: it must not read.
    if let [which, position, delta, ..] = data {
        let (mut enc_data, mut integrity) =
            (genuine.enc_data.clone().into_bytes(), genuine.integrity_value.clone().into_bytes());
        let changed = if which & 1 == 0 { &mut enc_data } else { &mut integrity };
        let at = *position as usize % changed.len();
        changed[at] = changed[at].wrapping_add(delta | 1);
        if let (Ok(enc_data), Ok(integrity)) = (String::from_utf8(enc_data), String::from_utf8(integrity)) {
            assert!(
                read_result(Method::Phone, &genuine.keys, &enc_data, &integrity).is_err(),
                "a changed result was read"
            );
        }
    }
});
