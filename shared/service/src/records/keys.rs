//! The key schema (docs/architecture.md lists the keys): every partition's prefix, the due index's
//! shard, and the mapping between records and items. The one owner of these: the records and the
//! purge's classifier read them here.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::store::{Item, Key, StoreError, DUE_PK, DUE_SHARDS, DUE_SK, PK, SK, TTL};

/// The partitions of the table, by the prefix of their `pk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// `SIGNUP#<id>`: a sign-up session.
    Signup,
    /// `MEMBER#<id>`: the member (`PROFILE`), its consent history, certifications, attempt counts.
    Member,
    /// `IDREQ#<token version id>`: an identity request and the marker of its result's use.
    IdentityRequest,
    /// `LOGIN#<username>`: failed sign-ins in the current window.
    Login,
    /// `IDEMPOTENCY#<hash>`: an `Idempotency-Key` record.
    Idempotency,
    /// `SESSION#<id>`: a signed-in session.
    Session,
    /// `AUDIT#<member or sign-up id>`: audit events.
    Audit,
    /// `OUTBOX#<id>`: a notice waiting to be sent.
    Outbox,
    /// `USERNAME#`, `PERSON#`, `CHILD#`, `CARD#`: uniqueness claims.
    Claim,
    /// `GUARDIAN#<person key>`: the children a guardian signed up.
    Guardian,
    /// `PURGE`: the purge's checkpoint.
    Purge,
    /// `OAUTHCODE#<sha256(code)>`: a single sign-on authorization code.
    AuthorizationCode,
    /// `GRANT#<id>`: what a single sign-on client holds for a member.
    Grant,
}

