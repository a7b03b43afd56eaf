//! API.md, "Sign-up session": starting, the session's life, its token, the order of the steps, and
//! the consent step (이용약관동의).

use api_tests::{adult, child_member, general_member, spawn_app, Person, Step, TestApp};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The Luhn check digit of `payload`, written out here rather than taken from the service.
fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &digit)| {
            let digit = u32::from(digit);
            match i % 2 {
                0 if digit * 2 > 9 => digit * 2 - 9,
                0 => digit * 2,
                _ => digit,
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// `^[1-9][0-9]{13}$` whose last digit is the Luhn check digit of the first 13.
fn assert_loan_card_number(number: &str) {
    let digits: Vec<u8> = number.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    assert_eq!(digits.len(), 14, "{number}");
    assert!(digits.iter().all(|d| *d <= 9), "{number}");
    assert_ne!(digits[0], 0, "{number}");
    assert_eq!(luhn_check_digit(&digits[..13]), digits[13], "{number}: the last digit is not the Luhn check digit");
}

#[test]
fn the_luhn_check_digit_of_the_textbook_example() {
    // 7992739871 has check digit 3 (ISO/IEC 7812-1, annex B).
    assert_eq!(luhn_check_digit(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1]), 3);
    assert_eq!(luhn_check_digit(&[0]), 0);
    assert_eq!(luhn_check_digit(&[1, 8]), 2);
}

/// A later call to each step of a finished or unknown sign-up.
async fn assert_every_step_not_found(app: &TestApp, signup: &api_tests::Signup) {
    let consents = app.signup_consents().await;
    let other = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&other, &Person::new("박나중", "1985-01-01"), "phone").await;
    for response in [
        app.consent(signup, &consents).await,
        app.verify_identity(signup, &result).await,
        app.complete_signup(signup, &general_member("later01")).await,
    ] {
        response.assert_problem(404, "signup.not_found");
    }
}

fn exact_keys(body: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    keys.sort_unstable();
    keys
}

// --- Starting -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_sign_up_starts_at_consent_and_lives_thirty_minutes() {
    let app = spawn_app().await;
    let before = app.now().await;

    let response = app.post("/v1/signups").json(&json!({ "memberType": "general" })).send().await;

    let after = app.now().await;
    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(exact_keys(&response.body), ["expiresAt", "memberType", "signupId", "signupToken", "step"]);
    assert_eq!(response.body["memberType"], "general");
    assert_eq!(response.body["step"], "consent");
    let expires_at = response.body["expiresAt"].as_str().expect("expiresAt");
    assert!(expires_at.ends_with('Z'), "an instant in UTC: {expires_at}");
    let expires_at = OffsetDateTime::parse(expires_at, &Rfc3339).expect("RFC 3339");
    let lifetime = Duration::minutes(30);
    assert!(
        expires_at >= (before + lifetime).replace_nanosecond(0).unwrap() && expires_at <= after + lifetime,
        "{expires_at} is not 30 minutes after {before}"
    );
}

#[tokio::test]
async fn a_child_sign_up_starts_the_same_way() {
    let app = spawn_app().await;

    let response = app.post("/v1/signups").json(&json!({ "memberType": "child" })).send().await;

    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["memberType"], "child");
    assert_eq!(response.body["step"], "consent");
}

#[tokio::test]
async fn every_sign_up_has_its_own_id_and_an_unguessable_token() {
    let app = spawn_app().await;

    let first = app.start_signup("general").await;
    let second = app.start_signup("general").await;

    assert_ne!(first.id, second.id);
    assert_ne!(first.token, second.token);
    // At least 128 random bits: 22 characters even in base64.
    assert!(first.token.len() >= 22, "{}", first.token);
}

#[tokio::test]
async fn the_sign_up_token_is_stored_only_as_a_hash() {
    let app = spawn_app().await;

    let signup = app.signup_at("general", Step::Identity, &adult()).await;

    let stored = format!("{:?}", app.dump().await);
    assert!(stored.contains(&signup.id), "the session is stored");
    assert!(!stored.contains(&signup.token), "{stored}");
}

