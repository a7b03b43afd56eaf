//! API.md, "Sign-up session", step 3 (본인확인): the provider result, its single use and freshness,
//! the age rules, and the person who already holds a membership.

use api_tests::{adult, born_years_before, spawn_app, Person, Step};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use membership_domain::calendar::full_age;
use serde_json::{json, Value};
use time::macros::date;

/// The same result with its payload rewritten and the provider's signature kept.
fn forge(result: &str, change: impl FnOnce(&mut Value)) -> String {
    let (payload, signature) = result.split_once('.').expect("payload.signature");
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("a JSON payload");
    change(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{payload}.{signature}")
}

// --- The result itself ---------------------------------------------------------------------------

#[tokio::test]
async fn garbage_is_an_invalid_result() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;

    for garbage in ["garbage", "", "a.b", "....", &"x".repeat(5000)] {
        let response = app.verify_identity(&signup, "phone", garbage).await;

        response.assert_problem(422, "identity.result_invalid");
    }
}

#[tokio::test]
async fn a_tampered_result_is_invalid() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.identity_result("phone", "김어림", "2016-06-06", None).await;
    let other = app.result_for(&adult(), "phone").await;

    let made_older = forge(&result, |claims| claims["birthDate"] = json!("1990-01-01"));
    let renamed = forge(&result, |claims| claims["name"] = json!("김하늘"));
    let swapped_signature =
        format!("{}.{}", result.split_once('.').expect("payload").0, other.split_once('.').expect("signature").1);
    let mut flipped = result.clone().into_bytes();
    flipped[5] = if flipped[5] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ASCII");

    for tampered in [made_older, renamed, swapped_signature, flipped] {
        let response = app.verify_identity(&signup, "phone", &tampered).await;

        response.assert_problem(422, "identity.result_invalid");
    }
    // The untouched results still verify: nothing above used them.
    let verified = app.verify_identity(&signup, "phone", &other).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_result_of_another_method_is_invalid() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let by_phone = app.result_for(&adult(), "phone").await;
    let by_ipin = app.result_for(&adult(), "ipin").await;

    let phone_as_ipin = app.verify_identity(&signup, "ipin", &by_phone).await;
    let ipin_as_phone = app.verify_identity(&signup, "phone", &by_ipin).await;

    phone_as_ipin.assert_problem(422, "identity.result_invalid");
    ipin_as_phone.assert_problem(422, "identity.result_invalid");
    let verified = app.verify_identity(&signup, "phone", &by_phone).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_method_that_does_not_exist_fails_validation() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.result_for(&adult(), "phone").await;

    let response = app.verify_identity(&signup, "passport", &result).await;
    let missing = app.signup_step(&signup, "identity").json(&json!({ "method": "phone" })).send().await;

    response.assert_field_error(422, "validation.failed", "/method", "invalid_value");
    missing.assert_field_error(422, "validation.failed", "/result", "required");
}

