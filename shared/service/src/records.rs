//! Records and how they sit in the one table (docs/architecture.md lists the keys). Every record is
//! mapped here and nowhere else, over the `Table` port, so both stores keep the same invariants.

use std::sync::Arc;

use membership_domain::calendar::CalendarDate;
use membership_domain::consent::ConsentAnswer;
use membership_domain::contact::{Email, MobilePhone};
use membership_domain::identity::PersonName;
use membership_domain::library::Library;
use membership_domain::loan_card::LoanCardNumber;
use membership_domain::member::{standing, Grade, MemberType, Standing};
use membership_domain::signup::{Channel, RecordedConsent, SignupSession};
use membership_domain::username::Username;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::store::{Condition, Item, Key, StoreError, Table, Write, DUE_PK, DUE_SHARDS, DUE_SK, PK, SK, TTL};

mod oauth;
mod outbox;
pub use oauth::{AuthorizationCodeRecord, GrantRecord};
pub use outbox::{
    outbox_item_of, outbox_key_of, Milestone, OutboxMessage, OutboxStatus, FIRST_RETRY, MAX_ATTEMPTS, PARKED_PK,
    SEND_LEASE,
};

/// The member record (`MEMBER#<id>` / `PROFILE`). For a child member, `name` and `birth_date` are the
/// child's, and `guardian` names the adult who signed the child up.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRecord {
    pub member_id: String,
    pub username: Username,
    pub password_hash: String,
    pub name: PersonName,
    pub birth_date: CalendarDate,
    pub member_type: MemberType,
    pub grade: Grade,
    pub home_library: Library,
    pub loan_card_number: LoanCardNumber,
    pub email: Email,
    pub phone: MobilePhone,
    pub guardian: Option<GuardianRecord>,
    /// The key of the person or child claim this member holds.
    pub claim: ClaimRef,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub consent_renewed_at: OffsetDateTime,
    pub credential_epoch: u32,
    /// When the purge recorded the member as dormant (dormancy itself holds from its due time).
    #[serde(with = "time::serde::rfc3339::option", default, skip_serializing_if = "Option::is_none")]
    pub dormant_recorded_at: Option<OffsetDateTime>,
    /// The sign-up the member came from: its audit events belong to the member's record too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signup_id: Option<String>,
    /// The language of the member's last sign-in: the language of its notices.
    #[serde(default)]
    pub language: crate::notices::NoticeLanguage,
    /// The due time of the last milestone of the consent cycle the purge acted on (a notice sent,
    /// dormancy recorded): the next one is where the member sits in the due index.
    #[serde(with = "time::serde::rfc3339::option", default, skip_serializing_if = "Option::is_none")]
    pub last_milestone_at: Option<OffsetDateTime>,
    pub version: u64,
}

impl MemberRecord {
    /// When the purge must next act on the member: the renewal reminders 30 and 7 days before
    /// consent renewal falls due, dormancy then, the withdrawal reminder 30 days before withdrawal,
    /// and withdrawal a year after dormancy.
    pub fn next_due(&self) -> OffsetDateTime {
        // A second on: a milestone is passed once now is after it, as dormancy holds after its due.
        self.next_milestone_at() + time::Duration::seconds(1)
    }
}

