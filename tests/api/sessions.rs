//! API.md, "Sessions": sign-in and its lockout, access tokens checked against the service's clock,
//! rotating refresh tokens with reuse detection, the 14-day and 30-day limits, and sign-out.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use api_tests::{adult, spawn_app, spawn_app_with, Person, SignedIn, TestApp, PASSWORD};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use membership::passwords::{Argon2id, HashError, PasswordHasher};
use membership_domain::password::Password;
use membership_local::local::LocalOptions;
use serde_json::{json, Value};
use time::Duration;

const WRONG: &str = "Not-The-Password-9";
const DAY: i64 = 24 * 60 * 60;
const ACCESS_SECONDS: i64 = 30 * 60;
const REFRESH_SECONDS: i64 = 14 * DAY;
const LOCKOUT_SECONDS: i64 = 15 * 60;

/// The production hasher, noting the algorithm and cost of every hash it verifies a password against.
struct CountingHasher {
    inner: Argon2id,
    verified: Mutex<Vec<String>>,
}

impl CountingHasher {
    fn new() -> Self {
        Self { inner: Argon2id::owasp(), verified: Mutex::new(Vec::new()) }
    }

    /// The verifications since the last call: `argon2id$v=19$m=19456,t=2,p=1` for each.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.verified.lock().unwrap())
    }
}

impl PasswordHasher for CountingHasher {
    fn hash(&self, password: &Password) -> Result<String, HashError> {
        self.inner.hash(password)
    }

    fn verify(&self, password: &Password, phc: &str) -> bool {
        let cost = phc.split('$').skip(1).take(3).collect::<Vec<_>>().join("$");
        self.verified.lock().unwrap().push(cost);
        self.inner.verify(password, phc)
    }
}

const ARGON2ID_OWASP: &str = "argon2id$v=19$m=19456,t=2,p=1";

fn keys(body: &Value) -> BTreeSet<&str> {
    body.as_object().expect("an object").keys().map(String::as_str).collect()
}

/// A member `username` of a person nobody else in the test is, signed in.
async fn member(app: &TestApp, username: &str) -> SignedIn {
    let person = Person::new("김하늘", "1990-05-17").with_di(&format!("di-{username}"));
    app.register_general(&person, username).await;
    app.signed_in(username, PASSWORD).await
}

/// The JWT with its payload rewritten and its signature kept.
fn forge(token: &str, change: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT: {token}");
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64url")).expect("JSON");
    change(&mut claims);
    format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2])
}

fn push_expiry_back(claims: &mut Value) {
    let exp = claims["exp"].as_i64().expect("exp");
    claims["exp"] = json!(exp + DAY);
}

// --- Signing in ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_member_signs_in_for_30_minutes_with_a_refresh_token_for_14_days() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;

    let response = app.sign_in("reader01", PASSWORD).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(
        keys(&response.body),
        BTreeSet::from(["accessToken", "tokenType", "expiresIn", "refreshToken", "refreshExpiresIn"])
    );
    assert_eq!(response.body["tokenType"], "Bearer");
    assert_eq!(response.body["expiresIn"], 1800);
    assert_eq!(response.body["refreshExpiresIn"], REFRESH_SECONDS);
    let tokens = SignedIn::from_body(&response.body);
    assert!(!tokens.access.is_empty() && !tokens.refresh.is_empty() && tokens.access != tokens.refresh);
    let me = app.me(&tokens.access).await;
    assert_eq!((me.status, me.body["username"].as_str()), (200, Some("reader01")), "{}", me.text);
}

#[tokio::test]
async fn the_username_is_case_insensitive_and_the_password_is_not() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;

    for username in ["READER01", "Reader01", "reader01"] {
        let response = app.sign_in(username, PASSWORD).await;

        assert_eq!(response.status, 200, "{username}: {}", response.text);
    }
    app.sign_in("reader01", &PASSWORD.to_lowercase()).await.assert_problem(401, "auth.invalid_credentials");
    app.sign_in("reader01", &PASSWORD.to_uppercase()).await.assert_problem(401, "auth.invalid_credentials");
}