// --- Happy paths ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_general_member_signs_up_in_four_steps() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;

    let consented = app.consent(&signup, &app.signup_consents().await).await;
    assert_eq!(consented.status, 200, "{}", consented.text);
    assert_eq!(consented.body, json!({ "step": "identity" }));

    let result = app.signup_result(&signup, &adult(), "ipin").await;
    let verified = app.verify_identity(&signup, &result).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert_eq!(
        verified.body,
        json!({
            "step": "profile",
            "verified": { "name": "김하늘", "birthDate": "1990-05-17", "role": "self" },
        })
    );

    let created = app.complete_signup(&signup, &general_member("Haneul_01")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(exact_keys(&created.body), ["grade", "loanCardNumber", "memberId", "memberType", "username"]);
    assert!(created.body["memberId"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(created.body["username"], "haneul_01");
    assert_eq!(created.body["memberType"], "general");
    assert_eq!(created.body["grade"], "associate");
    assert_loan_card_number(created.body["loanCardNumber"].as_str().expect("card"));
}

#[tokio::test]
async fn a_guardian_signs_a_child_up() {
    let app = spawn_app().await;
    let guardian = Person::new("이보호", "1980-03-03");
    let signup = app.signup_at("child", Step::Identity, &guardian).await;

    let result = app.signup_result(&signup, &guardian, "phone").await;
    let verified = app.verify_identity(&signup, &result).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert_eq!(
        verified.body,
        json!({
            "step": "profile",
            "verified": { "name": "이보호", "birthDate": "1980-03-03", "role": "guardian" },
        })
    );

    let created = app.complete_signup(&signup, &child_member("Junior_Lee", "이아이", "2018-07-07")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(exact_keys(&created.body), ["grade", "loanCardNumber", "memberId", "memberType", "username"]);
    assert_eq!(created.body["username"], "junior_lee");
    assert_eq!(created.body["memberType"], "child");
    assert_eq!(created.body["grade"], "associate");
    assert_loan_card_number(created.body["loanCardNumber"].as_str().expect("card"));
}

#[tokio::test]
async fn a_completed_sign_up_is_gone() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Profile, &adult()).await;
    let created = app.complete_signup(&signup, &general_member("reader01")).await;
    assert_eq!(created.status, 201, "{}", created.text);

    assert_every_step_not_found(&app, &signup).await;
}

#[tokio::test]
async fn a_completed_child_sign_up_is_gone() {
    let app = spawn_app().await;
    let signup = app.signup_at("child", Step::Profile, &adult()).await;
    let body = child_member("junior01", "김아기", "2019-09-09");
    let created = app.complete_signup(&signup, &body).await;
    assert_eq!(created.status, 201, "{}", created.text);

    let again = app.complete_signup(&signup, &body).await;

    again.assert_problem(404, "signup.not_found");
}

#[tokio::test]
async fn every_answer_agreed_or_refused_is_kept_with_the_member() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let mut refused = app.signup_consents().await;
    refused["consents"][1]["agreed"] = json!(false);
    app.consent(&signup, &refused).await.assert_problem(422, "consent.required");
    let agreed = app.consent(&signup, &app.signup_consents().await).await;
    assert_eq!(agreed.status, 200, "{}", agreed.text);
    let result = app.signup_result(&signup, &adult(), "phone").await;
    assert_eq!(app.verify_identity(&signup, &result).await.status, 200);

    let created = app.complete_signup(&signup, &general_member("reader01")).await;

    assert_eq!(created.status, 201, "{}", created.text);
    let member_id = created.body["memberId"].as_str().expect("memberId");
    let history: Vec<(String, bool)> = app
        .dump()
        .await
        .into_iter()
        // A consent answer kept under the member, wherever the store puts it.
        .filter(|item| item.0.get("document").is_some() && item.0.get("agreed").is_some())
        .filter(|item| format!("{:?}", item.0).contains(member_id))
        .map(|item| (item.0["document"].as_str().unwrap_or("").to_owned(), item.0["agreed"].as_bool().unwrap_or(true)))
        .collect();
    assert_eq!(history.len(), 4, "{history:?}");
    assert!(history.contains(&("privacy-collection".to_owned(), false)));
    assert_eq!(history.iter().filter(|(_, agreed)| *agreed).count(), 3);
}

#[tokio::test]
async fn each_member_gets_its_own_valid_loan_card_number() {
    let app = spawn_app().await;
    let mut numbers = Vec::new();

    for (n, name) in ["가나", "다라", "마바", "사아"].into_iter().enumerate() {
        let person = Person::new(name, "1991-01-01");
        let created = app.register_general(&person, &format!("reader{n:02}")).await;
        let number = created["loanCardNumber"].as_str().expect("card").to_owned();
        assert_loan_card_number(&number);
        numbers.push(number);
    }

    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), numbers.len(), "{numbers:?}");
}

// --- The session: unknown, expired, token -------------------------------------------------------

