//! API.md, "Members": a member's own record, read and corrected; its password changed; its consent
//! renewed; and only ever its own, whatever the caller sends.

use std::collections::BTreeSet;

use api_tests::{adult, born_years_before, general_member, spawn_app, Person, SignedIn, TestApp, PASSWORD};
use membership_domain::calendar::add_seoul_years;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const WRONG: &str = "Not-The-Password-9";
const NEW_PASSWORD: &str = "Another-Shelf-77";

fn keys(body: &Value) -> BTreeSet<&str> {
    body.as_object().expect("an object").keys().map(String::as_str).collect()
}

fn instant(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("an instant"), &Rfc3339).expect("RFC 3339")
}

const MEMBER_VIEW: [&str; 15] = [
    "memberId",
    "username",
    "name",
    "birthDate",
    "memberType",
    "grade",
    "status",
    "homeLibrary",
    "loanCardNumber",
    "email",
    "phone",
    "entitlements",
    "certifications",
    "consentRenewalDue",
    "createdOn",
];

/// `reader01`, signed up and signed in.
async fn reader(app: &TestApp) -> SignedIn {
    app.register_general(&adult(), "reader01").await;
    app.signed_in("reader01", PASSWORD).await
}

async fn patch(app: &TestApp, access: &str, body: Value) -> api_tests::TestResponse {
    app.patch("/v1/members/me").bearer(access).json(&body).send().await
}

async fn change_password(app: &TestApp, access: &str, current: &str, new: &str) -> api_tests::TestResponse {
    let body = json!({ "currentPassword": current, "newPassword": new });
    app.post("/v1/members/me/password").bearer(access).json(&body).send().await
}

// --- Reading -------------------------------------------------------------------------------------

#[tokio::test]
async fn a_general_member_reads_its_own_record() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let before = app.now().await;
    let created = app.register_general(&adult(), "reader01").await;
    let after = app.now().await;
    let tokens = app.signed_in("reader01", PASSWORD).await;

    let response = app.me(&tokens.access).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("application/json; charset=utf-8"));
    let me = &response.body;
    assert_eq!(keys(me), BTreeSet::from(MEMBER_VIEW));
    assert_eq!(me["memberId"], created["memberId"]);
    assert_eq!(me["loanCardNumber"], created["loanCardNumber"]);
    assert_eq!(
        [&me["username"], &me["name"], &me["birthDate"], &me["memberType"], &me["grade"], &me["status"]],
        [
            &json!("reader01"),
            &json!("김하늘"),
            &json!("1990-05-17"),
            &json!("general"),
            &json!("associate"),
            &json!("active")
        ]
    );
    assert_eq!(
        [&me["homeLibrary"], &me["email"], &me["phone"]],
        [&json!("seogu"), &json!("reader@example.kr"), &json!("010-1234-5678")]
    );
    assert_eq!(
        me["entitlements"],
        json!({ "eLibrary": false, "unmannedReservation": false, "smartLibrary": false, "deskLoans": false }),
        "an associate member may use nothing yet"
    );
    assert_eq!(me["certifications"], json!([]));
    assert_eq!(me["createdOn"], today.to_string());
    let due_text = me["consentRenewalDue"].as_str().expect("consentRenewalDue");
    assert!(due_text.ends_with('Z'), "an RFC 3339 instant in UTC: {due_text}");
    let due = instant(&me["consentRenewalDue"]);
    assert!((add_seoul_years(before, 2)..=add_seoul_years(after, 2)).contains(&due), "two years from sign-up: {due}");
}

