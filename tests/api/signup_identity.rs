//! API.md, "Sign-up session", step 3 (본인확인): the result of a request made for this sign-up, its
//! single use and freshness, the age rules, and the person who already holds a membership.

use api_tests::{adult, born_years_before, spawn_app, Person, Step};
use membership_domain::calendar::full_age;
use serde_json::{json, Value};
use time::macros::date;

/// `result` with one character of `field` changed (a Base64 character for another).
fn tampered(result: &Value, field: &str, at: usize) -> Value {
    let mut changed = result.clone();
    let mut text = result[field].as_str().expect("a string").to_owned().into_bytes();
    let at = at.min(text.len() - 2);
    text[at] = if text[at] == b'A' { b'B' } else { b'A' };
    changed[field] = json!(String::from_utf8(text).expect("ASCII"));
    changed
}

// --- The result itself ---------------------------------------------------------------------------

#[tokio::test]
async fn garbage_is_an_invalid_result() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let genuine = app.signup_result(&signup, &adult(), "phone").await;

    let long = "x".repeat(5000);
    for garbage in [
        json!({ "tokenVersionId": "garbage", "encData": "", "integrityValue": "" }),
        json!({ "tokenVersionId": "", "encData": genuine["encData"], "integrityValue": genuine["integrityValue"] }),
        json!({ "tokenVersionId": genuine["tokenVersionId"], "encData": "a.b", "integrityValue": "...." }),
        json!({ "tokenVersionId": genuine["tokenVersionId"], "encData": long, "integrityValue": genuine["integrityValue"] }),
        json!({ "tokenVersionId": long, "encData": genuine["encData"], "integrityValue": genuine["integrityValue"] }),
    ] {
        let response = app.verify_identity(&signup, &garbage).await;

        response.assert_problem(422, "identity.result_invalid");
    }
    let verified = app.verify_identity(&signup, &genuine).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_tampered_result_is_invalid() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &Person::new("김어림", "2016-06-06"), "phone").await;
    let other = app.signup_result(&signup, &adult(), "phone").await;

    let swapped_data = json!({
        "tokenVersionId": result["tokenVersionId"], "encData": other["encData"], "integrityValue": other["integrityValue"],
    });
    let swapped_integrity = json!({
        "tokenVersionId": result["tokenVersionId"], "encData": result["encData"], "integrityValue": other["integrityValue"],
    });
    for tampered in [
        tampered(&result, "encData", 5),
        tampered(&result, "encData", 1000),
        tampered(&result, "integrityValue", 3),
        swapped_data,
        swapped_integrity,
    ] {
        let response = app.verify_identity(&signup, &tampered).await;

        response.assert_problem(422, "identity.result_invalid");
    }
    // The untouched results still verify: nothing above used them.
    let verified = app.verify_identity(&signup, &other).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_body_of_another_shape_fails_validation() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;

    let old_shape =
        app.signup_step(&signup, "identity").json(&json!({ "method": "phone", "result": "x" })).send().await;
    let mut extra = result.clone();
    extra["method"] = json!("phone");
    let with_extra = app.verify_identity(&signup, &extra).await;
    let missing = app.verify_identity(&signup, &json!({ "tokenVersionId": result["tokenVersionId"] })).await;

    old_shape.assert_field_error(422, "validation.failed", "/method", "unknown_field");
    with_extra.assert_field_error(422, "validation.failed", "/identity/method", "unknown_field");
    missing.assert_field_error(422, "validation.failed", "/identity/encData", "required");
    assert_eq!(app.verify_identity(&signup, &result).await.status, 200);
}

#[tokio::test]
async fn a_result_is_used_once() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;
    let second = app.signup_at("general", Step::Identity, &adult()).await;
    let refused = app.signup_at("general", Step::Identity, &Person::new("박나이", "2015-01-01")).await;
    let underage = app.signup_result(&refused, &Person::new("박나이", "2015-01-01"), "phone").await;
    app.verify_identity(&refused, &underage).await.assert_problem(422, "age.requires_child_signup");
    assert_eq!(app.verify_identity(&signup, &result).await.status, 200);

    // Used by its refusal: the sign-up it was made for presents it again.
    app.verify_identity(&refused, &underage).await.assert_problem(409, "identity.result_replayed");
    // A result of another sign-up is no result of this one, used or not.
    app.verify_identity(&second, &result).await.assert_problem(422, "identity.result_invalid");
    let own = app.signup_result(&second, &adult(), "ipin").await;
    let verified = app.verify_identity(&second, &own).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_result_older_than_ten_minutes_is_expired() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;

    app.advance_clock(601).await;
    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(422, "identity.result_expired");
    let fresh = app.signup_result(&signup, &adult(), "phone").await;
    let verified = app.verify_identity(&signup, &fresh).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_request_expires_ten_minutes_after_it_was_made_whenever_the_person_verified() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let request = app.request_identity("signup", "phone", Some(&signup.token)).await;

    app.advance_clock(601).await;
    let result = app.verify_at_provider(&request, &adult()).await;
    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(422, "identity.result_expired");
}

