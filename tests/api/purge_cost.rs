//! The purge's cost follows the due items, not the table: with 20,000 live members and 200 due
//! items, one run reads at most 1.1× the due items through the due index, and never scans.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use api_tests::spawn_app;
use async_trait::async_trait;
use membership::app::purge::Purge;
use membership::records::{due_keys, Records};
use membership::store::{Item, Key, StoreError, Table, Write};
use serde_json::json;

/// The table, counting what the purge asks of it.
struct Counting {
    inner: Arc<dyn Table>,
    due_queries: AtomicU64,
    due_items_returned: AtomicU64,
    partition_queries: AtomicU64,
    gets: AtomicU64,
}

#[async_trait]
impl Table for Counting {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(key).await
    }
    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.inner.write(writes).await
    }
    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.partition_queries.fetch_add(1, Ordering::SeqCst);
        self.inner.query(pk, sk_prefix).await
    }
    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        self.due_queries.fetch_add(1, Ordering::SeqCst);
        let items = self.inner.query_due(due_pk, from, to, limit).await?;
        self.due_items_returned.fetch_add(items.len() as u64, Ordering::SeqCst);
        Ok(items)
    }
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        self.inner.delete_batch(keys).await
    }
    async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.put_batch(items).await
    }
}

fn item(key: &Key, due: time::OffsetDateTime, ttl: Option<i64>) -> Item {
    let (due_pk, due_sk) = due_keys(key, due);
    let mut item = json!({ "pk": key.pk, "sk": key.sk, "duePk": due_pk, "dueSk": due_sk });
    if let Some(ttl) = ttl {
        item["ttl"] = json!(ttl);
    }
    Item(item.as_object().cloned().unwrap())
}

#[tokio::test]
async fn with_twenty_thousand_members_a_purge_reads_only_the_due_items() {
    const LIVE: usize = 20_000;
    const DUE: usize = 200;
    let app = spawn_app().await;
    let now = app.now().await;
    let table = app.store.table();
    let mut items: Vec<Item> = (0..LIVE)
        .map(|n| item(&Key::new(format!("MEMBER#live-{n:05}"), "PROFILE"), now + time::Duration::days(700), None))
        .collect();
    let expired = now - time::Duration::minutes(5);
    items
        .extend((0..DUE).map(|n| {
            item(&Key::new(format!("SIGNUP#due-{n:03}"), "SESSION"), expired, Some(expired.unix_timestamp()))
        }));
    table.put_batch(items).await.unwrap();
    let counting = Arc::new(Counting {
        inner: table,
        due_queries: AtomicU64::new(0),
        due_items_returned: AtomicU64::new(0),
        partition_queries: AtomicU64::new(0),
        gets: AtomicU64::new(0),
    });
    let purge = Purge::new(Records::new(counting.clone()), app.app.service.clock.clone());

    let started = std::time::Instant::now();
    let counts = purge.run(None).await.unwrap();
    let elapsed = started.elapsed();

    let read = counting.due_items_returned.load(Ordering::SeqCst);
    let ratio = read as f64 / DUE as f64;
    println!(
        "purge on {}: {DUE} due among {LIVE} live members: read {read} index items (ratio {ratio:.2}), \
         {} index queries, {} gets, {:?}",
        if app.store.is_dynamodb() { "DynamoDB" } else { "the embedded store" },
        counting.due_queries.load(Ordering::SeqCst),
        counting.gets.load(Ordering::SeqCst),
        elapsed
    );
    assert_eq!(counts.signups_purged, DUE as u64);
    assert_eq!(counts.scanned, read);
    assert!(ratio <= 1.1, "read {read} for {DUE} due items");
    assert_eq!(
        counting.partition_queries.load(Ordering::SeqCst),
        0,
        "no partition read, and no scan exists in the port"
    );
    let second = purge.run(None).await.unwrap();
    assert_eq!(second.scanned, 0);
}
