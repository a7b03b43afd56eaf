//! The audit trail's chain of MACs: a run of real requests seals and verifies clean; an audit item
//! edited, deleted or moved in the table is named by the verification.

use std::sync::Arc;

use api_tests::{spawn_app, Person, TestApp};
use membership::keys::{Keys, SecretKey};
use membership::records::{BrokenLink, Records};
use membership::store::{Condition, Item, Key, Table, Write};

struct Chain {
    table: Arc<dyn Table>,
    records: Records,
    key: SecretKey,
    subject: String,
}

impl Chain {
    /// A member signed up who then failed to sign in twice, with the events sealed.
    async fn of_a_member(app: &TestApp) -> Chain {
        let person = Person::new("감사인", "1980-05-05");
        let created = app.register_general(&person, "chain01").await;
        let subject = created["memberId"].as_str().unwrap().to_owned();
        for _ in 0..2 {
            fail_sign_in(app).await;
        }
        let table = app.store.table();
        let records = Records::new(table.clone());
        let key = Keys::random().audit_chain();
        let sealed = records.seal_audit(&subject, &key).await.unwrap();
        assert!(sealed >= 1, "the member's events were sealed");
        Chain { table, records, key, subject }
    }

    async fn events(&self) -> Vec<Item> {
        let items = self.table.query(&format!("AUDIT#{}", self.subject), "").await.unwrap();
        items.into_iter().filter(|item| item.0["sk"] != "CHAIN").collect()
    }

    async fn verify(&self, app: &TestApp) -> Result<u64, BrokenLink> {
        self.records.verify_audit(&self.subject, &self.key, app.now().await).await.unwrap()
    }

    async fn put(&self, item: Item) {
        self.table.write(vec![Write::Put { item, condition: Condition::Always }]).await.unwrap();
    }
}

async fn fail_sign_in(app: &TestApp) {
    let body = serde_json::json!({ "username": "chain01", "password": "not-the-password-1" });
    app.post("/v1/sessions").json(&body).send().await.assert_problem(401, "auth.invalid_credentials");
}

fn sk(item: &Item) -> String {
    item.0["sk"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_run_of_requests_verifies_clean_and_later_events_extend_the_chain() {
    let app = spawn_app().await;
    let chain = Chain::of_a_member(&app).await;
    let first = chain.verify(&app).await.expect("the sealed chain verifies");
    assert_eq!(first as usize, chain.events().await.len());

    fail_sign_in(&app).await;
    assert_eq!(chain.records.seal_audit(&chain.subject, &chain.key).await.unwrap(), 1, "the failed sign-in");
    assert_eq!(chain.verify(&app).await.expect("the extended chain verifies"), first + 1);
    assert_eq!(chain.records.seal_audit(&chain.subject, &chain.key).await.unwrap(), 0, "nothing sealed twice");

    let other_key = Keys::random().audit_chain();
    let forged = chain.records.verify_audit(&chain.subject, &other_key, app.now().await).await.unwrap();
    assert!(forged.is_err(), "a chain does not verify under another key");
}

#[tokio::test]
async fn an_edited_audit_item_is_named() {
    let app = spawn_app().await;
    let chain = Chain::of_a_member(&app).await;
    let mut item = chain.events().await.remove(0);
    let at = sk(&item);
    item.0.insert("requestId".into(), "someone-else".into());
    chain.put(item).await;
    let broken = chain.verify(&app).await.expect_err("the edit is detected");
    assert_eq!(broken.at, at, "{broken}");
}

#[tokio::test]
async fn a_deleted_audit_item_is_named() {
    let app = spawn_app().await;
    let chain = Chain::of_a_member(&app).await;
    let events = chain.events().await;
    chain.table.delete_batch(vec![Key::new(format!("AUDIT#{}", chain.subject), sk(&events[0]))]).await.unwrap();
    let broken = chain.verify(&app).await.expect_err("the deletion of the first event is detected");
    assert_eq!(broken.at, sk(&events[1]), "{broken}");
}

#[tokio::test]
async fn a_deleted_last_audit_item_is_named_by_the_head() {
    let app = spawn_app().await;
    let chain = Chain::of_a_member(&app).await;
    let last = chain.events().await.pop().unwrap();
    chain.table.delete_batch(vec![Key::new(format!("AUDIT#{}", chain.subject), sk(&last))]).await.unwrap();
    let broken = chain.verify(&app).await.expect_err("the deletion of the last event is detected");
    assert_eq!(broken.at, sk(&last), "{broken}");
}

#[tokio::test]
async fn reordered_audit_items_are_named() {
    let app = spawn_app().await;
    let chain = Chain::of_a_member(&app).await;
    let events = chain.events().await;
    let (mut first, mut second) = (events[0].clone(), events[1].clone());
    let (first_sk, second_sk) = (sk(&first), sk(&second));
    first.0.insert("sk".into(), second_sk.clone().into());
    second.0.insert("sk".into(), first_sk.clone().into());
    chain.put(first).await;
    chain.put(second).await;
    let broken = chain.verify(&app).await.expect_err("the swap is detected");
    assert!([&first_sk, &second_sk].contains(&&broken.at), "{broken}");
}

#[tokio::test]
async fn events_gone_by_retention_keep_the_chain_verifiable_but_an_early_deletion_is_named() {
    const DAY: i64 = 24 * 60 * 60;
    let app = spawn_app().await;
    let chain = Chain::of_a_member(&app).await;
    app.advance_clock(365 * DAY).await;
    fail_sign_in(&app).await;
    fail_sign_in(&app).await;
    assert_eq!(chain.records.seal_audit(&chain.subject, &chain.key).await.unwrap(), 2);
    app.advance_clock(367 * DAY).await;
    let response = app.post("/_sim/purge").send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    chain.records.seal_audit(&chain.subject, &chain.key).await.unwrap();

    // The events past their retention go, by the purge or, as here for any it left, by TTL.
    let now = app.now().await.unix_timestamp();
    let expired: Vec<Key> = chain
        .events()
        .await
        .iter()
        .filter(|item| item.0["ttl"].as_i64().is_some_and(|ttl| ttl <= now))
        .map(|item| Key::new(format!("AUDIT#{}", chain.subject), sk(item)))
        .collect();
    if !expired.is_empty() {
        chain.table.delete_batch(expired).await.unwrap();
    }
    let kept: Vec<u64> = chain.events().await.iter().filter_map(|item| item.0.get("seq")?.as_u64()).collect();
    assert!(!kept.is_empty() && kept.iter().all(|&seq| seq > 3), "the sign-up's events are gone: {kept:?}");
    assert!(chain.verify(&app).await.is_ok(), "{:?}", chain.verify(&app).await);

    let oldest_live = chain.events().await.into_iter().min_by_key(|item| item.0["seq"].as_u64()).unwrap();
    chain.table.delete_batch(vec![Key::new(format!("AUDIT#{}", chain.subject), sk(&oldest_live))]).await.unwrap();
    assert!(chain.verify(&app).await.is_err(), "the oldest event still kept was deleted early");
}
