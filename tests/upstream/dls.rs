//! The DLS adapter against the simulated DLS.

use membership::upstream::{Cause, DlsAnswer, HttpSchoolLibrarySystem, SchoolLibrarySystem, System, UpstreamEndpoint};
use membership_domain::calendar::CalendarDate;
use membership_domain::dls::{DlsId, DlsPassword};
use secrecy::SecretString;

use crate::{app, name, TIMEOUT};

pub fn id(raw: &str) -> DlsId {
    DlsId::parse(raw).expect("a valid DLS ID")
}

pub fn password(raw: &str) -> DlsPassword {
    DlsPassword::parse(raw).expect("a valid DLS password")
}

#[tokio::test]
async fn an_account_with_its_name_and_password_is_confirmed_with_its_creation_date() {
    let app = app().await;
    app.add_dls_account("박별", "star2012", "Reading-Log-9", "2019-03-04").await;

    let answer = app.app.dls.verify(&name("박별"), &id("star2012"), &password("Reading-Log-9")).await.unwrap();

    let DlsAnswer::Account { created_on, reference } = answer else { panic!("expected an account, got {answer:?}") };
    assert_eq!(created_on, CalendarDate::parse("2019-03-04").unwrap());
    assert!(reference.starts_with("DLS-"), "{reference}");
}

#[tokio::test]
async fn a_wrong_password_is_rejected() {
    let app = app().await;
    app.add_dls_account("박별", "star2012", "Reading-Log-9", "2019-03-04").await;

    let answer = app.app.dls.verify(&name("박별"), &id("star2012"), &password("Reading-Log-8")).await.unwrap();

    assert_eq!(answer, DlsAnswer::Rejected);
}

#[tokio::test]
async fn an_unknown_account_is_rejected() {
    let app = app().await;
    app.add_dls_account("박별", "star2012", "Reading-Log-9", "2019-03-04").await;

    let answer = app.app.dls.verify(&name("박별"), &id("star2013"), &password("Reading-Log-9")).await.unwrap();

    assert_eq!(answer, DlsAnswer::Rejected);
}

#[tokio::test]
async fn an_account_of_another_name_is_rejected() {
    let app = app().await;
    app.add_dls_account("박별", "star2012", "Reading-Log-9", "2019-03-04").await;

    let answer = app.app.dls.verify(&name("박달"), &id("star2012"), &password("Reading-Log-9")).await.unwrap();

    assert_eq!(answer, DlsAnswer::Rejected);
}

#[tokio::test]
async fn a_dls_that_hangs_or_fails_is_unavailable() {
    let app = app().await;
    app.add_dls_account("박별", "star2012", "Reading-Log-9", "2019-03-04").await;

    for (mode, cause) in [("timeout", Cause::Timeout), ("error", Cause::Status(500))] {
        app.set_fault("dls", mode).await;
        let error = app.app.dls.verify(&name("박별"), &id("star2012"), &password("Reading-Log-9")).await.unwrap_err();
        assert_eq!((error.system(), error.cause()), (System::Dls, cause), "{mode}: {error}");
    }

    app.set_fault("dls", "ok").await;
    let answer = app.app.dls.verify(&name("박별"), &id("star2012"), &password("Reading-Log-9")).await.unwrap();
    assert!(matches!(answer, DlsAnswer::Account { .. }), "{answer:?}");
}

#[tokio::test]
async fn a_wrong_api_key_is_refused_and_unavailable() {
    let app = app().await;
    app.add_dls_account("박별", "star2012", "Reading-Log-9", "2019-03-04").await;
    let endpoint = UpstreamEndpoint::new(
        &format!("{}{}", app.base, membership_local::sim::dls::BASE_PATH),
        SecretString::from("not-the-key"),
    )
    .unwrap();
    let stranger = HttpSchoolLibrarySystem::new(&endpoint, TIMEOUT).unwrap();

    let error = stranger.verify(&name("박별"), &id("star2012"), &password("Reading-Log-9")).await.unwrap_err();

    assert_eq!(error.cause(), Cause::Status(401), "{error}");
}