#[tokio::test]
async fn an_unknown_sign_up_is_not_found() {
    let app = spawn_app().await;
    let real = app.start_signup("general").await;
    let unknown = api_tests::Signup { id: "00000000-0000-4000-8000-000000000000".into(), token: real.token };

    assert_every_step_not_found(&app, &unknown).await;
}

#[tokio::test]
async fn a_sign_up_is_expired_after_thirty_minutes() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let consents = app.signup_consents().await;

    app.advance_clock(1801).await;
    let response = app.consent(&signup, &consents).await;

    response.assert_problem(410, "signup.expired");
}

#[tokio::test]
async fn a_sign_up_is_still_alive_just_before_thirty_minutes() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let consents = app.signup_consents().await;

    app.advance_clock(30 * 60 - 10).await;
    let response = app.consent(&signup, &consents).await;

    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn an_expired_sign_up_is_expired_at_every_step() {
    let app = spawn_app().await;
    let at_identity = app.signup_at("general", Step::Identity, &adult()).await;
    let at_profile = app.signup_at("general", Step::Profile, &Person::new("최늦음", "1977-07-07")).await;

    let result = app.signup_result(&at_identity, &adult(), "phone").await;
    app.advance_clock(1801).await;
    let identity = app.verify_identity(&at_identity, &result).await;
    let member = app.complete_signup(&at_profile, &general_member("reader01")).await;

    identity.assert_problem(410, "signup.expired");
    member.assert_problem(410, "signup.expired");
    // A new sign-up goes through with a result of its own.
    let fresh = app.signup_at("general", Step::Identity, &adult()).await;
    let verified = app.verify_identity(&fresh, &app.signup_result(&fresh, &adult(), "phone").await).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
}

#[tokio::test]
async fn a_wrong_token_is_refused() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let other = app.start_signup("general").await;
    let consents = app.signup_consents().await;

    for token in ["not-the-token".to_owned(), other.token.clone(), format!("{}x", signup.token)] {
        let response =
            app.post(&format!("/v1/signups/{}/consents", signup.id)).bearer(&token).json(&consents).send().await;

        response.assert_problem(401, "signup.token_invalid");
    }

    // None of that touched the session.
    let response = app.consent(&signup, &consents).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_missing_token_is_refused() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let path = format!("/v1/signups/{}/consents", signup.id);
    let consents = app.signup_consents().await;

    let without = app.post(&path).json(&consents).send().await;
    let basic =
        app.post(&path).header("authorization", &format!("Basic {}", signup.token)).json(&consents).send().await;
    let empty = app.post(&path).header("authorization", "Bearer ").json(&consents).send().await;

    for response in [without, basic, empty] {
        response.assert_problem(401, "signup.token_invalid");
    }
}

#[tokio::test]
async fn a_wrong_token_is_refused_at_the_later_steps_too() {
    let app = spawn_app().await;
    let at_identity = app.signup_at("general", Step::Identity, &adult()).await;
    let at_profile = app.signup_at("general", Step::Profile, &Person::new("정다른", "1988-08-08")).await;
    let result = app.signup_result(&at_identity, &adult(), "phone").await;

    let identity = app
        .verify_identity(&api_tests::Signup { token: at_profile.token.clone(), ..at_identity.clone() }, &result)
        .await;
    let member = app
        .complete_signup(
            &api_tests::Signup { token: at_identity.token.clone(), ..at_profile.clone() },
            &general_member("reader01"),
        )
        .await;

    identity.assert_problem(401, "signup.token_invalid");
    member.assert_problem(401, "signup.token_invalid");
}

// --- Steps in order -----------------------------------------------------------------------------

#[tokio::test]
async fn identity_before_consent_is_the_wrong_step() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let other = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&other, &adult(), "phone").await;

    let response = app.verify_identity(&signup, &result).await;

    response.assert_problem(409, "signup.wrong_step");
    assert_eq!(response.body["expectedStep"], "consent", "{}", response.text);
}

#[tokio::test]
async fn member_before_consent_is_the_wrong_step() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;

    let response = app.complete_signup(&signup, &general_member("reader01")).await;

    response.assert_problem(409, "signup.wrong_step");
    assert_eq!(response.body["expectedStep"], "consent", "{}", response.text);
}

#[tokio::test]
async fn member_before_identity_is_the_wrong_step() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;

    let response = app.complete_signup(&signup, &general_member("reader01")).await;

    response.assert_problem(409, "signup.wrong_step");
    assert_eq!(response.body["expectedStep"], "identity", "{}", response.text);
}