impl Partition {
    const PREFIXES: [(&'static str, Partition); 16] = [
        ("SIGNUP", Partition::Signup),
        ("MEMBER", Partition::Member),
        ("IDREQ", Partition::IdentityRequest),
        ("LOGIN", Partition::Login),
        ("IDEMPOTENCY", Partition::Idempotency),
        ("SESSION", Partition::Session),
        ("AUDIT", Partition::Audit),
        ("OUTBOX", Partition::Outbox),
        ("USERNAME", Partition::Claim),
        ("PERSON", Partition::Claim),
        ("CHILD", Partition::Claim),
        ("CARD", Partition::Claim),
        ("GUARDIAN", Partition::Guardian),
        ("PURGE", Partition::Purge),
        ("OAUTHCODE", Partition::AuthorizationCode),
        ("GRANT", Partition::Grant),
    ];

    /// The partition a key lies in; none for a prefix the service does not write.
    pub fn of(key: &Key) -> Option<Partition> {
        let prefix = key.pk.split('#').next().unwrap_or("");
        Self::PREFIXES.iter().find(|(name, _)| *name == prefix).map(|(_, partition)| *partition)
    }
}

/// The member a `MEMBER#<id>` / `PROFILE` key is the record of.
pub fn member_of(key: &Key) -> Option<&str> {
    (key.sk == PROFILE).then(|| key.pk.strip_prefix("MEMBER#")).flatten()
}

const PROFILE: &str = "PROFILE";

pub(super) fn signup_key(id: &str) -> Key {
    Key::new(format!("SIGNUP#{id}"), "SESSION")
}

pub(super) fn member_key(id: &str) -> Key {
    Key::new(format!("MEMBER#{id}"), PROFILE)
}

/// The partition of a member's own items (`MEMBER#<id>`).
pub(super) fn member_partition(id: &str) -> String {
    format!("MEMBER#{id}")
}

pub(super) fn used_result_key(token_version_id: &str) -> Key {
    Key::new(format!("IDREQ#{token_version_id}"), "USED")
}

pub(super) fn identity_request_key(token_version_id: &str) -> Key {
    Key::new(format!("IDREQ#{token_version_id}"), "REQUEST")
}

pub(super) fn session_key(id: &str) -> Key {
    Key::new(format!("SESSION#{id}"), "SESSION")
}

pub(super) fn login_key(username: &str) -> Key {
    Key::new(format!("LOGIN#{username}"), "FAILURES")
}

pub(super) fn idempotency_key(record_id: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{record_id}"), "RECORD")
}

pub(super) fn guardian_partition(guardian_person_key: &str) -> String {
    format!("GUARDIAN#{guardian_person_key}")
}

pub(super) fn guardian_link_key(guardian_person_key: &str, member_id: &str) -> Key {
    Key::new(guardian_partition(guardian_person_key), format!("CHILD#{member_id}"))
}

pub(super) fn audit_partition(subject: &str) -> String {
    format!("AUDIT#{subject}")
}

pub(super) fn authorization_code_key(code_hash: &str) -> Key {
    Key::new(format!("OAUTHCODE#{code_hash}"), "CODE")
}

pub(super) fn grant_key(grant_id: &str) -> Key {
    Key::new(format!("GRANT#{grant_id}"), "GRANT")
}

pub(super) fn outbox_key(message_id: &str) -> Key {
    Key::new(format!("OUTBOX#{message_id}"), "MESSAGE")
}

pub(super) fn purge_key() -> Key {
    Key::new("PURGE", "CHECKPOINT")
}

/// A time as it sorts in a sort key (RFC 3339); a time that has none is refused, never left empty.
pub(super) fn sortable(at: OffsetDateTime) -> Result<String, StoreError> {
    at.format(&Rfc3339).map_err(|e| StoreError::Malformed(e.to_string()))
}

/// A short random suffix: two items written in one second keep distinct keys.
pub(super) fn unique_suffix() -> String {
    crate::keys::random_id()[..8].to_owned()
}

pub(super) fn epoch(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

/// The due-index shard of a name: spreads the index's writes over `DUE_SHARDS` partitions.
pub fn shard(name: impl IntoIterator<Item = u8>) -> u32 {
    name.into_iter().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % DUE_SHARDS
}

/// Where an item due at `at` sits in the `due` index: a shard chosen by its key, and a sort key that
/// orders by due time.
pub fn due_keys(key: &Key, at: OffsetDateTime) -> (String, String) {
    let shard = shard(key.pk.bytes().chain(key.sk.bytes()));
    (format!("DUE#{shard}"), due_sort_key(epoch(at), key))
}

pub fn due_sort_key(at_epoch: i64, key: &Key) -> String {
    format!("{at_epoch:012}#{}#{}", key.pk, key.sk)
}

/// Builds an item from a record: its fields, the key, and a TTL for transient records.
pub(super) fn item_of<T: Serialize>(key: &Key, record: &T, ttl: Option<OffsetDateTime>) -> Result<Item, StoreError> {
    item_due(key, record, ttl, ttl)
}

/// An item with a TTL (`ttl`) and a place in the due index (`due`): transient items are due when
/// they expire; members when their consent renewal or their withdrawal falls due.
pub(super) fn item_due<T: Serialize>(
    key: &Key,
    record: &T,
    ttl: Option<OffsetDateTime>,
    due: Option<OffsetDateTime>,
) -> Result<Item, StoreError> {
    let Value::Object(mut attrs) = serde_json::to_value(record).map_err(|e| StoreError::Malformed(e.to_string()))?
    else {
        return Err(StoreError::Malformed("record is not an object".into()));
    };
    attrs.insert(PK.into(), Value::String(key.pk.clone()));
    attrs.insert(SK.into(), Value::String(key.sk.clone()));
    if let Some(ttl) = ttl {
        attrs.insert(TTL.into(), Value::from(epoch(ttl)));
    }
    if let Some(due) = due {
        let (due_pk, due_sk) = due_keys(key, due);
        attrs.insert(DUE_PK.into(), Value::String(due_pk));
        attrs.insert(DUE_SK.into(), Value::String(due_sk));
    }
    Ok(Item(attrs))
}

pub(super) fn record_of<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_json::from_value(Value::Object(item.0)).map_err(|e| StoreError::Malformed(e.to_string()))
}
