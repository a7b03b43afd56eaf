//! The outbox (`OUTBOX#<id>` / `MESSAGE`): one item per notice and channel, written in the same
//! transaction as the event that causes it, deleted once sent. An unsent message sits in the `due`
//! index under `SEND#<shard>` at the time it may next be tried, so the notifier reads only what it
//! may send now; a parked one sits under `PARKED`, where an operator (and the alarm's count)
//! finds it. Neither partition is the purge's (`DUE#<shard>`).

use membership_domain::member::{consent_renewal_due, withdrawal_due};

use super::keys::{due_sort_key, epoch, item_of, outbox_key, record_of, shard};
use super::{MemberRecord, Records, Refusal, Transaction};
use crate::notices::{Notice, NoticeChannel, NoticeLanguage, NoticeParams};
use crate::store::{Condition, Item, Key, StoreError, Write, DUE_PK, DUE_SK};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The index partition of parked messages.
pub const PARKED_PK: &str = "PARKED";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    /// Waiting for its next attempt (`nextAttemptAt`).
    Pending,
    /// Claimed by a notifier until `nextAttemptAt`, which is sending it now.
    Sending,
    /// Not to be sent again without a person looking: too many failures, or an outcome unknown.
    Parked,
}

/// One notice on one channel, until it is sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    pub message_id: String,
    pub notice: Notice,
    pub channel: NoticeChannel,
    /// The e-mail address or mobile number (for a child member, the guardian's): kept only until
    /// the message is sent.
    pub to: String,
    pub language: NoticeLanguage,
    pub params: NoticeParams,
    pub member_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub status: OutboxStatus,
    pub attempts: u32,
    /// Pending: when it may be tried again. Sending: when the claim lapses.
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    /// Why it was parked (a provider's error code; never an address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parked_because: Option<String>,
    pub version: u64,
}

/// The key of outbox message `message_id`.
pub fn outbox_key_of(message_id: &str) -> Key {
    outbox_key(message_id)
}

/// The item of an outbox message, as the notifier saves it (for tests that set one up).
pub fn outbox_item_of(message: &OutboxMessage) -> Result<Item, StoreError> {
    outbox_item(message)
}

/// The outbox item, in the index where its status puts it.
fn outbox_item(message: &OutboxMessage) -> Result<Item, StoreError> {
    let key = outbox_key(&message.message_id);
    let mut item = item_of(&key, message, None)?;
    let (due_pk, due_sk) = match message.status {
        OutboxStatus::Parked => (PARKED_PK.to_owned(), due_sort_key(epoch(message.created_at), &key)),
        OutboxStatus::Pending | OutboxStatus::Sending => {
            let shard = shard(message.message_id.bytes());
            (format!("SEND#{shard}"), due_sort_key(epoch(message.next_attempt_at), &key))
        }
    };
    item.0.insert(DUE_PK.into(), due_pk.into());
    item.0.insert(DUE_SK.into(), due_sk.into());
    Ok(item)
}

/// A member's notices over the cycle of consent (DOMAIN.md): renewal due in 30 and in 7 days,
/// dormancy at renewal due, withdrawal due in 30 days, withdrawal a year after dormancy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    RenewalDueIn30Days,
    RenewalDueIn7Days,
    Dormant,
    WithdrawalDue,
    Withdrawn,
}

impl MemberRecord {
    /// The milestones of the member's current cycle, in time order.
    pub fn milestones(&self) -> [(OffsetDateTime, Milestone); 5] {
        let renewal = consent_renewal_due(self.consent_renewed_at);
        let withdrawal = withdrawal_due(self.consent_renewed_at);
        [
            (renewal - Duration::days(30), Milestone::RenewalDueIn30Days),
            (renewal - Duration::days(7), Milestone::RenewalDueIn7Days),
            (renewal, Milestone::Dormant),
            (withdrawal - Duration::days(30), Milestone::WithdrawalDue),
            (withdrawal, Milestone::Withdrawn),
        ]
    }

    /// The due time of the last milestone acted on (a member recorded dormant before milestones
    /// were kept has had its dormancy acted on).
    fn acted_until(&self) -> Option<OffsetDateTime> {
        self.last_milestone_at.or(self.dormant_recorded_at.map(|_| consent_renewal_due(self.consent_renewed_at)))
    }