#[tokio::test]
async fn a_child_member_reads_the_child_and_the_guardian_name() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("이보호", "1980-03-03");
    let birth = born_years_before(today, 8);
    app.register_child(&guardian, "kid01", "이어린", &birth.to_string()).await;
    let tokens = app.signed_in("kid01", PASSWORD).await;

    let response = app.me(&tokens.access).await;

    assert_eq!(response.status, 200, "{}", response.text);
    let me = &response.body;
    let mut expected = BTreeSet::from(MEMBER_VIEW);
    expected.insert("guardian");
    assert_eq!(keys(me), expected);
    assert_eq!(me["name"], "이어린");
    assert_eq!(me["birthDate"], birth.to_string());
    assert_eq!(me["memberType"], "child");
    assert_eq!(me["guardian"], json!({ "name": "이보호" }));
    assert_eq!((me["email"].as_str(), me["phone"].as_str()), (Some("reader@example.kr"), Some("010-1234-5678")));
}

#[tokio::test]
async fn every_member_route_needs_a_valid_access_token() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;
    let consents = app.signup_consents().await;
    let password = json!({ "currentPassword": PASSWORD, "newPassword": NEW_PASSWORD });

    for token in [None, Some("garbage"), Some(tokens.refresh.as_str())] {
        let calls = [
            ("GET /me", app.get("/v1/members/me")),
            ("PATCH /me", app.patch("/v1/members/me").json(&json!({ "email": "new@example.kr" }))),
            ("DELETE /me", app.delete("/v1/members/me")),
            ("password", app.post("/v1/members/me/password").json(&password)),
            ("renewal", app.post("/v1/members/me/consents/renewal").json(&consents)),
        ];
        for (route, call) in calls {
            let call = match token {
                Some(token) => call.bearer(token),
                None => call,
            };

            let response = call.send().await;

            assert_eq!(
                (response.status, response.code()),
                (401, "auth.token_invalid"),
                "{route} {token:?}: {}",
                response.text
            );
        }
    }
    let me = app.me(&tokens.access).await;
    assert_eq!((me.status, me.body["email"].as_str()), (200, Some("reader@example.kr")), "nothing changed");
}

#[tokio::test]
async fn bodies_of_these_routes_follow_the_conventions() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;
    let calls = || {
        [
            app.post("/v1/sessions"),
            app.post("/v1/sessions/refresh"),
            app.patch("/v1/members/me").bearer(&tokens.access),
            app.post("/v1/members/me/password").bearer(&tokens.access),
            app.post("/v1/members/me/consents/renewal").bearer(&tokens.access),
            app.post("/v1/recovery/username"),
            app.post("/v1/recovery/password"),
        ]
    };

    for call in calls() {
        call.raw("application/json", "{\"email\":").send().await.assert_problem(400, "request.malformed");
    }
    for call in calls() {
        call.raw("text/plain", "{}").send().await.assert_problem(415, "request.unsupported_media_type");
    }
    for call in calls() {
        let body = format!("{{\"padding\":\"{}\"}}", "x".repeat(16 * 1024));
        call.raw("application/json", body).send().await.assert_problem(413, "request.too_large");
    }
    for call in calls() {
        call.raw("application/json", "[]").send().await.assert_problem(422, "validation.failed");
    }
    let put = app.request(reqwest::Method::PUT, "/v1/members/me").bearer(&tokens.access).json(&json!({})).send().await;
    put.assert_problem(405, "method_not_allowed");
    let get = app.get("/v1/sessions/current").bearer(&tokens.access).send().await;
    get.assert_problem(405, "method_not_allowed");
}

#[tokio::test]
async fn a_saved_answer_is_replayed_to_the_member_but_never_to_a_revoked_token() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;
    let consents = app.signup_consents().await;
    let renew = |access: &str| {
        app.post("/v1/members/me/consents/renewal").bearer(access).header("idempotency-key", "renew-1").json(&consents)
    };
    let first = renew(&tokens.access).send().await;
    assert_eq!(first.status, 200, "{}", first.text);
    let replayed = renew(&tokens.access).send().await;
    assert_eq!((replayed.status, &replayed.body), (200, &first.body));
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.delete("/v1/sessions/current").bearer(&tokens.access).send().await.status, 204);

    let revoked = renew(&tokens.access).send().await;

    revoked.assert_problem(401, "auth.token_invalid");
    let again = app.signed_in("reader01", PASSWORD).await;
    let replayed = renew(&again.access).send().await;
    assert_eq!((replayed.status, &replayed.body), (200, &first.body), "the key is the member's, across sessions");
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
}

