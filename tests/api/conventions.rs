//! API.md, "Conventions": bodies, problems, request ids and languages, on the sign-up routes.

use api_tests::{adult, general_member, spawn_app, Step};
use serde_json::json;

const BODY_LIMIT: usize = 16 * 1024;

/// `{"memberType":"general"}` padded with trailing white space (still JSON) to `size` bytes.
fn start_body_of_size(size: usize) -> String {
    let body = r#"{"memberType":"general"}"#;
    format!("{body}{}", " ".repeat(size - body.len()))
}

fn is_hangul(text: &str) -> bool {
    text.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
}

#[tokio::test]
async fn a_body_over_16_kib_is_too_large() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").raw("application/json", start_body_of_size(BODY_LIMIT + 1)).send().await;

    response.assert_problem(413, "request.too_large");
}

#[tokio::test]
async fn a_body_of_exactly_16_kib_is_read() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").raw("application/json", start_body_of_size(BODY_LIMIT)).send().await;

    assert_eq!(response.status, 201, "{}", response.text);
}

#[tokio::test]
async fn a_too_large_body_is_refused_on_every_step() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let padding = "x".repeat(BODY_LIMIT);
    let body = json!({ "consents": [], "padding": padding }).to_string();

    let response = app.signup_step(&signup, "consents").raw("application/json", body).send().await;

    response.assert_problem(413, "request.too_large");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_an_unsupported_media_type() {
    let app = spawn_app().await;

    for content_type in ["text/plain", "application/x-www-form-urlencoded", "application/xml"] {
        let response = app.post("/v1/signups").raw(content_type, r#"{"memberType":"general"}"#).send().await;

        response.assert_problem(415, "request.unsupported_media_type");
    }
}

#[tokio::test]
async fn a_body_without_a_content_type_is_an_unsupported_media_type() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").send().await;

    response.assert_problem(415, "request.unsupported_media_type");
}

#[tokio::test]
async fn json_with_a_charset_is_json() {
    let app = spawn_app().await;

    let response =
        app.post("/v1/signups").raw("application/json; charset=utf-8", r#"{"memberType":"general"}"#).send().await;

    assert_eq!(response.status, 201, "{}", response.text);
}

#[tokio::test]
async fn malformed_json_is_a_malformed_request() {
    let app = spawn_app().await;

    for body in [r#"{"memberType":"#, r#"{"memberType":"general""#, "{memberType: 'general'}", ""] {
        let response = app.post("/v1/signups").raw("application/json", body).send().await;

        response.assert_problem(400, "request.malformed");
    }
}

#[tokio::test]
async fn malformed_json_on_a_step_is_a_malformed_request() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;

    let response =
        app.signup_step(&signup, "consents").raw("application/json", r#"{"consents": [ {"document": "#).send().await;

    response.assert_problem(400, "request.malformed");
}

#[tokio::test]
async fn a_field_the_caller_may_not_set_is_an_unknown_field() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Profile, &adult()).await;
    let mut body = general_member("reader01");
    body["grade"] = json!("full");

    let response = app.complete_signup(&signup, &body).await;

    response.assert_field_error(422, "validation.failed", "/grade", "unknown_field");

    // Nothing was used up: the same body without the field is accepted.
    let corrected = app.complete_signup(&signup, &general_member("reader01")).await;
    assert_eq!(corrected.status, 201, "{}", corrected.text);
}

#[tokio::test]
async fn a_member_id_on_the_start_of_a_sign_up_is_an_unknown_field() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").json(&json!({ "memberType": "general", "memberId": "m-1" })).send().await;

    response.assert_field_error(422, "validation.failed", "/memberId", "unknown_field");
}

#[tokio::test]
async fn an_unknown_field_inside_a_consent_is_pointed_at() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let mut body = app.signup_consents().await;
    body["consents"][0]["extra"] = json!(true);

    let response = app.consent(&signup, &body).await;

    response.assert_field_error(422, "validation.failed", "/consents/0/extra", "unknown_field");
}

