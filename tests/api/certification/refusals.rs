//! Each refusal of the certification section, checked in the contract's order: grade, consent,
//! body rules, the guardian of a child under 14, (the daily limit: `attempts`), identity, the
//! upstream's answer. Where two apply, the earlier one answers.

use api_tests::{born_years_before, spawn_app, Person, Step, TestApp, TestResponse, PASSWORD};
use serde_json::{json, Value};

use super::{
    certify, child, citizen_body, consent, me, member, rrn_of, sign_in, student_body, with_guardian, CITIZEN, DAY,
    STUDENT,
};

/// Asserts that `response` holds none of `values` (API.md: no error ever echoes an RRN, a
/// password or a DLS credential).
#[track_caller]
fn assert_echoes_none(response: &TestResponse, values: &[&str]) {
    for value in values.iter().filter(|v| !v.is_empty()) {
        assert!(!response.text.contains(value), "the answer echoes {value:?}: {}", response.text);
    }
}

/// A light member: an associate who certified as a student.
async fn light_member(app: &TestApp, name: &str, username: &str) -> String {
    let token = member(app, &Person::new(name, "2007-07-07"), username).await;
    let dls_id = format!("{username}-dls");
    app.add_dls_account(name, &dls_id, "Shelf-Mark-9", "2014-03-03").await;
    let response = certify(app, &token, STUDENT, &student_body(app, name, &dls_id, "Shelf-Mark-9").await).await;
    assert_eq!((response.status, &response.body["grade"]), (200, &json!("light")), "{}", response.text);
    token
}

#[tokio::test]
async fn a_light_member_may_not_certify_as_a_student_again_and_the_grade_is_checked_first() {
    // Given a light member
    let app = spawn_app().await;
    let token = light_member(&app, "윤경회", "light01").await;

    // When the member asks for student certification: with a whole body, without consent, or
    // with nothing at all
    let whole = student_body(&app, "윤경회", "light01-dls", "Shelf-Mark-9").await;
    let without_consent = json!({ "dlsName": "윤경회", "dlsId": "light01-dls", "dlsPassword": "Shelf-Mark-9" });
    for body in [whole, without_consent, json!({})] {
        let response = certify(&app, &token, STUDENT, &body).await;

        // Then it is not applicable, before any other check
        response.assert_problem(409, "certification.not_applicable");
    }
    assert_eq!(me(&app, &token).await["grade"], "light");
}

#[tokio::test]
async fn a_full_member_may_certify_no_further_and_the_grade_is_checked_first() {
    // Given a full member
    let app = spawn_app().await;
    let token = member(&app, &Person::new("오정회", "1991-01-31"), "full01").await;
    app.add_resident("910131-2345678", "오정회", "incheon").await;
    app.add_dls_account("오정회", "oh1991", "Shelf-Mark-9", "2005-03-02").await;
    let full = certify(&app, &token, CITIZEN, &citizen_body(&app, "오정회", "910131-2345678").await).await;
    assert_eq!((full.status, &full.body["grade"]), (200, &json!("full")), "{}", full.text);

    // When the member asks for either certification, whole or without consent or empty
    let bodies = [
        (CITIZEN, citizen_body(&app, "오정회", "910131-2345678").await),
        (CITIZEN, json!({ "name": "오정회", "rrn": "not a number" })),
        (CITIZEN, json!({})),
        (STUDENT, student_body(&app, "오정회", "oh1991", "Shelf-Mark-9").await),
        (STUDENT, json!({ "dlsName": "오정회" })),
    ];
    for (path, body) in bodies {
        let response = certify(&app, &token, path, &body).await;

        // Then neither is applicable, before any other check
        response.assert_problem(409, "certification.not_applicable");
        assert_echoes_none(&response, &["910131", "2345678", "oh1991", "Shelf-Mark-9"]);
    }
    assert_eq!(me(&app, &token).await["grade"], "full");
}

