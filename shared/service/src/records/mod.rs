//! Records and how they sit in the one table, by aggregate: every record is mapped in `records/*`
//! and nowhere else, over the `Table` port, so both stores keep the same invariants. `keys` owns the
//! key schema; this module owns the three ways a record is written: a transaction whose refusals
//! are named by labels the caller chose, a versioned write, and an optimistic retry.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::store::{Condition, Item, Key, StoreError, Table, Write};

mod attempts;
mod audit;
mod claims;
mod idempotency;
mod identity;
pub mod keys;
mod member;
mod membership;
mod oauth;
mod outbox;
mod purge;
mod session;
mod signup;

pub use attempts::AttemptCount;
pub use idempotency::{IdempotencyClaim, IdempotencyRecord, SavedResponse, IDEMPOTENCY_LEASE, IDEMPOTENCY_LIFETIME};
pub use identity::IdentityRequestRecord;
pub use keys::{due_keys, due_sort_key};
pub use member::{
    consent_events, CertificationOutcome, ClaimKind, ClaimRecord, ClaimRef, ConsentHistoryRecord, CreateMemberError,
    GuardianRecord, Holder, MemberChanged, MemberRecord, NewMember, UpgradeError,
};
pub use oauth::{AuthorizationCodeRecord, GrantRecord};
pub use outbox::{
    outbox_item_of, outbox_key_of, Milestone, OutboxMessage, OutboxStatus, FIRST_RETRY, MAX_ATTEMPTS, PARKED_PK,
    SEND_LEASE,
};
pub use purge::PurgeCheckpoint;
pub use session::{LoginFailures, SessionChanged, SessionRecord, LOCKOUT_WINDOW};
pub use signup::SignupChanged;

use keys::epoch;

#[derive(Clone)]
pub struct Records {
    table: Arc<dyn Table>,
}

/// How often a record-level optimistic update (a counter) is tried before the request gives up with 503.
const UPDATE_ATTEMPTS: usize = 5;

/// Writes applied all at once, each that may refuse carrying the label its caller names it by: a
/// refusal is reported by that label, whatever the writes' order.
pub struct Transaction<L> {
    writes: Vec<Write>,
    labels: Vec<Option<L>>,
}

impl<L> Default for Transaction<L> {
    fn default() -> Self {
        Self { writes: Vec::new(), labels: Vec::new() }
    }
}

impl<L> Transaction<L> {
    pub fn new() -> Self {
        Self::default()
    }

    /// A write whose refusal the caller handles, as `label`.
    pub fn guard(&mut self, label: L, write: Write) -> &mut Self {
        self.writes.push(write);
        self.labels.push(Some(label));
        self
    }

    /// Writes whose condition only a race could break (a fresh random key, say): a refusal is a
    /// conflict, answered 503.
    pub fn extend(&mut self, writes: impl IntoIterator<Item = Write>) -> &mut Self {
        for write in writes {
            self.writes.push(write);
            self.labels.push(None);
        }
        self
    }

    pub fn len(&self) -> usize {
        self.writes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }
}

/// Why a transaction did not apply: a labelled write refused, or the store failed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal<L: std::fmt::Debug> {
    #[error("refused by the write labelled {0:?}")]
    Refused(L),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl<L: std::fmt::Debug> Refusal<L> {
    /// The refusal as a store error, for a caller that has no answer of its own to a refusal.
    pub fn into_store(self) -> StoreError {
        match self {
            Refusal::Refused(_) => StoreError::ConditionFailed { index: None },
            Refusal::Store(error) => error,
        }
    }
}

/// A record updated in place under an optimistic version.
pub trait Versioned: Clone {
    fn version_mut(&mut self) -> &mut u64;
}

macro_rules! versioned {
    ($($record:ty),*) => {$(
        impl Versioned for $record {
            fn version_mut(&mut self) -> &mut u64 {
                &mut self.version
            }
        }
    )*};
}
versioned!(MemberRecord, SessionRecord, OutboxMessage, membership_domain::signup::SignupSession);

/// The attempts of an optimistic update: each reads, decides and writes on a condition that the
/// read still holds; one that loses a race to another request tries again, up to `times` in all,
/// then gives up with a conflict (503, Retry-After).
pub struct Retry {
    times: usize,
    made: usize,
}

impl Retry {
    pub fn new(times: usize) -> Self {
        Self { times, made: 0 }
    }

    /// The number of the next attempt, from 0; the conflict once every attempt was made.
    pub fn attempt(&mut self) -> Result<usize, StoreError> {
        if self.made >= self.times {
            return Err(StoreError::Conflict);
        }
        self.made += 1;
        Ok(self.made - 1)
    }

    /// Whether the attempt made last was the last one allowed: nothing is worth reading again.
    pub fn exhausted(&self) -> bool {
        self.made >= self.times
    }
}

impl Records {
    pub fn new(table: Arc<dyn Table>) -> Self {
        Self { table }
    }

    pub fn table(&self) -> &Arc<dyn Table> {
        &self.table
    }

    /// A live item: absent when missing or when its TTL has passed (DynamoDB deletes lazily).
    async fn live(&self, key: &Key, now: OffsetDateTime) -> Result<Option<Item>, StoreError> {
        Ok(self.table.get(key).await?.filter(|item| !item.is_expired(epoch(now))))
    }

    /// Several items in one round trip, each as `live` reads it, in the order of `keys`.
    async fn live_many(&self, keys: &[Key], now: OffsetDateTime) -> Result<Vec<Option<Item>>, StoreError> {
        let items = self.table.get_many(keys).await?;
        Ok(items.into_iter().map(|item| item.filter(|item| !item.is_expired(epoch(now)))).collect())
    }

    /// Applies a transaction; a refusal is reported by the label of the write that refused.
    pub async fn apply<L: std::fmt::Debug>(&self, transaction: Transaction<L>) -> Result<(), Refusal<L>> {
        let Transaction { writes, mut labels } = transaction;
        let single = writes.len() == 1;
        match self.table.write(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { index }) => {
                // A single write is a plain conditional write: the store names no index.
                let at = index.or(single.then_some(0));
                match at.and_then(|i| labels.get_mut(i)).and_then(Option::take) {
                    Some(label) => Err(Refusal::Refused(label)),
                    None => Err(Refusal::Store(StoreError::ConditionFailed { index })),
                }
            }
            Err(error) => Err(Refusal::Store(error)),
        }
    }

    /// The versioned write: `build` gets the record with its version moved on by one and the
    /// condition that the stored one is still at the version read, changes it and names the
    /// transaction to apply. If it does not apply, the record is as it was before.
    pub async fn save_versioned<T: Versioned, L: std::fmt::Debug>(
        &self,
        record: &mut T,
        build: impl FnOnce(&mut T, Condition) -> Result<Transaction<L>, StoreError>,
    ) -> Result<(), Refusal<L>> {
        let before = record.clone();
        let expected = *record.version_mut();
        *record.version_mut() += 1;
        let result = match build(record, Condition::Version(expected)) {
            Ok(transaction) => self.apply(transaction).await,
            Err(error) => Err(Refusal::Store(error)),
        };
        if result.is_err() {
            *record = before;
        }
        result
    }
}
