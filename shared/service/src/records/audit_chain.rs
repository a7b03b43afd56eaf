//! The audit trail's tamper evidence: per subject (`AUDIT#<member or sign-up id>`), a chain of
//! HMAC-SHA256 links. Each sealed event carries its place (`seq`), its predecessor's MAC and time
//! (`prevMac`, `prevAt`) and its own MAC over all of that and its canonical content; the chain's
//! head (`AUDIT#<subject>` / `CHAIN`) names the last event sealed and its MAC. Someone with write
//! access to the table but not the key cannot edit, delete, insert or reorder a sealed event
//! without `verify_audit` naming the first broken link. Events that passed their retention may be
//! missing from the chain's start: `prevAt` says when the predecessor was due to go.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{audit_partition, epoch, item_of, record_of};
use super::Records;
use crate::audit::{AuditEvent, AUDIT_RETENTION};
use crate::keys::{hex, SecretKey};
use crate::store::{Condition, Item, Key, StoreError, Write};

/// The sort key of a chain's head, apart from the events' (which start with their time).
pub(super) const CHAIN_SK: &str = "CHAIN";

/// At most this many events are sealed per transaction (DynamoDB takes 100 writes).
const SEAL_BATCH: usize = 99;

/// Where a subject's chain stands.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChainHead {
    /// The sort key of the last event sealed (for the reader; the order is `seq`'s).
    last: String,
    seq: u64,
    mac: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    at: Option<OffsetDateTime>,
    version: u64,
}

/// The link an event carries once sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Link {
    seq: u64,
    prev_mac: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    prev_at: Option<OffsetDateTime>,
    mac: String,
}

/// The first broken link of a chain: the item it is at (its sort key) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain {subject} broken at {at}: {reason}")]
pub struct BrokenLink {
    pub subject: String,
    pub at: String,
    pub reason: String,
}

fn link_mac(
    key: &SecretKey,
    sk: &str,
    seq: u64,
    prev_mac: &str,
    prev_at: Option<OffsetDateTime>,
    event: &AuditEvent,
) -> Result<String, StoreError> {
    // The event's canonical content: its serde form, whose details map keeps sorted keys.
    let content = serde_json::to_vec(event).map_err(|e| StoreError::Malformed(e.to_string()))?;
    let prev_at = prev_at.map(|at| epoch(at).to_string()).unwrap_or_default();
    Ok(hex(&key.hmac(&[
        b"audit-link",
        sk.as_bytes(),
        seq.to_string().as_bytes(),
        prev_mac.as_bytes(),
        prev_at.as_bytes(),
        &content,
    ])))
}

fn sort_key(item: &Item) -> String {
    item.0.get("sk").and_then(|v| v.as_str()).unwrap_or_default().to_owned()
}

impl Records {
    async fn chain_items(&self, subject: &str) -> Result<(Option<Item>, Vec<Item>), StoreError> {
        let mut items = self.table.query(&audit_partition(subject), "").await?;
        let head = items.iter().position(|item| sort_key(item) == CHAIN_SK).map(|i| items.remove(i));
        items.sort_by_key(sort_key);
        Ok((head, items))
    }