#[tokio::test]
async fn an_unknown_user_and_a_wrong_password_get_the_same_answer_for_the_same_hashing_work() {
    let hasher = Arc::new(CountingHasher::new());
    let app = spawn_app_with(LocalOptions { hasher: hasher.clone(), ..LocalOptions::default() }).await;
    app.register_general(&adult(), "reader01").await;
    let gone = Person::new("박탈퇴", "1985-01-01");
    app.register_general(&gone, "leaver01").await;
    let leaver = app.signed_in("leaver01", PASSWORD).await;
    assert_eq!(app.delete("/v1/members/me").bearer(&leaver.access).send().await.status, 204);
    hasher.take();

    let mut answers = Vec::new();
    for (username, password) in
        [("reader01", WRONG), ("nobody01", WRONG), ("nobody01", PASSWORD), ("x", WRONG), ("leaver01", PASSWORD)]
    {
        let response = app.sign_in(username, password).await;
        let work = hasher.take();

        response.assert_problem(401, "auth.invalid_credentials");
        assert_eq!(work, [ARGON2ID_OWASP], "{username}: one verification at the production cost");
        answers.push((response.header("www-authenticate").map(str::to_owned), response.body));
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]), "the same answer every time: {answers:?}");
    let right = app.sign_in("reader01", PASSWORD).await;
    assert_eq!((right.status, hasher.take().len()), (200, 1), "{}", right.text);
}

#[tokio::test]
async fn a_sign_in_body_is_validated_like_any_other() {
    let app = spawn_app().await;

    app.post("/v1/sessions").json(&json!({ "username": "reader01" })).send().await.assert_field_error(
        422,
        "validation.failed",
        "/password",
        "required",
    );
    app.post("/v1/sessions")
        .json(&json!({ "username": "reader01", "password": PASSWORD, "memberId": "m" }))
        .send()
        .await
        .assert_field_error(422, "validation.failed", "/memberId", "unknown_field");
    app.post("/v1/sessions").raw("application/json", "{").send().await.assert_problem(400, "request.malformed");
}

#[tokio::test]
async fn a_name_that_could_never_be_a_username_is_just_unknown() {
    let app = spawn_app().await;
    let long = "a".repeat(3000);

    for username in ["관리자", long.as_str(), "reader 01", ""] {
        for _ in 0..5 {
            let response = app.sign_in(username, WRONG).await;

            assert_eq!((response.status, response.code()), (401, "auth.invalid_credentials"), "{}", response.text);
        }
        app.sign_in(username, WRONG).await.assert_problem(429, "auth.locked");
    }
}

// --- Lockout -------------------------------------------------------------------------------------

#[tokio::test]
async fn the_fifth_failure_locks_the_username_until_15_minutes_after_the_first() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    app.register_general(&Person::new("이다른", "1991-01-01"), "reader02").await;

    let before_first = app.now().await;
    app.sign_in("reader01", WRONG).await.assert_problem(401, "auth.invalid_credentials");
    let after_first = app.now().await;
    for n in 2..=5 {
        app.advance_clock(2 * 60).await;
        let failure = app.sign_in("reader01", WRONG).await;
        assert_eq!((failure.status, failure.code()), (401, "auth.invalid_credentials"), "failure {n}");
    }

    let before = app.now().await;
    let locked = app.sign_in("reader01", PASSWORD).await;
    let after = app.now().await;

    locked.assert_problem(429, "auth.locked");
    let retry_after: i64 = locked.header("retry-after").expect("Retry-After").parse().expect("seconds");
    let (earliest, latest) = (
        before_first + Duration::seconds(LOCKOUT_SECONDS) - after,
        after_first + Duration::seconds(LOCKOUT_SECONDS) - before,
    );
    assert!(
        (earliest.whole_seconds()..=latest.whole_seconds()).contains(&retry_after),
        "Retry-After {retry_after} counts from the first failure ({earliest} to {latest}), not the last"
    );
    app.sign_in("READER01", WRONG).await.assert_problem(429, "auth.locked");
    let other = app.sign_in("reader02", PASSWORD).await;
    assert_eq!(other.status, 200, "the lock is per username: {}", other.text);

    app.advance_clock(retry_after - 5).await;
    app.sign_in("reader01", PASSWORD).await.assert_problem(429, "auth.locked");
    app.advance_clock(6).await;
    let unlocked = app.sign_in("reader01", PASSWORD).await;
    assert_eq!(unlocked.status, 200, "{}", unlocked.text);
}

