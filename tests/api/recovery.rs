//! API.md, "Account recovery" (아이디 찾기 / 비밀번호 찾기): from a fresh identity result of the member,
//! or of the guardian for the children they signed up; no answer tells which part did not match.

use std::collections::BTreeSet;

use api_tests::{adult, born_years_before, spawn_app, Person, TestApp, TestResponse, PASSWORD};
use serde_json::{json, Value};

const NEW_PASSWORD: &str = "Found-Again-2027";

fn guardian() -> Person {
    Person::new("이보호", "1980-03-03")
}

async fn recover_username(app: &TestApp, result: &Value) -> TestResponse {
    app.post("/v1/recovery/username").json(&json!({ "identity": result })).send().await
}

async fn reset_password(app: &TestApp, result: &Value, username: &str, new_password: &str) -> TestResponse {
    let body = json!({ "identity": result, "username": username, "newPassword": new_password });
    app.post("/v1/recovery/password").json(&body).send().await
}

/// The accounts of a username recovery, by username.
fn accounts(response: &TestResponse) -> Vec<Value> {
    assert_eq!(response.status, 200, "{}", response.text);
    let keys: BTreeSet<&str> = response.body.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, BTreeSet::from(["accounts"]));
    let mut accounts = response.body["accounts"].as_array().expect("accounts").clone();
    accounts.sort_by_key(|a| a["username"].as_str().unwrap_or("").to_owned());
    accounts
}

// --- Usernames -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_member_recovers_its_username_by_phone_or_ipin() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    app.register_general(&adult(), "reader01").await;

    for method in ["phone", "ipin"] {
        let result = app.recovery_result(&adult(), method).await;

        let response = recover_username(&app, &result).await;

        assert_eq!(
            accounts(&response),
            [json!({ "username": "reader01", "memberType": "general", "createdOn": today.to_string() })]
        );
    }
}

#[tokio::test]
async fn a_guardian_sees_the_children_they_signed_up_and_their_own_membership() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let (older, younger) = (born_years_before(today, 10).to_string(), born_years_before(today, 6).to_string());
    let other_guardian = Person::new("박보호", "1982-04-04");
    app.register_general(&guardian(), "parent01").await;
    app.register_child(&guardian(), "kid01", "이어린", &older).await;
    app.register_child(&guardian(), "kid02", "이작은", &younger).await;
    app.register_child(&other_guardian, "kid03", "박어린", &older).await;
    let created_on = today.to_string();

    let response = recover_username(&app, &app.recovery_result(&guardian(), "phone").await).await;
    let other = recover_username(&app, &app.recovery_result(&other_guardian, "phone").await).await;

    assert_eq!(
        accounts(&response),
        [
            json!({ "username": "kid01", "memberType": "child", "createdOn": created_on }),
            json!({ "username": "kid02", "memberType": "child", "createdOn": created_on }),
            json!({ "username": "parent01", "memberType": "general", "createdOn": created_on }),
        ]
    );
    assert_eq!(accounts(&other), [json!({ "username": "kid03", "memberType": "child", "createdOn": created_on })]);
}

#[tokio::test]
async fn someone_without_a_membership_is_not_found_and_the_result_is_used_up() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let stranger = Person::new("최모름", "1970-07-07");
    let result = app.recovery_result(&stranger, "phone").await;

    let response = recover_username(&app, &result).await;

    response.assert_problem(404, "member.not_found");
    assert!(response.body.get("accounts").is_none());
    recover_username(&app, &result).await.assert_problem(409, "identity.result_replayed");
}

// --- The identity result -------------------------------------------------------------------------

#[tokio::test]
async fn recovery_results_are_checked_as_at_sign_up() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let by_ipin = app.recovery_result(&adult(), "ipin").await;
    let mut tampered = by_ipin.clone();
    tampered["integrityValue"] = json!(format!("{}=", "A".repeat(43)));

    for garbage in [
        json!({ "tokenVersionId": "garbage", "encData": "", "integrityValue": "" }),
        json!({ "tokenVersionId": by_ipin["tokenVersionId"], "encData": "a.b", "integrityValue": by_ipin["integrityValue"] }),
        tampered,
    ] {
        recover_username(&app, &garbage).await.assert_problem(422, "identity.result_invalid");
        reset_password(&app, &garbage, "reader01", NEW_PASSWORD).await.assert_problem(422, "identity.result_invalid");
    }
    let old_shape = app.post("/v1/recovery/username").json(&json!({ "method": "ipin", "result": "x" })).send().await;
    old_shape.assert_field_error(422, "validation.failed", "/method", "unknown_field");
    let recovered = recover_username(&app, &by_ipin).await;
    assert_eq!(recovered.status, 200, "none of the above used the result: {}", recovered.text);

    recover_username(&app, &by_ipin).await.assert_problem(409, "identity.result_replayed");
    let used_once = app.recovery_result(&adult(), "phone").await;
    assert_eq!(recover_username(&app, &used_once).await.status, 200);
    reset_password(&app, &used_once, "reader01", NEW_PASSWORD).await.assert_problem(409, "identity.result_replayed");

    let stale = app.recovery_result(&adult(), "phone").await;
    app.advance_clock(10 * 60 + 1).await;
    recover_username(&app, &stale).await.assert_problem(422, "identity.result_expired");
    let stale = app.recovery_result(&adult(), "phone").await;
    app.advance_clock(10 * 60 + 1).await;
    reset_password(&app, &stale, "reader01", NEW_PASSWORD).await.assert_problem(422, "identity.result_expired");
    let cancelled = app.request_identity("recovery", "phone", None).await;
    let cancelled = app.cancel_at_provider(&cancelled).await;
    recover_username(&app, &cancelled).await.assert_problem(422, "identity.verification_failed");
    reset_password(&app, &cancelled, "reader01", NEW_PASSWORD)
        .await
        .assert_problem(422, "identity.verification_failed");
    assert_eq!(app.sign_in("reader01", PASSWORD).await.status, 200, "the password is unchanged");
}

