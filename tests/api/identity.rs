//! API.md, "Identity verification (본인확인)": requests opened with the provider for one purpose and
//! one owner, the provider's answers when it is down or slow, the return page, and the simulated
//! provider's own checks.

use std::time::Duration;

use api_tests::{adult, spawn_app, spawn_app_with, IdentityRequest, Person, Step, TestApp};
use membership_local::local::LocalOptions;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn sorted_keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

/// A signed-in general member's access token.
async fn member_token(app: &TestApp, person: &Person, username: &str) -> String {
    app.register_general(person, username).await;
    app.signed_in(username, api_tests::PASSWORD).await.access
}

// --- Opening a request ---------------------------------------------------------------------------

#[tokio::test]
async fn a_request_gives_the_provider_window_and_its_form() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let before = app.now().await;

    let phone = app.identity_request("signup", "phone", Some(&signup.token)).await;
    let ipin = app.identity_request("recovery", "ipin", None).await;

    assert_eq!(phone.status, 201, "{}", phone.text);
    assert_eq!(sorted_keys(&phone.body), ["expiresAt", "provider", "requestId"]);
    let provider = &phone.body["provider"];
    assert_eq!(provider["method"], "POST");
    assert!(provider["url"].as_str().unwrap().ends_with("/_sim/nice/CheckPlusSafeModel/service.cb"), "{provider}");
    assert_eq!(sorted_keys(&provider["fields"]), ["enc_data", "integrity_value", "m", "token_version_id"]);
    assert_eq!(provider["fields"]["m"], "service");
    let expires = OffsetDateTime::parse(phone.body["expiresAt"].as_str().unwrap(), &Rfc3339).unwrap();
    let lifetime = (expires - before).whole_seconds();
    assert!((600..=602).contains(&lifetime), "expires {lifetime} s after the request");
    assert_eq!(ipin.status, 201, "{}", ipin.text);
    assert!(ipin.body["provider"]["url"].as_str().unwrap().ends_with("/_sim/nice/ipin.cb"), "{}", ipin.text);
    assert_ne!(phone.body["requestId"], ipin.body["requestId"]);
}

#[tokio::test]
async fn a_sign_up_request_needs_the_sign_up_at_its_identity_step() {
    let app = spawn_app().await;
    let at_consent = app.signup_at("general", Step::Consent, &adult()).await;
    let at_profile = app.signup_at("general", Step::Profile, &adult()).await;
    let at_identity = app.signup_at("general", Step::Identity, &adult()).await;

    app.identity_request("signup", "phone", None).await.assert_problem(401, "signup.token_invalid");
    app.identity_request("signup", "phone", Some("garbage")).await.assert_problem(401, "signup.token_invalid");
    let forged = format!("{}.{}", at_identity.id, "x".repeat(43));
    app.identity_request("signup", "phone", Some(&forged)).await.assert_problem(401, "signup.token_invalid");
    let unknown = format!("{}.{}", "0".repeat(36), "x".repeat(43));
    app.identity_request("signup", "phone", Some(&unknown)).await.assert_problem(404, "signup.not_found");
    let wrong_step = app.identity_request("signup", "phone", Some(&at_consent.token)).await;
    wrong_step.assert_problem(409, "signup.wrong_step");
    assert_eq!(wrong_step.body["expectedStep"], "consent");
    app.identity_request("signup", "phone", Some(&at_profile.token)).await.assert_problem(409, "signup.wrong_step");

    app.advance_clock(31 * 60).await;
    app.identity_request("signup", "phone", Some(&at_identity.token)).await.assert_problem(410, "signup.expired");
}

