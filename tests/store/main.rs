//! The store contract: what the service relies on from the `Table` port, checked on every store
//! there is here — the embedded one always, DynamoDB when `DYNAMODB_ENDPOINT` names a server.

use std::sync::Arc;

use membership::store::memory::MemoryTable;
use membership::store::{Condition, Item, Key, StoreError, Table, Write};
use serde_json::{json, Value};

async fn stores() -> Vec<(&'static str, Arc<dyn Table>)> {
    let mut stores: Vec<(&'static str, Arc<dyn Table>)> = vec![("memory", Arc::new(MemoryTable::new()))];
    if let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") {
        let name = format!("contract-{}", membership::keys::random_id());
        let table = membership_local::local::dynamodb_table(&endpoint, &name).await.expect("DynamoDB table");
        stores.push(("dynamodb", Arc::new(table)));
    }
    stores
}

fn item(pk: &str, sk: &str, extra: Value) -> Item {
    let mut attrs = extra.as_object().cloned().unwrap_or_default();
    attrs.insert("pk".into(), json!(pk));
    attrs.insert("sk".into(), json!(sk));
    Item(attrs)
}

fn put(item: Item, condition: Condition) -> Write {
    Write::Put { item, condition }
}

#[tokio::test]
async fn items_round_trip_with_every_kind_of_value() {
    for (name, table) in stores().await {
        let stored = item(
            "ROUND#1",
            "TRIP",
            json!({
                "text": "인천광역시교육청 🙂", "big": 9_007_199_254_740_993i64, "negative": -42, "flag": true,
                "nothing": null, "list": [1, "two", { "three": 3 }], "map": { "nested": { "deep": "yes" } },
                "empty": "",
            }),
        );
        table.write(vec![put(stored.clone(), Condition::Always)]).await.unwrap();
        let read = table.get(&Key::new("ROUND#1", "TRIP")).await.unwrap();
        assert_eq!(read, Some(stored), "{name}");
        assert_eq!(table.get(&Key::new("ROUND#1", "OTHER")).await.unwrap(), None, "{name}");
    }
}

#[tokio::test]
async fn absent_condition_claims_a_key_once() {
    for (name, table) in stores().await {
        let claim = || put(item("CLAIM#a", "CLAIM", json!({ "memberId": "m1" })), Condition::Absent);
        table.write(vec![claim()]).await.unwrap();
        let again = table.write(vec![claim()]).await;
        assert!(matches!(again, Err(StoreError::ConditionFailed { index: None })), "{name}: {again:?}");
    }
}

#[tokio::test]
async fn an_expired_item_counts_as_absent_for_a_claim() {
    for (name, table) in stores().await {
        let now = 1_800_000_000;
        table.write(vec![put(item("MARK#old", "USED", json!({ "ttl": now - 1 })), Condition::Always)]).await.unwrap();
        table.write(vec![put(item("MARK#new", "USED", json!({ "ttl": now + 60 })), Condition::Always)]).await.unwrap();
        let reclaim_old = table
            .write(vec![put(item("MARK#old", "USED", json!({ "ttl": now + 600 })), Condition::AbsentOrExpired { now })])
            .await;
        assert!(reclaim_old.is_ok(), "{name}: {reclaim_old:?}");
        let reclaim_new = table
            .write(vec![put(item("MARK#new", "USED", json!({ "ttl": now + 600 })), Condition::AbsentOrExpired { now })])
            .await;
        assert!(matches!(reclaim_new, Err(StoreError::ConditionFailed { .. })), "{name}: {reclaim_new:?}");
        let fresh = table
            .write(vec![put(
                item("MARK#none", "USED", json!({ "ttl": now + 600 })),
                Condition::AbsentOrExpired { now },
            )])
            .await;
        assert!(fresh.is_ok(), "{name}");
    }
}

