//! What an outside test of the running service found, each held by a test of the mechanism that
//! now prevents it (API.md version 2, "Conventions"): bounded arrays, lost races answered by the
//! contract, a member withdrawn by time freeing its person, readable path parameters, no caching
//! of personal answers, password hashing in turns, a bounded simulator clock, panics answered,
//! unknown names never echoed, strict JSON.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use api_tests::{
    adult, born_years_before, general_member, spawn_app, spawn_app_with, spawn_app_wrapped, Person, Step, TestApp,
    TestResponse, PASSWORD,
};
use async_trait::async_trait;
use membership::passwords::{Argon2id, HashError, PasswordHasher};
use membership::store::{Item, Key, StoreError, Table, Write};
use membership_domain::password::Password;
use membership_local::local::LocalOptions;
use serde_json::{json, Value};

const DAY: i64 = 24 * 60 * 60;
const YEAR: i64 = 365 * DAY;

fn consent(document: &str, version: &str, agreed: bool) -> Value {
    json!({ "document": document, "version": version, "agreed": agreed })
}

/// Every answer of the sign-up step at its current version, with `agreed`.
async fn signup_answers(app: &TestApp, agreed: bool) -> Vec<Value> {
    let body = app.signup_consents().await;
    body["consents"]
        .as_array()
        .expect("consents")
        .iter()
        .map(|answer| consent(answer["document"].as_str().unwrap(), answer["version"].as_str().unwrap(), agreed))
        .collect()
}

/// The consent answers a sign-up session holds, as stored.
async fn recorded_answers(app: &TestApp, signup: &api_tests::Signup) -> usize {
    let session = app
        .dump()
        .await
        .into_iter()
        .find(|item| item.0["pk"] == format!("SIGNUP#{}", signup.id))
        .expect("the sign-up session");
    session.0["consents"].as_array().map_or(0, Vec::len)
}

async fn signed_in_member(app: &TestApp, person: &Person, username: &str) -> String {
    app.register_general(person, username).await;
    app.signed_in(username, PASSWORD).await.access
}

// 3. Unbounded consent answers.

#[tokio::test]
async fn consent_answers_are_bounded_before_their_documents_are_read() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let answers = signup_answers(&app, true).await;
    let before = app.dump().await.len();

    let unknown = consent("no-such-document", "1", true);
    let too_many = app.consent(&signup, &json!({ "consents": [unknown, unknown, unknown] })).await;
    let twice = app.consent(&signup, &json!({ "consents": [answers[0], answers[0]] })).await;
    let hundreds = app.consent(&signup, &json!({ "consents": vec![answers[0].clone(); 248] })).await;

    too_many.assert_field_error(422, "validation.failed", "/consents", "too_many");
    twice.assert_field_error(422, "validation.failed", "/consents/1/document", "duplicate");
    hundreds.assert_field_error(422, "validation.failed", "/consents", "too_many");
    assert_eq!(app.dump().await.len(), before, "nothing was recorded");
    let agreed = app.consent(&signup, &json!({ "consents": answers })).await;
    assert_eq!(agreed.status, 200, "the sign-up is still at its consent step: {}", agreed.text);
}

#[tokio::test]
async fn a_sign_up_records_at_most_20_consent_answers() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let refusals = json!({ "consents": signup_answers(&app, false).await });

    for _ in 0..10 {
        app.consent(&signup, &refusals).await.assert_problem(422, "consent.required");
    }
    let eleventh = app.consent(&signup, &refusals).await;
    let agreeing = app.consent(&signup, &json!({ "consents": signup_answers(&app, true).await })).await;

    eleventh.assert_field_error(422, "validation.failed", "/consents", "limit_reached");
    agreeing.assert_field_error(422, "validation.failed", "/consents", "limit_reached");
    assert_eq!(recorded_answers(&app, &signup).await, 20, "20 answers kept, no more");
}

