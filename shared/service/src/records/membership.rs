//! The transactions that move claims: a member created, upgraded from child to general, withdrawn.

use membership_domain::member::MemberType;
use membership_domain::signup::RecordedConsent;
use membership_domain::username::Username;
use time::OffsetDateTime;

use super::keys::{guardian_link_key, item_of, member_key, member_partition, signup_key};
use super::member::{consent_write, member_item, member_put};
use super::{ClaimKind, ClaimRecord, ClaimRef, MemberRecord, Records, Refusal, Transaction};
use crate::audit::AuditEvent;
use crate::store::{Condition, Key, StoreError, Write};

/// DynamoDB's limit of writes in one transaction.
pub(super) const TRANSACTION_LIMIT: usize = 100;

/// Everything a completed sign-up writes, at once.
pub struct NewMember {
    pub member: MemberRecord,
    /// The member withdrawn by time whose person or child claim this member takes over.
    pub replaces: Option<String>,
    pub consents: Vec<RecordedConsent>,
    pub signup_id: String,
    pub signup_version: u64,
}

/// Why a member was not created, by the write that refused.
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

/// The labels of the writes that may refuse a new member or an upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClaimGuard {
    Person,
    Username,
    Card,
    Signup,
    Member,
    ResultUsed,
}

fn claim_put(
    kind: ClaimKind,
    value: &str,
    member_id: &str,
    username: Option<&Username>,
    condition: Condition,
) -> Result<Write, StoreError> {
    let record = ClaimRecord { member_id: member_id.to_owned(), username: username.cloned(), retired: false };
    Ok(Write::Put { item: item_of(&kind.key(value), &record, None)?, condition })
}

impl Records {
    /// Creates the member, its claims and consent history, and ends the sign-up session, with
    /// `events`, in one transaction: two racing sign-ups of one person or one username cannot both
    /// succeed, and a cancelled one leaves nothing behind.
    pub async fn create_member(&self, new: &NewMember, events: &[AuditEvent]) -> Result<(), CreateMemberError> {
        let member = &new.member;
        let id = &member.member_id;
        let person_condition = new.replaces.clone().map_or(Condition::Absent, Condition::AbsentOrHeldBy);
        let mut transaction = Transaction::new();
        transaction
            .guard(
                ClaimGuard::Person,
                claim_put(member.claim.kind, &member.claim.key, id, Some(&member.username), person_condition)?,
            )
            .guard(
                ClaimGuard::Username,
                claim_put(ClaimKind::Username, member.username.as_str(), id, None, Condition::Absent)?,
            )
            .guard(
                ClaimGuard::Card,
                claim_put(ClaimKind::Card, member.loan_card_number.as_str(), id, None, Condition::Absent)?,
            )
            .guard(
                ClaimGuard::Signup,
                Write::Delete { key: signup_key(&new.signup_id), condition: Condition::Version(new.signup_version) },
            )
            .guard(ClaimGuard::Signup, Write::Put { item: member_item(member)?, condition: Condition::Absent });
        if let Some(guardian) = &member.guardian {
            let link = guardian_link_key(&guardian.person_key, id);
            let item = item_of(&link, &serde_json::json!({ crate::store::MEMBER_ID: id }), None)?;
            transaction.extend([Write::Put { item, condition: Condition::Absent }]);
        }
        for (n, consent) in new.consents.iter().enumerate() {
            transaction.extend([consent_write(id, n, consent)?]);
        }
        transaction.extend(Self::audit_writes(events)?);
        self.apply(transaction).await.map_err(|refusal| match refusal {
            Refusal::Refused(ClaimGuard::Person) => CreateMemberError::AlreadyMember,
            Refusal::Refused(ClaimGuard::Username) => CreateMemberError::UsernameTaken,
            Refusal::Refused(ClaimGuard::Card) => CreateMemberError::CardTaken,
            Refusal::Refused(_) => CreateMemberError::SignupChanged,
            Refusal::Store(error) => CreateMemberError::Store(error),
        })
    }

