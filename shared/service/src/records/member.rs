//! The member (`MEMBER#<id>` / `PROFILE`) and what its partition holds besides: the consent history
//! (`CONSENT#…`) and the certification outcomes (`CERT#…`).

use membership_domain::calendar::CalendarDate;
use membership_domain::consent::ConsentAnswer;
use membership_domain::contact::{Email, MobilePhone};
use membership_domain::identity::PersonName;
use membership_domain::library::Library;
use membership_domain::loan_card::LoanCardNumber;
use membership_domain::member::{Grade, MemberType};
use membership_domain::signup::{Channel, RecordedConsent};
use membership_domain::username::Username;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{item_due, item_of, member_key, member_partition, record_of, sortable, unique_suffix};
use super::{Records, Refusal, Transaction};
use crate::audit::AuditEvent;
use crate::store::{Condition, Item, Key, StoreError, Write};

pub use super::claims::{ClaimKind, ClaimRecord, ClaimRef, Holder};
pub use super::membership::{CreateMemberError, NewMember, UpgradeError};

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
pub(super) fn member_item(member: &MemberRecord) -> Result<Item, StoreError> {
    item_due(&member_key(&member.member_id), member, None, Some(member.next_due()))
}

/// The put of a member whose version moved on, on `condition` (the version read).
pub(super) fn member_put(member: &MemberRecord, condition: Condition) -> Result<Write, StoreError> {
    Ok(Write::Put { item: member_item(member)?, condition })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuardianRecord {
    pub name: PersonName,
    /// The guardian's person key: how recovery finds the children a guardian signed up.
    pub person_key: String,
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

/// The stored outcome of a non-face-to-face certification: method, time and upstream reference only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificationOutcome {
    pub method: String,
    #[serde(with = "time::serde::rfc3339")]
    pub certified_at: OffsetDateTime,
    #[serde(default)]
    pub reference: Option<String>,
}

/// One answer of a member's consent history, as a write: `CONSENT#<at>#<n>#<document>#<random>` (two
/// requests in one second keep both their answers).
pub(super) fn consent_write(member_id: &str, n: usize, consent: &RecordedConsent) -> Result<Write, StoreError> {
    let at = sortable(consent.at)?;
    let key = Key::new(
        member_partition(member_id),
        format!("CONSENT#{at}#{n:03}#{}#{}", consent.answer.document.as_str(), unique_suffix()),
    );
    let record =
        ConsentHistoryRecord { answer: consent.answer.clone(), at: consent.at, channel: consent.channel.clone() };
    Ok(Write::Put { item: item_of(&key, &record, None)?, condition: Condition::Absent })
}

/// The audit event of each consent answer, to go with the answers' own writes.
pub fn consent_events(subject: &str, consents: &[RecordedConsent], at: OffsetDateTime) -> Vec<AuditEvent> {
    consents
        .iter()
        .map(|consent| {
            AuditEvent::new(subject, "consent.recorded", at)
                .with("document", consent.answer.document.as_str())
                .with("version", consent.answer.version.as_str())
                .with("agreed", consent.answer.agreed)
        })
        .collect()
}

/// The label of a member's own write in a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberChanged;

impl Records {
    pub async fn member(&self, id: &str) -> Result<Option<MemberRecord>, StoreError> {
        self.table.get(&member_key(id)).await?.map(record_of).transpose()
    }

    /// Saves a changed member if nobody changed it since `member.version`; the saved version is
    /// one more. `events` are audited in the same write.
    pub async fn update_member(
        &self,
        member: &mut MemberRecord,
        events: &[AuditEvent],
    ) -> Result<(), Refusal<MemberChanged>> {
        self.save_member_with_consents(member, &[], events).await
    }

    /// Adds consent answers to the member's history and saves the member (its renewal time, say)
    /// with `events`, in one transaction, if nobody changed the member since `member.version`.
    pub async fn save_member_with_consents(
        &self,
        member: &mut MemberRecord,
        consents: &[RecordedConsent],
        events: &[AuditEvent],
    ) -> Result<(), Refusal<MemberChanged>> {
        self.save_versioned(member, |member, read| {
            let mut transaction = Transaction::new();
            transaction.guard(MemberChanged, member_put(member, read)?);
            for (n, consent) in consents.iter().enumerate() {
                transaction.extend([consent_write(&member.member_id, n, consent)?]);
            }
            transaction.extend(Self::audit_writes(events)?);
            Ok(transaction)
        })
        .await
    }

    /// The put of a member, on `read` (the condition `save_versioned` gives).
    pub fn member_put(&self, member: &MemberRecord, read: Condition) -> Result<Write, StoreError> {
        member_put(member, read)
    }

    /// The member's certification outcomes, oldest first.
    pub async fn certifications(&self, member_id: &str) -> Result<Vec<CertificationOutcome>, StoreError> {
        self.table.query(&member_partition(member_id), "CERT#").await?.into_iter().map(record_of).collect()
    }

    pub async fn consent_history(&self, member_id: &str) -> Result<Vec<ConsentHistoryRecord>, StoreError> {
        self.table.query(&member_partition(member_id), "CONSENT#").await?.into_iter().map(record_of).collect()
    }

    /// A certification's outcome, kept with the member: the member's new grade, the outcome (method,
    /// time, upstream reference), the consent given for it, its notice and `events`, at once.
    pub async fn record_certification(
        &self,
        member: &mut MemberRecord,
        outcome: &CertificationOutcome,
        consent: &RecordedConsent,
        events: &[AuditEvent],
    ) -> Result<(), Refusal<MemberChanged>> {
        let at = sortable(outcome.certified_at)?;
        let key = Key::new(member_partition(&member.member_id), format!("CERT#{at}#{}", outcome.method));
        self.save_versioned(member, |member, read| {
            let mut transaction = Transaction::new();
            transaction.guard(MemberChanged, member_put(member, read)?);
            transaction.extend([
                Write::Put { item: item_of(&key, outcome, None)?, condition: Condition::Always },
                consent_write(&member.member_id, 0, consent)?,
            ]);
            let params =
                crate::notices::NoticeParams { certification: Some(outcome.method.clone()), ..Default::default() };
            transaction.extend(self.notice_writes(
                member,
                crate::notices::Notice::Certified,
                params,
                outcome.certified_at,
            )?);
            transaction.extend(Self::audit_writes(events)?);
            Ok(transaction)
        })
        .await
    }

    /// The consent given for a certification that did not succeed, kept all the same, with `events`.
    pub async fn record_consent_answer(
        &self,
        member_id: &str,
        consent: &RecordedConsent,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        let mut writes = vec![consent_write(member_id, 0, consent)?];
        writes.extend(Self::audit_writes(events)?);
        self.table.write(writes).await
    }
}
