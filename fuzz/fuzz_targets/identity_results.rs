//! Identity-provider results: any text is refused or verified without panicking, and a genuine
//! result with any byte changed is refused.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use membership::identity_results::{IdentityProvider, ResultPayload, SignedResults};
use membership::keys::Keys;
use membership::secrets::KeyRing;
use membership_domain::identity::Method;

fn provider() -> &'static (SignedResults, String) {
    static PROVIDER: OnceLock<(SignedResults, String)> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        let provider = SignedResults::new(Arc::new(KeyRing::fixed(Keys::random())));
        let genuine = provider.sign(&ResultPayload {
            tx_id: "tx".into(),
            method: Method::Phone,
            name: "김하늘".into(),
            birth_date: "1990-05-17".into(),
            gender: None,
            phone: None,
            di: "di".into(),
            issued_at: 1_790_000_000,
        });
        (provider, genuine)
    })
}

fuzz_target!(|data: &[u8]| {
    let (provider, genuine) = provider();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = provider.verify(Method::Phone, text);
        let _ = provider.verify(Method::Ipin, text);
    }
    // Change the genuine result at one place, by one byte value: it must not verify.
    if let [position, delta, ..] = data {
        let mut changed = genuine.clone().into_bytes();
        let at = *position as usize % changed.len();
        changed[at] = changed[at].wrapping_add(delta | 1);
        if let Ok(text) = String::from_utf8(changed) {
            assert!(provider.verify(Method::Phone, &text).is_err(), "a changed result verified");
        }
    }
});