    /// A child member who has turned 14 becomes a general member: its own person claim replaces
    /// the child claim and the guardian link, and `spent` (the identity result) is marked used, with
    /// `events`, at once. `replaces` names the member withdrawn by time whose person claim is taken over.
    pub async fn upgrade_member(
        &self,
        member: &mut MemberRecord,
        person_key: &str,
        replaces: Option<String>,
        spent: Write,
        events: &[AuditEvent],
    ) -> Result<(), UpgradeError> {
        let old_claim = member.claim.clone();
        let result = self
            .save_versioned(member, |member, read| {
                let guardian = member.guardian.take();
                member.member_type = MemberType::General;
                member.claim = ClaimRef { kind: ClaimKind::Person, key: person_key.to_owned() };
                let id = member.member_id.clone();
                let person_condition = replaces.map_or(Condition::Absent, Condition::AbsentOrHeldBy);
                let mut transaction = Transaction::new();
                transaction
                    .guard(ClaimGuard::Member, member_put(member, read)?)
                    .guard(
                        ClaimGuard::Person,
                        claim_put(ClaimKind::Person, person_key, &id, Some(&member.username), person_condition)?,
                    )
                    .guard(ClaimGuard::ResultUsed, spent);
                transaction
                    .extend([Write::Delete { key: old_claim.kind.key(&old_claim.key), condition: Condition::Always }]);
                if let Some(guardian) = &guardian {
                    transaction.extend([Write::Delete {
                        key: guardian_link_key(&guardian.person_key, &id),
                        condition: Condition::Always,
                    }]);
                }
                transaction.extend(Self::audit_writes(events)?);
                Ok(transaction)
            })
            .await;
        result.map_err(|refusal| match refusal {
            Refusal::Refused(ClaimGuard::Person) => UpgradeError::PersonTaken,
            Refusal::Refused(ClaimGuard::ResultUsed) => UpgradeError::ResultUsed,
            Refusal::Refused(_) => UpgradeError::MemberChanged,
            Refusal::Store(error) => UpgradeError::Store(error),
        })
    }

    /// Withdrawal: the member's personal data goes (profile, contact, consent history, certification
    /// outcomes, person or child claim, guardian link); the username and loan-card number stay
    /// claimed for good; `events` are audited with it. All in one transaction; a member with more
    /// history than a transaction holds loses its oldest history first, so an interrupted withdrawal
    /// leaves a member that can withdraw again, never data without its member.
    pub async fn withdraw_member(
        &self,
        member: &MemberRecord,
        now: OffsetDateTime,
        events: &[AuditEvent],
    ) -> Result<(), Refusal<super::MemberChanged>> {
        // The `withdrawn` notice, to the contact that is deleted here: the outbox keeps it until sent.
        let notices = self.notice_writes(member, crate::notices::Notice::Withdrawn, Default::default(), now)?;
        let audit = Self::audit_writes(events)?;
        let id = &member.member_id;
        let person = member.claim.kind.key(&member.claim.key);
        // The member's partition and its person or child claim, read at once.
        let partition = member_partition(id);
        let (history, claim) = tokio::try_join!(self.table.query(&partition, ""), self.table.get(&person))?;
        let mut history: Vec<Write> = history
            .into_iter()
            .filter_map(|item| item.key())
            .filter(|key| *key != member_key(id))
            .map(|key| Write::Delete { key, condition: Condition::Always })
            .collect();
        let room = TRANSACTION_LIMIT - 6 - notices.len() - audit.len();
        if history.len() > room {
            let keep = history.split_off(history.len() - room);
            let older: Vec<Key> = history.iter().filter_map(Write::key).collect();
            self.table.delete_batch(older).await?;
            history = keep;
        }
        let retired = ClaimRecord { member_id: id.clone(), username: None, retired: true };
        let mut transaction = Transaction::new();
        transaction.guard(
            super::MemberChanged,
            Write::Delete { key: member_key(id), condition: Condition::Version(member.version) },
        );
        // The person or child claim goes only while it is still this member's: one withdrawn by
        // time may have been taken over by the same person's new membership already.
        if claim.and_then(|item| super::keys::record_of::<ClaimRecord>(item).ok()).is_some_and(|c| c.member_id == *id) {
            transaction.extend([Write::Delete { key: person, condition: Condition::AbsentOrHeldBy(id.clone()) }]);
        }
        transaction.extend([
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
            transaction.extend([Write::Delete {
                key: guardian_link_key(&guardian.person_key, id),
                condition: Condition::Always,
            }]);
        }
        transaction.extend(notices);
        transaction.extend(audit);
        transaction.extend(history);
        self.apply(transaction).await
    }
}
