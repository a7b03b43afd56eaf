//! `Idempotency-Key` (API.md, Conventions): a retried POST gets the first answer, with no second effect.

use std::sync::{Arc, Condvar, Mutex};

use api_tests::{adult, general_member, spawn_app, spawn_app_with, Step};
use membership::passwords::{Argon2id, HashError, PasswordHasher};
use membership_domain::password::Password;
use membership_local::local::LocalOptions;
use serde_json::json;

#[tokio::test]
async fn a_retried_step_returns_the_first_answer() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Profile, &adult()).await;
    let body = general_member("retried01");

    let first = app.signup_step(&signup, "member").header("Idempotency-Key", "member-1").json(&body).send().await;
    let items_after_first = app.dump().await.len();
    let again = app.signup_step(&signup, "member").header("Idempotency-Key", "member-1").json(&body).send().await;

    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!((again.status, &again.body), (201, &first.body));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(app.dump().await.len(), items_after_first, "the replay created nothing");
    let other = app.signup_step(&signup, "member").header("Idempotency-Key", "member-2").json(&body).send().await;
    other.assert_problem(404, "signup.not_found");
}

/// Version 2: a replay on `POST /v1/signups` handed the first client's sign-up token to anyone who
/// sent the same key. The header is ignored there, not even checked.
#[tokio::test]
async fn a_new_sign_up_ignores_the_key_and_never_hands_out_another_callers_token() {
    let app = spawn_app().await;
    let body = json!({ "memberType": "general" });

    let victim = app.post("/v1/signups").header("Idempotency-Key", "shared-key").json(&body).send().await;
    let attacker = app.post("/v1/signups").header("Idempotency-Key", "shared-key").json(&body).send().await;
    let malformed =
        app.post("/v1/signups").header_bytes("Idempotency-Key", "두 단어".as_bytes()).json(&body).send().await;

    assert_eq!((victim.status, attacker.status, malformed.status), (201, 201, 201), "{}", malformed.text);
    assert_eq!(attacker.header("idempotent-replayed"), None);
    assert_ne!(attacker.body["signupId"], victim.body["signupId"]);
    assert_ne!(attacker.body["signupToken"], victim.body["signupToken"]);
    let stored = serde_json::to_string(&app.dump().await.iter().map(|i| &i.0).collect::<Vec<_>>()).unwrap();
    assert!(!stored.contains("IDEMPOTENCY#"), "no record is kept for a new sign-up");
}

/// No route without a known caller keeps a record: a key sent with no credential, or with one that
/// does not authenticate, is refused afresh by the route every time.
#[tokio::test]
async fn no_answer_is_saved_for_a_request_without_a_caller() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let consents = app.signup_consents().await;
    let path = format!("/v1/signups/{}/consents", signup.id);

    for _ in 0..2 {
        let anonymous = app.post(&path).header("Idempotency-Key", "anon").json(&consents).send().await;
        anonymous.assert_problem(401, "signup.token_invalid");
        assert_eq!(anonymous.header("idempotent-replayed"), None);
        let member =
            app.post("/v1/members/me/password").header("Idempotency-Key", "anon").json(&json!({})).send().await;
        member.assert_problem(401, "auth.token_invalid");
        assert_eq!(member.header("idempotent-replayed"), None);
    }
    let stored = serde_json::to_string(&app.dump().await.iter().map(|i| &i.0).collect::<Vec<_>>()).unwrap();
    assert!(!stored.contains("IDEMPOTENCY#"), "nothing was recorded for an unknown caller");
}

