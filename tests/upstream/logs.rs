//! DOMAIN.md, "Personal information": the RRN and the DLS credentials are never logged. Every log
//! line of this test binary, at every level, from every thread (and the `log` records of the HTTP
//! stack), goes into a buffer while the simulators and adapters handle them on every path; then the
//! buffer is searched for them.

use std::io::Write;
use std::sync::{Arc, Mutex};

use membership::upstream::{
    HttpResidencyRegistry, HttpSchoolLibrarySystem, ResidencyRegistry, SchoolLibrarySystem, UpstreamEndpoint,
};
use secrecy::SecretString;
use serde_json::json;

use crate::dls::{id, password};
use crate::{app, name, rrn, TIMEOUT};

const RRN: &str = "8803152987654";
const RRN_HYPHENATED: &str = "880315-2987654";
const DLS_ID: &str = "moonlight88";
const DLS_PASSWORD: &str = "Quiet-Shelf-4471";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn no_log_line_holds_an_rrn_or_a_dls_credential() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_current_span(true)
        .with_writer(move || writer.clone())
        .try_init()
        .expect("this test alone installs the subscriber of its binary");
    let app = app().await;

    // The simulators' own bodies, accepted and refused.
    app.add_resident(RRN_HYPHENATED, "최고요", "incheon").await;
    app.add_dls_account("최고요", DLS_ID, DLS_PASSWORD, "2018-03-02").await;
    let refused = app
        .post("/_sim/residents")
        .json(&json!({ "rrn": "880230-2987654", "name": "최고요", "region": "incheon", "extra": RRN }))
        .send()
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    let refused = app
        .post("/_sim/dls-accounts")
        .json(&json!({ "dlsName": "", "dlsId": DLS_ID, "dlsPassword": DLS_PASSWORD, "createdOn": "2018-02-30" }))
        .send()
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);

    // The adapters on every path: answers, refusals, faults, a wrong key.
    let (person, number) = (name("최고요"), rrn(RRN));
    let (dls_id, dls_password, wrong_password) = (id(DLS_ID), password(DLS_PASSWORD), password("Quiet-Shelf-4470"));
    let mut errors = Vec::new();
    assert!(app.app.residency.check(&person, &number).await.is_ok());
    assert!(app.app.residency.check(&name("최고운"), &number).await.is_ok());
    assert!(app.app.dls.verify(&person, &dls_id, &dls_password).await.is_ok());
    assert!(app.app.dls.verify(&person, &dls_id, &wrong_password).await.is_ok());
    for mode in ["error", "timeout"] {
        app.set_fault("residency", mode).await;
        app.set_fault("dls", mode).await;
        errors.push(app.app.residency.check(&person, &number).await.unwrap_err());
        errors.push(app.app.dls.verify(&person, &dls_id, &dls_password).await.unwrap_err());
    }
    app.set_fault("residency", "ok").await;
    app.set_fault("dls", "ok").await;
    let key = || SecretString::from("wrong-key");
    let residency_endpoint =
        UpstreamEndpoint::new(&format!("{}{}", app.base, membership_local::sim::residency::BASE_PATH), key()).unwrap();
    let dls_endpoint =
        UpstreamEndpoint::new(&format!("{}{}", app.base, membership_local::sim::dls::BASE_PATH), key()).unwrap();
    let stranger = HttpResidencyRegistry::new(&residency_endpoint, TIMEOUT).unwrap();
    errors.push(stranger.check(&person, &number).await.unwrap_err());
    let stranger = HttpSchoolLibrarySystem::new(&dls_endpoint, TIMEOUT).unwrap();
    errors.push(stranger.verify(&person, &dls_id, &dls_password).await.unwrap_err());

    // What a use case would log of a failure: its message chain and its debug form.
    for error in &errors {
        tracing::error!(error = %error, debug = ?error, "upstream call failed");
    }
    tracing::info!(rrn = ?number, id = ?dls_id, password = ?dls_password, "inputs as debug values");

    let logs = buffer.text();
    assert!(logs.contains("request completed"), "the subscriber saw no request:\n{logs}");
    assert!(logs.contains("upstream call failed"), "{logs}");
    for secret in [RRN, RRN_HYPHENATED, DLS_ID, DLS_PASSWORD, "Quiet-Shelf-4470", "880230"] {
        assert!(!logs.contains(secret), "a log line holds {secret}:\n{logs}");
    }
}