// --- Correcting contact details ------------------------------------------------------------------

#[tokio::test]
async fn a_member_corrects_its_contact_details_and_home_library() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;
    let before = app.me(&tokens.access).await.body;

    let response = patch(
        &app,
        &tokens.access,
        json!({ "email": "moved@example.kr", "phone": "01198765432", "homeLibrary": "yeonsu" }),
    )
    .await;

    assert_eq!(response.status, 200, "{}", response.text);
    let mut expected = before.clone();
    expected["email"] = json!("moved@example.kr");
    expected["phone"] = json!("011-9876-5432");
    expected["homeLibrary"] = json!("yeonsu");
    assert_eq!(response.body, expected, "the member view with only those changed");
    assert_eq!(app.me(&tokens.access).await.body, expected);
}

#[tokio::test]
async fn fields_left_out_of_a_patch_stay_as_they_are() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;
    let before = app.me(&tokens.access).await.body;

    let phone_only = patch(&app, &tokens.access, json!({ "phone": "010-2222-3333" })).await;
    let nothing = patch(&app, &tokens.access, json!({})).await;

    assert_eq!(phone_only.status, 200, "{}", phone_only.text);
    let mut expected = before;
    expected["phone"] = json!("010-2222-3333");
    assert_eq!(phone_only.body, expected);
    assert_eq!((nothing.status, &nothing.body), (200, &expected), "{}", nothing.text);
}

#[tokio::test]
async fn broken_contact_details_are_pointed_at_and_nothing_changes() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;
    let before = app.me(&tokens.access).await.body;

    let response = patch(
        &app,
        &tokens.access,
        json!({ "email": "not-an-email", "phone": "02-123-4567", "homeLibrary": "nowhere" }),
    )
    .await;

    response.assert_problem(422, "validation.failed");
    let mut errors = response.field_errors();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("/email".to_owned(), "invalid_format".to_owned()),
            ("/homeLibrary".to_owned(), "unknown_library".to_owned()),
            ("/phone".to_owned(), "invalid_format".to_owned()),
        ]
    );
    for (body, field) in [
        (json!({ "email": "moved@example.kr", "phone": "010-1234" }), "/phone"),
        (json!({ "email": 7 }), "/email"),
        (json!({ "homeLibrary": "Seogu" }), "/homeLibrary"),
        (json!({ "email": null }), "/email"),
        (json!({ "phone": null, "homeLibrary": "yeonsu" }), "/phone"),
    ] {
        let response = patch(&app, &tokens.access, body.clone()).await;

        response.assert_problem(422, "validation.failed");
        assert_eq!(response.field_errors().len(), 1, "{body}: {}", response.text);
        assert_eq!(response.field_errors()[0].0, field, "{body}: {}", response.text);
    }
    assert_eq!(app.me(&tokens.access).await.body, before);
}

#[tokio::test]
async fn what_verification_and_certification_decide_cannot_be_set() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;
    let before = app.me(&tokens.access).await.body;

    for (field, value) in [
        ("name", json!("김다른")),
        ("birthDate", json!("2000-01-01")),
        ("grade", json!("full")),
        ("memberId", json!("someone-else")),
        ("username", json!("admin")),
        ("memberType", json!("child")),
        ("loanCardNumber", json!("12345678901238")),
        ("status", json!("active")),
        ("entitlements", json!({ "deskLoans": true })),
        ("consentRenewalDue", json!("2099-01-01T00:00:00Z")),
        ("guardian", json!({ "name": "김다른" })),
    ] {
        let mut body = json!({ "email": "moved@example.kr" });
        body[field] = value;

        let response = patch(&app, &tokens.access, body).await;

        response.assert_problem(422, "validation.failed");
        assert_eq!(response.field_errors(), [(format!("/{field}"), "unknown_field".to_owned())], "{}", response.text);
    }
    assert_eq!(app.me(&tokens.access).await.body, before, "nothing changed");
}