#[tokio::test]
async fn a_guardian_or_upgrade_request_needs_a_member() {
    let app = spawn_app().await;
    let access = member_token(&app, &adult(), "haneul01").await;

    for purpose in ["guardian", "upgrade"] {
        app.identity_request(purpose, "phone", None).await.assert_problem(401, "auth.token_invalid");
        app.identity_request(purpose, "phone", Some("not-a-token")).await.assert_problem(401, "auth.token_invalid");
        assert_eq!(app.identity_request(purpose, "phone", Some(&access)).await.status, 201);
    }
    // A recovery asks nobody; a sign-up token is no member's.
    assert_eq!(app.identity_request("recovery", "phone", Some("anything")).await.status, 201);
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    app.identity_request("upgrade", "phone", Some(&signup.token)).await.assert_problem(401, "auth.token_invalid");
}

#[tokio::test]
async fn a_foreign_origin_is_refused() {
    let app = spawn_app().await;
    let port = app.base.rsplit(':').next().unwrap().to_owned();

    for origin in ["https://evil.example", "http://127.0.0.1:1", "null", "", &format!("{}/", app.base)] {
        let body = json!({ "purpose": "recovery", "method": "phone", "origin": origin });
        let response = app.post("/v1/identity/requests").json(&body).send().await;

        response.assert_field_error(422, "validation.failed", "/origin", "not_allowed");
    }
    let localhost = json!({ "purpose": "recovery", "method": "phone", "origin": format!("http://localhost:{port}") });
    assert_eq!(app.post("/v1/identity/requests").json(&localhost).send().await.status, 201);
}

#[tokio::test]
async fn a_request_body_of_another_shape_fails_validation() {
    let app = spawn_app().await;
    let origin = app.origin();

    let cases = [
        (json!({ "purpose": "lunch", "method": "phone", "origin": origin }), "/purpose", "invalid_value"),
        (json!({ "purpose": "recovery", "method": "passport", "origin": origin }), "/method", "invalid_value"),
        (json!({ "purpose": "recovery", "method": "phone" }), "/origin", "required"),
        (json!({ "purpose": "recovery", "method": "phone", "origin": origin, "x": 1 }), "/x", "unknown_field"),
    ];
    for (body, field, code) in cases {
        let response = app.post("/v1/identity/requests").json(&body).send().await;

        response.assert_field_error(422, "validation.failed", field, code);
    }
}

#[tokio::test]
async fn an_idempotency_key_is_not_honoured_on_identity_requests() {
    let app = spawn_app().await;
    let body = json!({ "purpose": "recovery", "method": "phone", "origin": app.origin() });

    let first = app.post("/v1/identity/requests").header("idempotency-key", "same").json(&body).send().await;
    let second = app.post("/v1/identity/requests").header("idempotency-key", "same").json(&body).send().await;

    assert_eq!((first.status, second.status), (201, 201), "{} {}", first.text, second.text);
    assert_ne!(first.body["requestId"], second.body["requestId"]);
}

// --- The provider down or slow -------------------------------------------------------------------