    /// Links the subject's events written since the chain's head into the chain and moves the
    /// head on, in one transaction per batch on the head's version: two sealers racing cannot fork
    /// the chain, the loser's transaction is refused. Returns how many events were sealed.
    pub async fn seal_audit(&self, subject: &str, key: &SecretKey) -> Result<usize, StoreError> {
        let (head_item, items) = self.chain_items(subject).await?;
        let mut head: ChainHead = head_item.map(record_of).transpose()?.unwrap_or_default();
        // Unsealed events, in the order of their keys (time first); one written after the last
        // seal may sort before the head's last event (the same second), so the head's place is
        // not a bound.
        let pending: Vec<Item> = items.into_iter().filter(|item| !item.0.contains_key("mac")).collect();
        let head_key = Key::new(audit_partition(subject), CHAIN_SK);
        let mut sealed = 0;
        for batch in pending.chunks(SEAL_BATCH) {
            let condition = if head.version == 0 { Condition::Absent } else { Condition::Version(head.version) };
            let mut writes = Vec::with_capacity(batch.len() + 1);
            for item in batch {
                let sk = sort_key(item);
                let event: AuditEvent = record_of(item.clone())?;
                let seq = head.seq + 1;
                let prev_at = head.at;
                let mac = link_mac(key, &sk, seq, &head.mac, prev_at, &event)?;
                let link = Link { seq, prev_mac: head.mac.clone(), prev_at, mac: mac.clone() };
                let mut sealed_item = item.clone();
                if let serde_json::Value::Object(fields) =
                    serde_json::to_value(&link).map_err(|e| StoreError::Malformed(e.to_string()))?
                {
                    sealed_item.0.extend(fields);
                }
                writes.push(Write::Put { item: sealed_item, condition: Condition::Always });
                head = ChainHead { last: sk, seq, mac, at: Some(event.at), version: head.version };
            }
            head.version += 1;
            // The head lives as long as the newest event it names.
            let expires = head.at.map(|at| at + AUDIT_RETENTION);
            writes.push(Write::Put { item: item_of(&head_key, &head, expires)?, condition });
            self.table.write(writes).await?;
            sealed += batch.len();
        }
        Ok(sealed)
    }

    /// Walks the subject's chain and names its first broken link: an event edited, inserted,
    /// deleted (other than by retention) or moved, or a head that does not name the last event.
    /// The links are walked in the order they were sealed (`seq`); events written since the last
    /// seal are not covered yet and are not reported.
    pub async fn verify_audit(
        &self,
        subject: &str,
        key: &SecretKey,
        now: OffsetDateTime,
    ) -> Result<Result<u64, BrokenLink>, StoreError> {
        let (head_item, items) = self.chain_items(subject).await?;
        let broken = |at: &str, reason: &str| BrokenLink {
            subject: subject.to_owned(),
            at: at.to_owned(),
            reason: reason.to_owned(),
        };
        let Some(head_item) = head_item else {
            return Ok(Ok(0));
        };
        let head: ChainHead = record_of(head_item)?;
        let mut sealed = Vec::new();
        for item in items.into_iter().filter(|item| item.0.contains_key("mac")) {
            match record_of::<Link>(item.clone()) {
                Ok(link) => sealed.push((link, item)),
                Err(_) => return Ok(Err(broken(&sort_key(&item), "its link is malformed"))),
            }
        }
        sealed.sort_by_key(|(link, _)| link.seq);
        let mut previous: Option<(u64, String)> = None;
        let mut checked = 0;
        for (link, item) in sealed {
            let sk = sort_key(&item);
            let event: Result<AuditEvent, _> = record_of(item).map_err(|_| broken(&sk, "not an audit event"));
            let Ok(event) = event else { return Ok(Err(event.unwrap_err())) };
            match &previous {
                Some((seq, mac)) => {
                    if link.seq != seq + 1 {
                        return Ok(Err(broken(&sk, &format!("event {} is missing before it", seq + 1))));
                    }
                    if &link.prev_mac != mac {
                        return Ok(Err(broken(&sk, "its predecessor is not the event it was sealed after")));
                    }
                }
                None => {
                    let expired = link.prev_at.is_none_or(|at| epoch(at + AUDIT_RETENTION) <= epoch(now));
                    if link.seq != 1 && !expired {
                        return Ok(Err(broken(
                            &sk,
                            &format!("event {} is missing before it and was not due to expire", link.seq - 1),
                        )));
                    }
                }
            }
            if link_mac(key, &sk, link.seq, &link.prev_mac, link.prev_at, &event)? != link.mac {
                return Ok(Err(broken(&sk, "its content or place does not match its MAC")));
            }
            previous = Some((link.seq, link.mac));
            checked += 1;
        }
        match previous {
            Some((seq, mac)) if seq == head.seq && mac == head.mac => Ok(Ok(checked)),
            None if head.at.is_some_and(|at| epoch(at + AUDIT_RETENTION) <= epoch(now)) => Ok(Ok(0)),
            _ => {
                Ok(Err(broken(&head.last, &format!("the head names event {} and it is missing or changed", head.seq))))
            }
        }
    }
}