#[tokio::test]
async fn a_missing_refused_stale_or_foreign_consent_is_refused_before_the_body_and_costs_no_attempt() {
    // Given an associate member living in Incheon
    let app = spawn_app().await;
    let token = member(&app, &Person::new("서동의", "1993-09-15"), "consent01").await;
    app.add_resident("930915-1357913", "서동의", "incheon").await;
    let bad_rrn = "930915-13579"; // breaks the body rules too: the consent answers first
    let citizen = |consent: Value| json!({ "consent": consent, "name": "서동의", "rrn": bad_rrn });
    let current = consent(&app, "citizen-third-party", true).await;
    let version = current["version"].as_str().unwrap().to_owned();
    let cases = [
        (json!({ "name": "서동의", "rrn": bad_rrn }), 422, "consent.required"),
        (citizen(json!(null)), 422, "consent.required"),
        (citizen(consent(&app, "citizen-third-party", false).await), 422, "consent.required"),
        (citizen(consent(&app, "student-collection", true).await), 422, "consent.required"),
        (
            citizen(json!({ "document": "citizen-third-party", "version": "2020-01-01", "agreed": true })),
            409,
            "consent.version_mismatch",
        ),
        (
            citizen(json!({ "document": "terms-of-use", "version": version, "agreed": true })),
            422,
            "consent.unknown_document",
        ),
        (
            citizen(json!({ "document": "marketing", "version": version, "agreed": true })),
            422,
            "consent.unknown_document",
        ),
    ];

    // When the member certifies with each of these consents
    for (body, status, code) in cases {
        let response = certify(&app, &token, CITIZEN, &body).await;

        // Then the consent is refused, and nothing of the RRN is echoed
        response.assert_problem(status, code);
        assert_echoes_none(&response, &[bad_rrn, "930915"]);
        if code == "consent.required" {
            assert_eq!(response.body["missing"], json!(["citizen-third-party"]), "{}", response.text);
        }
        if code == "consent.version_mismatch" {
            assert_eq!(response.field_errors(), vec![("/consent/version".into(), "stale_version".into())]);
        }
    }
    // and the student certification asks for its own document
    for consent in [json!(null), consent(&app, "citizen-third-party", true).await] {
        let body = json!({ "consent": consent, "dlsName": "서동의", "dlsId": "seo93", "dlsPassword": "x" });
        let response = certify(&app, &token, STUDENT, &body).await;
        response.assert_problem(422, "consent.required");
        assert_eq!(response.body["missing"], json!(["student-collection"]), "{}", response.text);
    }

    // and none of the nine refusals counted toward the day's five attempts
    let response = certify(&app, &token, CITIZEN, &citizen_body(&app, "서동의", "930915-1357913").await).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn an_rrn_that_breaks_the_rules_is_refused_at_its_pointer_without_echo_and_costs_no_attempt() {
    // Given an associate member living in Incheon
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let token = member(&app, &Person::new("남규칙", "1990-05-17"), "rules01").await;
    app.add_resident("900517-1234567", "남규칙", "incheon").await;
    let tomorrow = rrn_of(today.next_day().unwrap(), '4', "123456");
    let cases = [
        ("", "required"),
        ("900517123456", "invalid_format"),
        ("90051712345678", "invalid_format"),
        ("900517-12345678", "invalid_format"),
        ("9005171-234567", "invalid_format"),
        ("900517 1234567", "invalid_format"),
        ("9O0517-1234567", "invalid_format"),
        ("900517-123456x", "invalid_format"),
        ("abcdefghijklm", "invalid_format"),
        ("901332-1234567", "invalid_date"),
        ("901300-1234567", "invalid_date"),
        ("900230-1234567", "invalid_date"),
        ("900431-1234567", "invalid_date"),
        ("000229-1234567", "invalid_date"),
        (tomorrow.as_str(), "future_date"),
        // a 3 puts the same six digits in the 2000s: 2090-05-17 is still to come
        ("900517-3234567", "future_date"),
    ];

    // When the member sends each of these numbers
    for (rrn, code) in cases {
        let response = certify(&app, &token, CITIZEN, &citizen_body(&app, "남규칙", rrn).await).await;

        // Then the body rules refuse it at /rrn, and the answer holds nothing of it
        response.assert_field_error(422, "validation.failed", "/rrn", code);
        assert_eq!(response.field_errors().len(), 1, "{}", response.text);
        assert_echoes_none(&response, &[rrn, &rrn[..rrn.len().min(6)], "1234567", "123456"]);
    }
    // and a missing number, or a missing or empty name, are body rules too
    let mut without_rrn = citizen_body(&app, "남규칙", "").await;
    without_rrn.as_object_mut().unwrap().remove("rrn");
    certify(&app, &token, CITIZEN, &without_rrn).await.assert_field_error(422, "validation.failed", "/rrn", "required");
    let mut without_name = citizen_body(&app, "", "900517-1234567").await;
    without_name.as_object_mut().unwrap().remove("name");
    certify(&app, &token, CITIZEN, &without_name).await.assert_field_error(
        422,
        "validation.failed",
        "/name",
        "required",
    );
    let both = certify(&app, &token, CITIZEN, &citizen_body(&app, " ", "901332-1234567").await).await;
    both.assert_problem(422, "validation.failed");
    assert_eq!(both.field_errors(), vec![("/name".into(), "required".into()), ("/rrn".into(), "invalid_date".into())]);

    // and none of these refusals counted toward the day's five attempts
    let response = certify(&app, &token, CITIZEN, &citizen_body(&app, "남규칙", "900517-1234567").await).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn dls_credentials_that_break_the_rules_are_refused_at_their_pointers_without_echo() {
    let app = spawn_app().await;
    let token = member(&app, &Person::new("조규칙", "2009-10-10"), "dlsrules01").await;
    let long_password = "P".repeat(129);
    let cases = [
        (json!({ "dlsName": "조규칙", "dlsId": "jo2009" }), vec![("/dlsPassword", "required")]),
        (json!({ "dlsName": "조규칙", "dlsPassword": "Secret-Pw-1" }), vec![("/dlsId", "required")]),
        (json!({ "dlsId": "jo2009", "dlsPassword": "Secret-Pw-1" }), vec![("/dlsName", "required")]),
        (
            json!({ "dlsName": "조규칙", "dlsId": "jo 2009", "dlsPassword": "Secret-Pw-1" }),
            vec![("/dlsId", "invalid_format")],
        ),
        (
            json!({ "dlsName": "조규칙", "dlsId": "jo2009", "dlsPassword": long_password }),
            vec![("/dlsPassword", "too_long")],
        ),
        (
            json!({ "dlsName": "", "dlsId": "", "dlsPassword": "Secret\nPw" }),
            vec![("/dlsName", "required"), ("/dlsId", "required"), ("/dlsPassword", "invalid_format")],
        ),
    ];
    for (mut body, errors) in cases {
        body["consent"] = consent(&app, "student-collection", true).await;

        let response = certify(&app, &token, STUDENT, &body).await;

        response.assert_problem(422, "validation.failed");
        let expected: Vec<(String, String)> = errors.iter().map(|(f, c)| (f.to_string(), c.to_string())).collect();
        assert_eq!(response.field_errors(), expected, "{}", response.text);
        assert_echoes_none(&response, &["jo2009", "jo 2009", "Secret-Pw-1", "Secret\nPw", &long_password]);
    }
}

#[tokio::test]
async fn a_child_under_14_needs_a_fresh_result_of_the_guardian_who_signed_them_up() {
    // Given a child under 14 living in Incheon, signed up by a guardian; and another adult
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("문보호", "1981-06-06");
    let stranger = Person::new("문남남", "1975-02-02");
    let birth = born_years_before(today, 12);
    let token = child(&app, &guardian, "kidguard01", "문아이", birth).await;
    let rrn = rrn_of(birth, '3', "987654");
    app.add_resident(&rrn, "문아이", "incheon").await;
    let body = citizen_body(&app, "문아이", &rrn).await;

    // When the body breaks its rules, there is no guardian: the body answers first
    let bad_body = certify(&app, &token, CITIZEN, &citizen_body(&app, "문아이", "2013-1-1").await).await;
    bad_body.assert_field_error(422, "validation.failed", "/rrn", "invalid_format");

    // When no guardian verifies, for either certification
    certify(&app, &token, CITIZEN, &body).await.assert_problem(422, "guardian.required");
    let student = student_body(&app, "문아이", "moon-kid", "Any-Pass-1").await;
    certify(&app, &token, STUDENT, &student).await.assert_problem(422, "guardian.required");

    // When another adult, or the child, verifies
    for person in [&stranger, &Person::new("문아이", birth)] {
        let result = app.member_result("guardian", &token, person, "phone").await;
        let response = certify(&app, &token, CITIZEN, &with_guardian(body.clone(), &result)).await;
        response.assert_problem(422, "guardian.required");

        // Then that result is used up, as in sign-up
        let replayed = certify(&app, &token, CITIZEN, &with_guardian(body.clone(), &result)).await;
        replayed.assert_problem(409, "identity.result_replayed");
    }
    // and a result of the guardian's older than 10 minutes, or that is no result, as such
    let stale = app.member_result("guardian", &token, &guardian, "phone").await;
    app.advance_clock(11 * 60).await;
    let expired = certify(&app, &token, CITIZEN, &with_guardian(body.clone(), &stale)).await;
    expired.assert_problem(422, "identity.result_expired");
    let forged = json!({ "tokenVersionId": "not-a-request", "encData": "x", "integrityValue": "y" });
    let forged = certify(&app, &token, CITIZEN, &with_guardian(body.clone(), &forged)).await;
    forged.assert_problem(422, "identity.result_invalid");
    let cancelled = app.request_identity("guardian", "phone", Some(&token)).await;
    let cancelled = app.cancel_at_provider(&cancelled).await;
    let failed = certify(&app, &token, CITIZEN, &with_guardian(body.clone(), &cancelled)).await;
    failed.assert_problem(422, "identity.verification_failed");
    assert_eq!(me(&app, &token).await["grade"], "associate");

    // When the guardian verifies afresh: the child's name and number must still be the child's
    let result = app.member_result("guardian", &token, &guardian, "phone").await;
    let guardians_name = with_guardian(citizen_body(&app, "문보호", &rrn).await, &result);
    certify(&app, &token, CITIZEN, &guardians_name).await.assert_problem(422, "certification.identity_mismatch");

    // Then with the child's own, and none of the refusals before the daily limit counted
    let result = app.member_result("guardian", &token, &guardian, "phone").await;
    let response = certify(&app, &token, CITIZEN, &with_guardian(body.clone(), &result)).await;
    assert_eq!((response.status, &response.body["grade"]), (200, &json!("full")), "{}", response.text);
    // and the guardian's result of that success is used up too (the grade is checked first: it
    // answers 409 now, whatever the result), and serves no sign-up
    let signup = app.signup_at("child", Step::Identity, &guardian).await;
    app.verify_identity(&signup, &result).await.assert_problem(422, "identity.result_invalid");
    let marker = format!("IDREQ#{}", result["tokenVersionId"].as_str().unwrap());
    assert!(app.dump().await.iter().any(|i| i.key().is_some_and(|k| k.pk == marker && k.sk == "USED")));
}

#[tokio::test]
async fn the_name_and_birth_date_must_be_the_members_and_the_registry_must_know_them() {
    // Given an associate member; the registry knows the member's number, and another under another
    // name
    let app = spawn_app().await;
    let token = member(&app, &Person::new("황일치", "1987-08-15"), "match01").await;
    app.add_resident("870815-1112223", "황일치", "incheon").await;
    app.add_resident("870815-1999999", "황다른", "incheon").await;

    // When the name is not the member's verified name (with the registry down: the identity check
    // comes before any upstream call)
    app.set_fault("residency", "error").await;
    let other_name = certify(&app, &token, CITIZEN, &citizen_body(&app, "황불일", "870815-1112223").await).await;
    other_name.assert_problem(422, "certification.identity_mismatch");
    // or the number's birth date is not the member's
    let other_birth = certify(&app, &token, CITIZEN, &citizen_body(&app, "황일치", "870816-1112223").await).await;
    other_birth.assert_problem(422, "certification.identity_mismatch");
    app.set_fault("residency", "ok").await;
    // or the registry does not know the number
    let unknown = certify(&app, &token, CITIZEN, &citizen_body(&app, "황일치", "870815-1000001").await).await;
    unknown.assert_problem(422, "certification.identity_mismatch");
    // or knows it under another name
    let known_otherwise = certify(&app, &token, CITIZEN, &citizen_body(&app, "황일치", "870815-1999999").await).await;
    known_otherwise.assert_problem(422, "certification.identity_mismatch");

    // Then the member is as before, and no answer echoes a number
    for response in [&other_name, &other_birth, &unknown, &known_otherwise] {
        assert_echoes_none(response, &["870815", "870816", "1112223", "1000001", "1999999"]);
    }
    let after = me(&app, &token).await;
    assert_eq!((&after["grade"], &after["certifications"]), (&json!("associate"), &json!([])));
}

#[tokio::test]
async fn the_dls_name_must_be_the_members_before_dls_is_asked() {
    let app = spawn_app().await;
    let token = member(&app, &Person::new("임학생", "2010-01-20"), "dlsmatch01").await;
    app.add_dls_account("임다른", "lim2010", "Library-Card-5", "2016-03-02").await;
    app.set_fault("dls", "error").await;

    let response =
        certify(&app, &token, STUDENT, &student_body(&app, "임다른", "lim2010", "Library-Card-5").await).await;

    response.assert_problem(422, "certification.identity_mismatch");
    assert_echoes_none(&response, &["lim2010", "Library-Card-5"]);
    assert_eq!(me(&app, &token).await["grade"], "associate");
}

#[tokio::test]
async fn a_resident_registered_outside_incheon_is_not_certified() {
    let app = spawn_app().await;
    let token = member(&app, &Person::new("강서울", "1995-04-30"), "seoul01").await;
    app.add_resident("950430-2468024", "강서울", "seoul").await;

    let response = certify(&app, &token, CITIZEN, &citizen_body(&app, "강서울", "950430-2468024").await).await;

    response.assert_problem(422, "certification.not_incheon_resident");
    assert_echoes_none(&response, &["950430", "2468024"]);
    let after = me(&app, &token).await;
    assert_eq!((&after["grade"], &after["certifications"]), (&json!("associate"), &json!([])));
}

#[tokio::test]
async fn dls_rejects_an_unknown_account_a_wrong_password_and_another_name() {
    // Given an associate member; DLS knows the member's account, and one of another name
    let app = spawn_app().await;
    let token = member(&app, &Person::new("신학생", "2009-05-05"), "dlsno01").await;
    app.add_dls_account("신학생", "shin2009", "Right-Pass-11", "2016-03-02").await;
    app.add_dls_account("신다른", "shin-other", "Right-Pass-11", "2016-03-02").await;

    let cases = [
        ("shin2010", "Right-Pass-11"),   // no such account
        ("shin2009", "Wrong-Pass-11"),   // the password is not the account's
        ("shin-other", "Right-Pass-11"), // the account is another person's
    ];
    for (id, password) in cases {
        // When the member certifies with it
        let response = certify(&app, &token, STUDENT, &student_body(&app, "신학생", id, password).await).await;

        // Then DLS does not confirm it
        response.assert_problem(422, "certification.dls_rejected");
        assert_echoes_none(&response, &[id, password]);
    }
    let after = me(&app, &token).await;
    assert_eq!((&after["grade"], &after["certifications"]), (&json!("associate"), &json!([])));
}

#[tokio::test]
async fn a_dls_account_must_have_existed_on_the_sign_up_date() {
    // Given a member who signed up three days ago (Asia/Seoul), and DLS accounts of that person
    // created the day after, today, and on the sign-up day itself
    let app = spawn_app().await;
    let signed_up_on = app.seoul_today().await;
    app.register_general(&Person::new("배날짜", "2008-12-12"), "dlsdate01").await;
    app.advance_clock(3 * DAY).await;
    let token = sign_in(&app, "dlsdate01").await; // the access token lives 30 minutes
    let today = app.seoul_today().await;
    assert_eq!(today, signed_up_on + time::Duration::days(3), "no midnight skipped");
    let day_after = signed_up_on.next_day().unwrap();
    app.add_dls_account("배날짜", "bae-later", "Date-Pass-22", &day_after.to_string()).await;
    app.add_dls_account("배날짜", "bae-today", "Date-Pass-22", &today.to_string()).await;
    app.add_dls_account("배날짜", "bae-sameday", "Date-Pass-22", &signed_up_on.to_string()).await;

    // When the member certifies with the accounts created after the sign-up date
    for id in ["bae-later", "bae-today"] {
        let response = certify(&app, &token, STUDENT, &student_body(&app, "배날짜", id, "Date-Pass-22").await).await;

        // Then DLS's answer is not enough
        response.assert_problem(422, "certification.dls_rejected");
    }
    // and with the one created on the sign-up date, it is
    let response =
        certify(&app, &token, STUDENT, &student_body(&app, "배날짜", "bae-sameday", "Date-Pass-22").await).await;
    assert_eq!((response.status, &response.body["grade"]), (200, &json!("light")), "{}", response.text);
}

#[tokio::test]
async fn only_an_active_signed_in_member_may_certify() {
    let app = spawn_app().await;
    let body = citizen_body(&app, "김하늘", "900517-1234567").await;

    for path in [CITIZEN, STUDENT] {
        // Without a token, or with one that is no token
        let response = app.post(path).json(&body).send().await;
        response.assert_problem(401, "auth.token_invalid");
        certify(&app, "not-a-token", path, &body).await.assert_problem(401, "auth.token_invalid");
    }

    // A dormant member (two years without renewing consent), with the limited token sign-in gives
    app.register_general(&Person::new("김하늘", "1990-05-17"), "dormant01").await;
    app.add_resident("900517-1234567", "김하늘", "incheon").await;
    app.advance_clock(2 * 366 * DAY + DAY).await;
    let signed_in =
        app.post("/v1/sessions").json(&json!({ "username": "dormant01", "password": PASSWORD })).send().await;
    signed_in.assert_problem(403, "member.dormant");
    let token = signed_in.body["accessToken"].as_str().expect("a dormant member's access token").to_owned();
    let student = student_body(&app, "김하늘", "kim1990", "Any-Pass-1").await;
    for (path, body) in [(CITIZEN, &body), (STUDENT, &student)] {
        let response = certify(&app, &token, path, body).await;

        response.assert_problem(403, "member.dormant");
    }
    assert_eq!(me(&app, &token).await["grade"], "associate");
}