async fn provider_failure_changes_nothing(app: &TestApp, mode: &str) {
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let before = app.dump().await;

    app.set_fault("identity", mode).await;
    let response = app.identity_request("signup", "phone", Some(&signup.token)).await;
    let after = app.dump().await;
    app.set_fault("identity", "ok").await;

    response.assert_problem(503, "upstream.unavailable");
    assert!(response.header("retry-after").is_some(), "503 without Retry-After");
    assert_eq!(before, after, "a failed request stored something");
    // The sign-up still waits at its step, and goes on once the provider is back.
    let result = app.signup_result(&signup, &adult(), "phone").await;
    let verified = app.verify_identity(&signup, &result).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_provider_that_fails_answers_503_and_changes_nothing() {
    let app = spawn_app().await;
    provider_failure_changes_nothing(&app, "error").await;
}

#[tokio::test]
async fn a_provider_slower_than_the_timeout_answers_503_and_changes_nothing() {
    let options = LocalOptions { upstream_timeout: Duration::from_millis(300), ..LocalOptions::default() };
    let app = spawn_app_with(options).await;
    provider_failure_changes_nothing(&app, "timeout").await;
}

#[tokio::test]
async fn a_provider_that_fails_after_the_access_token_was_held_answers_503_too() {
    let app = spawn_app().await;
    assert_eq!(app.identity_request("recovery", "phone", None).await.status, 201);

    app.set_fault("identity", "error").await;
    let response = app.identity_request("recovery", "ipin", None).await;
    app.set_fault("identity", "ok").await;

    response.assert_problem(503, "upstream.unavailable");
    assert_eq!(app.identity_request("recovery", "ipin", None).await.status, 201);
}

#[tokio::test]
async fn the_access_token_is_fetched_once_and_again_after_a_401() {
    let app = spawn_app().await;
    let provider = &app.app.identity_provider;
    let calls = || provider.server_calls();

    assert_eq!(app.identity_request("recovery", "phone", None).await.status, 201);
    let first = calls();
    assert_eq!(app.identity_request("recovery", "ipin", None).await.status, 201);
    let second = calls() - first;
    provider.revoke_access_tokens();
    assert_eq!(app.identity_request("recovery", "phone", None).await.status, 201);
    let after_revocation = calls() - first - second;

    assert_eq!(first, 2, "the first request fetches the access token, then its crypto token");
    assert_eq!(second, 1, "later requests reuse the access token: one round trip each");
    assert_eq!(after_revocation, 3, "refused (401), a new access token, the crypto token again");
}

// --- Purpose and owner --------------------------------------------------------------------------

#[tokio::test]
async fn a_result_serves_only_its_purpose_and_owner() {
    let app = spawn_app().await;
    app.register_child(&adult(), "kid01", "김첫째", "2015-01-01").await;
    app.register_child(&Person::new("이보호", "1980-03-03"), "kid02", "이둘째", "2015-02-02").await;
    let first = app.signed_in("kid01", api_tests::PASSWORD).await.access;
    let second = app.signed_in("kid02", api_tests::PASSWORD).await.access;
    let child = Person::new("김첫째", "2015-01-01");
    let upgrade_of_first = app.member_result("upgrade", &first, &child, "phone").await;
    let guardian_of_first = app.member_result("guardian", &first, &adult(), "phone").await;
    let upgrade = |access: &str, identity: &Value| {
        app.post("/v1/members/me/upgrade").bearer(access).json(&json!({ "identity": identity })).send()
    };

    // Another member's result; a result of another purpose: neither is a request of this one.
    upgrade(&second, &upgrade_of_first).await.assert_problem(422, "identity.result_invalid");
    upgrade(&first, &guardian_of_first).await.assert_problem(422, "identity.result_invalid");
    let as_recovery = app.post("/v1/recovery/username").json(&json!({ "identity": upgrade_of_first })).send().await;
    as_recovery.assert_problem(422, "identity.result_invalid");
    // None of that used it: its own member's upgrade reads it (and finds the child under 14).
    upgrade(&first, &upgrade_of_first).await.assert_problem(422, "age.requires_child_signup");
}

#[tokio::test]
async fn an_unknown_token_version_id_is_an_invalid_result() {
    let app = spawn_app().await;
    let result = app.recovery_result(&adult(), "phone").await;
    let mut unknown = result.clone();
    unknown["tokenVersionId"] = json!("20261202UNKNOWNUNKNOWNUNKNOWN");

    let response = app.post("/v1/recovery/username").json(&json!({ "identity": unknown })).send().await;

    response.assert_problem(422, "identity.result_invalid");
}

/// The request's own `enc_data` opens under the same keys and names the same `requestno`: handed
/// back as if it were the result, it is no result at all, and the request stays unused.
#[tokio::test]
async fn the_requests_own_form_is_not_a_result() {
    let app = spawn_app().await;
    let request = app.request_identity("recovery", "phone", None).await;
    let own: serde_json::Map<String, Value> =
        request.fields.iter().map(|(name, value)| (name.clone(), json!(value))).collect();

    let response = app
        .post("/v1/recovery/username")
        .json(&json!({ "identity": api_tests::identity_value(&Value::Object(own)) }))
        .send()
        .await;

    response.assert_problem(422, "identity.result_invalid");
}

#[tokio::test]
async fn a_result_used_late_within_the_hour_it_is_kept_is_expired() {
    let app = spawn_app().await;
    let result = app.recovery_result(&adult(), "phone").await;

    app.advance_clock(600 + 3000).await;
    let response = app.post("/v1/recovery/username").json(&json!({ "identity": result })).send().await;

    response.assert_problem(422, "identity.result_expired");
}

#[tokio::test]
async fn a_request_keeps_its_keys_sealed_and_neither_they_nor_the_result_reach_a_log() {
    let app = spawn_app().await;
    let (request, fields) = completed(&app).await;
    let page = post_return(&app, form_body(&fields)).await;
    assert_eq!(page.status, 200);
    let used =
        app.post("/v1/recovery/username").json(&json!({ "identity": api_tests::identity_value(&fields) })).send().await;
    used.assert_problem(404, "member.not_found");

    let items = app.dump().await;
    let stored = items
        .iter()
        .find(|item| {
            item.key().is_some_and(|k| k.pk == format!("IDREQ#{}", request.token_version_id) && k.sk == "REQUEST")
        })
        .expect("the request is kept");
    let mut names: Vec<&str> = stored.0.keys().map(String::as_str).collect();
    names.sort_unstable();
    for name in ["key", "iv", "hmacKey", "tokenVal", "encData", "integrityValue", "name", "birthDate", "di", "ci"] {
        assert!(!names.contains(&name), "{name} stored: {names:?}");
    }
    let sealed = stored.0["sealedKeys"].as_str().expect("sealed keys");
    let logs = api_tests::captured_logs();
    for secret in [
        sealed,
        stored.0["requestNo"].as_str().unwrap(),
        fields["enc_data"].as_str().unwrap(),
        fields["integrity_value"].as_str().unwrap(),
        request.fields.iter().find(|(n, _)| n == "enc_data").map(|(_, v)| v.as_str()).unwrap(),
    ] {
        assert!(!logs.contains(secret), "a log line holds {secret}");
    }
    assert!(!logs.contains("김하늘"), "a log line holds the verified name");
}

// --- The return page -----------------------------------------------------------------------------

/// The provider's post to the return page, as a browser sends the simulator's form.
async fn post_return(app: &TestApp, body: String) -> api_tests::TestResponse {
    app.post("/v1/identity/return").raw("application/x-www-form-urlencoded", body).send().await
}

fn form_body(fields: &Value) -> String {
    let encode = |s: &str| s.replace('%', "%25").replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    format!(
        "token_version_id={}&enc_data={}&integrity_value={}",
        encode(fields["token_version_id"].as_str().unwrap()),
        encode(fields["enc_data"].as_str().unwrap()),
        encode(fields["integrity_value"].as_str().unwrap())
    )
}

async fn completed(app: &TestApp) -> (IdentityRequest, Value) {
    let request = app.request_identity("recovery", "phone", None).await;
    app.open_window(&request).await;
    let done = app.complete_at_provider(&request, json!({ "name": "김하늘", "birthDate": "1990-05-17" })).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(done.body["returnUrl"].as_str().unwrap().ends_with("/v1/identity/return"), "{}", done.text);
    (request, done.body["fields"].clone())
}

#[tokio::test]
async fn the_return_page_hands_the_result_to_the_requests_origin_only() {
    let app = spawn_app().await;
    let (_, fields) = completed(&app).await;

    let page = post_return(&app, form_body(&fields)).await;

    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.header("content-type").unwrap().starts_with("text/html"), "{:?}", page.headers);
    let policy = page.header("content-security-policy").expect("a CSP");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a script nonce");
    assert!(page.text.contains(&format!("<script nonce=\"{nonce}\">")), "{}", page.text);
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let target = serde_json::to_string(&app.origin()).unwrap();
    assert!(page.text.contains("window.opener.postMessage("), "{}", page.text);
    assert!(page.text.contains(&format!(", {target});")), "target origin: {}", page.text);
    assert!(!page.text.contains("\"*\""), "{}", page.text);
    for value in
        ["identity-result", fields["token_version_id"].as_str().unwrap(), fields["integrity_value"].as_str().unwrap()]
    {
        assert!(page.text.contains(value), "{value} missing from {}", page.text);
    }
    assert!(page.text.contains(fields["enc_data"].as_str().unwrap()), "{}", page.text);
}