#[tokio::test]
async fn version_condition_lets_one_writer_of_a_version_through() {
    for (name, table) in stores().await {
        table
            .write(vec![put(
                item("SIGNUP#1", "SESSION", json!({ "version": 0, "step": "consent" })),
                Condition::Absent,
            )])
            .await
            .unwrap();
        let first =
            put(item("SIGNUP#1", "SESSION", json!({ "version": 1, "step": "identity" })), Condition::Version(0));
        table.write(vec![first]).await.unwrap();
        let stale = put(item("SIGNUP#1", "SESSION", json!({ "version": 1, "step": "other" })), Condition::Version(0));
        assert!(matches!(table.write(vec![stale]).await, Err(StoreError::ConditionFailed { .. })), "{name}");
        let read = table.get(&Key::new("SIGNUP#1", "SESSION")).await.unwrap().unwrap();
        assert_eq!(read.0["step"], "identity", "{name}");
        let missing = put(item("SIGNUP#2", "SESSION", json!({ "version": 1 })), Condition::Version(0));
        assert!(matches!(table.write(vec![missing]).await, Err(StoreError::ConditionFailed { .. })), "{name}");
    }
}

#[tokio::test]
async fn a_transaction_applies_all_or_names_the_write_that_failed() {
    for (name, table) in stores().await {
        table.write(vec![put(item("USERNAME#taken", "CLAIM", json!({})), Condition::Absent)]).await.unwrap();
        table.write(vec![put(item("SIGNUP#9", "SESSION", json!({ "version": 3 })), Condition::Absent)]).await.unwrap();
        let writes = || {
            vec![
                put(item("MEMBER#9", "PROFILE", json!({ "name": "x" })), Condition::Absent),
                put(item("USERNAME#taken", "CLAIM", json!({ "memberId": "9" })), Condition::Absent),
                Write::Delete { key: Key::new("SIGNUP#9", "SESSION"), condition: Condition::Version(3) },
            ]
        };
        let refused = table.write(writes()).await;
        assert!(matches!(refused, Err(StoreError::ConditionFailed { index: Some(1) })), "{name}: {refused:?}");
        assert_eq!(table.get(&Key::new("MEMBER#9", "PROFILE")).await.unwrap(), None, "{name}: nothing partial");
        assert!(table.get(&Key::new("SIGNUP#9", "SESSION")).await.unwrap().is_some(), "{name}");

        let checked = vec![
            put(item("MEMBER#9", "PROFILE", json!({ "name": "x" })), Condition::Absent),
            Write::Check { key: Key::new("USERNAME#taken", "CLAIM"), condition: Condition::Present },
            Write::Delete { key: Key::new("SIGNUP#9", "SESSION"), condition: Condition::Version(3) },
        ];
        table.write(checked).await.unwrap();
        assert!(table.get(&Key::new("MEMBER#9", "PROFILE")).await.unwrap().is_some(), "{name}");
        assert_eq!(table.get(&Key::new("SIGNUP#9", "SESSION")).await.unwrap(), None, "{name}");
    }
}

#[tokio::test]
async fn a_conditional_delete_of_a_missing_item_fails() {
    for (name, table) in stores().await {
        let delete = Write::Delete { key: Key::new("NOPE", "NOPE"), condition: Condition::Present };
        assert!(matches!(table.write(vec![delete]).await, Err(StoreError::ConditionFailed { .. })), "{name}");
        let delete = Write::Delete { key: Key::new("NOPE", "NOPE"), condition: Condition::Always };
        assert!(table.write(vec![delete]).await.is_ok(), "{name}");
    }
}

#[tokio::test]
async fn a_query_returns_one_partition_by_prefix_in_order_across_pages() {
    for (name, table) in stores().await {
        let padding = "x".repeat(20_000);
        for n in (0..70).rev() {
            let it = item("MEMBER#q", &format!("CONSENT#{n:03}"), json!({ "n": n, "padding": padding }));
            table.write(vec![put(it, Condition::Always)]).await.unwrap();
        }
        table.write(vec![put(item("MEMBER#q", "PROFILE", json!({})), Condition::Always)]).await.unwrap();
        table.write(vec![put(item("MEMBER#r", "CONSENT#000", json!({})), Condition::Always)]).await.unwrap();
        let found = table.query("MEMBER#q", "CONSENT#").await.unwrap();
        let order: Vec<i64> = found.iter().map(|i| i.0["n"].as_i64().unwrap()).collect();
        assert_eq!(order, (0..70).collect::<Vec<_>>(), "{name}");
        assert_eq!(table.query("MEMBER#q", "").await.unwrap().len(), 71, "{name}");
    }
}