#[tokio::test]
async fn a_result_just_under_ten_minutes_old_is_fresh() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;

    app.advance_clock(590).await;
    let response = app.verify_identity(&signup, &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_replayed_result_is_replayed_before_it_is_expired() {
    let app = spawn_app().await;
    let guardian = Person::new("이보호", "1980-03-03");
    let signup = app.signup_at("child", Step::Identity, &guardian).await;
    let underage = Person::new("이어림", "2012-01-01");
    let result = app.signup_result(&signup, &underage, "phone").await;
    app.verify_identity(&signup, &result).await.assert_problem(422, "guardian.not_adult");

    app.advance_clock(601).await;
    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(409, "identity.result_replayed");
}

#[tokio::test]
async fn an_expired_result_that_was_tampered_with_is_invalid() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;

    app.advance_clock(601).await;
    let response = app.verify_identity(&signup, &tampered(&result, "encData", 7)).await;

    response.assert_problem(422, "identity.result_invalid");
}

#[tokio::test]
async fn a_cancelled_verification_failed_and_the_sign_up_waits_for_another() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let request = app.request_identity("signup", "phone", Some(&signup.token)).await;
    let cancelled = app.cancel_at_provider(&request).await;

    let response = app.verify_identity(&signup, &cancelled).await;

    response.assert_problem(422, "identity.verification_failed");
    let by_ipin = app.request_identity("signup", "ipin", Some(&signup.token)).await;
    let cancelled = app.cancel_at_provider(&by_ipin).await;
    app.verify_identity(&signup, &cancelled).await.assert_problem(422, "identity.verification_failed");
    let result = app.signup_result(&signup, &adult(), "phone").await;
    assert_eq!(app.verify_identity(&signup, &result).await.status, 200);
}

#[tokio::test]
async fn a_result_of_another_purpose_is_invalid_here() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let recovery = app.recovery_result(&adult(), "phone").await;

    let response = app.verify_identity(&signup, &recovery).await;

    response.assert_problem(422, "identity.result_invalid");
    // Nor was it used: it still serves its own purpose (there is no account: 404, not 409).
    let recovered = app.post("/v1/recovery/username").json(&json!({ "identity": recovery })).send().await;
    recovered.assert_problem(404, "member.not_found");
}

// --- Age -----------------------------------------------------------------------------------------

#[tokio::test]
async fn a_person_whose_fourteenth_birthday_is_today_signs_up_as_general() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let fourteen = Person::new("박열넷", born_years_before(today, 14));
    let signup = app.signup_at("general", Step::Identity, &fourteen).await;

    let result = app.signup_result(&signup, &fourteen, "phone").await;
    let response = app.verify_identity(&signup, &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["verified"]["role"], "self");
}

#[tokio::test]
async fn a_person_whose_fourteenth_birthday_is_tomorrow_needs_a_child_sign_up() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let tomorrow = today.next_day().expect("tomorrow");
    let thirteen = Person::new("박열셋", born_years_before(tomorrow, 14));
    let signup = app.signup_at("general", Step::Identity, &thirteen).await;
    let result = app.signup_result(&signup, &thirteen, "phone").await;

    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(422, "age.requires_child_signup");
    // From the age check on, the result counts as used.
    app.verify_identity(&signup, &result).await.assert_problem(409, "identity.result_replayed");
    // And the general sign-up is still at identity, for an applicant of age.
    let adult_result = app.signup_result(&signup, &adult(), "phone").await;
    let verified = app.verify_identity(&signup, &adult_result).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_person_born_on_29_february_is_aged_by_the_civil_act() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let leapling = Person::new("윤이월", "2012-02-29");
    let signup = app.signup_at("general", Step::Identity, &leapling).await;
    let result = app.signup_result(&signup, &leapling, "phone").await;

    let response = app.verify_identity(&signup, &result).await;

    // Civil Act art. 160(3): 14 on 1 March 2026, not on 28 February.
    if full_age(date!(2012 - 02 - 29), today) >= 14 {
        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(response.body["verified"]["birthDate"], "2012-02-29");
    } else {
        response.assert_problem(422, "age.requires_child_signup");
    }
}

