//! DOMAIN.md, "Personal information", and API.md: the RRN and the DLS credentials are used for the
//! upstream call and dropped. After members certify, fail to certify and meet an upstream outage
//! with known numbers and credentials, no stored item, no log line and no answer holds any of them.

use std::time::Duration;

use api_tests::{captured_logs, spawn_app_with, Person, TestResponse};
use membership_local::local::LocalOptions;
use serde_json::json;

use super::{certify, citizen_body, member, student_body, CITIZEN, STUDENT};

const RRN: &str = "9005171234567";
const RRN_HYPHENATED: &str = "900517-1234567";
const RRN_TAIL: &str = "1234567";
const OTHER_RRN: &str = "8502032345678";
const OTHER_RRN_HYPHENATED: &str = "850203-2345678";
const OTHER_RRN_TAIL: &str = "2345678";
const INVALID_RRN: &str = "901332-7654321";
const INVALID_RRN_TAIL: &str = "7654321";
const DLS_ID: &str = "moonlight88";
const DLS_PASSWORD: &str = "Quiet-Shelf-4471";
const WRONG_DLS_PASSWORD: &str = "Quiet-Shelf-4470";
const UNKNOWN_DLS_ID: &str = "stargazer77";

const SECRETS: [&str; 12] = [
    RRN,
    RRN_HYPHENATED,
    RRN_TAIL,
    OTHER_RRN,
    OTHER_RRN_HYPHENATED,
    OTHER_RRN_TAIL,
    INVALID_RRN,
    INVALID_RRN_TAIL,
    DLS_ID,
    DLS_PASSWORD,
    WRONG_DLS_PASSWORD,
    UNKNOWN_DLS_ID,
];

#[tokio::test]
async fn no_stored_item_log_line_or_answer_holds_an_rrn_or_a_dls_credential() {
    // Given every log line captured, and members with known numbers and DLS accounts
    captured_logs();
    let app =
        spawn_app_with(LocalOptions { upstream_timeout: Duration::from_millis(300), ..LocalOptions::default() }).await;
    let citizen = member(&app, &Person::new("김하늘", "1990-05-17"), "leak01").await;
    let namesake = member(&app, &Person::new("박하늘", "1990-05-17"), "leak02").await;
    let student = member(&app, &Person::new("이하늘", "1985-02-03"), "leak03").await;
    app.add_resident(RRN_HYPHENATED, "김하늘", "incheon").await;
    app.add_resident(OTHER_RRN, "이하늘", "seoul").await;
    app.add_dls_account("이하늘", DLS_ID, DLS_PASSWORD, "2001-03-02").await;
    let mut answers: Vec<TestResponse> = Vec::new();

    // When they certify, fail to, and meet outages, with each form of the numbers
    app.set_fault("residency", "error").await;
    answers.push(certify(&app, &citizen, CITIZEN, &citizen_body(&app, "김하늘", RRN).await).await);
    app.set_fault("residency", "timeout").await;
    answers.push(certify(&app, &citizen, CITIZEN, &citizen_body(&app, "김하늘", RRN_HYPHENATED).await).await);
    app.set_fault("residency", "ok").await;
    let body = citizen_body(&app, "김하늘", RRN).await;
    for _ in 0..2 {
        // the second time a replay of the saved answer
        answers.push(app.post(CITIZEN).bearer(&citizen).header("Idempotency-Key", "leak-1").json(&body).send().await);
    }
    answers.push(certify(&app, &citizen, CITIZEN, &citizen_body(&app, "김하늘", RRN_HYPHENATED).await).await);
    answers.push(certify(&app, &namesake, CITIZEN, &citizen_body(&app, "박하늘", RRN_HYPHENATED).await).await);
    answers.push(certify(&app, &namesake, CITIZEN, &citizen_body(&app, "박하늘", OTHER_RRN).await).await);
    answers.push(certify(&app, &namesake, CITIZEN, &citizen_body(&app, "박하늘", INVALID_RRN).await).await);
    let mut unknown_field = citizen_body(&app, "박하늘", RRN).await;
    unknown_field["residentNumber"] = json!(RRN_HYPHENATED);
    answers.push(certify(&app, &namesake, CITIZEN, &unknown_field).await);
    answers.push(certify(&app, &student, CITIZEN, &citizen_body(&app, "이하늘", OTHER_RRN_HYPHENATED).await).await);
    answers
        .push(certify(&app, &student, STUDENT, &student_body(&app, "이하늘", DLS_ID, WRONG_DLS_PASSWORD).await).await);
    answers.push(
        certify(&app, &student, STUDENT, &student_body(&app, "이하늘", UNKNOWN_DLS_ID, DLS_PASSWORD).await).await,
    );
    for mode in ["timeout", "error"] {
        app.set_fault("dls", mode).await;
        answers.push(certify(&app, &student, STUDENT, &student_body(&app, "이하늘", DLS_ID, DLS_PASSWORD).await).await);
    }
    app.set_fault("dls", "ok").await;
    answers.push(certify(&app, &student, STUDENT, &student_body(&app, "이하늘", DLS_ID, DLS_PASSWORD).await).await);
    let export = app.get("/v1/members/me/export").bearer(&student).send().await;
    assert_eq!(export.status, 200, "{}", export.text);
    answers.push(export);

    // (the run did what it says)
    let outcomes: Vec<(u16, &str)> = answers.iter().map(|a| (a.status, a.code())).collect();
    assert_eq!(
        outcomes,
        vec![
            (503, "upstream.unavailable"),
            (503, "upstream.unavailable"),
            (200, ""),
            (200, ""),
            (409, "certification.not_applicable"),
            (422, "certification.identity_mismatch"),
            (422, "certification.identity_mismatch"),
            (422, "validation.failed"),
            (422, "validation.failed"),
            (422, "certification.not_incheon_resident"),
            (422, "certification.dls_rejected"),
            (422, "certification.dls_rejected"),
            (503, "upstream.unavailable"),
            (503, "upstream.unavailable"),
            (200, ""),
            (200, ""),
        ]
    );
    assert_eq!(answers[2].text, answers[3].text, "the replay answers as the first did");

    // Then none of the numbers, their tails or the credentials is stored, logged or answered
    let stored: Vec<String> =
        app.dump().await.iter().map(|item| serde_json::to_string(&item.0).expect("an item as JSON")).collect();
    assert!(stored.iter().any(|item| item.contains("incheon-student")), "the outcomes are stored");
    let logs = captured_logs();
    assert!(logs.contains("request completed"), "the capture saw no request:\n{logs}");
    assert!(logs.contains("certification upstream unavailable"), "the capture saw no outage:\n{logs}");
    for secret in SECRETS {
        for item in &stored {
            assert!(!item.contains(secret), "a stored item holds {secret}: {item}");
        }
        let line = logs.lines().find(|line| line.contains(secret));
        assert!(line.is_none(), "a log line holds {secret}: {}", line.unwrap_or_default());
        for answer in &answers {
            assert!(!answer.text.contains(secret), "an answer holds {secret}: {}", answer.text);
        }
    }
}
