//! The daily attempt limit (API.md, "Certification", check 5): at most 5 attempts per member per
//! Asia/Seoul day, both methods together, counting every request that reached the check except
//! those answered 503; the 6th is 429 with `Retry-After` until midnight.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use api_tests::{born_years_before, spawn_app, spawn_app_wrapped, Person, TestApp, SEOUL};
use async_trait::async_trait;
use membership::store::{Item, Key, StoreError, Table, Write};
use membership_local::local::LocalOptions;
use serde_json::json;

use super::{
    assert_same_items, attempts_counted, certify, child, citizen_body, me, member, retry_after, rrn_of, sign_in,
    stored_except_attempts, student_body, with_guardian, CITIZEN, STUDENT,
};

/// The seconds from the server's now to the next Asia/Seoul midnight.
async fn seconds_to_seoul_midnight(app: &TestApp) -> i64 {
    let now = app.now().await;
    let tomorrow = now.to_offset(SEOUL).date().next_day().expect("tomorrow");
    (tomorrow.midnight().assume_offset(SEOUL) - now).whole_seconds()
}

#[tokio::test]
async fn five_attempts_a_day_with_both_methods_then_429_until_seoul_midnight() {
    // Given an associate member, a resident of Incheon with a DLS account, early enough in the day
    let app = spawn_app().await;
    app.seoul_today().await;
    let token = member(&app, &Person::new("차횟수", "1992-02-20"), "limit01").await;
    app.add_resident("920220-1234567", "차횟수", "incheon").await;
    app.add_dls_account("차횟수", "cha1992", "Five-Times-5", "2008-03-03").await;
    let valid = citizen_body(&app, "차횟수", "920220-1234567").await;

    // When the member is refused five times, by both methods
    let refused = [
        (CITIZEN, citizen_body(&app, "차다른", "920220-1234567").await, "certification.identity_mismatch"),
        (STUDENT, student_body(&app, "차횟수", "cha1992", "Wrong-Pass-5").await, "certification.dls_rejected"),
        (CITIZEN, citizen_body(&app, "차횟수", "920220-1000000").await, "certification.identity_mismatch"),
        (STUDENT, student_body(&app, "차횟수", "cha1993", "Five-Times-5").await, "certification.dls_rejected"),
        (CITIZEN, citizen_body(&app, "차횟수", "920221-1234567").await, "certification.identity_mismatch"),
    ];
    for (path, body, code) in &refused {
        certify(&app, &token, path, body).await.assert_problem(422, code);
    }

    // Then the 6th attempt, however right, is refused until the next Asia/Seoul midnight
    let sixth = certify(&app, &token, CITIZEN, &valid).await;
    let expected = seconds_to_seoul_midnight(&app).await;
    sixth.assert_problem(429, "certification.rate_limited");
    let wait = retry_after(&sixth);
    assert!((expected..=expected + 3).contains(&wait), "Retry-After {wait}, midnight in {expected} s");
    let by_student =
        certify(&app, &token, STUDENT, &student_body(&app, "차횟수", "cha1992", "Five-Times-5").await).await;
    by_student.assert_problem(429, "certification.rate_limited");
    // and the checks before the limit still answer first; identity, after it, does not
    let mut without_consent = valid.clone();
    without_consent.as_object_mut().unwrap().remove("consent");
    certify(&app, &token, CITIZEN, &without_consent).await.assert_problem(422, "consent.required");
    let bad_rrn = citizen_body(&app, "차횟수", "920230-1234567").await;
    certify(&app, &token, CITIZEN, &bad_rrn).await.assert_field_error(422, "validation.failed", "/rrn", "invalid_date");
    let mismatch = certify(&app, &token, CITIZEN, &refused[0].1).await;
    mismatch.assert_problem(429, "certification.rate_limited");
    assert_eq!(me(&app, &token).await["grade"], "associate");

    // When the clock reaches midnight in Seoul
    app.advance_clock(wait).await;

    // Then the member (signed in again: the access token lives 30 minutes) has five attempts again
    let token = sign_in(&app, "limit01").await;
    let response = certify(&app, &token, CITIZEN, &valid).await;
    assert_eq!((response.status, &response.body["grade"]), (200, &json!("full")), "{}", response.text);
}

