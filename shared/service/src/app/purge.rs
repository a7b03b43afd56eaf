//! `purge-expired`, the scheduled clean-up (API.md, "Scheduled job"): removes what has expired and
//! TTL has not yet removed, records dormancy, and withdraws members dormant over a year. It reads
//! only the due index, shard by shard from its checkpoint up to now, so its cost follows the number
//! of due items, not the size of the table; it never scans.

use std::sync::Arc;

use membership_domain::member::{standing, Standing};
use serde::Serialize;

use crate::audit::AuditEvent;
use crate::clock::Clock;
use crate::records::keys::{member_of, Partition};
use crate::records::Records;
use crate::store::{Key, StoreError, DUE_SHARDS, DUE_SK};

/// What one run did, as it logs and returns it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PurgeCounts {
    pub signups_purged: u64,
    /// Every other transient item: used identity results, lockout and attempt counters,
    /// idempotency records, expired sessions, audit records past retention, sent outbox messages.
    pub markers_purged: u64,
    pub made_dormant: u64,
    pub withdrawn: u64,
    /// Items the index queries returned.
    pub scanned: u64,
}

/// Index items acted on per query and per checkpoint save.
const PAGE: usize = 100;

pub struct Purge {
    records: Records,
    clock: Arc<dyn Clock>,
}

enum Due {
    Signup,
    Transient,
    Member(String),
    Unknown,
}

fn classify(key: &Key) -> Due {
    match Partition::of(key) {
        Some(Partition::Signup) => Due::Signup,
        Some(
            Partition::IdentityRequest
            | Partition::Login
            | Partition::Idempotency
            | Partition::Session
            | Partition::Audit
            | Partition::Outbox
            | Partition::AuthorizationCode
            | Partition::Grant,
        ) => Due::Transient,
        Some(Partition::Member) => match member_of(key) {
            Some(id) => Due::Member(id.to_owned()),
            None => Due::Transient,
        },
        Some(Partition::Claim | Partition::Guardian | Partition::Purge) | None => Due::Unknown,
    }
}

impl Purge {
    pub fn new(records: Records, clock: Arc<dyn Clock>) -> Self {
        Self { records, clock }
    }

    /// One run. `budget` stops it after that many index items, as a Lambda timeout would; the
    /// checkpoint lets the next run finish the work without acting on anything twice.
    pub async fn run(&self, budget: Option<usize>) -> Result<PurgeCounts, StoreError> {
        let now = self.clock.now();
        let upper = format!("{:012}#~", now.unix_timestamp());
        let mut checkpoint = self.records.purge_checkpoint().await?;
        let mut counts = PurgeCounts::default();
        let mut left = budget.unwrap_or(usize::MAX);
        'shards: for shard in 0..DUE_SHARDS {
            let due_pk = format!("DUE#{shard}");
            loop {
                if left == 0 {
                    break 'shards;
                }
                // Strictly after the last item acted on: the index may still show it for a while.
                let from = checkpoint.shards.get(&due_pk).map_or_else(|| "0".to_owned(), |last| format!("{last}\u{1}"));
                let limit = PAGE.min(left);
                let items = self.records.table().query_due(&due_pk, &from, &upper, limit).await?;
                counts.scanned += items.len() as u64;
                left -= items.len();
                let Some(last) = items.last().and_then(|i| i.0.get(DUE_SK)).and_then(|v| v.as_str()).map(str::to_owned)
                else {
                    break;
                };
                let mut expired = Vec::new();
                for key in items.iter().filter_map(|item| item.key()) {
                    match classify(&key) {
                        Due::Signup => {
                            counts.signups_purged += 1;
                            expired.push(key);
                        }
                        Due::Transient => {
                            counts.markers_purged += 1;
                            expired.push(key);
                        }
                        Due::Member(id) => self.act_on_member(&id, &mut counts).await?,
                        Due::Unknown => tracing::warn!(pk = %key.pk, "due item of an unknown kind left alone"),
                    }
                }
                self.records.table().delete_batch(expired).await?;
                checkpoint.shards.insert(due_pk.clone(), last);
                self.records.save_purge_checkpoint(&checkpoint).await?;
                if items.len() < limit {
                    break;
                }
            }
        }
        tracing::info!(
            signups_purged = counts.signups_purged,
            markers_purged = counts.markers_purged,
            made_dormant = counts.made_dormant,
            withdrawn = counts.withdrawn,
            scanned = counts.scanned,
            "purge completed"
        );
        Ok(counts)
    }

    /// Dormancy and withdrawal hold from their due time whatever the purge does; the purge records
    /// the one and carries out the other, and writes the notice of each milestone it passes.
    async fn act_on_member(&self, member_id: &str, counts: &mut PurgeCounts) -> Result<(), StoreError> {
        let now = self.clock.now();
        let Some(mut member) = self.records.member(member_id).await? else { return Ok(()) };
        // Renewed since the index entry was read, or acted on already: its entry has moved on.
        let Some((at, milestone)) = member.passed_milestone(now) else { return Ok(()) };
        let result = match standing(member.consent_renewed_at, now) {
            Standing::Withdrawn => {
                let events = [AuditEvent::new(member_id, "member.withdrawn", now).with("by", "purge")];
                match self.records.withdraw_member(&member, now, &events).await {
                    Ok(()) => {
                        counts.withdrawn += 1;
                        Ok(())
                    }
                    Err(refusal) => Err(refusal.into_store()),
                }
            }
            Standing::Dormant if member.dormant_recorded_at.is_none() => {
                self.records.record_dormancy(&mut member, at, milestone, now).await.map(|()| counts.made_dormant += 1)
            }
            Standing::Dormant | Standing::Active => {
                self.records.record_milestone_notice(&mut member, at, milestone, now).await
            }
        };
        match result {
            // Changed meanwhile (renewed, say): the change placed it in the index anew.
            Err(StoreError::ConditionFailed { .. }) => Ok(()),
            other => other,
        }
    }
}