/// The member item, in the due index at its next due time.
fn member_item(member: &MemberRecord) -> Result<Item, StoreError> {
    item_due(&member_key(&member.member_id), member, None, Some(member.next_due()))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardianRecord {
    pub name: PersonName,
    /// The guardian's person key: how recovery finds the children a guardian signed up.
    pub person_key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimKind {
    Username,
    Person,
    Child,
    Card,
}

impl ClaimKind {
    fn prefix(self) -> &'static str {
        match self {
            ClaimKind::Username => "USERNAME#",
            ClaimKind::Person => "PERSON#",
            ClaimKind::Child => "CHILD#",
            ClaimKind::Card => "CARD#",
        }
    }

    pub fn key(self, value: &str) -> Key {
        Key::new(format!("{}{value}", self.prefix()), "CLAIM")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRef {
    pub kind: ClaimKind,
    pub key: String,
}

/// Who holds a person or child claim now.
#[derive(Debug)]
pub enum Holder {
    Free,
    Held(ClaimRecord),
    /// Claimed by a member withdrawn by time: free to take over (with a condition naming it).
    Lapsed {
        member_id: String,
    },
}

/// A uniqueness claim: who holds a username, a person, a child or a loan-card number.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimRecord {
    pub member_id: String,
    /// For person and child claims: the holder's username, for the "already a member" hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<Username>,
    /// Usernames and loan-card numbers stay claimed after withdrawal, for good.
    #[serde(default)]
    pub retired: bool,
}

/// One consent answer in a member's history (`MEMBER#<id>` / `CONSENT#<at>#<version>#<n>#<document>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentHistoryRecord {
    #[serde(flatten)]
    pub answer: ConsentAnswer,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub channel: Channel,
}

/// Everything a completed sign-up writes, at once.
pub struct NewMember {
    pub member: MemberRecord,
    /// The member withdrawn by time whose person or child claim this member takes over.
    pub replaces: Option<String>,
    pub consents: Vec<RecordedConsent>,
    pub signup_id: String,
    pub signup_version: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateMemberError {
    #[error("the person or child already holds a membership")]
    AlreadyMember,
    #[error("the username is taken")]
    UsernameTaken,
    #[error("the loan-card number is taken")]
    CardTaken,
    #[error("the sign-up session changed or is gone")]
    SignupChanged,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct Records {
    table: Arc<dyn Table>,
}

fn epoch(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

/// Builds an item from a record: its fields, the key, and a TTL for transient records.
fn item_of<T: Serialize>(key: &Key, record: &T, ttl: Option<OffsetDateTime>) -> Result<Item, StoreError> {
    item_due(key, record, ttl, ttl)
}

/// An item with a TTL (`ttl`) and a place in the due index (`due`): transient items are due when
/// they expire; members when their consent renewal or their withdrawal falls due.
fn item_due<T: Serialize>(
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

/// Where an item due at `at` sits in the `due` index: a shard chosen by its key, and a sort key that
/// orders by due time.
pub fn due_keys(key: &Key, at: OffsetDateTime) -> (String, String) {
    let shard = key.pk.bytes().chain(key.sk.bytes()).fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % DUE_SHARDS;
    (format!("DUE#{shard}"), due_sort_key(epoch(at), key))
}

pub fn due_sort_key(at_epoch: i64, key: &Key) -> String {
    format!("{at_epoch:012}#{}#{}", key.pk, key.sk)
}

fn record_of<T: DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_json::from_value(Value::Object(item.0)).map_err(|e| StoreError::Malformed(e.to_string()))
}

fn signup_key(id: &str) -> Key {
    Key::new(format!("SIGNUP#{id}"), "SESSION")
}

fn member_key(id: &str) -> Key {
    Key::new(format!("MEMBER#{id}"), "PROFILE")
}

fn used_result_key(token_version_id: &str) -> Key {
    Key::new(format!("IDREQ#{token_version_id}"), "USED")
}

fn identity_request_key(token_version_id: &str) -> Key {
    Key::new(format!("IDREQ#{token_version_id}"), "REQUEST")
}

/// How long an identity request, and the marker of its use, outlive its validity: a late result is
/// then answered as expired, not as unknown.
const USED_MARKER_MARGIN: time::Duration = time::Duration::hours(1);

/// One answer of a member's consent history, as a write: `CONSENT#<at>#<n>#<document>#<random>` (two
/// requests in one second keep both their answers).
fn consent_write(member_id: &str, n: usize, consent: &RecordedConsent) -> Result<Write, StoreError> {
    let at = consent.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let key = Key::new(
        format!("MEMBER#{member_id}"),
        format!("CONSENT#{at}#{n:03}#{}#{}", consent.answer.document.as_str(), &crate::keys::random_id()[..8]),
    );
    let record =
        ConsentHistoryRecord { answer: consent.answer.clone(), at: consent.at, channel: consent.channel.clone() };
    Ok(Write::Put { item: item_of(&key, &record, None)?, condition: Condition::Absent })
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

    /// The sign-up session as stored, expired or not: an expired one is answered 410, not 404.
    pub async fn signup(&self, id: &str) -> Result<Option<SignupSession>, StoreError> {
        self.table.get(&signup_key(id)).await?.map(record_of).transpose()
    }

    pub async fn create_signup(&self, session: &SignupSession) -> Result<(), StoreError> {
        let item = item_of(&signup_key(&session.id), session, Some(session.expires_at))?;
        self.table.write(vec![Write::Put { item, condition: Condition::Absent }]).await
    }

    /// Saves a changed session if nobody changed it since `session.version`; the saved version is one more.
    pub async fn update_signup(&self, session: &mut SignupSession) -> Result<(), StoreError> {
        let expected = session.version;
        session.version += 1;
        let item = item_of(&signup_key(&session.id), session, Some(session.expires_at))?;
        let result = self.table.write(vec![Write::Put { item, condition: Condition::Version(expected) }]).await;
        if result.is_err() {
            session.version = expected;
        }
        result
    }

    pub async fn identity_result_used(&self, transaction_id: &str, now: OffsetDateTime) -> Result<bool, StoreError> {
        Ok(self.live(&used_result_key(transaction_id), now).await?.is_some())
    }

    /// The write that marks a provider result as used; it fails its condition when the result was
    /// used meanwhile (a replay racing this one).
    pub fn used_result_write(
        &self,
        transaction_id: &str,
        result_expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Write, StoreError> {
        let key = used_result_key(transaction_id);
        let item = item_of(&key, &serde_json::json!({}), Some(result_expires_at + USED_MARKER_MARGIN))?;
        Ok(Write::Put { item, condition: Condition::AbsentOrExpired { now: epoch(now) } })
    }

    /// The write that saves a changed sign-up session if nobody changed it since `session.version`;
    /// the session's version moves on by one.
    pub fn signup_update_write(&self, session: &mut SignupSession) -> Result<Write, StoreError> {
        let expected = session.version;
        session.version += 1;
        let item = item_of(&signup_key(&session.id), session, Some(session.expires_at))?;
        Ok(Write::Put { item, condition: Condition::Version(expected) })
    }

    /// Applies writes built here at once: all or none.
    pub async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.table.write(writes).await
    }

    pub async fn claim(
        &self,
        kind: ClaimKind,
        value: &str,
        now: OffsetDateTime,
    ) -> Result<Option<ClaimRecord>, StoreError> {
        self.live(&kind.key(value), now).await?.map(record_of).transpose()
    }

    /// Who holds a person or child claim. A holder withdrawn by time (DOMAIN.md: a year past its
    /// renewal due) no longer holds it, whether or not the purge has run: the person may sign up
    /// again, and nothing of the old account is shown.
    pub async fn holder(&self, kind: ClaimKind, value: &str, now: OffsetDateTime) -> Result<Holder, StoreError> {
        let Some(claim) = self.claim(kind, value, now).await? else { return Ok(Holder::Free) };
        match self.member(&claim.member_id).await? {
            Some(member) if standing(member.consent_renewed_at, now) != Standing::Withdrawn => Ok(Holder::Held(claim)),
            _ => Ok(Holder::Lapsed { member_id: claim.member_id }),
        }
    }

    pub async fn member(&self, id: &str) -> Result<Option<MemberRecord>, StoreError> {
        self.table.get(&member_key(id)).await?.map(record_of).transpose()
    }

    /// Creates the member, its claims and consent history, and ends the sign-up session, in one
    /// transaction: two racing sign-ups of one person or one username cannot both succeed, and a
    /// cancelled one leaves nothing behind.
    pub async fn create_member(&self, new: &NewMember) -> Result<(), CreateMemberError> {
        let member = &new.member;
        let id = &member.member_id;
        let claim = |kind: ClaimKind, value: &str, username: Option<&Username>, condition: Condition| {
            let record = ClaimRecord { member_id: id.clone(), username: username.cloned(), retired: false };
            item_of(&kind.key(value), &record, None).map(|item| Write::Put { item, condition })
        };
        let person_condition = new.replaces.clone().map_or(Condition::Absent, Condition::AbsentOrHeldBy);
        let mut writes = vec![
            claim(member.claim.kind, &member.claim.key, Some(&member.username), person_condition)?,
            claim(ClaimKind::Username, member.username.as_str(), None, Condition::Absent)?,
            claim(ClaimKind::Card, member.loan_card_number.as_str(), None, Condition::Absent)?,
            Write::Delete { key: signup_key(&new.signup_id), condition: Condition::Version(new.signup_version) },
            Write::Put { item: member_item(member)?, condition: Condition::Absent },
        ];
        if let Some(guardian) = &member.guardian {
            let link = Key::new(format!("GUARDIAN#{}", guardian.person_key), format!("CHILD#{id}"));
            let item = item_of(&link, &serde_json::json!({ "memberId": id }), None)?;
            writes.push(Write::Put { item, condition: Condition::Absent });
        }
        for (n, consent) in new.consents.iter().enumerate() {
            writes.push(consent_write(id, n, consent)?);
        }
        match self.table.write(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { index }) => Err(match index {
                Some(0) => CreateMemberError::AlreadyMember,
                Some(1) => CreateMemberError::UsernameTaken,
                Some(2) => CreateMemberError::CardTaken,
                _ => CreateMemberError::SignupChanged,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// The member's certification outcomes, oldest first.
    pub async fn certifications(
        &self,
        member_id: &str,
    ) -> Result<Vec<crate::app::members::CertificationOutcome>, StoreError> {
        self.table.query(&format!("MEMBER#{member_id}"), "CERT#").await?.into_iter().map(record_of).collect()
    }

    pub async fn consent_history(&self, member_id: &str) -> Result<Vec<ConsentHistoryRecord>, StoreError> {
        self.table.query(&format!("MEMBER#{member_id}"), "CONSENT#").await?.into_iter().map(record_of).collect()
    }
}

/// An `Idempotency-Key` record (`IDEMPOTENCY#<hash of caller, route and key>` / `RECORD`): a lease
/// while the first request runs, then its final response, sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyRecord {
    pub status: String,
    pub payload_hmac: String,
    /// Epoch seconds until which an `in_progress` lease is held.
    pub locked_until: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<SavedResponse>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body, sealed with the idempotency key: it may hold tokens and personal data.
    pub sealed_body: String,
}

pub enum IdempotencyClaim {
    /// This request holds the lease and runs.
    Claimed,
    /// Another request with the key ran or runs.
    Existing(IdempotencyRecord),
}

fn idempotency_key(record_id: &str) -> Key {
    Key::new(format!("IDEMPOTENCY#{record_id}"), "RECORD")
}

/// Idempotency records expire a day after the first request.
pub const IDEMPOTENCY_LIFETIME: time::Duration = time::Duration::hours(24);
/// How long the first request holds the key before another may take over (API Gateway's limit).
pub const IDEMPOTENCY_LEASE: time::Duration = time::Duration::seconds(30);

impl Records {
    pub async fn claim_idempotency(
        &self,
        record_id: &str,
        payload_hmac: &str,
        now: OffsetDateTime,
    ) -> Result<IdempotencyClaim, StoreError> {
        let key = idempotency_key(record_id);
        let record = IdempotencyRecord {
            status: crate::store::IN_PROGRESS.into(),
            payload_hmac: payload_hmac.to_owned(),
            locked_until: epoch(now + IDEMPOTENCY_LEASE),
            response: None,
        };
        let item = item_of(&key, &record, Some(now + IDEMPOTENCY_LIFETIME))?;
        match self.table.write(vec![Write::Put { item, condition: Condition::Claimable { now: epoch(now) } }]).await {
            Ok(()) => Ok(IdempotencyClaim::Claimed),
            Err(StoreError::ConditionFailed { .. }) => match self.live(&key, now).await? {
                Some(item) => Ok(IdempotencyClaim::Existing(record_of(item)?)),
                // Expired or released between the two calls: the caller may simply try again.
                None => Err(StoreError::Conflict),
            },
            Err(error) => Err(error),
        }
    }

    /// Saves the final response; the record keeps its first expiry.
    pub async fn complete_idempotency(
        &self,
        record_id: &str,
        payload_hmac: &str,
        response: SavedResponse,
        first_seen: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let record = IdempotencyRecord {
            status: "completed".into(),
            payload_hmac: payload_hmac.to_owned(),
            locked_until: 0,
            response: Some(response),
        };
        let item = item_of(&idempotency_key(record_id), &record, Some(first_seen + IDEMPOTENCY_LIFETIME))?;
        self.table.write(vec![Write::Put { item, condition: Condition::Always }]).await
    }

    /// Gives the key up after an answer that is not final (5xx, 429), so a retry runs again.
    pub async fn release_idempotency(&self, record_id: &str) -> Result<(), StoreError> {
        self.table.write(vec![Write::Delete { key: idempotency_key(record_id), condition: Condition::Always }]).await
    }
}

/// A signed-in session (`SESSION#<id>` / `SESSION`), living at most 30 days from sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub session_id: String,
    pub member_id: String,
    /// The member's credential epoch at sign-in: a password change or reset ends the session.
    pub credential_epoch: u32,
    pub scope: crate::tokens::Scope,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// The generation of the current refresh token; older generations presented again are reuse.
    pub refresh_generation: u32,
    /// SHA-256 of the current refresh token; none for a dormant member's session.
    pub refresh_hash: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub refresh_expires_at: Option<OffsetDateTime>,
    pub revoked: bool,
    pub version: u64,
}

/// Failed sign-ins of a username in the current 15-minute window (`LOGIN#<username>` / `FAILURES`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginFailures {
    pub count: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub window_start: OffsetDateTime,
    pub version: u64,
}

/// The lockout window: failures count within it, and a lock lasts until it ends.
pub const LOCKOUT_WINDOW: time::Duration = time::Duration::minutes(15);

fn session_key(id: &str) -> Key {
    Key::new(format!("SESSION#{id}"), "SESSION")
}

fn login_key(username: &str) -> Key {
    Key::new(format!("LOGIN#{username}"), "FAILURES")
}

fn guardian_link_key(guardian_person_key: &str, member_id: &str) -> Key {
    Key::new(format!("GUARDIAN#{guardian_person_key}"), format!("CHILD#{member_id}"))
}

/// How often an optimistic update is tried before the request gives up with 503.
const UPDATE_ATTEMPTS: usize = 5;

impl Records {
    /// The member holding `username`, if any (a retired username holds none).
    pub async fn member_by_username(
        &self,
        username: &str,
        now: OffsetDateTime,
    ) -> Result<Option<MemberRecord>, StoreError> {
        match self.claim(ClaimKind::Username, username, now).await? {
            Some(claim) if !claim.retired => self.member(&claim.member_id).await,
            _ => Ok(None),
        }
    }

    /// Saves a changed member if nobody changed it since `member.version`; the saved version is one more.
    pub async fn update_member(&self, member: &mut MemberRecord) -> Result<(), StoreError> {
        let expected = member.version;
        member.version += 1;
        let item = member_item(member)?;
        let result = self.table.write(vec![Write::Put { item, condition: Condition::Version(expected) }]).await;
        if result.is_err() {
            member.version = expected;
        }
        result
    }

    /// Adds consent answers to the member's history and saves the member (its renewal time, say)
    /// in one transaction, if nobody changed the member since `member.version`.
    pub async fn save_member_with_consents(
        &self,
        member: &mut MemberRecord,
        consents: &[RecordedConsent],
    ) -> Result<(), StoreError> {
        let expected = member.version;
        member.version += 1;
        let mut writes = vec![Write::Put { item: member_item(member)?, condition: Condition::Version(expected) }];
        for (n, consent) in consents.iter().enumerate() {
            writes.push(consent_write(&member.member_id, n, consent)?);
        }
        let result = self.table.write(writes).await;
        if result.is_err() {
            member.version = expected;
        }
        result
    }

    /// The members a guardian signed up.
    pub async fn children_of(&self, guardian_person_key: &str) -> Result<Vec<MemberRecord>, StoreError> {
        let links = self.table.query(&format!("GUARDIAN#{guardian_person_key}"), "CHILD#").await?;
        let mut children = Vec::with_capacity(links.len());
        for link in links {
            let Some(id) = link.0.get("memberId").and_then(Value::as_str) else { continue };
            if let Some(child) = self.member(id).await? {
                children.push(child);
            }
        }
        Ok(children)
    }

    /// Withdrawal: the member's personal data goes (profile, contact, consent history, certification
    /// outcomes, person or child claim, guardian link); the username and loan-card number stay
    /// claimed for good. All in one transaction; a member with more history than a transaction holds
    /// loses its oldest history first, so an interrupted withdrawal leaves a member that can
    /// withdraw again, never data without its member.
    pub async fn withdraw_member(&self, member: &MemberRecord, now: OffsetDateTime) -> Result<(), StoreError> {
        const TRANSACTION_LIMIT: usize = 100;
        // The `withdrawn` notice, to the contact that is deleted here: the outbox keeps it until sent.
        let notices = self.notice_writes(member, crate::notices::Notice::Withdrawn, Default::default(), now)?;
        let id = &member.member_id;
        let mut history: Vec<Write> = self
            .table
            .query(&format!("MEMBER#{id}"), "")
            .await?
            .into_iter()
            .filter_map(|item| item.key())
            .filter(|key| key.sk != "PROFILE")
            .map(|key| Write::Delete { key, condition: Condition::Always })
            .collect();
        let room = TRANSACTION_LIMIT - 6 - notices.len();
        if history.len() > room {
            let keep = history.split_off(history.len() - room);
            let older: Vec<Key> = history.iter().filter_map(Write::key).collect();
            self.table.delete_batch(older).await?;
            history = keep;
        }
        let retired = ClaimRecord { member_id: id.clone(), username: None, retired: true };
        let mut writes = vec![Write::Delete { key: member_key(id), condition: Condition::Version(member.version) }];
        // The person or child claim goes only while it is still this member's: one withdrawn by
        // time may have been taken over by the same person's new membership already.
        let person = member.claim.kind.key(&member.claim.key);
        if self
            .table
            .get(&person)
            .await?
            .and_then(|item| record_of::<ClaimRecord>(item).ok())
            .is_some_and(|c| c.member_id == *id)
        {
            writes.push(Write::Delete { key: person, condition: Condition::AbsentOrHeldBy(id.clone()) });
        }
        writes.extend([
            Write::Put {
                item: item_of(&ClaimKind::Username.key(member.username.as_str()), &retired, None)?,
                condition: Condition::Always,
            },
            Write::Put {
                item: item_of(&ClaimKind::Card.key(member.loan_card_number.as_str()), &retired, None)?,
                condition: Condition::Always,
            },
        ]);
        if let Some(guardian) = &member.guardian {
            writes
                .push(Write::Delete { key: guardian_link_key(&guardian.person_key, id), condition: Condition::Always });
        }
        writes.extend(notices);
        writes.extend(history);
        self.table.write(writes).await
    }

    pub fn session_create_write(&self, session: &SessionRecord) -> Result<Write, StoreError> {
        let item = item_of(&session_key(&session.session_id), session, Some(session.ends_at))?;
        Ok(Write::Put { item, condition: Condition::Absent })
    }

    /// The write that ends a username's failure count (a success, a password reset).
    pub fn clear_login_write(&self, username: &str) -> Write {
        Write::Delete { key: login_key(username), condition: Condition::Always }
    }

    /// The write that saves a changed member if nobody changed it since `member.version`; the
    /// member's version moves on by one.
    pub fn member_update_write(&self, member: &mut MemberRecord) -> Result<Write, StoreError> {
        let expected = member.version;
        member.version += 1;
        Ok(Write::Put { item: member_item(member)?, condition: Condition::Version(expected) })
    }

    pub async fn session(&self, id: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>, StoreError> {
        self.live(&session_key(id), now).await?.map(record_of).transpose()
    }

    pub async fn update_session(&self, session: &mut SessionRecord) -> Result<(), StoreError> {
        let expected = session.version;
        session.version += 1;
        let item = item_of(&session_key(&session.session_id), session, Some(session.ends_at))?;
        let result = self.table.write(vec![Write::Put { item, condition: Condition::Version(expected) }]).await;
        if result.is_err() {
            session.version = expected;
        }
        result
    }

    pub async fn login_failures(
        &self,
        username: &str,
        now: OffsetDateTime,
    ) -> Result<Option<LoginFailures>, StoreError> {
        self.live(&login_key(username), now).await?.map(record_of).transpose()
    }

    /// Counts a failed sign-in of `username`: in the current window, or as the first of a new one.
    pub async fn record_login_failure(&self, username: &str, now: OffsetDateTime) -> Result<LoginFailures, StoreError> {
        let key = login_key(username);
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.live(&key, now).await?.map(record_of::<LoginFailures>).transpose()?;
            let (next, condition) = match current {
                Some(f) if now < f.window_start + LOCKOUT_WINDOW => (
                    LoginFailures { count: f.count + 1, window_start: f.window_start, version: f.version + 1 },
                    Condition::Version(f.version),
                ),
                _ => (
                    LoginFailures { count: 1, window_start: now, version: 0 },
                    Condition::AbsentOrExpired { now: epoch(now) },
                ),
            };
            let item = item_of(&key, &next, Some(next.window_start + LOCKOUT_WINDOW))?;
            match self.table.write(vec![Write::Put { item, condition }]).await {
                Ok(()) => return Ok(next),
                Err(StoreError::ConditionFailed { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Takes back one counted failure (an attempt that got no answer); the last one removes the count.
    pub async fn return_login_failure(&self, username: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        let key = login_key(username);
        for _ in 0..UPDATE_ATTEMPTS {
            let Some(f) = self.live(&key, now).await?.map(record_of::<LoginFailures>).transpose()? else {
                return Ok(());
            };
            let write = if f.count <= 1 {
                Write::Delete { key: key.clone(), condition: Condition::Version(f.version) }
            } else {
                let next = LoginFailures { count: f.count - 1, window_start: f.window_start, version: f.version + 1 };
                let item = item_of(&key, &next, Some(next.window_start + LOCKOUT_WINDOW))?;
                Write::Put { item, condition: Condition::Version(f.version) }
            };
            match self.table.write(vec![write]).await {
                Ok(()) => return Ok(()),
                Err(StoreError::ConditionFailed { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(StoreError::Conflict)
    }
}

fn audit_key(event: &crate::audit::AuditEvent) -> Key {
    let at = event.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    Key::new(format!("AUDIT#{}", event.subject), format!("{at}#{}#{}", event.event, &crate::keys::random_id()[..8]))
}

impl Records {
    /// Records an audit event. The trail must not cost the member the request: a failed write is
    /// logged (with the event, which holds no personal data) and the request goes on.
    pub async fn audit(&self, event: crate::audit::AuditEvent) {
        let write = item_of(&audit_key(&event), &event, Some(event.at + crate::audit::AUDIT_RETENTION))
            .map(|item| Write::Put { item, condition: Condition::Always });
        let result = match write {
            Ok(write) => self.table.write(vec![write]).await,
            Err(error) => Err(error),
        };
        if let Err(error) = result {
            tracing::warn!(error = %error, subject = %event.subject, event = %event.event, "audit event not stored");
        }
    }

    /// The audit events of a member or a sign-up, oldest first.
    pub async fn audit_events(&self, subject: &str) -> Result<Vec<crate::audit::AuditEvent>, StoreError> {
        self.table.query(&format!("AUDIT#{subject}"), "").await?.into_iter().map(record_of).collect()
    }

    /// Records a member as dormant: the member (due again at its next milestone), the notice of
    /// the milestone passed (`dormant`, or `withdrawal-due` for a purge that ran that late) and the
    /// audit event, at once, if nobody changed the member meanwhile.
    pub async fn record_dormancy(
        &self,
        member: &mut MemberRecord,
        at: OffsetDateTime,
        milestone: Milestone,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.pass_milestone(member, at, milestone, now, true).await
    }

    /// The purge's position in each shard of the due index: the last `dueSk` it acted on.
    pub async fn purge_checkpoint(&self) -> Result<PurgeCheckpoint, StoreError> {
        Ok(self.table.get(&purge_key()).await?.map(record_of).transpose()?.unwrap_or_default())
    }

    pub async fn save_purge_checkpoint(&self, checkpoint: &PurgeCheckpoint) -> Result<(), StoreError> {
        let item = item_of(&purge_key(), checkpoint, None)?;
        self.table.write(vec![Write::Put { item, condition: Condition::Always }]).await
    }
}

fn purge_key() -> Key {
    Key::new("PURGE", "CHECKPOINT")
}

/// Per shard, the `dueSk` of the last item the purge acted on: a run cut off half way is finished by
/// the next, which starts after it and so acts on nothing twice, even while the index still shows
/// an item already acted on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurgeCheckpoint {
    #[serde(default)]
    pub shards: std::collections::BTreeMap<String, String>,
}

impl Records {
    /// A child member who has turned 14 becomes a general member: its own person claim replaces
    /// the child claim and the guardian link, and `spent` (the identity result) is marked used, at
    /// once. `replaces` names the member withdrawn by time whose person claim is taken over.
    pub async fn upgrade_member(
        &self,
        member: &mut MemberRecord,
        person_key: &str,
        replaces: Option<String>,
        spent: Write,
    ) -> Result<(), UpgradeError> {
        let before = member.clone();
        let guardian = member.guardian.take();
        member.member_type = MemberType::General;
        member.claim = ClaimRef { kind: ClaimKind::Person, key: person_key.to_owned() };
        member.version += 1;
        let claim = ClaimRecord {
            member_id: member.member_id.clone(),
            username: Some(member.username.clone()),
            retired: false,
        };
        let labelled = [
            (
                UpgradeError::MemberChanged,
                Write::Put { item: member_item(member)?, condition: Condition::Version(before.version) },
            ),
            (
                UpgradeError::PersonTaken,
                Write::Put {
                    item: item_of(&ClaimKind::Person.key(person_key), &claim, None)?,
                    condition: replaces.map_or(Condition::Absent, Condition::AbsentOrHeldBy),
                },
            ),
            (UpgradeError::ResultUsed, spent),
        ];
        let (labels, mut writes): (Vec<UpgradeError>, Vec<Write>) = labelled.into_iter().unzip();
        writes.push(Write::Delete { key: before.claim.kind.key(&before.claim.key), condition: Condition::Always });
        if let Some(guardian) = &guardian {
            writes.push(Write::Delete {
                key: guardian_link_key(&guardian.person_key, &member.member_id),
                condition: Condition::Always,
            });
        }
        match self.table.write(writes).await {
            Ok(()) => Ok(()),
            Err(error) => {
                *member = before;
                Err(match error {
                    StoreError::ConditionFailed { index: Some(index) } => {
                        labels.into_iter().nth(index).unwrap_or(UpgradeError::MemberChanged)
                    }
                    other => UpgradeError::Store(other),
                })
            }
        }
    }
}

/// Why an upgrade's transaction did not apply, by the write that refused.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    #[error("the member changed since it was read")]
    MemberChanged,
    #[error("the person holds a membership")]
    PersonTaken,
    #[error("the identity result was used meanwhile")]
    ResultUsed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Certification attempts of a member on one Asia/Seoul day (`MEMBER#<id>` / `ATTEMPTS#<date>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptCount {
    pub count: u32,
    pub version: u64,
}

fn attempts_key(member_id: &str, day: &CalendarDate) -> Key {
    Key::new(format!("MEMBER#{member_id}"), format!("ATTEMPTS#{day}"))
}

impl Records {
    /// Takes one of the day's attempts if fewer than `limit` are taken; `false` when none is left.
    /// `expires` is when the count may go (the day after).
    pub async fn take_attempt(
        &self,
        member_id: &str,
        day: &CalendarDate,
        limit: u32,
        expires: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.change_attempts(member_id, day, expires, now, |count| (count < limit).then_some(count + 1)).await
    }

    /// Gives an attempt back (the upstream could not answer: such a request does not count).
    pub async fn return_attempt(
        &self,
        member_id: &str,
        day: &CalendarDate,
        expires: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.change_attempts(member_id, day, expires, now, |count| Some(count.saturating_sub(1))).await.map(|_| ())
    }

    async fn change_attempts(
        &self,
        member_id: &str,
        day: &CalendarDate,
        expires: OffsetDateTime,
        now: OffsetDateTime,
        change: impl Fn(u32) -> Option<u32>,
    ) -> Result<bool, StoreError> {
        let key = attempts_key(member_id, day);
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.live(&key, now).await?.map(record_of::<AttemptCount>).transpose()?;
            let (count, condition) = match &current {
                Some(a) => (a.count, Condition::Version(a.version)),
                None => (0, Condition::AbsentOrExpired { now: epoch(now) }),
            };
            let Some(next) = change(count) else { return Ok(false) };
            let write = if next == 0 {
                // No attempt left counted: the count goes, as if none had been taken.
                Write::Delete { key: key.clone(), condition }
            } else {
                let version = current.map_or(0, |a| a.version + 1);
                Write::Put { item: item_of(&key, &AttemptCount { count: next, version }, Some(expires))?, condition }
            };
            match self.table.write(vec![write]).await {
                Ok(()) => return Ok(true),
                Err(StoreError::ConditionFailed { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
        Err(StoreError::Conflict)
    }

    /// A certification's outcome, kept with the member: the member's new grade, the outcome (method,
    /// time, upstream reference) and the consent given for it, at once.
    pub async fn record_certification(
        &self,
        member: &mut MemberRecord,
        outcome: &crate::app::members::CertificationOutcome,
        consent: &RecordedConsent,
    ) -> Result<(), StoreError> {
        let at = outcome.certified_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let key = Key::new(format!("MEMBER#{}", member.member_id), format!("CERT#{at}#{}", outcome.method));
        let before = member.clone();
        let mut writes = vec![
            self.member_update_write(member)?,
            Write::Put { item: item_of(&key, outcome, None)?, condition: Condition::Always },
            consent_write(&member.member_id, 0, consent)?,
        ];
        let params = crate::notices::NoticeParams { certification: Some(outcome.method.clone()), ..Default::default() };
        writes.extend(self.notice_writes(member, crate::notices::Notice::Certified, params, outcome.certified_at)?);
        let result = self.table.write(writes).await;
        if result.is_err() {
            *member = before;
        }
        result
    }

    /// The consent given for a certification that did not succeed: kept all the same.
    pub async fn record_consent_answer(&self, member_id: &str, consent: &RecordedConsent) -> Result<(), StoreError> {
        self.table.write(vec![consent_write(member_id, 0, consent)?]).await
    }
}

/// An identity request (`IDREQ#<token_version_id>` / `REQUEST`): what it is for and for whom, and
/// its keys sealed with the service's key; its use is the marker `IDREQ#<token_version_id>` / `USED`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityRequestRecord {
    pub request_id: String,
    pub token_version_id: String,
    pub purpose: crate::identity::Purpose,
    /// The sign-up session or the member it was made for; none for a recovery.
    pub owner: Option<String>,
    pub method: membership_domain::identity::Method,
    /// The client's origin, the only one the return page hands the result to.
    pub origin: String,
    pub request_no: String,
    pub sealed_keys: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl Records {
    /// Keeps a new request until an hour after it expires; a provider id used twice fails.
    pub async fn create_identity_request(&self, request: &IdentityRequestRecord) -> Result<(), StoreError> {
        let key = identity_request_key(&request.token_version_id);
        let item = item_of(&key, request, Some(request.expires_at + USED_MARKER_MARGIN))?;
        self.table.write(vec![Write::Put { item, condition: Condition::Absent }]).await
    }

    /// The request with this provider id, while it is kept.
    pub async fn identity_request(
        &self,
        token_version_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<IdentityRequestRecord>, StoreError> {
        self.live(&identity_request_key(token_version_id), now).await?.map(record_of).transpose()
    }
}
