//! API.md, "Lifecycle" as sessions and members meet it through the clock: dormant once now passes
//! `consentRenewalDue`, treated as withdrawn a calendar year later, whether or not the purge has run.

use api_tests::{adult, spawn_app, SignedIn, TestApp, TestResponse, PASSWORD};
use membership_domain::calendar::add_seoul_years;
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const DAY: i64 = 24 * 60 * 60;

fn instant(value: &serde_json::Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("an instant"), &Rfc3339).expect("RFC 3339")
}

/// `reader01`, signed up now; its `consentRenewalDue`.
async fn member_due(app: &TestApp) -> OffsetDateTime {
    app.register_general(&adult(), "reader01").await;
    let tokens = app.signed_in("reader01", PASSWORD).await;
    instant(&app.me(&tokens.access).await.body["consentRenewalDue"])
}

/// The dormant sign-in's limited access token.
fn dormant_token(response: &TestResponse) -> String {
    response.assert_problem(403, "member.dormant");
    assert_eq!(response.body["expiresIn"], 1800, "{}", response.text);
    assert!(response.body.get("refreshToken").is_none(), "no refresh token for a dormant member: {}", response.text);
    assert!(response.body.get("refreshExpiresIn").is_none(), "{}", response.text);
    response.body["accessToken"].as_str().expect("accessToken").to_owned()
}

async fn renewal(app: &TestApp, access: &str) -> TestResponse {
    let consents = app.signup_consents().await;
    app.post("/v1/members/me/consents/renewal").bearer(access).json(&consents).send().await
}

async fn patch_email(app: &TestApp, access: &str) -> TestResponse {
    app.patch("/v1/members/me").bearer(access).json(&json!({ "email": "new@example.kr" })).send().await
}

async fn change_password(app: &TestApp, access: &str) -> TestResponse {
    let body = json!({ "currentPassword": PASSWORD, "newPassword": "Another-Shelf-77" });
    app.post("/v1/members/me/password").bearer(access).json(&body).send().await
}

#[tokio::test]
async fn a_dormant_member_signs_in_to_a_token_for_reading_renewing_and_withdrawing_only() {
    let app = spawn_app().await;
    let due = member_due(&app).await;
    app.advance_clock_to(due, DAY).await;

    app.sign_in("reader01", "Not-The-Password-9").await.assert_problem(401, "auth.invalid_credentials");
    let signed_in = app.sign_in("reader01", PASSWORD).await;
    let dormant = dormant_token(&signed_in);
    let in_english = app
        .post("/v1/sessions")
        .header("accept-language", "en")
        .json(&json!({ "username": "reader01", "password": PASSWORD }))
        .send()
        .await;
    let english_token = dormant_token(&in_english);
    assert_ne!(in_english.body["title"], signed_in.body["title"], "the problem follows Accept-Language");
    assert_eq!(app.me(&english_token).await.status, 200, "and still holds a working token");

    let me = app.me(&dormant).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.body["status"], "dormant");
    assert_eq!(instant(&me.body["consentRenewalDue"]), due);
    patch_email(&app, &dormant).await.assert_problem(403, "member.dormant");
    change_password(&app, &dormant).await.assert_problem(403, "member.dormant");
    assert_eq!(app.me(&dormant).await.body["email"], "reader@example.kr", "nothing changed");

    let before = app.now().await;
    let renewed = renewal(&app, &dormant).await;
    let after = app.now().await;

    assert_eq!(renewed.status, 200, "{}", renewed.text);
    let new_due = instant(&renewed.body["consentRenewalDue"]);
    assert!(
        (add_seoul_years(before, 2)..=add_seoul_years(after, 2)).contains(&new_due),
        "two calendar years from the renewal: {new_due}"
    );
    // The limited token stays limited: the client signs in again.
    patch_email(&app, &dormant).await.assert_problem(403, "member.dormant");
    let active = app.signed_in("reader01", PASSWORD).await;
    let me = app.me(&active.access).await;
    assert_eq!((me.body["status"].as_str(), instant(&me.body["consentRenewalDue"])), (Some("active"), new_due));
    assert_eq!(patch_email(&app, &active.access).await.status, 200);
}