#[tokio::test]
async fn renewal_answers_are_bounded_too() {
    let app = spawn_app().await;
    let access = signed_in_member(&app, &adult(), "bounded01").await;
    let answers = signup_answers(&app, true).await;
    let before = app.dump().await.len();
    let renew = |body: Value| app.post("/v1/members/me/consents/renewal").bearer(&access).json(&body).send();

    renew(json!({ "consents": vec![answers[0].clone(); 100] })).await.assert_field_error(
        422,
        "validation.failed",
        "/consents",
        "too_many",
    );
    renew(json!({ "consents": [answers[1], answers[1]] })).await.assert_field_error(
        422,
        "validation.failed",
        "/consents/1/document",
        "duplicate",
    );

    assert_eq!(app.dump().await.len(), before, "nothing was recorded");
    assert_eq!(renew(json!({ "consents": answers })).await.status, 200);
}

// 4. Lost optimistic writes answer 500.

/// A request to send, built against the app once it is shared.
type Request = Box<dyn Fn(&TestApp) -> api_tests::Call<'_> + Send + Sync>;

/// Runs every request at once and gathers the answers.
async fn all_at_once(app: &Arc<TestApp>, requests: Vec<Request>) -> Vec<TestResponse> {
    let barrier = Arc::new(tokio::sync::Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let (app, barrier) = (app.clone(), barrier.clone());
            tokio::spawn(async move {
                let call = request(&app);
                barrier.wait().await;
                call.send().await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("request task"));
    }
    answers
}

#[track_caller]
fn assert_no_500(answers: &[TestResponse]) {
    for answer in answers {
        assert!(answer.status < 500 || answer.status == 503, "{} {}", answer.status, answer.text);
        if answer.status == 503 {
            answer.assert_problem(503, "upstream.unavailable");
            assert!(answer.header("retry-after").is_some(), "{}", answer.text);
        }
    }
}

/// The store, letting other requests run before each of its calls: on the embedded store a request
/// would otherwise run from read to write without a pause, and no race would ever be lost.
struct Interleaving(Arc<dyn Table>);

#[async_trait]
impl Table for Interleaving {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        tokio::task::yield_now().await;
        self.0.get(key).await
    }
    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        tokio::task::yield_now().await;
        self.0.write(writes).await
    }
    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        tokio::task::yield_now().await;
        self.0.query(pk, sk_prefix).await
    }
    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        tokio::task::yield_now().await;
        self.0.query_due(due_pk, from, to, limit).await
    }
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        self.0.delete_batch(keys).await
    }
    async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.0.put_batch(items).await
    }
}

async fn interleaving_app() -> Arc<TestApp> {
    Arc::new(spawn_app_wrapped(LocalOptions::default(), |table| Arc::new(Interleaving(table))).await)
}

#[tokio::test]
async fn parallel_renewals_and_changes_never_answer_500() {
    let app = interleaving_app().await;
    let access = signed_in_member(&app, &adult(), "racer01").await;
    let answers = signup_answers(&app, true).await;
    let mut requests: Vec<Request> = Vec::new();
    for n in 0..30 {
        // Agreeing, refusing, and answering nothing: the member is written with and without answers.
        let renewal = match n % 3 {
            0 => json!({ "consents": answers }),
            1 => {
                json!({ "consents": [answers[0], consent("privacy-collection", answers[1]["version"].as_str().unwrap(), false)] })
            }
            _ => json!({ "consents": [] }),
        };
        let renewing = access.clone();
        requests
            .push(Box::new(move |app| app.post("/v1/members/me/consents/renewal").bearer(&renewing).json(&renewal)));
        let access = access.clone();
        let change = json!({ "email": format!("racer{n}@example.kr") });
        requests.push(Box::new(move |app| app.patch("/v1/members/me").bearer(&access).json(&change)));
    }

    let answers = all_at_once(&app, requests).await;

    assert_no_500(&answers);
    assert!(answers.iter().any(|a| a.status == 200), "some of them went through");
    assert_eq!(app.me(&access).await.status, 200);
}

#[tokio::test]
async fn parallel_consent_answers_are_all_recorded() {
    let app = interleaving_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let refusals = json!({ "consents": signup_answers(&app, false).await });
    let mut requests: Vec<Request> = Vec::new();
    // Four at once: each is applied again on top of the others until it is recorded.
    for _ in 0..4 {
        let (signup, refusals) = (signup.clone(), refusals.clone());
        requests.push(Box::new(move |app| app.signup_step(&signup, "consents").json(&refusals)));
    }

    let answers = all_at_once(&app, requests).await;

    for answer in &answers {
        answer.assert_problem(422, "consent.required");
    }
    assert_eq!(recorded_answers(&app, &signup).await, 8, "every answer of every request kept");
}