#[tokio::test]
async fn consenting_twice_is_the_wrong_step() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;

    let response = app.consent(&signup, &app.signup_consents().await).await;

    response.assert_problem(409, "signup.wrong_step");
    assert_eq!(response.body["expectedStep"], "identity", "{}", response.text);
}

#[tokio::test]
async fn verifying_twice_is_the_wrong_step() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;
    let spare = app.signup_result(&signup, &adult(), "phone").await;
    assert_eq!(app.verify_identity(&signup, &result).await.status, 200);

    let response = app.verify_identity(&signup, &spare).await;

    response.assert_problem(409, "signup.wrong_step");
    assert_eq!(response.body["expectedStep"], "profile", "{}", response.text);
    // A step out of order does not use the result up: the request is not marked used.
    let items = app.dump().await;
    let spare_id = spare["tokenVersionId"].as_str().unwrap();
    assert!(!items
        .iter()
        .any(|item| item.key().is_some_and(|k| k.pk == format!("IDREQ#{spare_id}") && k.sk == "USED")));
}

// --- Consent -------------------------------------------------------------------------------------

#[tokio::test]
async fn a_missing_required_document_is_required() {
    let app = spawn_app().await;
    let all = app.signup_consents().await;
    let only_terms = json!({ "consents": [all["consents"][0].clone()] });
    let only_privacy = json!({ "consents": [all["consents"][1].clone()] });

    for body in [only_terms, only_privacy, json!({ "consents": [] })] {
        let signup = app.start_signup("general").await;

        let response = app.consent(&signup, &body).await;

        response.assert_problem(422, "consent.required");
    }
}

#[tokio::test]
async fn a_refused_required_document_is_required_and_the_session_stays_at_consent() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let mut refused = app.signup_consents().await;
    refused["consents"][0]["agreed"] = json!(false);

    let response = app.consent(&signup, &refused).await;

    response.assert_problem(422, "consent.required");
    let other = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&other, &adult(), "phone").await;
    let too_early = app.verify_identity(&signup, &result).await;
    too_early.assert_problem(409, "signup.wrong_step");
    assert_eq!(too_early.body["expectedStep"], "consent");
    // 동의하지 않습니다 stops the sign-up at this step; agreeing afterwards lets it go on.
    let agreed = app.consent(&signup, &app.signup_consents().await).await;
    assert_eq!(agreed.status, 200, "{}", agreed.text);
    assert_eq!(agreed.body["step"], "identity");
}

#[tokio::test]
async fn a_stale_version_is_a_version_mismatch() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let mut stale = app.signup_consents().await;
    stale["consents"][1]["version"] = json!("2019-01-01");
    let before = app.dump().await;

    let response = app.consent(&signup, &stale).await;

    response.assert_problem(409, "consent.version_mismatch");
    assert_eq!(app.dump().await, before, "nothing was recorded");
    let agreed = app.consent(&signup, &app.signup_consents().await).await;
    assert_eq!(agreed.status, 200, "{}", agreed.text);
}

#[tokio::test]
async fn an_unknown_document_is_refused() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let mut body = app.signup_consents().await;
    let version = body["consents"][0]["version"].clone();
    // In place of the second answer: the answers stay within the step's bounds (two).
    body["consents"][1] = json!({ "document": "marketing-emails", "version": version, "agreed": true });
    let before = app.dump().await;

    let response = app.consent(&signup, &body).await;

    response.assert_problem(422, "consent.unknown_document");
    assert_eq!(app.dump().await, before, "nothing was recorded");
}

#[tokio::test]
async fn a_document_of_the_certification_step_is_unknown_here() {
    let app = spawn_app().await;
    let signup = app.start_signup("general").await;
    let documents = app.terms().await;
    for id in ["citizen-third-party", "student-collection"] {
        let doc = documents.iter().find(|doc| doc["id"] == id).expect("document");
        let mut body = app.signup_consents().await;
        body["consents"][1] = json!({ "document": id, "version": doc["version"], "agreed": true });

        let response = app.consent(&signup, &body).await;

        response.assert_problem(422, "consent.unknown_document");
    }
}

#[tokio::test]
async fn a_child_sign_up_asks_for_the_same_consents() {
    let app = spawn_app().await;
    let signup = app.start_signup("child").await;
    let mut refused = app.signup_consents().await;
    refused["consents"][1]["agreed"] = json!(false);

    app.consent(&signup, &refused).await.assert_problem(422, "consent.required");
    let agreed = app.consent(&signup, &app.signup_consents().await).await;

    assert_eq!(agreed.status, 200, "{}", agreed.text);
    assert_eq!(agreed.body["step"], "identity");
}
