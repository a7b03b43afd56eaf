//! The residency registry adapter against the simulated registry.

use std::time::Instant;

use membership::upstream::{
    Cause, HttpResidencyRegistry, ResidencyAnswer, ResidencyRegistry, System, UpstreamEndpoint, UpstreamError,
};
use secrecy::SecretString;

use crate::{app, name, rrn, TIMEOUT};

fn resident(answer: ResidencyAnswer) -> (bool, String) {
    match answer {
        ResidencyAnswer::Resident { in_incheon, reference } => (in_incheon, reference),
        other => panic!("expected a resident, got {other:?}"),
    }
}

#[tokio::test]
async fn a_resident_registered_in_incheon_is_in_incheon() {
    let app = app().await;
    app.add_resident("900517-1234567", "김하늘", "incheon").await;

    let answer = app.app.residency.check(&name("김하늘"), &rrn("9005171234567")).await.unwrap();

    let (in_incheon, reference) = resident(answer);
    assert!(in_incheon);
    assert!(reference.starts_with("RES-"), "{reference}");
}

#[tokio::test]
async fn a_resident_registered_elsewhere_is_not_in_incheon() {
    let app = app().await;
    app.add_resident("0103154123456", "이바다", "seoul").await;

    let answer = app.app.residency.check(&name("이바다"), &rrn("010315-4123456")).await.unwrap();

    assert!(!resident(answer).0);
}

#[tokio::test]
async fn each_check_has_its_own_reference() {
    let app = app().await;
    app.add_resident("900517-1234567", "김하늘", "incheon").await;

    let first = resident(app.app.residency.check(&name("김하늘"), &rrn("900517-1234567")).await.unwrap()).1;
    let second = resident(app.app.residency.check(&name("김하늘"), &rrn("900517-1234567")).await.unwrap()).1;

    assert_ne!(first, second);
}

#[tokio::test]
async fn an_unknown_rrn_is_unknown() {
    let app = app().await;
    app.add_resident("900517-1234567", "김하늘", "incheon").await;

    let answer = app.app.residency.check(&name("김하늘"), &rrn("900517-2234567")).await.unwrap();

    assert_eq!(answer, ResidencyAnswer::Unknown);
}

#[tokio::test]
async fn an_rrn_known_under_another_name_is_unknown() {
    let app = app().await;
    app.add_resident("900517-1234567", "김하늘", "incheon").await;

    let answer = app.app.residency.check(&name("김바다"), &rrn("900517-1234567")).await.unwrap();

    assert_eq!(answer, ResidencyAnswer::Unknown);
}

#[tokio::test]
async fn a_registry_that_hangs_is_unavailable_after_the_timeout() {
    let app = app().await;
    app.add_resident("900517-1234567", "김하늘", "incheon").await;
    app.set_fault("residency", "timeout").await;

    let started = Instant::now();
    let error = app.app.residency.check(&name("김하늘"), &rrn("900517-1234567")).await.unwrap_err();

    assert_eq!((error.system(), error.cause()), (System::Residency, Cause::Timeout), "{error}");
    let waited = started.elapsed();
    assert!(waited >= TIMEOUT && waited < TIMEOUT * 4, "waited {waited:?}");
}

#[tokio::test]
async fn a_failing_registry_is_unavailable_until_set_back_to_ok() {
    let app = app().await;
    app.add_resident("900517-1234567", "김하늘", "incheon").await;
    app.set_fault("residency", "error").await;

    for _ in 0..2 {
        let error = app.app.residency.check(&name("김하늘"), &rrn("900517-1234567")).await.unwrap_err();
        assert!(matches!(error, UpstreamError::Unavailable { cause: Cause::Status(500), .. }), "{error}");
    }
    // The other system is unaffected.
    app.add_dls_account("김하늘", "student01", "Dls-Pass-1", "2020-03-02").await;
    let dls =
        app.app.dls.verify(&name("김하늘"), &crate::dls::id("student01"), &crate::dls::password("Dls-Pass-1")).await;
    assert!(dls.is_ok(), "{dls:?}");

    app.set_fault("residency", "ok").await;
    let answer = app.app.residency.check(&name("김하늘"), &rrn("900517-1234567")).await.unwrap();
    assert!(resident(answer).0);
}

#[tokio::test]
async fn a_wrong_api_key_is_refused_and_unavailable() {
    let app = app().await;
    app.add_resident("900517-1234567", "김하늘", "incheon").await;
    let endpoint = UpstreamEndpoint::new(
        &format!("{}{}", app.base, membership_local::sim::residency::BASE_PATH),
        SecretString::from("not-the-key"),
    )
    .unwrap();
    let stranger = HttpResidencyRegistry::new(&endpoint, TIMEOUT).unwrap();

    let error = stranger.check(&name("김하늘"), &rrn("900517-1234567")).await.unwrap_err();

    assert_eq!(error.cause(), Cause::Status(401), "{error}");
}