#[tokio::test]
async fn an_upgrade_racing_contact_changes_upgrades_on_top_of_them() {
    let app = interleaving_app().await;
    let today = app.seoul_today().await;
    // The 14th birthday is tomorrow: signed up as a child today, a general member from tomorrow.
    let child = Person::new("박열넷", born_years_before(today + time::Duration::days(1), 14));
    app.register_child(&adult(), "teen01", &child.name, &child.birth_date).await;
    app.advance_clock(DAY + 60).await;
    let access = app.signed_in("teen01", PASSWORD).await.access;
    let upgrade = json!({ "identity": app.member_result("upgrade", &access, &child, "phone").await });
    let mut requests: Vec<Request> = Vec::new();
    {
        let access = access.clone();
        requests.push(Box::new(move |app| app.post("/v1/members/me/upgrade").bearer(&access).json(&upgrade)));
    }
    for n in 0..10 {
        let access = access.clone();
        let change = json!({ "phone": format!("010-5555-{n:04}") });
        requests.push(Box::new(move |app| app.patch("/v1/members/me").bearer(&access).json(&change)));
    }

    let answers = all_at_once(&app, requests).await;

    assert_no_500(&answers);
    if answers[0].status == 200 {
        assert_eq!(answers[0].body["memberType"], "general");
    }
    let me = app.me(&access).await;
    assert_eq!(
        me.body["memberType"] == "general",
        answers[0].status == 200,
        "the member is general exactly when the upgrade said so: {} / {}",
        answers[0].text,
        me.text
    );
}

#[tokio::test]
async fn a_certification_that_loses_to_a_parallel_one_is_not_applicable() {
    let app = interleaving_app().await;
    let access = signed_in_member(&app, &adult(), "twice01").await;
    app.add_resident("900517-2345678", "김하늘", "incheon").await;
    let terms = app.terms().await;
    let version = terms.iter().find(|d| d["id"] == "citizen-third-party").expect("citizen document")["version"].clone();
    let body = json!({
        "consent": { "document": "citizen-third-party", "version": version, "agreed": true },
        "name": "김하늘",
        "rrn": "900517-2345678",
    });
    let mut requests: Vec<Request> = Vec::new();
    for _ in 0..2 {
        let (access, body) = (access.clone(), body.clone());
        requests
            .push(Box::new(move |app| app.post("/v1/members/me/certifications/citizen").bearer(&access).json(&body)));
    }

    let answers = all_at_once(&app, requests).await;

    let mut outcomes: Vec<(u16, String)> = answers.iter().map(|a| (a.status, a.code().to_owned())).collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        [(200, String::new()), (409, "certification.not_applicable".to_owned())],
        "{} / {}",
        answers[0].text,
        answers[1].text
    );
    assert_eq!(app.me(&access).await.body["grade"], "full");
}

// 5. A member withdrawn by time blocks re-joining until the purge runs.

