//! The one table every record lives in, as a port: a DynamoDB-shaped key-value store with
//! conditional writes and all-or-nothing transactions. Records are mapped to items once (see
//! `records`), so the in-memory and DynamoDB adapters differ only in how they keep items.

pub mod definition;
pub mod dynamodb;
pub mod memory;

use async_trait::async_trait;
use serde_json::{Map, Value};

/// Attribute names the store itself gives meaning to.
pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// Epoch seconds after which DynamoDB's TTL may delete the item; reads treat it as absent from then.
pub const TTL: &str = "ttl";
/// The sparse index of items due for the purge job: `duePk` = `DUE#<shard>`, `dueSk` =
/// `<epoch seconds, 12 digits>#<pk>#<sk>`. Only items that must be acted on later carry it, and each
/// leaves it (deleted, or due again later) when acted on, so a purge's reads follow the due items.
/// Eight shards, chosen by the item's key, spread its writes over partitions.
pub const DUE_INDEX: &str = "due";
pub const DUE_PK: &str = "duePk";
pub const DUE_SK: &str = "dueSk";
pub const DUE_SHARDS: u32 = 8;
/// DynamoDB's limit of keys in one `BatchGetItem`.
pub const GET_MANY_LIMIT: usize = 100;
/// Optimistic-concurrency counter of records that are updated in place.
pub const VERSION: &str = "version";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }
}

/// An item: its attributes as JSON values (strings, numbers, booleans, lists, maps).
#[derive(Debug, Clone, PartialEq)]
pub struct Item(pub Map<String, Value>);

impl Item {
    pub fn key(&self) -> Option<Key> {
        let pk = self.0.get(PK)?.as_str()?;
        let sk = self.0.get(SK)?.as_str()?;
        Some(Key::new(pk, sk))
    }

    pub fn ttl(&self) -> Option<i64> {
        self.0.get(TTL).and_then(Value::as_i64)
    }

    pub fn version(&self) -> Option<u64> {
        self.0.get(VERSION).and_then(Value::as_u64)
    }

    /// Whether TTL has passed for this item at `now` (epoch seconds): it is then absent to every read.
    pub fn is_expired(&self, now: i64) -> bool {
        self.ttl().is_some_and(|ttl| ttl <= now)
    }
}

/// What must hold of the item at the written key for a write to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    Always,
    /// No item at the key.
    Absent,
    /// No item at the key, or one whose TTL has passed at `now` (DynamoDB deletes lazily).
    AbsentOrExpired {
        now: i64,
    },
    /// The item exists with this version.
    Version(u64),
    /// The item exists.
    Present,
    /// No item at the key, or one whose `memberId` is this member's (a claim still held by the
    /// member a write replaces or deletes it for, and by no one else).
    AbsentOrHeldBy(String),
    /// A lease may be taken: no item, an expired one, or one whose `status` is `in_progress` and
    /// whose `lockedUntil` (epoch seconds) has passed at `now`.
    Claimable {
        now: i64,
    },
}

/// The attribute naming the member who holds a claim.
pub const MEMBER_ID: &str = "memberId";

/// Attributes of leased items (idempotency records).
pub const STATUS: &str = "status";
pub const IN_PROGRESS: &str = "in_progress";
pub const LOCKED_UNTIL: &str = "lockedUntil";

#[derive(Debug, Clone)]
pub enum Write {
    Put { item: Item, condition: Condition },
    Delete { key: Key, condition: Condition },
    Check { key: Key, condition: Condition },
}

impl Write {
    pub fn key(&self) -> Option<Key> {
        match self {
            Write::Put { item, .. } => item.key(),
            Write::Delete { key, .. } | Write::Check { key, .. } => Some(key.clone()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A condition did not hold; for a transaction, `index` names the write whose condition failed.
    #[error("condition failed (write {index:?})")]
    ConditionFailed { index: Option<usize> },
    /// Another transaction touched the same items at the same time; nothing was written.
    #[error("transaction conflict")]
    Conflict,
    /// The store could not be reached or refused for now (throttling, timeouts): nothing was written.
    #[error("store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// An item could not be mapped to or from a record.
    #[error("stored item malformed: {0}")]
    Malformed(String),
}

#[async_trait]
pub trait Table: Send + Sync + 'static {
    /// The item at `key` as stored, expired or not (the caller decides what expiry means).
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError>;

    /// The items at `keys` (at most `GET_MANY_LIMIT`, no key twice), as `get` reads them, in the
    /// order of `keys`: one round trip (`BatchGetItem`, strongly consistent) where the store has one.
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        let mut items = Vec::with_capacity(keys.len());
        for key in keys {
            items.push(self.get(key).await?);
        }
        Ok(items)
    }

    /// Applies every write or none; a single write is a plain conditional put or delete.
    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError>;

    /// Every item of partition `pk` whose sort key starts with `sk_prefix`, in sort-key order.
    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError>;

    /// The keys (`pk`, `sk`, `duePk`, `dueSk`) of at most `limit` items of the due index's partition
    /// `due_pk` whose `dueSk` lies in `from..=to`, in `dueSk` order. The index is eventually
    /// consistent, as DynamoDB's global secondary indexes are.
    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError>;

    /// Deletes the items unconditionally, in batches, until none is left unprocessed.
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError>;

    /// Puts the items unconditionally, in batches, until none is left unprocessed: tests and the
    /// local server seed a table with it; the service never writes without a condition.
    #[cfg(feature = "test-support")]
    async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError>;
}