// --- Only ever its own record --------------------------------------------------------------------

#[tokio::test]
async fn a_member_only_ever_reaches_its_own_record() {
    let app = spawn_app().await;
    let mut body_a = general_member("alice01");
    body_a["email"] = json!("alice@example.kr");
    body_a["phone"] = json!("010-1111-1111");
    let created_a = app.sign_up("general", &Person::new("김앨리", "1990-01-01"), &body_a).await;
    assert_eq!(created_a.status, 201, "{}", created_a.text);
    let a_id = created_a.body["memberId"].as_str().expect("memberId").to_owned();
    let a_card = created_a.body["loanCardNumber"].as_str().expect("loanCardNumber").to_owned();
    app.register_general(&Person::new("박밥", "1991-02-02"), "bob01").await;
    let a = app.signed_in("alice01", PASSWORD).await;
    let b = app.signed_in("bob01", PASSWORD).await;
    let a_before = app.me(&a.access).await.body;
    let a_secrets = [a_id.as_str(), "alice01", "김앨리", "alice@example.kr", "010-1111-1111", a_card.as_str()];

    let mut seen = Vec::new();
    for method in [reqwest::Method::GET, reqwest::Method::PATCH, reqwest::Method::DELETE, reqwest::Method::POST] {
        for path in
            [format!("/v1/members/{a_id}"), format!("/v1/members/{a_id}/password"), "/v1/members/alice01".to_owned()]
        {
            let response = app
                .request(method.clone(), &path)
                .bearer(&b.access)
                .json(&json!({ "email": "bob@example.kr" }))
                .send()
                .await;

            assert_eq!((response.status, response.code()), (404, "not_found"), "{method} {path}: {}", response.text);
            seen.push(response.text);
        }
    }
    for body in [json!({ "memberId": a_id }), json!({ "username": "alice01" })] {
        let response = patch(&app, &b.access, body).await;
        response.assert_problem(422, "validation.failed");
        seen.push(response.text);
    }
    let b_me = app.me(&b.access).await;
    assert_eq!(b_me.body["username"], "bob01");
    seen.push(b_me.text);
    let b_patched = patch(&app, &b.access, json!({ "email": "bob@example.kr" })).await;
    assert_eq!(b_patched.body["username"], "bob01");
    seen.push(b_patched.text);

    for text in &seen {
        for secret in a_secrets {
            assert!(!text.contains(secret), "A's {secret} in an answer to B: {text}");
        }
    }
    assert_eq!(app.me(&a.access).await.body, a_before, "A is untouched");
}

// --- Changing the password -----------------------------------------------------------------------

#[tokio::test]
async fn a_password_change_ends_every_session_and_the_new_password_signs_in() {
    let app = spawn_app().await;
    let caller = reader(&app).await;
    let elsewhere = app.signed_in("reader01", PASSWORD).await;

    let response = change_password(&app, &caller.access, PASSWORD, NEW_PASSWORD).await;

    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
    for tokens in [&caller, &elsewhere] {
        app.me(&tokens.access).await.assert_problem(401, "auth.token_invalid");
        app.refresh(&tokens.refresh).await.assert_problem(401, "auth.refresh_invalid");
    }
    app.sign_in("reader01", PASSWORD).await.assert_problem(401, "auth.invalid_credentials");
    let fresh = app.signed_in("reader01", NEW_PASSWORD).await;
    assert_eq!(app.me(&fresh.access).await.status, 200);
}

#[tokio::test]
async fn a_wrong_current_password_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;

    let response = change_password(&app, &tokens.access, WRONG, NEW_PASSWORD).await;

    response.assert_problem(401, "auth.invalid_credentials");
    assert_eq!(app.me(&tokens.access).await.status, 200, "the session lives on");
    assert_eq!(app.sign_in("reader01", PASSWORD).await.status, 200);
    app.sign_in("reader01", NEW_PASSWORD).await.assert_problem(401, "auth.invalid_credentials");
}