#[tokio::test]
async fn a_result_is_used_once() {
    let app = spawn_app().await;
    let first = app.signup_at("general", Step::Identity, &adult()).await;
    let second = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.result_for(&adult(), "phone").await;
    assert_eq!(app.verify_identity(&first, "phone", &result).await.status, 200);

    let replayed = app.verify_identity(&second, "phone", &result).await;

    replayed.assert_problem(409, "identity.result_replayed");
    // The session that was refused is still waiting for a result of its own.
    let own = app.result_for(&adult(), "ipin").await;
    let verified = app.verify_identity(&second, "ipin", &own).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_result_is_used_even_when_the_sign_up_it_served_is_finished() {
    let app = spawn_app().await;
    let guardian = Person::new("이보호", "1980-03-03");
    let child_signup = app.signup_at("child", Step::Identity, &guardian).await;
    let result = app.result_for(&guardian, "phone").await;
    assert_eq!(app.verify_identity(&child_signup, "phone", &result).await.status, 200);
    let created =
        app.complete_signup(&child_signup, &api_tests::child_member("junior01", "이아이", "2018-07-07")).await;
    assert_eq!(created.status, 201, "{}", created.text);

    let general = app.signup_at("general", Step::Identity, &guardian).await;
    let replayed = app.verify_identity(&general, "phone", &result).await;

    replayed.assert_problem(409, "identity.result_replayed");
}

#[tokio::test]
async fn a_result_older_than_ten_minutes_is_expired() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.result_for(&adult(), "phone").await;

    app.advance_clock(601).await;
    let response = app.verify_identity(&signup, "phone", &result).await;

    response.assert_problem(422, "identity.result_expired");
    let fresh = app.result_for(&adult(), "phone").await;
    let verified = app.verify_identity(&signup, "phone", &fresh).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_result_just_under_ten_minutes_old_is_fresh() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.result_for(&adult(), "phone").await;

    app.advance_clock(590).await;
    let response = app.verify_identity(&signup, "phone", &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_result_of_another_method_is_invalid_before_it_is_replayed() {
    let app = spawn_app().await;
    let first = app.signup_at("general", Step::Identity, &adult()).await;
    let second = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.result_for(&adult(), "phone").await;
    assert_eq!(app.verify_identity(&first, "phone", &result).await.status, 200);

    let response = app.verify_identity(&second, "ipin", &result).await;

    response.assert_problem(422, "identity.result_invalid");
}

#[tokio::test]
async fn a_replayed_result_is_replayed_before_it_is_expired() {
    let app = spawn_app().await;
    let first = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.result_for(&adult(), "phone").await;
    assert_eq!(app.verify_identity(&first, "phone", &result).await.status, 200);

    app.advance_clock(601).await;
    let second = app.signup_at("general", Step::Identity, &adult()).await;
    let response = app.verify_identity(&second, "phone", &result).await;

    response.assert_problem(409, "identity.result_replayed");
}

#[tokio::test]
async fn an_expired_result_that_was_tampered_with_is_invalid() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.result_for(&adult(), "phone").await;

    app.advance_clock(601).await;
    let tampered = forge(&result, |claims| claims["name"] = json!("김다른"));
    let response = app.verify_identity(&signup, "phone", &tampered).await;

    response.assert_problem(422, "identity.result_invalid");
}

// --- Age -----------------------------------------------------------------------------------------

#[tokio::test]
async fn a_person_whose_fourteenth_birthday_is_today_signs_up_as_general() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let fourteen = Person::new("박열넷", born_years_before(today, 14));
    let signup = app.signup_at("general", Step::Identity, &fourteen).await;

    let result = app.result_for(&fourteen, "phone").await;
    let response = app.verify_identity(&signup, "phone", &result).await;

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
    let result = app.result_for(&thirteen, "phone").await;

    let response = app.verify_identity(&signup, "phone", &result).await;

    response.assert_problem(422, "age.requires_child_signup");
    // From the age check on, the result counts as used, here and in any other sign-up.
    app.verify_identity(&signup, "phone", &result).await.assert_problem(409, "identity.result_replayed");
    let child = app.signup_at("child", Step::Identity, &thirteen).await;
    app.verify_identity(&child, "phone", &result).await.assert_problem(409, "identity.result_replayed");
    // And the general sign-up is still at identity, for an applicant of age.
    let adult_result = app.result_for(&adult(), "phone").await;
    let verified = app.verify_identity(&signup, "phone", &adult_result).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_person_born_on_29_february_is_aged_by_the_civil_act() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let leapling = Person::new("윤이월", "2012-02-29");
    let signup = app.signup_at("general", Step::Identity, &leapling).await;
    let result = app.result_for(&leapling, "phone").await;

    let response = app.verify_identity(&signup, "phone", &result).await;

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
    let result = app.result_for(&guardian, "ipin").await;

    let response = app.verify_identity(&signup, "ipin", &result).await;

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
    let result = app.result_for(&eighteen, "phone").await;

    let response = app.verify_identity(&signup, "phone", &result).await;

    response.assert_problem(422, "guardian.not_adult");
    let again = app.signup_at("child", Step::Identity, &eighteen).await;
    app.verify_identity(&again, "phone", &result).await.assert_problem(409, "identity.result_replayed");
}

#[tokio::test]
async fn a_child_cannot_verify_for_itself() {
    let app = spawn_app().await;
    let child = Person::new("김아기", "2018-01-01");
    let signup = app.signup_at("child", Step::Identity, &child).await;
    let result = app.result_for(&child, "phone").await;

    let response = app.verify_identity(&signup, "phone", &result).await;

    response.assert_problem(422, "guardian.not_adult");
}

// --- Already a member ---------------------------------------------------------------------------

#[tokio::test]
async fn a_general_member_signing_up_again_is_already_a_member() {
    let app = spawn_app().await;
    app.register_general(&adult(), "Haneul01").await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    // By I-PIN this time: the same name and birth date give the same DI.
    let result = app.result_for(&adult(), "ipin").await;

    let response = app.verify_identity(&signup, "ipin", &result).await;

    response.assert_problem(409, "member.already_exists");
    assert_eq!(response.body["maskedUsername"], "han***", "{}", response.text);
    // The result is used up all the same.
    let other = app.signup_at("general", Step::Identity, &adult()).await;
    app.verify_identity(&other, "ipin", &result).await.assert_problem(409, "identity.result_replayed");
}

#[tokio::test]
async fn the_same_di_is_the_same_person_whatever_the_name() {
    let app = spawn_app().await;
    let registered = Person::new("김하늘", "1990-05-17").with_di("DI-PERSON-1");
    app.register_general(&registered, "kimh").await;
    let renamed = Person::new("김하늬", "1990-05-17").with_di("DI-PERSON-1");
    let signup = app.signup_at("general", Step::Identity, &renamed).await;
    let result = app.result_for(&renamed, "phone").await;

    let response = app.verify_identity(&signup, "phone", &result).await;

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
    let result = app.result_for(&second, "phone").await;

    let response = app.verify_identity(&signup, "phone", &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_member_may_still_verify_as_the_guardian_of_a_child() {
    let app = spawn_app().await;
    app.register_general(&adult(), "haneul01").await;
    let signup = app.signup_at("child", Step::Identity, &adult()).await;
    let result = app.result_for(&adult(), "phone").await;

    let response = app.verify_identity(&signup, "phone", &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["verified"]["role"], "guardian");
}

#[tokio::test]
async fn failures_of_the_identity_step_leave_the_session_waiting_for_a_result() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let invalid = app.verify_identity(&signup, "phone", "garbage").await;
    invalid.assert_problem(422, "identity.result_invalid");
    let wrong_method = app.verify_identity(&signup, "ipin", &app.result_for(&adult(), "phone").await).await;
    wrong_method.assert_problem(422, "identity.result_invalid");

    let result = app.result_for(&adult(), "phone").await;
    let response = app.verify_identity(&signup, "phone", &result).await;

    assert_eq!(response.status, 200, "{}", response.text);
}
