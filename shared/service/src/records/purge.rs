//! What the purge keeps and writes: its checkpoint (`PURGE` / `CHECKPOINT`), and the milestones of
//! a member's consent cycle it passes (the member, the notice and, for dormancy, the audit event).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{item_of, purge_key, record_of};
use super::member::{member_put, MemberChanged};
use super::{MemberRecord, Milestone, Records, Transaction};
use crate::audit::AuditEvent;
use crate::store::{Condition, StoreError, Write};

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
    /// The purge's position in each shard of the due index: the last `dueSk` it acted on.
    pub async fn purge_checkpoint(&self) -> Result<PurgeCheckpoint, StoreError> {
        Ok(self.table.get(&purge_key()).await?.map(record_of).transpose()?.unwrap_or_default())
    }

    pub async fn save_purge_checkpoint(&self, checkpoint: &PurgeCheckpoint) -> Result<(), StoreError> {
        let item = item_of(&purge_key(), checkpoint, None)?;
        self.table.write(vec![Write::Put { item, condition: Condition::Always }]).await
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

    /// Records that the purge acted on a milestone before dormancy (a renewal reminder): the member
    /// moves on to its next milestone, with the notice, at once.
    pub async fn record_milestone_notice(
        &self,
        member: &mut MemberRecord,
        at: OffsetDateTime,
        milestone: Milestone,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.pass_milestone(member, at, milestone, now, false).await
    }

    /// The member moved on past the milestone at `at` with its notice, and, when it is the one
    /// where dormancy is recorded, the dormancy and its audit event, in one transaction. A member
    /// changed meanwhile refuses with `ConditionFailed`.
    async fn pass_milestone(
        &self,
        member: &mut MemberRecord,
        at: OffsetDateTime,
        milestone: Milestone,
        now: OffsetDateTime,
        dormant: bool,
    ) -> Result<(), StoreError> {
        self.save_versioned(member, |member, read| {
            if dormant {
                member.dormant_recorded_at = Some(now);
            }
            member.last_milestone_at = Some(at);
            let (notice, params) = member.milestone_notice(milestone);
            let mut transaction = Transaction::new();
            transaction.guard(MemberChanged, member_put(member, read)?);
            if dormant {
                transaction.extend([Self::audit_write(&AuditEvent::new(&member.member_id, "member.dormant", now))?]);
            }
            transaction.extend(self.notice_writes(member, notice, params, now)?);
            Ok(transaction)
        })
        .await
        .map_err(super::Refusal::into_store)
    }
}