#[tokio::test]
async fn five_wrong_current_passwords_lock_the_username() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;

    for _ in 0..5 {
        change_password(&app, &tokens.access, WRONG, NEW_PASSWORD)
            .await
            .assert_problem(401, "auth.invalid_credentials");
    }

    change_password(&app, &tokens.access, PASSWORD, NEW_PASSWORD).await.assert_problem(429, "auth.locked");
    app.sign_in("reader01", PASSWORD).await.assert_problem(429, "auth.locked");
}

#[tokio::test]
async fn a_weak_new_password_is_refused_with_its_reasons() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;

    for (password, reason) in
        [("Ab1!xyz", "too_short"), ("abcdefg1", "too_few_classes"), ("My-Reader01-pass", "contains_username")]
    {
        let response = change_password(&app, &tokens.access, PASSWORD, password).await;

        response.assert_problem(422, "password.weak");
        assert_eq!(response.field_errors(), [("/newPassword".to_owned(), reason.to_owned())], "{}", response.text);
        assert!(!response.text.contains(password));
    }
    change_password(&app, &tokens.access, PASSWORD, &"Ab1!".repeat(17)).await.assert_field_error(
        422,
        "password.weak",
        "/newPassword",
        "too_long",
    );
    app.post("/v1/members/me/password")
        .bearer(&tokens.access)
        .json(&json!({ "newPassword": NEW_PASSWORD }))
        .send()
        .await
        .assert_field_error(422, "validation.failed", "/currentPassword", "required");
    assert_eq!(app.sign_in("reader01", PASSWORD).await.status, 200, "the password is unchanged");
}

// --- Renewing consent ----------------------------------------------------------------------------

#[tokio::test]
async fn renewing_consent_moves_the_due_date_to_two_years_from_now() {
    let app = spawn_app().await;
    let first = reader(&app).await;
    let first_due = instant(&app.me(&first.access).await.body["consentRenewalDue"]);
    app.advance_clock(100 * 24 * 60 * 60).await;
    let tokens = app.signed_in("reader01", PASSWORD).await;
    let consents = app.signup_consents().await;

    let before = app.now().await;
    let response = app.post("/v1/members/me/consents/renewal").bearer(&tokens.access).json(&consents).send().await;
    let after = app.now().await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(keys(&response.body), BTreeSet::from(["consentRenewalDue"]));
    let due = instant(&response.body["consentRenewalDue"]);
    assert!((add_seoul_years(before, 2)..=add_seoul_years(after, 2)).contains(&due), "{due}");
    assert!(due > first_due);
    assert_eq!(instant(&app.me(&tokens.access).await.body["consentRenewalDue"]), due);
}

#[tokio::test]
async fn a_renewal_must_agree_to_both_current_documents() {
    let app = spawn_app().await;
    let tokens = reader(&app).await;
    let due = app.me(&tokens.access).await.body["consentRenewalDue"].clone();
    let consents = app.signup_consents().await;
    let renew = |body: Value| app.post("/v1/members/me/consents/renewal").bearer(&tokens.access).json(&body).send();

    let mut refused = consents.clone();
    refused["consents"][1]["agreed"] = json!(false);
    renew(refused).await.assert_problem(422, "consent.required");
    let mut one = consents.clone();
    one["consents"].as_array_mut().expect("consents").truncate(1);
    renew(one).await.assert_problem(422, "consent.required");
    let mut stale = consents.clone();
    stale["consents"][0]["version"] = json!("1999-01-01");
    renew(stale).await.assert_field_error(409, "consent.version_mismatch", "/consents/0/version", "stale_version");
    let mut unknown = consents.clone();
    unknown["consents"][0]["document"] = json!("citizen-third-party");
    renew(unknown).await.assert_problem(422, "consent.unknown_document");

    assert_eq!(app.me(&tokens.access).await.body["consentRenewalDue"], due, "no renewal");
}