#[tokio::test]
async fn the_return_page_keeps_a_plus_the_provider_left_unencoded() {
    let app = spawn_app().await;
    let (_, fields) = completed(&app).await;
    let raw = format!(
        "token_version_id={}&enc_data={}&integrity_value={}",
        fields["token_version_id"].as_str().unwrap(),
        fields["enc_data"].as_str().unwrap(),
        fields["integrity_value"].as_str().unwrap()
    );

    let page = post_return(&app, raw).await;

    assert!(page.text.contains(fields["enc_data"].as_str().unwrap()), "{}", page.text);
    assert!(page.text.contains(fields["integrity_value"].as_str().unwrap()), "{}", page.text);
}

#[tokio::test]
async fn the_return_page_of_an_unknown_request_says_so_and_sends_nothing() {
    let app = spawn_app().await;
    let (_, mut fields) = completed(&app).await;
    fields["token_version_id"] = json!("20261202NOSUCHREQUEST");

    let page = post_return(&app, form_body(&fields)).await;
    let empty = post_return(&app, String::new()).await;

    for page in [page, empty] {
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.header("content-type").unwrap().starts_with("text/html"));
        assert!(page.text.contains("알 수 없는"), "{}", page.text);
        assert!(!page.text.contains("<script"), "{}", page.text);
        assert!(!page.text.contains("postMessage"), "{}", page.text);
        assert!(page.header("content-security-policy").unwrap().contains("default-src 'none'"));
    }
}