#[tokio::test]
async fn guesses_sent_all_at_once_get_no_more_than_five_verifications() {
    let hasher = Arc::new(CountingHasher::new());
    let app = Arc::new(spawn_app_with(LocalOptions { hasher: hasher.clone(), ..LocalOptions::default() }).await);
    app.register_general(&adult(), "reader01").await;
    hasher.take();
    let barrier = Arc::new(tokio::sync::Barrier::new(20));

    let guesses: Vec<_> = (0..20)
        .map(|n| {
            let (app, barrier) = (app.clone(), barrier.clone());
            tokio::spawn(async move {
                let call = app
                    .post("/v1/sessions")
                    .json(&json!({ "username": "reader01", "password": format!("Guess-{n:02}-x") }));
                barrier.wait().await;
                let response = call.send().await;
                (response.status, response.code().to_owned())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for guess in guesses {
        outcomes.push(guess.await.expect("guess"));
    }

    let failed = outcomes.iter().filter(|o| *o == &(401, "auth.invalid_credentials".to_owned())).count();
    let locked = outcomes.iter().filter(|o| *o == &(429, "auth.locked".to_owned())).count();
    assert_eq!((failed, locked), (5, 15), "{outcomes:?}");
    assert_eq!(hasher.take().len(), 5, "five passwords tried, not twenty");
    app.sign_in("reader01", PASSWORD).await.assert_problem(429, "auth.locked");
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;

    for _ in 0..4 {
        app.sign_in("reader01", WRONG).await.assert_problem(401, "auth.invalid_credentials");
    }
    assert_eq!(app.sign_in("reader01", PASSWORD).await.status, 200);
    for _ in 0..4 {
        app.sign_in("reader01", WRONG).await.assert_problem(401, "auth.invalid_credentials");
    }

    let response = app.sign_in("reader01", PASSWORD).await;

    assert_eq!(response.status, 200, "8 failures in the window, but never 5 in a row: {}", response.text);
    for _ in 0..5 {
        app.sign_in("reader01", WRONG).await.assert_problem(401, "auth.invalid_credentials");
    }
    app.sign_in("reader01", PASSWORD).await.assert_problem(429, "auth.locked");
}

#[tokio::test]
async fn failures_after_the_window_start_a_new_count() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    for _ in 0..4 {
        app.sign_in("reader01", WRONG).await.assert_problem(401, "auth.invalid_credentials");
    }
    app.advance_clock(LOCKOUT_SECONDS + 1).await;

    for _ in 0..4 {
        app.sign_in("reader01", WRONG).await.assert_problem(401, "auth.invalid_credentials");
    }

    assert_eq!(app.sign_in("reader01", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn an_unknown_username_locks_the_same_way() {
    let app = spawn_app().await;

    for _ in 0..5 {
        app.sign_in("nobody01", WRONG).await.assert_problem(401, "auth.invalid_credentials");
    }

    let response = app.sign_in("nobody01", WRONG).await;

    response.assert_problem(429, "auth.locked");
    assert!(response.header("retry-after").is_some());
}

#[tokio::test]
async fn failed_password_changes_count_toward_the_same_lock() {
    let app = spawn_app().await;
    let tokens = member(&app, "reader01").await;
    let change = |current: &'static str| {
        app.post("/v1/members/me/password")
            .bearer(&tokens.access)
            .json(&json!({ "currentPassword": current, "newPassword": "Another-Shelf-77" }))
    };

    for _ in 0..3 {
        app.sign_in("reader01", WRONG).await.assert_problem(401, "auth.invalid_credentials");
    }
    for _ in 0..2 {
        change(WRONG).send().await.assert_problem(401, "auth.invalid_credentials");
    }

    app.sign_in("reader01", PASSWORD).await.assert_problem(429, "auth.locked");
    let locked_change = change(PASSWORD).send().await;
    locked_change.assert_problem(429, "auth.locked");
    assert!(locked_change.header("retry-after").is_some());
    let me = app.me(&tokens.access).await;
    assert_eq!(me.status, 200, "the lock stops passwords, not the session: {}", me.text);
}

// --- Access tokens -------------------------------------------------------------------------------

#[tokio::test]
async fn an_access_token_expires_after_30_minutes_of_the_service_clock() {
    let app = spawn_app().await;
    let tokens = member(&app, "reader01").await;

    app.advance_clock(ACCESS_SECONDS - 10).await;
    assert_eq!(app.me(&tokens.access).await.status, 200);
    app.advance_clock(11).await;

    let response = app.me(&tokens.access).await;

    response.assert_problem(401, "auth.token_invalid");
}

#[tokio::test]
async fn missing_garbage_and_tampered_tokens_are_refused() {
    let app = spawn_app().await;
    let tokens = member(&app, "reader01").await;
    let other = member(&app, "reader02").await;
    let other_id = app.me(&other.access).await.body["memberId"].as_str().expect("memberId").to_owned();
    let header = tokens.access.split('.').next().expect("header");
    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        tokens.access.split('.').nth(1).expect("payload")
    );
    let mut flipped = tokens.access.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let signup = app.start_signup("general").await;

    let missing = app.get("/v1/members/me").send().await;
    missing.assert_problem(401, "auth.token_invalid");
    for (what, token) in [
        ("garbage", "garbage".to_owned()),
        ("three dots", "a.b.c".to_owned()),
        ("another member's id under this signature", forge(&tokens.access, |c| c["sub"] = json!(other_id))),
        ("a later expiry", forge(&tokens.access, push_expiry_back)),
        ("no algorithm", unsigned),
        ("a flipped signature", String::from_utf8(flipped).expect("ASCII")),
        ("a header alone", header.to_owned()),
        ("the refresh token", tokens.refresh.clone()),
        ("a sign-up token", signup.token.clone()),
    ] {
        let response = app.me(&token).await;

        assert_eq!((response.status, response.code()), (401, "auth.token_invalid"), "{what}: {}", response.text);
    }
    let basic = app.get("/v1/members/me").header("authorization", "Basic cmVhZGVyMDE6cGFzcw==").send().await;
    basic.assert_problem(401, "auth.token_invalid");
    assert_eq!(app.me(&tokens.access).await.status, 200, "the genuine token still works");
}

#[tokio::test]
async fn an_expired_token_with_its_expiry_pushed_back_is_refused() {
    let app = spawn_app().await;
    let tokens = member(&app, "reader01").await;
    app.advance_clock(ACCESS_SECONDS + 1).await;

    let forged = forge(&tokens.access, push_expiry_back);

    app.me(&forged).await.assert_problem(401, "auth.token_invalid");
}

// --- Refresh tokens ------------------------------------------------------------------------------

#[tokio::test]
async fn a_refresh_rotates_both_tokens_and_the_old_access_token_lives_out_its_30_minutes() {
    let app = spawn_app().await;
    let first = member(&app, "reader01").await;
    app.advance_clock(20 * 60).await;

    let response = app.refresh(&first.refresh).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(
        keys(&response.body),
        BTreeSet::from(["accessToken", "tokenType", "expiresIn", "refreshToken", "refreshExpiresIn"])
    );
    assert_eq!(
        (response.body["tokenType"].as_str(), response.body["expiresIn"].as_i64()),
        (Some("Bearer"), Some(1800))
    );
    assert_eq!(response.body["refreshExpiresIn"], REFRESH_SECONDS);
    let second = SignedIn::from_body(&response.body);
    assert_ne!(second.access, first.access);
    assert_ne!(second.refresh, first.refresh);
    assert_eq!(app.me(&first.access).await.status, 200, "the old access token is valid until it expires");
    assert_eq!(app.me(&second.access).await.status, 200);

    app.advance_clock(11 * 60).await;

    app.me(&first.access).await.assert_problem(401, "auth.token_invalid");
    assert_eq!(app.me(&second.access).await.status, 200);
    let third = app.refresh(&second.refresh).await;
    assert_eq!(third.status, 200, "{}", third.text);
}

#[tokio::test]
async fn a_rotated_refresh_token_presented_again_ends_the_whole_session() {
    let app = spawn_app().await;
    let first = member(&app, "reader01").await;
    let elsewhere = app.signed_in("reader01", PASSWORD).await;
    let rotated = app.refresh(&first.refresh).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let second = SignedIn::from_body(&rotated.body);

    let reused = app.refresh(&first.refresh).await;

    reused.assert_problem(401, "auth.refresh_invalid");
    app.refresh(&second.refresh).await.assert_problem(401, "auth.refresh_invalid");
    app.me(&second.access).await.assert_problem(401, "auth.token_invalid");
    app.me(&first.access).await.assert_problem(401, "auth.token_invalid");
    app.refresh(&first.refresh).await.assert_problem(401, "auth.refresh_invalid");
    assert_eq!(app.me(&elsewhere.access).await.status, 200, "another session of the member lives on");
    assert_eq!(app.refresh(&elsewhere.refresh).await.status, 200);
}

#[tokio::test]
async fn one_refresh_token_sent_twice_at_once_rotates_once_and_ends_the_session() {
    let app = spawn_app().await;
    let tokens = member(&app, "reader01").await;

    let (a, b) = tokio::join!(app.refresh(&tokens.refresh), app.refresh(&tokens.refresh));

    let mut outcomes = [(a.status, a.code().to_owned()), (b.status, b.code().to_owned())];
    outcomes.sort();
    assert_eq!(outcomes, [(200, String::new()), (401, "auth.refresh_invalid".to_owned())], "{} / {}", a.text, b.text);
    let winner = if a.status == 200 { &a } else { &b };
    app.refresh(winner.body["refreshToken"].as_str().expect("refreshToken"))
        .await
        .assert_problem(401, "auth.refresh_invalid");
}

#[tokio::test]
async fn refresh_tokens_that_are_not_ours_are_refused_without_harm() {
    let app = spawn_app().await;
    let tokens = member(&app, "reader01").await;
    let (session, rest) = tokens.refresh.split_once('.').expect("<session>.<generation>.<secret>");
    let generation = rest.split_once('.').expect("<generation>.<secret>").0;

    for (what, token) in [
        ("garbage", "garbage".to_owned()),
        ("empty", String::new()),
        ("dots", "a.b.c".to_owned()),
        ("the access token", tokens.access.clone()),
        ("another secret", format!("{session}.{generation}.{}", "A".repeat(43))),
        ("a later generation", format!("{session}.{}.{}", generation.parse::<u32>().unwrap() + 1, "A".repeat(43))),
        ("an unknown session", format!("nosuchsession.0.{}", "A".repeat(43))),
    ] {
        let response = app.refresh(&token).await;

        assert_eq!((response.status, response.code()), (401, "auth.refresh_invalid"), "{what}: {}", response.text);
    }
    app.post("/v1/sessions/refresh").json(&json!({})).send().await.assert_field_error(
        422,
        "validation.failed",
        "/refreshToken",
        "required",
    );
    let genuine = app.refresh(&tokens.refresh).await;
    assert_eq!(genuine.status, 200, "guesses do not end the session: {}", genuine.text);
}

/// Version 2: the session id is in every access token's payload, so an older generation with a
/// made-up secret is anyone's to send. It must not revoke the session: only a token the service
/// issued counts as reused.
#[tokio::test]
async fn an_older_generation_with_a_forged_secret_revokes_nothing() {
    let app = spawn_app().await;
    let first = member(&app, "reader01").await;
    let rotated = app.refresh(&first.refresh).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let current = SignedIn::from_body(&rotated.body);
    let payload = current.access.split('.').nth(1).expect("a JWT payload");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON");
    let session = claims["sid"].as_str().expect("the session id is readable by anyone");

    for secret in ["A".repeat(43), URL_SAFE_NO_PAD.encode([0u8; 32]), "x".to_owned()] {
        let forged = app.refresh(&format!("{session}.0.{secret}")).await;
        forged.assert_problem(401, "auth.refresh_invalid");
    }

    assert_eq!(app.me(&current.access).await.status, 200, "the session lives on");
    let next = app.refresh(&current.refresh).await;
    assert_eq!(next.status, 200, "its refresh token still works: {}", next.text);
}

#[tokio::test]
async fn a_refresh_token_lives_14_days_from_its_issue() {
    let app = spawn_app().await;
    let early = member(&app, "reader01").await;
    let late = app.signed_in("reader01", PASSWORD).await;

    app.advance_clock(REFRESH_SECONDS - 60).await;
    let within = app.refresh(&early.refresh).await;
    app.advance_clock(120).await;
    let past = app.refresh(&late.refresh).await;

    assert_eq!(within.status, 200, "{}", within.text);
    past.assert_problem(401, "auth.refresh_invalid");
    let renewed = SignedIn::from_body(&within.body);
    assert_eq!(app.refresh(&renewed.refresh).await.status, 200, "the rotated token has its own 14 days");
}

#[tokio::test]
async fn a_session_lives_30_days_from_sign_in_however_often_it_is_refreshed() {
    let app = spawn_app().await;
    let mut tokens = member(&app, "reader01").await;
    let signed_in_at = app.now().await;

    app.advance_clock(13 * DAY).await;
    let day_13 = app.refresh(&tokens.refresh).await;
    assert_eq!(
        (day_13.status, day_13.body["refreshExpiresIn"].as_i64()),
        (200, Some(REFRESH_SECONDS)),
        "{}",
        day_13.text
    );
    tokens = SignedIn::from_body(&day_13.body);

    app.advance_clock(13 * DAY).await;
    let before = app.now().await;
    let day_26 = app.refresh(&tokens.refresh).await;
    assert_eq!(day_26.status, 200, "{}", day_26.text);
    let left = (signed_in_at + Duration::days(30) - before).whole_seconds();
    let refresh_expires_in = day_26.body["refreshExpiresIn"].as_i64().expect("refreshExpiresIn");
    assert!(
        (left - 5..=left).contains(&refresh_expires_in),
        "the last refresh token ends with the session, in {left} s, not 14 days: {refresh_expires_in}"
    );
    tokens = SignedIn::from_body(&day_26.body);

    app.advance_clock(13 * DAY).await;
    let day_39 = app.refresh(&tokens.refresh).await;

    day_39.assert_problem(401, "auth.refresh_invalid");
    app.me(&tokens.access).await.assert_problem(401, "auth.token_invalid");
}

// --- Signing out ---------------------------------------------------------------------------------

#[tokio::test]
async fn signing_out_ends_the_session_its_access_and_its_refresh_token() {
    let app = spawn_app().await;
    let phone = member(&app, "reader01").await;
    let web = app.signed_in("reader01", PASSWORD).await;

    let response = app.delete("/v1/sessions/current").bearer(&phone.access).send().await;

    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    assert!(response.header("x-request-id").is_some());
    app.me(&phone.access).await.assert_problem(401, "auth.token_invalid");
    app.refresh(&phone.refresh).await.assert_problem(401, "auth.refresh_invalid");
    app.delete("/v1/sessions/current").bearer(&phone.access).send().await.assert_problem(401, "auth.token_invalid");
    assert_eq!(app.me(&web.access).await.status, 200, "the other session lives on");
    assert_eq!(app.refresh(&web.refresh).await.status, 200);
}

#[tokio::test]
async fn signing_out_needs_an_access_token() {
    let app = spawn_app().await;
    let tokens = member(&app, "reader01").await;

    app.delete("/v1/sessions/current").send().await.assert_problem(401, "auth.token_invalid");
    app.delete("/v1/sessions/current").bearer(&tokens.refresh).send().await.assert_problem(401, "auth.token_invalid");

    assert_eq!(app.me(&tokens.access).await.status, 200);
}
