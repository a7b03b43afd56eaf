//! The upstream step (API.md, "Certification", check 7): the residency registry or DLS
//! unreachable, failing or slower than the adapter waits → 503 `upstream.unavailable` with
//! `Retry-After`, the member unchanged and the attempt not counted; back to normal, it certifies.

use std::time::{Duration, Instant};

use api_tests::{spawn_app_with, Person, TestApp};
use membership_local::local::LocalOptions;
use serde_json::json;

use super::{
    assert_same_items, attempts_counted, certify, citizen_body, me, member, retry_after, stored_except_attempts,
    student_body, CITIZEN, STUDENT,
};

/// The adapters give up after this (the contract's 3 s, shortened so the suite stays fast); the
/// simulators' `timeout` hangs longer.
const TIMEOUT: Duration = Duration::from_millis(300);

async fn app() -> TestApp {
    spawn_app_with(LocalOptions { upstream_timeout: TIMEOUT, ..LocalOptions::default() }).await
}

#[tokio::test]
async fn an_upstream_that_times_out_or_fails_answers_503_and_leaves_the_member_as_it_was() {
    // Given an associate member, a resident of Incheon with a DLS account
    let app = app().await;
    app.seoul_today().await;
    let token = member(&app, &Person::new("유장애", "1994-06-15"), "outage01").await;
    app.add_resident("940615-2123456", "유장애", "incheon").await;
    app.add_dls_account("유장애", "yoo1994", "Down-Time-503", "2007-03-02").await;
    let citizen = citizen_body(&app, "유장애", "940615-2123456").await;
    let student = student_body(&app, "유장애", "yoo1994", "Down-Time-503").await;
    let me_before = me(&app, &token).await;
    let stored_before = stored_except_attempts(&app).await;

    for (system, path, body) in [("residency", CITIZEN, &citizen), ("dls", STUDENT, &student)] {
        for mode in ["timeout", "error"] {
            // When the system times out or fails, twice in a row
            app.set_fault(system, mode).await;
            for _ in 0..2 {
                let started = Instant::now();
                let response = certify(&app, &token, path, body).await;

                // Then the answer is 503 with Retry-After, in about the adapter's time
                response.assert_problem(503, "upstream.unavailable");
                retry_after(&response);
                assert!(started.elapsed() < TIMEOUT * 5, "{system} {mode}: answered after {:?}", started.elapsed());
                for secret in ["940615", "2123456", "yoo1994", "Down-Time-503"] {
                    assert!(!response.text.contains(secret), "{}", response.text);
                }
                // and the member, their records and their attempts are as they were
                assert_same_items(&stored_before, &stored_except_attempts(&app).await, &format!("{system} {mode}"));
                assert_eq!(attempts_counted(&app).await, 0, "{system} {mode}");
                assert_eq!(me(&app, &token).await, me_before, "{system} {mode}");
            }
            app.set_fault(system, "ok").await;
        }
    }

    // When both answer again, after eight 503s the day still has five attempts: four refusals...
    for _ in 0..2 {
        let mismatch = citizen_body(&app, "유다른", "940615-2123456").await;
        certify(&app, &token, CITIZEN, &mismatch).await.assert_problem(422, "certification.identity_mismatch");
        let wrong = student_body(&app, "유장애", "yoo1994", "Wrong-Time-503").await;
        certify(&app, &token, STUDENT, &wrong).await.assert_problem(422, "certification.dls_rejected");
    }
    // ...and DLS certifies
    let light = certify(&app, &token, STUDENT, &student).await;
    assert_eq!((light.status, &light.body["grade"]), (200, &json!("light")), "{}", light.text);
    // and that was the fifth
    certify(&app, &token, CITIZEN, &citizen).await.assert_problem(429, "certification.rate_limited");
}

#[tokio::test]
async fn the_registry_back_to_normal_certifies() {
    let app = app().await;
    let token = member(&app, &Person::new("편복구", "1983-10-03"), "outage02").await;
    app.add_resident("831003-1234321", "편복구", "incheon").await;
    let citizen = citizen_body(&app, "편복구", "831003-1234321").await;
    app.set_fault("residency", "error").await;
    certify(&app, &token, CITIZEN, &citizen).await.assert_problem(503, "upstream.unavailable");
    // a fault of one system is no fault of the other
    app.set_fault("dls", "timeout").await;
    app.set_fault("residency", "ok").await;

    let response = certify(&app, &token, CITIZEN, &citizen).await;

    assert_eq!((response.status, &response.body["grade"]), (200, &json!("full")), "{}", response.text);
    assert_eq!(me(&app, &token).await["certifications"][0]["method"], "incheon-citizen");
}
