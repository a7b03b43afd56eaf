//! API.md, "Local simulators": the residency registry, DLS and their faults, as a developer or a
//! test drives them; their bodies are read like every other (problem+json, `validation.failed`).

use api_tests::{spawn_app_in_memory, TestApp};
use membership_local::local::LocalOptions;
use serde_json::json;

async fn app() -> TestApp {
    spawn_app_in_memory(LocalOptions::default()).await
}

#[tokio::test]
async fn a_resident_is_registered_with_or_without_hyphen() {
    let app = app().await;

    for rrn in ["900517-1234567", "0103154123456", "851231-5123456"] {
        let response = app
            .post("/_sim/residents")
            .json(&json!({ "rrn": rrn, "name": "김하늘", "region": "incheon" }))
            .send()
            .await;

        assert_eq!(response.status, 201, "{rrn}: {}", response.text);
    }
}

#[tokio::test]
async fn a_resident_body_that_breaks_the_rules_names_every_field_and_echoes_nothing() {
    let app = app().await;
    let tomorrow = app.seoul_today().await.next_day().unwrap();
    let future = format!("{:02}{:02}{:02}-3123456", tomorrow.year() % 100, tomorrow.month() as u8, tomorrow.day());

    for (rrn, code) in
        [("900230-1234567", "invalid_date"), ("90051712345", "invalid_format"), (future.as_str(), "future_date")]
    {
        let response = app
            .post("/_sim/residents")
            .json(&json!({ "rrn": rrn, "name": "김하늘", "region": "incheon" }))
            .send()
            .await;

        response.assert_field_error(422, "validation.failed", "/rrn", code);
        assert!(!response.text.contains(&rrn[..6]), "{}", response.text);
    }

    let response = app
        .post("/_sim/residents")
        .json(&json!({ "rrn": "900517-1234567", "name": " ", "region": "Incheon" }))
        .send()
        .await;
    response.assert_problem(422, "validation.failed");
    assert_eq!(
        response.field_errors(),
        vec![("/name".to_owned(), "required".to_owned()), ("/region".to_owned(), "invalid_format".to_owned())]
    );
    assert!(!response.text.contains("900517"), "{}", response.text);
}

#[tokio::test]
async fn a_resident_body_missing_a_field_or_with_another_is_refused() {
    let app = app().await;

    let missing = app.post("/_sim/residents").json(&json!({ "rrn": "900517-1234567", "name": "김하늘" })).send().await;
    missing.assert_field_error(422, "validation.failed", "/region", "required");

    let extra = app
        .post("/_sim/residents")
        .json(&json!({ "rrn": "900517-1234567", "name": "김하늘", "region": "incheon", "address": "x" }))
        .send()
        .await;
    extra.assert_field_error(422, "validation.failed", "/address", "unknown_field");

    let not_json = app.post("/_sim/residents").raw("text/plain", "rrn=9005171234567").send().await;
    not_json.assert_problem(415, "request.unsupported_media_type");
}

#[tokio::test]
async fn a_dls_account_is_opened() {
    let app = app().await;

    let response = app
        .post("/_sim/dls-accounts")
        .json(&json!({ "dlsName": "박별", "dlsId": "star2012", "dlsPassword": "Reading-Log-9", "createdOn": "2019-03-04" }))
        .send()
        .await;

    assert_eq!(response.status, 201, "{}", response.text);
}

#[tokio::test]
async fn a_dls_account_body_that_breaks_the_rules_names_every_field_and_echoes_nothing() {
    let app = app().await;

    let response = app
        .post("/_sim/dls-accounts")
        .json(&json!({ "dlsName": "박별", "dlsId": "star 2012", "dlsPassword": "", "createdOn": "2019-02-30" }))
        .send()
        .await;

    response.assert_problem(422, "validation.failed");
    assert_eq!(
        response.field_errors(),
        vec![
            ("/dlsId".to_owned(), "invalid_format".to_owned()),
            ("/dlsPassword".to_owned(), "required".to_owned()),
            ("/createdOn".to_owned(), "invalid_date".to_owned()),
        ]
    );
    assert!(!response.text.contains("star"), "{}", response.text);

    let missing = app
        .post("/_sim/dls-accounts")
        .json(&json!({ "dlsName": "박별", "dlsId": "star2012", "createdOn": "2019-03-04" }))
        .send()
        .await;
    missing.assert_field_error(422, "validation.failed", "/dlsPassword", "required");
}

#[tokio::test]
async fn faults_are_set_for_each_system_and_mode() {
    let app = app().await;

    for system in ["identity", "residency", "dls"] {
        for mode in ["timeout", "error", "ok"] {
            let response = app.post("/_sim/faults").json(&json!({ "system": system, "mode": mode })).send().await;

            assert_eq!(response.status, 204, "{system} {mode}: {}", response.text);
        }
    }
}

#[tokio::test]
async fn a_fault_of_an_unknown_system_or_mode_is_refused() {
    let app = app().await;

    let system = app.post("/_sim/faults").json(&json!({ "system": "registry", "mode": "error" })).send().await;
    system.assert_field_error(422, "validation.failed", "/system", "invalid_value");

    let mode = app.post("/_sim/faults").json(&json!({ "system": "dls", "mode": "slow" })).send().await;
    mode.assert_field_error(422, "validation.failed", "/mode", "invalid_value");

    let missing = app.post("/_sim/faults").json(&json!({ "system": "dls" })).send().await;
    missing.assert_field_error(422, "validation.failed", "/mode", "required");
}

#[tokio::test]
async fn the_upstream_side_refuses_a_caller_without_its_key() {
    let app = app().await;

    for path in ["/_sim/upstream/residency/verify", "/_sim/upstream/dls/verify"] {
        let response = app.post(path).json(&json!({ "rrn": "9005171234567", "name": "김하늘" })).send().await;

        assert_eq!(response.status, 401, "{path}: {}", response.text);
        assert_eq!(response.body, json!({ "error": "invalid_api_key" }));
    }
}