#[tokio::test]
async fn of_many_racing_claims_exactly_one_wins() {
    for (name, table) in stores().await {
        let barrier = Arc::new(tokio::sync::Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|n| {
                let table = table.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    let writes = vec![
                        put(item(&format!("MEMBER#{n}"), "PROFILE", json!({})), Condition::Absent),
                        put(item("PERSON#same", "CLAIM", json!({ "memberId": n })), Condition::Absent),
                    ];
                    barrier.wait().await;
                    // A conflict cancels the transaction whole; try again as the service does.
                    loop {
                        match table.write(writes.clone()).await {
                            Err(StoreError::Conflict) => continue,
                            other => return other,
                        }
                    }
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => won += 1,
                Err(StoreError::ConditionFailed { index: Some(1) }) => {}
                Err(other) => panic!("{name}: {other:?}"),
            }
        }
        assert_eq!(won, 1, "{name}");
    }
}

#[tokio::test]
async fn a_lease_is_taken_when_absent_expired_or_abandoned() {
    for (name, table) in stores().await {
        let now = 1_800_000_000;
        let lease = |pk: &str| {
            put(
                item(pk, "RECORD", json!({ "status": "in_progress", "lockedUntil": now + 30, "ttl": now + 86_400 })),
                Condition::Claimable { now },
            )
        };
        table.write(vec![lease("IDEM#a")]).await.unwrap();
        assert!(
            matches!(table.write(vec![lease("IDEM#a")]).await, Err(StoreError::ConditionFailed { .. })),
            "{name}: held"
        );
        let abandoned =
            item("IDEM#b", "RECORD", json!({ "status": "in_progress", "lockedUntil": now - 1, "ttl": now + 86_400 }));
        table.write(vec![put(abandoned, Condition::Always)]).await.unwrap();
        assert!(table.write(vec![lease("IDEM#b")]).await.is_ok(), "{name}: abandoned");
        let completed =
            item("IDEM#c", "RECORD", json!({ "status": "completed", "lockedUntil": now - 1, "ttl": now + 86_400 }));
        table.write(vec![put(completed, Condition::Always)]).await.unwrap();
        assert!(
            matches!(table.write(vec![lease("IDEM#c")]).await, Err(StoreError::ConditionFailed { .. })),
            "{name}: completed"
        );
        let expired = item("IDEM#d", "RECORD", json!({ "status": "completed", "ttl": now - 1 }));
        table.write(vec![put(expired, Condition::Always)]).await.unwrap();
        assert!(table.write(vec![lease("IDEM#d")]).await.is_ok(), "{name}: expired");
    }
}

/// Secrets Manager on the wire (the same test server): keys are loaded from real secrets, a missing
/// secret or field stops the load (configuration fails closed), and a refresh sees a rotated value.
#[tokio::test]
async fn keys_load_from_secrets_manager_and_fail_closed() {
    use membership::secrets::{KeyRing, SecretIds, SecretsManager};
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") else { return };
    let config = membership::aws::sdk_config(Some(&endpoint), membership::aws::Patience::LocalServer).await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let run = membership::keys::random_id();
    let name = |what: &str| format!("test/{run}/{what}");
    for (what, field) in [("pepper", "pepper"), ("idempotency", "key"), ("token", "signingKey")] {
        let value = json!({ field: format!("{what}-{}", "k".repeat(40)) }).to_string();
        client.create_secret().name(name(what)).secret_string(value).send().await.expect("secret created");
    }
    let ids = SecretIds { pepper: name("pepper"), idempotency: name("idempotency"), token: name("token") };
    let source = Arc::new(SecretsManager::new(client.clone()));

    let ring = KeyRing::load(source.clone(), ids.clone(), std::time::Duration::ZERO).await.expect("keys load");
    let before = ring.current().person_key("di");
    client
        .put_secret_value()
        .secret_id(name("pepper"))
        .secret_string(json!({ "pepper": "rotated".repeat(8) }).to_string())
        .send()
        .await
        .expect("rotated");
    ring.refresh_if_stale().await;
    assert_ne!(ring.current().person_key("di"), before, "the refresh read the new value");

    // The upstream system's secret comes in the same call, here named by its full ARN.
    let upstream = json!({ "baseUrl": "https://residency.example.kr/v1", "apiKey": "key-1" }).to_string();
    let created = client.create_secret().name(name("residency")).secret_string(upstream).send().await;
    let arn = created.expect("secret created").arn.expect("an ARN");
    let (_, endpoint) =
        KeyRing::load_with_upstream(source.clone(), ids.clone(), &arn, std::time::Duration::ZERO).await.expect("loads");
    assert!(format!("{endpoint:?}").contains("https://residency.example.kr/v1"), "{endpoint:?}");
    let absent = name("absent");
    let loaded = KeyRing::load_with_upstream(source.clone(), ids.clone(), &absent, std::time::Duration::ZERO).await;
    assert!(loaded.is_err(), "a missing upstream secret");

    // The identity provider's client credentials come the same way.
    let identity = json!({ "clientId": "client-1", "clientSecret": "secret-1" }).to_string();
    client.create_secret().name(name("identity")).secret_string(identity).send().await.expect("secret created");
    let (_, secret) =
        KeyRing::load_with_secret(source.clone(), ids.clone(), &name("identity"), std::time::Duration::ZERO)
            .await
            .expect("loads");
    assert!(membership::secrets::client_credentials(&secret, "identity").is_ok());

    let missing = SecretIds { token: name("absent"), ..ids.clone() };
    assert!(KeyRing::load(source.clone(), missing, std::time::Duration::ZERO).await.is_err(), "a missing secret");
    client
        .create_secret()
        .name(name("wrong-field"))
        .secret_string(json!({ "salt": "k".repeat(40) }).to_string())
        .send()
        .await
        .expect("secret created");
    let wrong = SecretIds { pepper: name("wrong-field"), ..ids };
    assert!(KeyRing::load(source, wrong, std::time::Duration::ZERO).await.is_err(), "a secret without its field");
}

