//! Identity requests (`IDREQ#<token_version_id>` / `REQUEST`) and the marker of their result's use
//! (`IDREQ#<token_version_id>` / `USED`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{epoch, identity_request_key, item_of, record_of, used_result_key};
use super::Records;
use crate::store::{Condition, StoreError, Write};

/// How long an identity request, and the marker of its use, outlive its validity: a late result is
/// then answered as expired, not as unknown.
const USED_MARKER_MARGIN: time::Duration = time::Duration::hours(1);

/// An identity request: what it is for and for whom, and its keys sealed with the service's key.
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

    /// The request with this provider id while it is kept, and whether its result was used, read
    /// at once.
    pub async fn identity_request_and_use(
        &self,
        token_version_id: &str,
        now: OffsetDateTime,
    ) -> Result<(Option<IdentityRequestRecord>, bool), StoreError> {
        let keys = [identity_request_key(token_version_id), used_result_key(token_version_id)];
        let mut items = self.live_many(&keys, now).await?.into_iter();
        let request = items.next().flatten().map(record_of).transpose()?;
        Ok((request, items.next().flatten().is_some()))
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
}
