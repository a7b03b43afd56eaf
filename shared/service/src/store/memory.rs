//! The embedded store: the whole table in memory, with the same conditions and all-or-nothing
//! transactions as DynamoDB, so the local server and the tests keep every invariant production does.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{Condition, Item, Key, StoreError, Table, Write};

#[derive(Default)]
pub struct MemoryTable {
    items: Mutex<BTreeMap<Key, Item>>,
}

impl MemoryTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every item, for tests that look at all that was stored.
    #[cfg(feature = "test-support")]
    pub fn dump(&self) -> Vec<Item> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Key, Item>> {
        // A panic while holding the lock cannot leave a half-applied write: writes apply after every
        // check has passed, in one loop without I/O, so the map is usable as it is.
        self.items.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub(crate) fn holds(condition: &Condition, current: Option<&Item>) -> bool {
    match *condition {
        Condition::Always => true,
        Condition::Absent => current.is_none(),
        Condition::AbsentOrExpired { now } => current.is_none_or(|item| item.is_expired(now)),
        Condition::Version(version) => current.is_some_and(|item| item.version() == Some(version)),
        Condition::Present => current.is_some(),
        Condition::AbsentOrHeldBy(ref member_id) => {
            current.is_none_or(|item| item.0.get(super::MEMBER_ID).and_then(|v| v.as_str()) == Some(member_id.as_str()))
        }
        Condition::Claimable { now } => current.is_none_or(|item| {
            item.is_expired(now)
                || (item.0.get(super::STATUS).and_then(|v| v.as_str()) == Some(super::IN_PROGRESS)
                    && item.0.get(super::LOCKED_UNTIL).and_then(|v| v.as_i64()).is_some_and(|until| until <= now))
        }),
    }
}

/// DynamoDB's limits that the service relies on never reaching: a transaction of at most 100
/// writes, items of at most 400 KB. DynamoDB refuses what breaks them (a validation error, not a
/// condition), and so does this store, so a test here fails where production would.
pub const MAX_TRANSACTION_WRITES: usize = 100;
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

fn check_limits(writes: &[Write]) -> Result<(), StoreError> {
    if writes.len() > MAX_TRANSACTION_WRITES {
        return Err(StoreError::Malformed(format!("a transaction of {} writes", writes.len())));
    }
    for write in writes {
        if let Write::Put { item, .. } = write {
            if item_size(item) > MAX_ITEM_BYTES {
                return Err(StoreError::Malformed("an item over 400 KB".into()));
            }
        }
    }
    Ok(())
}

/// An item's size as DynamoDB counts it, near enough: attribute names plus their values' bytes
/// (JSON text is a little more than DynamoDB's encoding, so the estimate errs on the safe side).
fn item_size(item: &Item) -> usize {
    item.0.iter().map(|(name, value)| name.len() + value.to_string().len()).sum()
}

#[async_trait]
impl Table for MemoryTable {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        Ok(self.lock().get(key).cloned())
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        if keys.len() > super::GET_MANY_LIMIT {
            return Err(StoreError::Malformed(format!("{} keys in one batch read", keys.len())));
        }
        let items = self.lock();
        Ok(keys.iter().map(|key| items.get(key).cloned()).collect())
    }

    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        check_limits(&writes)?;
        let mut items = self.lock();
        let single = writes.len() == 1;
        let mut keys = Vec::with_capacity(writes.len());
        for (index, write) in writes.iter().enumerate() {
            let key = write.key().ok_or_else(|| StoreError::Malformed("item without pk and sk".into()))?;
            if keys.contains(&key) {
                return Err(StoreError::Malformed("two writes to one item in a transaction".into()));
            }
            let condition = match write {
                Write::Put { condition, .. } | Write::Delete { condition, .. } | Write::Check { condition, .. } => {
                    condition
                }
            };
            if !holds(condition, items.get(&key)) {
                return Err(StoreError::ConditionFailed { index: (!single).then_some(index) });
            }
            keys.push(key);
        }
        for (write, key) in writes.into_iter().zip(keys) {
            match write {
                Write::Put { item, .. } => {
                    items.insert(key, item);
                }
                Write::Delete { .. } => {
                    items.remove(&key);
                }
                Write::Check { .. } => {}
            }
        }
        Ok(())
    }

    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        let items = self.lock();
        let mut due: Vec<Item> = items
            .values()
            .filter(|item| item.0.get(super::DUE_PK).and_then(|v| v.as_str()) == Some(due_pk))
            .filter(|item| {
                item.0.get(super::DUE_SK).and_then(|v| v.as_str()).is_some_and(|sk| (from..=to).contains(&sk))
            })
            .map(|item| {
                let keys = [super::PK, super::SK, super::DUE_PK, super::DUE_SK];
                Item(
                    item.0
                        .iter()
                        .filter(|(name, _)| keys.contains(&name.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect(),
                )
            })
            .collect();
        due.sort_by(|a, b| a.0[super::DUE_SK].as_str().cmp(&b.0[super::DUE_SK].as_str()));
        due.truncate(limit);
        Ok(due)
    }

    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        let mut items = self.lock();
        for key in keys {
            items.remove(&key);
        }
        Ok(())
    }

    #[cfg(feature = "test-support")]
    async fn put_batch(&self, batch: Vec<Item>) -> Result<(), StoreError> {
        let mut items = self.lock();
        for item in batch {
            let key = item.key().ok_or_else(|| StoreError::Malformed("item without pk and sk".into()))?;
            items.insert(key, item);
        }
        Ok(())
    }

    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        let from = Key::new(pk, sk_prefix);
        Ok(self
            .lock()
            .range(from..)
            .take_while(|(key, _)| key.pk == pk && key.sk.starts_with(sk_prefix))
            .map(|(_, item)| item.clone())
            .collect())
    }
}