/// DynamoDB refuses a transaction of over 100 writes and an item over 400 KB; the embedded store
/// does too, so a test on it fails where DynamoDB would. Nothing of a refused write is applied.
#[tokio::test]
async fn a_transaction_over_100_writes_or_an_item_over_400_kb_is_refused_whole() {
    for (name, table) in stores().await {
        let writes: Vec<Write> =
            (0..101).map(|i| put(item(&format!("LIMIT#{i}"), "ITEM", json!({})), Condition::Always)).collect();
        assert!(table.write(writes).await.is_err(), "{name}: 101 writes in one transaction");
        assert_eq!(table.get(&Key::new("LIMIT#0", "ITEM")).await.unwrap(), None, "{name}: nothing partial");

        let large = put(item("LIMIT#large", "ITEM", json!({ "text": "x".repeat(401 * 1024) })), Condition::Always);
        let small = put(item("LIMIT#small", "ITEM", json!({})), Condition::Always);
        assert!(table.write(vec![small, large]).await.is_err(), "{name}: an item over 400 KB");
        assert_eq!(table.get(&Key::new("LIMIT#small", "ITEM")).await.unwrap(), None, "{name}: nothing partial");
    }
}

#[tokio::test]
async fn a_batch_read_answers_every_key_in_the_order_asked_absent_ones_included() {
    for (name, table) in stores().await {
        let stored: Vec<Item> =
            (0..3).map(|n| item(&format!("BATCH#{n}"), "ITEM", json!({ "n": n, "text": "인천" }))).collect();
        table.write(stored.iter().cloned().map(|i| put(i, Condition::Absent)).collect()).await.unwrap();
        let keys = vec![
            Key::new("BATCH#2", "ITEM"),
            Key::new("BATCH#9", "ITEM"),
            Key::new("BATCH#0", "ITEM"),
            Key::new("BATCH#1", "OTHER"),
            Key::new("BATCH#1", "ITEM"),
        ];
        let read = table.get_many(&keys).await.unwrap();
        let expected = vec![Some(stored[2].clone()), None, Some(stored[0].clone()), None, Some(stored[1].clone())];
        assert_eq!(read, expected, "{name}");
        assert_eq!(table.get_many(&[]).await.unwrap(), Vec::<Option<Item>>::new(), "{name}");
    }
}

#[tokio::test]
async fn a_batch_read_of_more_keys_than_dynamodb_takes_is_refused() {
    for (name, table) in stores().await {
        let keys: Vec<Key> =
            (0..=membership::store::GET_MANY_LIMIT).map(|n| Key::new(format!("MANY#{n}"), "X")).collect();
        let read = table.get_many(&keys).await;
        assert!(matches!(read, Err(StoreError::Malformed(_))), "{name}: {read:?}");
    }
}