#[tokio::test]
async fn an_unknown_field_inside_the_child_is_pointed_at() {
    let app = spawn_app().await;
    let signup = app.signup_at("child", Step::Profile, &api_tests::adult()).await;
    let body = json!({
        "username": "junior01", "password": api_tests::PASSWORD, "email": "parent@example.kr",
        "phone": "010-1234-5678", "homeLibrary": "juan",
        "child": { "name": "김아기", "birthDate": "2020-01-01", "grade": "full" },
    });

    let response = app.complete_signup(&signup, &body).await;

    response.assert_field_error(422, "validation.failed", "/child/grade", "unknown_field");
}

#[tokio::test]
async fn a_value_of_the_wrong_type_fails_validation() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").json(&json!({ "memberType": 5 })).send().await;

    response.assert_field_error(422, "validation.failed", "/memberType", "invalid_type");
}

#[tokio::test]
async fn wrong_types_inside_a_step_body_are_pointed_at() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let mut body = app.signup_consents().await;
    body["consents"][1]["agreed"] = json!("yes");

    let response = app.consent(&signup, &body).await;

    response.assert_field_error(422, "validation.failed", "/consents/1/agreed", "invalid_type");

    let response = app.consent(&signup, &json!({ "consents": "all of them" })).await;
    response.assert_field_error(422, "validation.failed", "/consents", "invalid_type");
}

#[tokio::test]
async fn a_member_type_that_does_not_exist_fails_validation() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").json(&json!({ "memberType": "adult" })).send().await;

    response.assert_field_error(422, "validation.failed", "/memberType", "invalid_value");
}

#[tokio::test]
async fn a_missing_field_is_required() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").json(&json!({})).send().await;

    response.assert_field_error(422, "validation.failed", "/memberType", "required");
}

#[tokio::test]
async fn json_that_is_not_an_object_fails_validation() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").json(&json!(["general"])).send().await;

    response.assert_problem(422, "validation.failed");
}

#[tokio::test]
async fn an_unknown_path_is_a_not_found_problem() {
    let app = spawn_app().await;

    for path in ["/v1/nothing-here", "/v2/terms", "/v1/signups/some-id/payment"] {
        let response = app.get(path).send().await;

        response.assert_problem(404, "not_found");
    }
}

#[tokio::test]
async fn an_unsupported_method_is_a_method_not_allowed_problem() {
    let app = spawn_app().await;

    let responses = [
        app.request(reqwest::Method::DELETE, "/v1/terms").send().await,
        app.post("/v1/libraries").json(&json!({})).send().await,
        app.get("/v1/signups").send().await,
        app.get("/v1/signups/some-id/consents").send().await,
        app.request(reqwest::Method::PUT, "/v1/signups/some-id/member").json(&json!({})).send().await,
    ];

    for response in responses {
        response.assert_problem(405, "method_not_allowed");
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;

    let responses = [
        app.get("/healthz").send().await,
        app.get("/v1/terms").send().await,
        app.get("/v1/libraries").send().await,
        app.get("/v1/usernames/reader01").send().await,
        app.get("/v1/usernames/x").send().await,
        app.post("/v1/signups").json(&json!({ "memberType": "child" })).send().await,
        app.post("/v1/signups").raw("text/plain", "general").send().await,
        app.post("/v1/signups").raw("application/json", "{").send().await,
        app.post("/v1/signups").raw("application/json", start_body_of_size(BODY_LIMIT + 1)).send().await,
        app.post("/v1/signups/unknown/consents").bearer("whatever").json(&json!({ "consents": [] })).send().await,
        app.post(&format!("/v1/signups/{}/identity", signup.id))
            .json(&json!({ "identity": { "tokenVersionId": "x", "encData": "x", "integrityValue": "x" } }))
            .send()
            .await,
        app.get("/v1/nowhere").send().await,
        app.request(reqwest::Method::PATCH, "/v1/terms").send().await,
    ];

    let mut ids = Vec::new();
    for response in &responses {
        let id = response.header("x-request-id").unwrap_or("");
        assert!(!id.is_empty(), "no x-request-id on {} {}", response.status, response.text);
        ids.push(id.to_owned());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), responses.len(), "every request has its own id");
}