#[tokio::test]
async fn a_result_of_a_sign_up_cannot_recover() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", api_tests::Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;
    assert_eq!(app.verify_identity(&signup, &result).await.status, 200);
    let created = app.complete_signup(&signup, &api_tests::general_member("reader01")).await;
    assert_eq!(created.status, 201, "{}", created.text);

    recover_username(&app, &result).await.assert_problem(422, "identity.result_invalid");
    reset_password(&app, &result, "reader01", NEW_PASSWORD).await.assert_problem(422, "identity.result_invalid");
}

// --- Passwords -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_member_resets_its_password_and_every_session_ends() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let first = app.signed_in("reader01", PASSWORD).await;
    let second = app.signed_in("reader01", PASSWORD).await;
    let result = app.recovery_result(&adult(), "phone").await;

    let response = reset_password(&app, &result, "Reader01", NEW_PASSWORD).await;

    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    for tokens in [&first, &second] {
        app.me(&tokens.access).await.assert_problem(401, "auth.token_invalid");
        app.refresh(&tokens.refresh).await.assert_problem(401, "auth.refresh_invalid");
    }
    app.sign_in("reader01", PASSWORD).await.assert_problem(401, "auth.invalid_credentials");
    assert_eq!(app.sign_in("reader01", NEW_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_guardian_resets_the_password_of_a_child_they_signed_up() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    app.register_child(&guardian(), "kid01", "이어린", &born_years_before(today, 9).to_string()).await;
    let child = app.signed_in("kid01", PASSWORD).await;

    let response = reset_password(&app, &app.recovery_result(&guardian(), "phone").await, "kid01", NEW_PASSWORD).await;

    assert_eq!(response.status, 204, "{}", response.text);
    app.me(&child.access).await.assert_problem(401, "auth.token_invalid");
    assert_eq!(app.sign_in("kid01", NEW_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_reset_of_an_account_that_is_not_the_persons_is_not_found_without_a_hint() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let bob = Person::new("박밥", "1991-02-02");
    app.register_general(&adult(), "reader01").await;
    app.register_general(&bob, "bob01").await;
    app.register_child(&guardian(), "kid01", "이어린", &born_years_before(today, 9).to_string()).await;

    let mut answers = Vec::new();
    for (who, person, username) in [
        ("another person's result", &bob, "reader01"),
        ("an unknown username", &adult(), "nobody01"),
        ("a username that breaks the rule", &adult(), "x"),
        ("a child of someone else", &adult(), "kid01"),
        ("the guardian's own result for a general member", &guardian(), "reader01"),
    ] {
        let result = app.recovery_result(person, "phone").await;

        let response = reset_password(&app, &result, username, NEW_PASSWORD).await;

        response.assert_problem(404, "member.not_found");
        answers.push((who, response.body));
    }
    for (who, body) in &answers[1..] {
        assert_eq!(body, &answers[0].1, "{who} answers as {} does", answers[0].0);
    }
    for username in ["reader01", "bob01", "kid01"] {
        assert_eq!(app.sign_in(username, PASSWORD).await.status, 200, "{username} keeps its password");
    }
}

#[tokio::test]
async fn a_reset_lifts_a_sign_in_lock() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    for _ in 0..5 {
        app.sign_in("reader01", "Not-The-Password-9").await.assert_problem(401, "auth.invalid_credentials");
    }
    app.sign_in("reader01", PASSWORD).await.assert_problem(429, "auth.locked");

    let response = reset_password(&app, &app.recovery_result(&adult(), "phone").await, "reader01", NEW_PASSWORD).await;

    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(app.sign_in("reader01", NEW_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_weak_new_password_is_refused_before_the_result_is_used() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let result = app.recovery_result(&adult(), "phone").await;

    for (password, reason) in
        [("Ab1!xyz", "too_short"), ("abcdefg1", "too_few_classes"), ("Reader01-again", "contains_username")]
    {
        let response = reset_password(&app, &result, "reader01", password).await;

        response.assert_problem(422, "password.weak");
        assert_eq!(response.field_errors(), [("/newPassword".to_owned(), reason.to_owned())], "{}", response.text);
    }
    app.post("/v1/recovery/password")
        .json(&json!({ "identity": result, "username": "reader01" }))
        .send()
        .await
        .assert_field_error(422, "validation.failed", "/newPassword", "required");

    let response = reset_password(&app, &result, "reader01", NEW_PASSWORD).await;
    assert_eq!(response.status, 204, "a typo in the new password does not cost the verification: {}", response.text);
}