#[tokio::test]
async fn a_guardian_whose_nineteenth_birthday_is_today_may_sign_a_child_up() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("한보호", born_years_before(today, 19));
    let signup = app.signup_at("child", Step::Identity, &guardian).await;
    let result = app.signup_result(&signup, &guardian, "ipin").await;

    let response = app.verify_identity(&signup, &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["verified"]["role"], "guardian");
}

#[tokio::test]
async fn a_guardian_under_nineteen_is_not_an_adult() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let tomorrow = today.next_day().expect("tomorrow");
    let eighteen = Person::new("한어림", born_years_before(tomorrow, 19));
    let signup = app.signup_at("child", Step::Identity, &eighteen).await;
    let result = app.signup_result(&signup, &eighteen, "phone").await;

    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(422, "guardian.not_adult");
    app.verify_identity(&signup, &result).await.assert_problem(409, "identity.result_replayed");
}

#[tokio::test]
async fn a_child_cannot_verify_for_itself() {
    let app = spawn_app().await;
    let child = Person::new("김아기", "2018-01-01");
    let signup = app.signup_at("child", Step::Identity, &child).await;
    let result = app.signup_result(&signup, &child, "phone").await;

    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(422, "guardian.not_adult");
}

// --- Already a member ---------------------------------------------------------------------------

#[tokio::test]
async fn a_general_member_signing_up_again_is_already_a_member() {
    let app = spawn_app().await;
    app.register_general(&adult(), "Haneul01").await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    // By I-PIN this time: the same name and birth date give the same DI.
    let result = app.signup_result(&signup, &adult(), "ipin").await;

    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(409, "member.already_exists");
    assert_eq!(response.body["maskedUsername"], "han***", "{}", response.text);
    // The result is used up all the same.
    app.verify_identity(&signup, &result).await.assert_problem(409, "identity.result_replayed");
}

#[tokio::test]
async fn the_same_di_is_the_same_person_whatever_the_name() {
    let app = spawn_app().await;
    let registered = Person::new("김하늘", "1990-05-17").with_di("DI-PERSON-1");
    app.register_general(&registered, "kimh").await;
    let renamed = Person::new("김하늬", "1990-05-17").with_di("DI-PERSON-1");
    let signup = app.signup_at("general", Step::Identity, &renamed).await;
    let result = app.signup_result(&signup, &renamed, "phone").await;

    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(409, "member.already_exists");
    // min(3, n − 2) characters of a 4-character username: two.
    assert_eq!(response.body["maskedUsername"], "ki***", "{}", response.text);
}

#[tokio::test]
async fn namesakes_born_the_same_day_are_different_people() {
    let app = spawn_app().await;
    let first = Person::new("김민준", "1995-04-04").with_di("DI-MINJUN-1");
    let second = Person::new("김민준", "1995-04-04").with_di("DI-MINJUN-2");
    app.register_general(&first, "minjun01").await;
    let signup = app.signup_at("general", Step::Identity, &second).await;
    let result = app.signup_result(&signup, &second, "phone").await;

    let response = app.verify_identity(&signup, &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_member_may_still_verify_as_the_guardian_of_a_child() {
    let app = spawn_app().await;
    app.register_general(&adult(), "haneul01").await;
    let signup = app.signup_at("child", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;

    let response = app.verify_identity(&signup, &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["verified"]["role"], "guardian");
}

#[tokio::test]
async fn failures_of_the_identity_step_leave_the_session_waiting_for_a_result() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let garbage = json!({ "tokenVersionId": "garbage", "encData": "x", "integrityValue": "y" });
    app.verify_identity(&signup, &garbage).await.assert_problem(422, "identity.result_invalid");
    let other = app.signup_at("general", Step::Identity, &adult()).await;
    let of_other = app.signup_result(&other, &adult(), "phone").await;
    app.verify_identity(&signup, &of_other).await.assert_problem(422, "identity.result_invalid");

    let result = app.signup_result(&signup, &adult(), "phone").await;
    let response = app.verify_identity(&signup, &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
}
