//! `Idempotency-Key` records (`IDEMPOTENCY#<hash of caller, route and key>` / `RECORD`): a lease
//! while the first request runs, then its final response, sealed.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{epoch, idempotency_key, item_of, record_of};
use super::Records;
use crate::store::{Condition, StoreError, Write};

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