    /// The next milestone not acted on: where the member sits in the due index. Renewing consent
    /// moves every milestone past the last one acted on.
    pub fn next_milestone_at(&self) -> OffsetDateTime {
        let after = self.acted_until();
        self.milestones()
            .into_iter()
            .map(|(at, _)| at)
            .find(|at| after.is_none_or(|after| *at > after))
            .unwrap_or_else(|| withdrawal_due(self.consent_renewed_at))
    }

    /// The latest milestone passed at `now` and not yet acted on: a purge that runs late acts on
    /// where the member is, not on every reminder it missed.
    pub fn passed_milestone(&self, now: OffsetDateTime) -> Option<(OffsetDateTime, Milestone)> {
        let after = self.acted_until();
        self.milestones().into_iter().rev().find(|(at, _)| *at < now && after.is_none_or(|after| *at > after))
    }

    /// The notice a milestone sends, with what it shows.
    pub fn milestone_notice(&self, milestone: Milestone) -> (Notice, NoticeParams) {
        let renewal = consent_renewal_due(self.consent_renewed_at);
        let withdrawal = withdrawal_due(self.consent_renewed_at);
        match milestone {
            Milestone::RenewalDueIn30Days => {
                (Notice::RenewalDue, NoticeParams { days: Some(30), ..NoticeParams::date(renewal) })
            }
            Milestone::RenewalDueIn7Days => {
                (Notice::RenewalDue, NoticeParams { days: Some(7), ..NoticeParams::date(renewal) })
            }
            Milestone::Dormant => (Notice::Dormant, NoticeParams::date(withdrawal)),
            Milestone::WithdrawalDue => (Notice::WithdrawalDue, NoticeParams::date(withdrawal)),
            Milestone::Withdrawn => (Notice::Withdrawn, NoticeParams::default()),
        }
    }
}

/// The first retry waits this long; each next one twice as long.
pub const FIRST_RETRY: Duration = Duration::minutes(1);
/// After this many failed attempts a message is parked (and alarmed).
pub const MAX_ATTEMPTS: u32 = 5;
/// How long a notifier holds a claimed message: longer than any send may take.
pub const SEND_LEASE: Duration = Duration::minutes(5);

impl Records {
    /// The writes that put `notice` in the outbox for `member`: e-mail always, a text message too
    /// when urgent, to the member's contact (for a child member, the guardian's, which a child's
    /// sign-up records as the member's contact).
    pub fn notice_writes(
        &self,
        member: &MemberRecord,
        notice: Notice,
        params: NoticeParams,
        now: OffsetDateTime,
    ) -> Result<Vec<Write>, StoreError> {
        let mut channels = vec![(NoticeChannel::Email, member.email.as_str().to_owned())];
        if notice.urgent(&params) {
            channels.push((NoticeChannel::Sms, member.phone.as_str().to_owned()));
        }
        channels
            .into_iter()
            .map(|(channel, to)| {
                let message = OutboxMessage {
                    message_id: crate::keys::random_id(),
                    notice,
                    channel,
                    to,
                    language: member.language,
                    params: params.clone(),
                    member_id: member.member_id.clone(),
                    created_at: now,
                    status: OutboxStatus::Pending,
                    attempts: 0,
                    next_attempt_at: now,
                    parked_because: None,
                    version: 0,
                };
                Ok(Write::Put { item: outbox_item(&message)?, condition: Condition::Absent })
            })
            .collect()
    }

    pub async fn outbox_message(&self, key: &Key) -> Result<Option<OutboxMessage>, StoreError> {
        self.table.get(key).await?.map(record_of).transpose()
    }

    /// Saves a changed message if nobody changed it since `message.version`: a claim by one
    /// notifier shuts out every other.
    pub async fn save_outbox_message(&self, message: &mut OutboxMessage) -> Result<(), StoreError> {
        self.save_versioned(message, |message, read| {
            let mut transaction = Transaction::new();
            transaction.guard((), Write::Put { item: outbox_item(message)?, condition: read });
            Ok(transaction)
        })
        .await
        .map_err(Refusal::into_store)
    }

    /// A sent message goes, address and all, if it is still the claim that sent it.
    pub async fn delete_outbox_message(&self, message: &OutboxMessage) -> Result<(), StoreError> {
        let key = outbox_key(&message.message_id);
        self.table.write(vec![Write::Delete { key, condition: Condition::Version(message.version) }]).await
    }
}
