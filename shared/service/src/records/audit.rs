//! The audit trail's records (`AUDIT#<member or sign-up id>` / `<at>#<event>#<random>`), kept for
//! `AUDIT_RETENTION`. An event goes in the same transaction as the change it records; `audit`
//! alone is for events that change nothing else.

use super::audit_chain::CHAIN_SK;
use super::keys::{audit_partition, item_of, record_of, sortable, unique_suffix};
use super::Records;
use crate::audit::{AuditEvent, AUDIT_RETENTION};
use crate::store::{Condition, Key, StoreError, Write};

fn audit_key(event: &AuditEvent) -> Result<Key, StoreError> {
    let at = sortable(event.at)?;
    Ok(Key::new(audit_partition(&event.subject), format!("{at}#{}#{}", event.event, unique_suffix())))
}

impl Records {
    /// The write that records `event`.
    pub fn audit_write(event: &AuditEvent) -> Result<Write, StoreError> {
        let item = item_of(&audit_key(event)?, event, Some(event.at + AUDIT_RETENTION))?;
        Ok(Write::Put { item, condition: Condition::Always })
    }

    /// The writes that record `events`, to go in the transaction of the change they record.
    pub fn audit_writes(events: &[AuditEvent]) -> Result<Vec<Write>, StoreError> {
        events.iter().map(Self::audit_write).collect()
    }

    /// Records audit events that change nothing else. The trail must not cost the member the
    /// request: a failed write is logged (with the events, which hold no personal data) and the
    /// request goes on.
    pub async fn audit(&self, events: &[AuditEvent]) {
        let result = match Self::audit_writes(events) {
            Ok(writes) if writes.is_empty() => Ok(()),
            Ok(writes) => self.table.write(writes).await,
            Err(error) => Err(error),
        };
        if let Err(error) = result {
            for event in events {
                tracing::warn!(error = %error, subject = %event.subject, event = %event.event, "audit event not stored");
            }
        }
    }

    /// The audit events of a member or a sign-up, oldest first.
    pub async fn audit_events(&self, subject: &str) -> Result<Vec<AuditEvent>, StoreError> {
        let items = self.table.query(&audit_partition(subject), "").await?;
        items
            .into_iter()
            .filter(|item| item.0.get("sk").and_then(|v| v.as_str()) != Some(CHAIN_SK))
            .map(record_of)
            .collect()
    }
}