#[tokio::test]
async fn a_not_incheon_answer_counts_as_an_attempt_too() {
    let app = spawn_app().await;
    app.seoul_today().await;
    let token = member(&app, &Person::new("여부산", "1989-11-11"), "limit02").await;
    app.add_resident("891111-2121212", "여부산", "busan").await;
    let body = citizen_body(&app, "여부산", "891111-2121212").await;
    for _ in 0..5 {
        certify(&app, &token, CITIZEN, &body).await.assert_problem(422, "certification.not_incheon_resident");
    }

    certify(&app, &token, CITIZEN, &body).await.assert_problem(429, "certification.rate_limited");
}

#[tokio::test]
async fn a_childs_guardian_is_checked_before_the_limit() {
    // Given a child under 14 who has used the day's five attempts, each with the guardian's result
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("표보호", "1984-01-01");
    let birth = born_years_before(today, 8);
    let token = child(&app, &guardian, "kidlimit01", "표아이", birth).await;
    let rrn = rrn_of(birth, '4', "112233");
    app.add_resident(&rrn, "표아이", "incheon").await;
    let body = citizen_body(&app, "표아이", &rrn).await;
    let wrong_name = citizen_body(&app, "표아니", &rrn).await;
    for _ in 0..5 {
        let result = app.member_result("guardian", &token, &guardian, "phone").await;
        let response = certify(&app, &token, CITIZEN, &with_guardian(wrong_name.clone(), &result)).await;
        response.assert_problem(422, "certification.identity_mismatch");
    }

    // When the guardian does not verify, or another adult does
    let missing = certify(&app, &token, CITIZEN, &body).await;
    let stranger = app.member_result("guardian", &token, &Person::new("표남남", "1970-10-10"), "phone").await;
    let another = certify(&app, &token, CITIZEN, &with_guardian(body.clone(), &stranger)).await;

    // Then the guardian is required first; with the guardian's fresh result, the limit answers
    missing.assert_problem(422, "guardian.required");
    another.assert_problem(422, "guardian.required");
    let result = app.member_result("guardian", &token, &guardian, "phone").await;
    let limited = certify(&app, &token, CITIZEN, &with_guardian(body, &result)).await;
    limited.assert_problem(429, "certification.rate_limited");
    retry_after(&limited);
}

/// The table, refusing every write that would add to a consent history while `failing` is set: a
/// certification's outcome or refusal that cannot be recorded.
struct ConsentWritesFail {
    inner: Arc<dyn Table>,
    failing: AtomicBool,
}

impl ConsentWritesFail {
    fn touches_consents(writes: &[Write]) -> bool {
        writes.iter().filter_map(Write::key).any(|key| key.sk.starts_with("CONSENT#"))
    }
}

#[async_trait]
impl Table for ConsentWritesFail {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }
    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        if self.failing.load(Ordering::SeqCst) && Self::touches_consents(&writes) {
            return Err(StoreError::Unavailable("ProvisionedThroughputExceededException (injected)".into()));
        }
        self.inner.write(writes).await
    }
    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.inner.query(pk, sk_prefix).await
    }
    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        self.inner.query_due(due_pk, from, to, limit).await
    }
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        self.inner.delete_batch(keys).await
    }
    async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.put_batch(items).await
    }
}