#[tokio::test]
async fn problems_are_korean_by_default_and_english_on_request() {
    let app = spawn_app().await;

    let korean = app.get("/v1/nothing-here").send().await;
    let explicit_korean = app.get("/v1/nothing-here").header("accept-language", "ko-KR,ko;q=0.9,en;q=0.8").send().await;
    let english = app.get("/v1/nothing-here").header("accept-language", "en-US,en;q=0.9").send().await;

    for response in [&korean, &explicit_korean, &english] {
        response.assert_problem(404, "not_found");
    }
    let title = |r: &api_tests::TestResponse| r.body["title"].as_str().unwrap_or("").to_owned();
    let detail = |r: &api_tests::TestResponse| r.body["detail"].as_str().unwrap_or("").to_owned();
    assert!(is_hangul(&title(&korean)), "{}", korean.text);
    assert!(is_hangul(&detail(&korean)), "{}", korean.text);
    assert_eq!(korean.body, explicit_korean.body);
    assert!(title(&english).is_ascii() && !is_hangul(&title(&english)), "{}", english.text);
    assert!(detail(&english).is_ascii(), "{}", english.text);
    assert_ne!(title(&korean), title(&english));
    assert_ne!(detail(&korean), detail(&english));
    // Only the words change: the code, the type and the status stay.
    assert_eq!(korean.body["type"], english.body["type"]);
}

#[tokio::test]
async fn a_language_neither_korean_nor_english_gets_korean() {
    let app = spawn_app().await;

    let response =
        app.post("/v1/signups").header("accept-language", "fr-FR,de;q=0.8").raw("text/plain", "x").send().await;

    response.assert_problem(415, "request.unsupported_media_type");
    assert!(is_hangul(response.body["title"].as_str().unwrap_or("")));
}

#[tokio::test]
async fn field_messages_follow_the_language_too() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Profile, &adult()).await;
    let mut body = general_member("reader01");
    body["email"] = json!("not-an-email");

    let korean = app.complete_signup(&signup, &body).await;
    let english = app.signup_step(&signup, "member").header("accept-language", "en").json(&body).send().await;

    korean.assert_field_error(422, "validation.failed", "/email", "invalid_format");
    english.assert_field_error(422, "validation.failed", "/email", "invalid_format");
    let message = |r: &api_tests::TestResponse| r.body["errors"][0]["message"].as_str().unwrap_or("").to_owned();
    assert!(is_hangul(&message(&korean)), "{}", korean.text);
    assert!(message(&english).is_ascii() && !message(&english).is_empty(), "{}", english.text);
    assert!(english.body["title"].as_str().unwrap_or("").is_ascii());
}

#[tokio::test]
async fn problems_hold_the_rfc_9457_members_and_nothing_the_caller_sent() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Profile, &adult()).await;
    let mut body = general_member("reader01");
    body["password"] = json!("short1!");
    body["email"] = json!("secret-address@nowhere");

    let response = app.complete_signup(&signup, &body).await;

    response.assert_problem(422, "validation.failed");
    let members: Vec<&String> = response.body.as_object().expect("a problem is an object").keys().collect();
    for member in ["type", "title", "status", "detail", "code", "errors"] {
        assert!(members.iter().any(|m| *m == member), "{member} missing: {}", response.text);
    }
    for error in response.body["errors"].as_array().expect("errors") {
        for member in ["field", "code", "message"] {
            assert!(error[member].is_string(), "{}", response.text);
        }
    }
    assert!(!response.text.contains("short1!"), "{}", response.text);
    assert!(!response.text.contains("secret-address"), "{}", response.text);
}

#[tokio::test]
async fn answers_are_json() {
    let app = spawn_app().await;

    for response in [
        app.get("/v1/terms").send().await,
        app.get("/v1/libraries").send().await,
        app.post("/v1/signups").json(&json!({ "memberType": "general" })).send().await,
    ] {
        let content_type = response.header("content-type").unwrap_or("");
        assert_eq!(content_type, "application/json; charset=utf-8");
        assert!(response.body.is_object(), "{}", response.text);
    }
}