#[tokio::test]
async fn a_saved_response_keeps_its_token_sealed() {
    let app = spawn_app().await;
    app.register_general(&adult(), "sealed01").await;
    let signed_in = app.signed_in("sealed01", api_tests::PASSWORD).await;
    let renewal = app.signup_consents().await;
    let first = app
        .post("/v1/members/me/consents/renewal")
        .bearer(&signed_in.access)
        .header("Idempotency-Key", "sealed")
        .json(&renewal)
        .send()
        .await;
    assert_eq!(first.status, 200, "{}", first.text);

    let stored = serde_json::to_string(&app.dump().await.iter().map(|i| &i.0).collect::<Vec<_>>()).unwrap();

    assert!(stored.contains("IDEMPOTENCY#"), "the record is stored");
    let due = first.body["consentRenewalDue"].as_str().unwrap();
    assert!(!stored.contains(&format!("\"consentRenewalDue\":\"{due}\"")), "the saved answer is sealed");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let refused = json!({ "consents": [] });
    app.signup_step(&signup, "consents").header("Idempotency-Key", "k").json(&refused).send().await;
    let before = app.dump().await.len();

    let consents = app.signup_consents().await;
    let reused = app.signup_step(&signup, "consents").header("Idempotency-Key", "k").json(&consents).send().await;

    reused.assert_problem(422, "idempotency.key_reused");
    assert_eq!(app.dump().await.len(), before);
}

#[tokio::test]
async fn bodies_compare_as_canonical_json() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    let result = app.signup_result(&signup, &adult(), "phone").await;
    let (id, data, integrity) = (&result["tokenVersionId"], &result["encData"], &result["integrityValue"]);
    let compact = format!(r#"{{"identity":{{"tokenVersionId":{id},"encData":{data},"integrityValue":{integrity}}}}}"#);
    let spaced = format!(
        "{{ \"identity\" : {{ \"integrityValue\": {integrity},\n \"encData\" : {data}, \"tokenVersionId\": {id} }} }}"
    );

    let first = app
        .signup_step(&signup, "identity")
        .header("Idempotency-Key", "id-1")
        .raw("application/json", compact)
        .send()
        .await;
    let again = app
        .signup_step(&signup, "identity")
        .header("Idempotency-Key", "id-1")
        .raw("application/json", spaced)
        .send()
        .await;

    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!((again.status, again.body), (200, first.body), "not identity.result_replayed: the first answer again");
}

#[tokio::test]
async fn keys_are_scoped_to_their_caller() {
    let app = spawn_app().await;
    let consents = app.signup_consents().await;
    let one = app.signup_at("general", Step::Consent, &adult()).await;
    let two = app.signup_at("general", Step::Consent, &adult()).await;

    let first = app.signup_step(&one, "consents").header("Idempotency-Key", "same").json(&consents).send().await;
    let second = app.signup_step(&two, "consents").header("Idempotency-Key", "same").json(&consents).send().await;

    assert_eq!(first.status, 200);
    assert_eq!(second.status, 200);
    assert_eq!(second.header("idempotent-replayed"), None, "another sign-up's key is its own");
    let at_identity = app.signup_step(&two, "consents").json(&consents).send().await;
    at_identity.assert_problem(409, "signup.wrong_step");
}