#[tokio::test]
async fn an_outcome_the_store_cannot_record_answers_503_changes_nothing_and_costs_no_attempt() {
    // Given an associate member, and a store that will refuse to record certification outcomes
    let slot: Arc<Mutex<Option<Arc<ConsentWritesFail>>>> = Arc::default();
    let captured = slot.clone();
    let app = spawn_app_wrapped(LocalOptions::default(), move |inner| {
        let table = Arc::new(ConsentWritesFail { inner, failing: AtomicBool::new(false) });
        *captured.lock().unwrap() = Some(table.clone());
        table
    })
    .await;
    let table = slot.lock().unwrap().clone().expect("wrapped");
    app.seoul_today().await;
    let token = member(&app, &Person::new("석저장", "1996-03-03"), "store01").await;
    app.add_resident("960303-1010101", "석저장", "incheon").await;
    let valid = citizen_body(&app, "석저장", "960303-1010101").await;
    let refused = citizen_body(&app, "석저장", "960303-1999999").await;
    let (before, me_before) = (stored_except_attempts(&app).await, me(&app, &token).await);
    table.failing.store(true, Ordering::SeqCst);

    // When six certifications, refused and certified ones, cannot be recorded
    for body in [&valid, &refused, &valid, &refused, &valid, &refused] {
        let response = certify(&app, &token, CITIZEN, body).await;

        // Then each answers 503 and leaves the member and every record as it was
        response.assert_problem(503, "upstream.unavailable");
        retry_after(&response);
    }
    assert_same_items(&before, &stored_except_attempts(&app).await, "an outcome not recorded");
    assert_eq!(attempts_counted(&app).await, 0);
    assert_eq!(me(&app, &token).await, me_before);

    // and none counted: four refusals and a success make the day's five
    table.failing.store(false, Ordering::SeqCst);
    for _ in 0..4 {
        certify(&app, &token, CITIZEN, &refused).await.assert_problem(422, "certification.identity_mismatch");
    }
    let response = certify(&app, &token, CITIZEN, &valid).await;
    assert_eq!((response.status, &response.body["grade"]), (200, &json!("full")), "{}", response.text);
    assert_eq!(attempts_counted(&app).await, 5);
}

#[tokio::test]
async fn an_idempotent_replay_counts_toward_no_limit() {
    // Given a member refused once, under an Idempotency-Key
    let app = spawn_app().await;
    app.seoul_today().await;
    let token = member(&app, &Person::new("노반복", "1990-09-09"), "limit03").await;
    let refused = citizen_body(&app, "노반복", "900909-1231231").await;
    let first = app.post(CITIZEN).bearer(&token).header("Idempotency-Key", "try-1").json(&refused).send().await;
    first.assert_problem(422, "certification.identity_mismatch");

    // When the same request is sent again five times
    for _ in 0..5 {
        let replay = app.post(CITIZEN).bearer(&token).header("Idempotency-Key", "try-1").json(&refused).send().await;

        // Then each is the first answer again
        assert_eq!((replay.status, &replay.body), (first.status, &first.body));
    }

    // and four attempts are left
    assert_eq!(attempts_counted(&app).await, 1);
    for _ in 0..4 {
        certify(&app, &token, CITIZEN, &refused).await.assert_problem(422, "certification.identity_mismatch");
    }
    certify(&app, &token, CITIZEN, &refused).await.assert_problem(429, "certification.rate_limited");
}

#[tokio::test]
async fn concurrent_attempts_never_take_more_than_five() {
    // Given a member, and eight attempts sent at once
    let app = Arc::new(spawn_app().await);
    app.seoul_today().await;
    let token = member(&app, &Person::new("동시에", "1990-10-10"), "limit04").await;
    let refused = citizen_body(&app, "동시에", "901010-1231231").await;
    let mut sent = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (app, token, refused) = (app.clone(), token.clone(), refused.clone());
        sent.spawn(async move { certify(&app, &token, CITIZEN, &refused).await });
    }

    // When they are answered
    let mut codes = Vec::new();
    while let Some(answer) = sent.join_next().await {
        codes.push(answer.expect("the request task").code().to_owned());
    }

    // Then at most five were attempts (a 503 from contention is no attempt), as the store counts
    let count = |code: &str| codes.iter().filter(|c| *c == code).count();
    let (attempted, limited, unavailable) =
        (count("certification.identity_mismatch"), count("certification.rate_limited"), count("upstream.unavailable"));
    assert_eq!(attempted + limited + unavailable, 8, "{codes:?}");
    assert!(attempted <= 5, "{codes:?}");
    assert_eq!(attempts_counted(&app).await, attempted as u64, "{codes:?}");
    for _ in attempted..5 {
        certify(&app, &token, CITIZEN, &refused).await.assert_problem(422, "certification.identity_mismatch");
    }
    certify(&app, &token, CITIZEN, &refused).await.assert_problem(429, "certification.rate_limited");
}