#[tokio::test]
async fn a_dormant_member_may_sign_out_and_withdraw() {
    let app = spawn_app().await;
    let due = member_due(&app).await;
    app.advance_clock_to(due, DAY).await;
    let first = dormant_token(&app.sign_in("reader01", PASSWORD).await);
    let second = dormant_token(&app.sign_in("reader01", PASSWORD).await);

    let signed_out = app.delete("/v1/sessions/current").bearer(&first).send().await;
    let withdrawn = app.delete("/v1/members/me").bearer(&second).send().await;

    assert_eq!(signed_out.status, 204, "{}", signed_out.text);
    assert_eq!(withdrawn.status, 204, "{}", withdrawn.text);
    app.me(&first).await.assert_problem(401, "auth.token_invalid");
    app.me(&second).await.assert_problem(401, "auth.token_invalid");
    app.sign_in("reader01", PASSWORD).await.assert_problem(401, "auth.invalid_credentials");
    assert!(!app.username_available("reader01").await);
}

#[tokio::test]
async fn sessions_open_when_the_member_turns_dormant_are_limited_and_cannot_refresh() {
    let app = spawn_app().await;
    let due = member_due(&app).await;
    app.advance_clock_to(due, -DAY).await;
    let day_before = app.signed_in("reader01", PASSWORD).await;
    app.advance_clock_to(due, -10 * 60).await;
    let minutes_before = app.signed_in("reader01", PASSWORD).await;

    app.advance_clock(20 * 60).await;

    let me = app.me(&minutes_before.access).await;
    assert_eq!((me.status, me.body["status"].as_str()), (200, Some("dormant")), "{}", me.text);
    patch_email(&app, &minutes_before.access).await.assert_problem(403, "member.dormant");
    change_password(&app, &minutes_before.access).await.assert_problem(403, "member.dormant");
    app.refresh(&minutes_before.refresh).await.assert_problem(403, "member.dormant");
    app.refresh(&day_before.refresh).await.assert_problem(403, "member.dormant");
    app.advance_clock(DAY).await;
    app.refresh(&day_before.refresh).await.assert_problem(403, "member.dormant");
    let dormant = dormant_token(&app.sign_in("reader01", PASSWORD).await);
    assert_eq!(renewal(&app, &dormant).await.status, 200);
    let refreshed = app.refresh(&day_before.refresh).await;
    assert_eq!(refreshed.status, 200, "an unrevoked session refreshes again once renewed: {}", refreshed.text);
    let tokens = SignedIn::from_body(&refreshed.body);
    assert_eq!(app.me(&tokens.access).await.body["status"], "active");
}

#[tokio::test]
async fn a_year_after_falling_dormant_the_member_is_treated_as_withdrawn() {
    let app = spawn_app().await;
    let due = member_due(&app).await;
    let withdrawal = add_seoul_years(due, 1);
    app.advance_clock_to(withdrawal, -DAY).await;
    dormant_token(&app.sign_in("reader01", PASSWORD).await);
    app.advance_clock_to(withdrawal, -10 * 60).await;
    let last_token = dormant_token(&app.sign_in("reader01", PASSWORD).await);

    app.advance_clock(20 * 60).await;

    app.me(&last_token).await.assert_problem(401, "auth.token_invalid");
    let signed_in = app.sign_in("reader01", PASSWORD).await;
    signed_in.assert_problem(401, "auth.invalid_credentials");
    let unknown = app.sign_in("nobody01", PASSWORD).await;
    assert_eq!(signed_in.body, unknown.body, "the same answer as for no member at all");
    assert!(!app.username_available("reader01").await);
    app.advance_clock(DAY).await;
    app.sign_in("reader01", PASSWORD).await.assert_problem(401, "auth.invalid_credentials");
    let result = app.recovery_result(&adult(), "phone").await;
    let recovered = app.post("/v1/recovery/username").json(&json!({ "identity": result })).send().await;
    recovered.assert_problem(404, "member.not_found");
}