#[tokio::test]
async fn a_refusal_is_final_and_replayed_too() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let refused = json!({ "consents": [] });

    let first = app.signup_step(&signup, "consents").header("Idempotency-Key", "r").json(&refused).send().await;
    let again = app.signup_step(&signup, "consents").header("Idempotency-Key", "r").json(&refused).send().await;

    first.assert_problem(422, "consent.required");
    assert_eq!((again.status, again.code()), (422, "consent.required"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn a_malformed_key_is_refused() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let consents = app.signup_consents().await;
    for key in ["", &"k".repeat(129), "two words", "한글키"] {
        let response = app
            .signup_step(&signup, "consents")
            .header_bytes("Idempotency-Key", key.as_bytes())
            .json(&consents)
            .send()
            .await;
        response.assert_problem(400, "request.malformed");
    }
    let longest =
        app.signup_step(&signup, "consents").header("Idempotency-Key", &"k".repeat(128)).json(&consents).send().await;
    assert_eq!(longest.status, 200, "nothing was recorded before: {}", longest.text);
}

/// A hasher that holds every hash until the test opens the gate, so a request stays in progress.
struct GatedHasher {
    inner: Argon2id,
    gate: Arc<(Mutex<(bool, usize)>, Condvar)>,
}

impl PasswordHasher for GatedHasher {
    fn hash(&self, password: &Password) -> Result<String, HashError> {
        let (lock, signal) = &*self.gate;
        let mut state = lock.lock().unwrap();
        state.1 += 1;
        signal.notify_all();
        while !state.0 {
            state = signal.wait(state).unwrap();
        }
        drop(state);
        self.inner.hash(password)
    }

    fn verify(&self, password: &Password, phc: &str) -> bool {
        self.inner.verify(password, phc)
    }
}

#[tokio::test]
async fn a_retry_while_the_first_runs_is_told_so() {
    let gate = Arc::new((Mutex::new((false, 0)), Condvar::new()));
    let hasher = Arc::new(GatedHasher { inner: Argon2id::owasp(), gate: gate.clone() });
    let app = Arc::new(spawn_app_with(LocalOptions { hasher, ..LocalOptions::default() }).await);
    let signup = app.signup_at("general", Step::Profile, &adult()).await;
    let body = general_member("gated01");

    let first = {
        let (app, signup, body) = (app.clone(), signup.clone(), body.clone());
        tokio::spawn(async move {
            app.signup_step(&signup, "member").header("Idempotency-Key", "m").json(&body).send().await
        })
    };
    let entered = gate.clone();
    tokio::task::spawn_blocking(move || {
        let (lock, signal) = &*entered;
        let _held = signal.wait_while(lock.lock().unwrap(), |state| state.1 == 0).unwrap();
    })
    .await
    .unwrap();
    let during = app.signup_step(&signup, "member").header("Idempotency-Key", "m").json(&body).send().await;
    {
        let (lock, signal) = &*gate;
        lock.lock().unwrap().0 = true;
        signal.notify_all();
    }
    let first = first.await.unwrap();
    let after = app.signup_step(&signup, "member").header("Idempotency-Key", "m").json(&body).send().await;

    during.assert_problem(409, "idempotency.in_progress");
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!((after.status, &after.body), (201, &first.body), "the first answer again, not signup.not_found");
    let members = app.dump().await.iter().filter(|i| i.0["sk"] == "PROFILE").count();
    assert_eq!(members, 1);
}

#[tokio::test]
async fn a_refusal_replayed_to_an_english_caller_is_in_english() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let body = json!({ "consents": [{ "document": "visitor", "version": "1", "agreed": true }] });
    let send = || {
        app.signup_step(&signup, "consents")
            .header("Idempotency-Key", "en-1")
            .header("Accept-Language", "en")
            .json(&body)
    };

    let first = send().send().await;
    let again = send().send().await;

    first.assert_problem(422, "consent.unknown_document");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!((again.status, &again.body), (422, &first.body));
    let title = again.body["title"].as_str().unwrap_or_default();
    assert!(title.is_ascii() && !title.is_empty(), "an English title: {title}");
}

/// Version 2: a 400, 413 or 415 says the body was not read; the corrected retry with the same key runs.
#[tokio::test]
async fn an_unread_body_is_not_saved_and_the_corrected_retry_runs() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let consents = app.signup_consents().await;
    let send = |key: &str| app.signup_step(&signup, "consents").header("Idempotency-Key", key);

    let as_text = send("fix-1").raw("text/plain", consents.to_string()).send().await;
    as_text.assert_problem(415, "request.unsupported_media_type");
    let latin1 = send("fix-1").raw("application/json; charset=iso-8859-1", consents.to_string()).send().await;
    latin1.assert_problem(415, "request.unsupported_media_type");
    let duplicated = send("fix-1").raw("application/json", r#"{"consents":[],"consents":[]}"#).send().await;
    duplicated.assert_problem(400, "request.malformed");
    let too_large =
        send("fix-1").raw("application/json", format!(r#"{{"consents":"{}"}}"#, "x".repeat(17 * 1024))).send().await;
    too_large.assert_problem(413, "request.too_large");

    let corrected = send("fix-1").json(&consents).send().await;
    assert_eq!(corrected.status, 200, "{}", corrected.text);
    assert_eq!(corrected.header("idempotent-replayed"), None);
}