// --- The simulated provider's own checks --------------------------------------------------------

#[tokio::test]
async fn the_providers_window_refuses_a_request_that_does_not_verify() {
    let app = spawn_app().await;
    let mut request = app.request_identity("recovery", "phone", None).await;
    let ipin = app.request_identity("recovery", "ipin", None).await;
    let mut swapped = ipin.clone();
    swapped.url = request.url.clone();
    for (name, value) in request.fields.iter_mut() {
        if name == "enc_data" {
            value.replace_range(4..6, if &value[4..6] == "AA" { "BB" } else { "AA" });
        }
    }

    for bad in [request, swapped] {
        let response = app.client.post(&bad.url).form(&bad.fields).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 400, "{}", response.text().await.unwrap());
    }
}

#[tokio::test]
async fn the_provider_completes_only_requests_it_issued_and_showed() {
    let app = spawn_app().await;
    let request = app.request_identity("recovery", "phone", None).await;
    let person = json!({ "name": "김하늘", "birthDate": "1990-05-17" });

    let not_shown = app.complete_at_provider(&request, person.clone()).await;
    let mut unknown = request.clone();
    unknown.token_version_id = "20261202NEVERISSUED".into();
    let never_issued = app.complete_at_provider(&unknown, person).await;

    not_shown.assert_field_error(422, "validation.failed", "/tokenVersionId", "window_not_opened");
    assert_eq!(never_issued.status, 404, "{}", never_issued.text);
}

#[tokio::test]
async fn the_provider_posts_the_result_to_the_return_page_without_json() {
    let app = spawn_app().await;
    let request = app.request_identity("recovery", "phone", None).await;
    app.open_window(&request).await;

    let page = app
        .post("/_sim/nice/complete")
        .raw(
            "application/x-www-form-urlencoded",
            format!(
                "tokenVersionId={}&name=%EA%B9%80%ED%95%98%EB%8A%98&birthDate=1990-05-17",
                request.token_version_id
            ),
        )
        .send()
        .await;

    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("/v1/identity/return"), "{}", page.text);
    assert!(page.text.contains("name=\"enc_data\""), "{}", page.text);
}
