//! `Idempotency-Key` (API.md, Conventions): a retried POST gets the first answer, with no second effect.

use std::sync::{Arc, Condvar, Mutex};

use api_tests::{adult, general_member, spawn_app, spawn_app_with, Step};
use membership::local::LocalOptions;
use membership::passwords::{Argon2id, HashError, PasswordHasher};
use membership_domain::password::Password;
use serde_json::json;

#[tokio::test]
async fn a_retried_sign_up_start_returns_the_first_answer() {
    let app = spawn_app().await;
    let body = json!({ "memberType": "general" });

    let first = app.post("/v1/signups").header("Idempotency-Key", "start-1").json(&body).send().await;
    let items_after_first = app.dump().await.len();
    let again = app.post("/v1/signups").header("Idempotency-Key", "start-1").json(&body).send().await;

    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!((again.status, &again.body), (201, &first.body));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(app.dump().await.len(), items_after_first, "the replay created nothing");
    let other = app.post("/v1/signups").header("Idempotency-Key", "start-2").json(&body).send().await;
    assert_ne!(other.body["signupId"], first.body["signupId"]);
}

#[tokio::test]
async fn a_saved_response_keeps_its_token_sealed() {
    let app = spawn_app().await;
    let first = app
        .post("/v1/signups")
        .header("Idempotency-Key", "sealed")
        .json(&json!({ "memberType": "child" }))
        .send()
        .await;
    let token = first.body["signupToken"].as_str().unwrap();

    let stored = serde_json::to_string(&app.dump().await.iter().map(|i| &i.0).collect::<Vec<_>>()).unwrap();

    assert!(stored.contains("IDEMPOTENCY#"), "the record is stored");
    assert!(!stored.contains(token), "no stored item holds the sign-up token in clear");
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let app = spawn_app().await;
    app.post("/v1/signups").header("Idempotency-Key", "k").json(&json!({ "memberType": "general" })).send().await;
    let before = app.dump().await.len();

    let reused =
        app.post("/v1/signups").header("Idempotency-Key", "k").json(&json!({ "memberType": "child" })).send().await;

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
    for key in ["", &"k".repeat(129), "two words", "한글키"] {
        let response = app
            .post("/v1/signups")
            .header_bytes("Idempotency-Key", key.as_bytes())
            .json(&json!({ "memberType": "general" }))
            .send()
            .await;
        response.assert_problem(400, "request.malformed");
    }
    assert!(app.dump().await.is_empty(), "nothing was started");
    let longest = app
        .post("/v1/signups")
        .header("Idempotency-Key", &"k".repeat(128))
        .json(&json!({ "memberType": "general" }))
        .send()
        .await;
    assert_eq!(longest.status, 201);
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
    let body = json!({ "memberType": "visitor" });
    let send = || app.post("/v1/signups").header("Idempotency-Key", "en-1").header("Accept-Language", "en").json(&body);

    let first = send().send().await;
    let again = send().send().await;

    first.assert_problem(422, "validation.failed");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!((again.status, &again.body), (422, &first.body));
    let title = again.body["title"].as_str().unwrap_or_default();
    assert!(title.is_ascii() && !title.is_empty(), "an English title: {title}");
}