#[tokio::test]
async fn a_member_withdrawn_by_time_frees_the_person_before_the_purge_runs() {
    let app = spawn_app().await;
    let person = Person::new("최복귀", "1980-02-02");
    let old = app.register_general(&person, "comeback01").await;
    app.advance_clock(3 * YEAR + 2 * DAY).await;

    let signup = app.signup_at("general", Step::Identity, &person).await;
    let verified = app.verify_identity(&signup, &app.signup_result(&signup, &person, "phone").await).await;
    assert_eq!(verified.status, 200, "no member.already_exists, no masked username: {}", verified.text);
    let created = app.complete_signup(&signup, &general_member("comeback02")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(!app.username_available("comeback01").await, "the old username stays unavailable");

    let counts = app.post("/_sim/purge").send().await;
    assert_eq!(counts.body["withdrawn"], 1, "{}", counts.text);
    let items = app.dump().await;
    let person_claims: Vec<&Item> =
        items.iter().filter(|i| i.0["pk"].as_str().is_some_and(|pk| pk.starts_with("PERSON#"))).collect();
    assert_eq!(person_claims.len(), 1, "the new membership's claim survives the old one's purge");
    assert_eq!(person_claims[0].0["memberId"], created.body["memberId"]);
    assert_ne!(created.body["memberId"], old["memberId"]);
    assert_eq!(app.sign_in("comeback02", PASSWORD).await.status, 200);
    let again = app.signup_at("general", Step::Identity, &person).await;
    let duplicate = app.verify_identity(&again, &app.signup_result(&again, &person, "phone").await).await;
    duplicate.assert_problem(409, "member.already_exists");
    assert_eq!(duplicate.body["maskedUsername"], "com***");
}

// 6. Invalid UTF-8 in a path parameter.

#[tokio::test]
async fn a_path_parameter_that_is_not_utf8_is_a_malformed_request() {
    let app = spawn_app().await;

    let username = app.get("/v1/usernames/%FF%FE").send().await;
    let signup = app.post("/v1/signups/%C3%28/consents").bearer("token").json(&json!({ "consents": [] })).send().await;

    username.assert_problem(400, "request.malformed");
    signup.assert_problem(400, "request.malformed");
}

// 7. No `Cache-Control: no-store`.

#[tokio::test]
async fn answers_with_tokens_or_personal_data_are_never_cached() {
    let app = spawn_app().await;
    let access = signed_in_member(&app, &adult(), "private01").await;

    let answers = [
        app.me(&access).await,
        app.sign_in("private01", PASSWORD).await,
        app.post("/v1/signups").json(&json!({ "memberType": "general" })).send().await,
        app.get("/v1/members/me").send().await,
        app.get("/v1/members/me/export").bearer(&access).send().await,
        app.get("/v1/usernames/private01").send().await,
    ];

    for answer in &answers {
        assert_eq!(answer.header("cache-control"), Some("no-store"), "{} {}", answer.status, answer.text);
    }
    for reference in ["/v1/terms", "/v1/libraries"] {
        let answer = app.get(reference).send().await;
        assert_eq!((answer.status, answer.header("cache-control")), (200, None), "{reference}");
    }
}

// 8. Unbounded parallel password hashing.

/// A hasher that counts the hashes running at once, each held until the test opens the gate.
struct GatedHasher {
    inner: Argon2id,
    running: AtomicUsize,
    most_at_once: AtomicUsize,
    started: AtomicUsize,
    open: Arc<(Mutex<bool>, Condvar)>,
}

impl GatedHasher {
    fn new(open: bool) -> Self {
        Self {
            inner: Argon2id::owasp(),
            running: AtomicUsize::new(0),
            most_at_once: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
            open: Arc::new((Mutex::new(open), Condvar::new())),
        }
    }

    fn open(&self) {
        *self.open.0.lock().unwrap() = true;
        self.open.1.notify_all();
    }

    fn held<T>(&self, work: impl FnOnce() -> T) -> T {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        self.started.fetch_add(1, Ordering::SeqCst);
        let (lock, opened) = &*self.open;
        drop(opened.wait_while(lock.lock().unwrap(), |open| !*open).unwrap());
        let result = work();
        self.running.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

impl PasswordHasher for GatedHasher {
    fn hash(&self, password: &Password) -> Result<String, HashError> {
        self.held(|| self.inner.hash(password))
    }
    fn verify(&self, password: &Password, phc: &str) -> bool {
        self.held(|| self.inner.verify(password, phc))
    }
}

#[tokio::test]
async fn no_more_hashes_run_at_once_than_the_process_has_turns() {
    let hasher = Arc::new(GatedHasher::new(true));
    let options = LocalOptions { hasher: hasher.clone(), hashing_turns: Some(2), ..LocalOptions::default() };
    let app = Arc::new(spawn_app_with(options).await);
    let mut requests: Vec<Request> = Vec::new();
    for n in 0..24 {
        let body = json!({ "username": format!("nobody{n:02}"), "password": "Not-The-Password-9" });
        requests.push(Box::new(move |app| app.post("/v1/sessions").json(&body)));
    }

    let answers = all_at_once(&app, requests).await;

    for answer in &answers {
        answer.assert_problem(401, "auth.invalid_credentials");
    }
    assert_eq!(hasher.started.load(Ordering::SeqCst), 24, "every sign-in hashed");
    assert!(hasher.most_at_once.load(Ordering::SeqCst) <= 2, "never more than two hashes at once");
}

/// A server with one hashing turn, waited for 300 ms, and a hasher that holds every hash until opened.
async fn one_turn_app() -> (Arc<TestApp>, Arc<GatedHasher>) {
    let hasher = Arc::new(GatedHasher::new(false));
    let options = LocalOptions {
        hasher: hasher.clone(),
        hashing_turns: Some(1),
        hashing_wait: Duration::from_millis(300),
        ..LocalOptions::default()
    };
    (Arc::new(spawn_app_with(options).await), hasher)
}

#[tokio::test]
async fn a_request_that_waits_too_long_for_a_turn_is_told_to_retry() {
    let (app, hasher) = one_turn_app().await;
    let body = json!({ "username": "nobody01", "password": "Not-The-Password-9" });
    let first = {
        let (app, body) = (app.clone(), body.clone());
        tokio::spawn(async move { app.post("/v1/sessions").json(&body).send().await })
    };
    while hasher.started.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }

    let waited = app.post("/v1/sessions").json(&json!({ "username": "nobody02", "password": "x" })).send().await;
    hasher.open();
    let first = first.await.expect("first sign-in");

    waited.assert_problem(503, "upstream.unavailable");
    assert!(waited.header("retry-after").is_some(), "{}", waited.text);
    first.assert_problem(401, "auth.invalid_credentials");
    let retried = app.post("/v1/sessions").json(&json!({ "username": "nobody02", "password": "x" })).send().await;
    retried.assert_problem(401, "auth.invalid_credentials");
}

#[tokio::test]
async fn a_client_that_hangs_up_mid_hash_does_not_free_its_turn() {
    let (app, hasher) = one_turn_app().await;
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(200)).build().expect("client");
    let body = json!({ "username": "nobody01", "password": "Not-The-Password-9" });
    let gone = impatient.post(format!("{}/v1/sessions", app.base)).json(&body).send();
    let (gone, ()) = tokio::join!(gone, async {
        while hasher.started.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
    });
    assert!(gone.is_err(), "the first client hung up while its hash ran");

    // The hash still runs: the next sign-in waits for its turn and is told to retry, and never
    // starts a second hash beside it.
    let next = {
        let app = app.clone();
        tokio::spawn(async move {
            app.post("/v1/sessions").json(&json!({ "username": "nobody02", "password": "x" })).send().await
        })
    };
    while !next.is_finished() {
        if hasher.started.load(Ordering::SeqCst) > 1 {
            hasher.open();
        }
        tokio::task::yield_now().await;
    }
    hasher.open();
    let next = next.await.expect("second sign-in");
    next.assert_problem(503, "upstream.unavailable");
    assert_eq!(hasher.most_at_once.load(Ordering::SeqCst), 1);
}

// 9. The simulator clock pushed out of range; a panic answering nothing.

#[tokio::test]
async fn the_simulator_clock_moves_by_at_most_a_century_and_never_past_what_dates_hold() {
    let app = spawn_app().await;
    let step = |seconds: i64| app.post("/_sim/clock").json(&json!({ "advanceSeconds": seconds })).send();

    step(-1).await.assert_field_error(422, "validation.failed", "/advanceSeconds", "out_of_range");
    step(3_153_600_001).await.assert_field_error(422, "validation.failed", "/advanceSeconds", "out_of_range");
    step(i64::MAX).await.assert_field_error(422, "validation.failed", "/advanceSeconds", "out_of_range");
    let mut moved = 0;
    loop {
        let answer = step(3_153_600_000).await;
        if answer.status == 422 {
            answer.assert_field_error(422, "validation.failed", "/advanceSeconds", "out_of_range");
            break;
        }
        assert_eq!(answer.status, 200, "{}", answer.text);
        moved += 1;
        assert!(moved < 100, "the clock stops short of the year 10000");
    }

    app.sign_in("nobody01", PASSWORD).await.assert_problem(401, "auth.invalid_credentials");
    let signup = app.start_signup("general").await;
    assert!(!signup.id.is_empty());
}

/// A table that panics on every read.
struct Panicking;

#[async_trait]
impl Table for Panicking {
    async fn get(&self, _: &Key) -> Result<Option<Item>, StoreError> {
        panic!("a read panicked")
    }
    async fn write(&self, _: Vec<Write>) -> Result<(), StoreError> {
        panic!("a write panicked")
    }
    async fn query(&self, _: &str, _: &str) -> Result<Vec<Item>, StoreError> {
        panic!("a query panicked")
    }
    async fn query_due(&self, _: &str, _: &str, _: &str, _: usize) -> Result<Vec<Item>, StoreError> {
        panic!("a query panicked")
    }
    async fn delete_batch(&self, _: Vec<Key>) -> Result<(), StoreError> {
        panic!("a batch panicked")
    }
    async fn put_batch(&self, _: Vec<Item>) -> Result<(), StoreError> {
        panic!("a batch panicked")
    }
}

#[tokio::test]
async fn a_panic_in_the_local_server_answers_a_500_problem() {
    let app = spawn_app_wrapped(LocalOptions::default(), |_| Arc::new(Panicking)).await;

    let answer = app.get("/v1/usernames/reader01").send().await;

    answer.assert_problem(500, "internal");
    assert!(!answer.text.contains("panicked"), "no internals: {}", answer.text);
    assert_eq!(app.get("/v1/terms").send().await.status, 200, "the server goes on serving");
}

// 10. Unknown field names are echoed.

#[tokio::test]
async fn an_unknown_name_is_named_only_when_it_is_an_identifier() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Consent, &adult()).await;
    let rrn = "900517-2345678";

    let at_top = app.post("/v1/signups").json(&json!({ "memberType": "general", rrn: "x" })).send().await;
    let nested = app
        .consent(
            &signup,
            &json!({ "consents": [{ "document": "terms-of-use", "version": "1", "agreed": true, rrn: 1 }] }),
        )
        .await;
    let identifier = app.post("/v1/signups").json(&json!({ "memberType": "general", "nickname": "x" })).send().await;

    at_top.assert_field_error(422, "validation.failed", "", "unknown_field");
    nested.assert_field_error(422, "validation.failed", "/consents/0", "unknown_field");
    identifier.assert_field_error(422, "validation.failed", "/nickname", "unknown_field");
    for answer in [&at_top, &nested] {
        assert!(!answer.text.contains("900517") && !answer.text.contains("2345678"), "{}", answer.text);
    }
}

// 12. Loose parsing.

#[tokio::test]
async fn an_object_naming_a_member_twice_is_malformed() {
    let app = spawn_app().await;

    let twice = app.post("/v1/signups").raw("application/json", r#"{"memberType":"child","memberType":"general"}"#);
    let nested =
        app.post("/v1/sessions").raw("application/json", r#"{"username":"a","password":"b","extra":{"k":1,"k":2}}"#);

    twice.send().await.assert_problem(400, "request.malformed");
    nested.send().await.assert_problem(400, "request.malformed");
    assert!(app.dump().await.is_empty(), "nothing was started");
}

#[tokio::test]
async fn json_is_read_only_as_utf8_application_json() {
    let app = spawn_app().await;
    let body = r#"{"memberType":"general"}"#;

    for refused in [
        "application/json; charset=iso-8859-1",
        "application/json; charset=utf-16",
        "application/json; boundary=x",
        "application/merge-patch+json",
        "application/vnd.api+json",
    ] {
        let answer = app.post("/v1/signups").raw(refused, body).send().await;
        assert_eq!((answer.status, answer.code()), (415, "request.unsupported_media_type"), "{refused}");
    }
    for accepted in ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\""] {
        let answer = app.post("/v1/signups").raw(accepted, body).send().await;
        assert_eq!(answer.status, 201, "{accepted}: {}", answer.text);
    }
}

// 6. Refusals made below the service carried no `x-request-id`.

/// One raw HTTP/1.1 exchange on a fresh connection: the head and body as the server wrote them.
async fn raw_exchange(app: &TestApp, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_header_line_the_parser_cannot_read_still_gets_the_services_answer() {
    let app = spawn_app().await;

    let answer = raw_exchange(
        &app,
        b"GET /v1/usernames/reader01 HTTP/1.1\r\nHost: x\r\nBad Header: y\r\nX-Ctl: a\x01b\r\nConnection: close\r\n\r\n",
    )
    .await;

    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("\r\nx-request-id: "), "{answer}");
}
