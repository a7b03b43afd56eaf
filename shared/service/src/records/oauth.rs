//! Single sign-on records: authorization codes (`OAUTHCODE#<SHA-256 of the code>` / `CODE`) and
//! grants (`GRANT#<id>` / `GRANT`), each with a TTL. Neither holds a code or a token, only hashes.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{authorization_code_key, grant_key, item_of, record_of};
use super::Records;
use crate::store::{Condition, StoreError, Write};

/// How long a code's record outlives the code: a code presented again a little after its 60 s is
/// still known as used, and still revokes what it issued (RFC 6749 §4.1.2).
const CODE_MARKER_MARGIN: time::Duration = time::Duration::minutes(10);

/// An authorization code, from the member's approval until it is exchanged once.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationCodeRecord {
    pub code_hash: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// PKCE `S256` challenge (RFC 7636): BASE64URL(SHA-256(verifier)).
    pub code_challenge: String,
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub member_id: String,
    /// The membership-site session the member approved in (the single sign-on session).
    pub session_id: String,
    pub credential_epoch: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub auth_time: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The grant the exchange creates, named ahead so that a second use can revoke it.
    pub grant_id: String,
    pub used: bool,
    pub version: u64,
}

/// What one client holds for one member after a code exchange: its refresh token's generation and
/// hash, revoked on refresh-token reuse, code reuse or logout. The member's credential epoch and
/// standing, read on every use, end it on password change or reset, withdrawal and dormancy.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantRecord {
    pub grant_id: String,
    pub client_id: String,
    pub member_id: String,
    pub session_id: String,
    pub credential_epoch: u32,
    pub scope: String,
    #[serde(with = "time::serde::rfc3339")]
    pub auth_time: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub refresh_generation: u32,
    pub refresh_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub refresh_expires_at: OffsetDateTime,
    pub revoked: bool,
    pub version: u64,
}

impl Records {
    pub async fn create_authorization_code(&self, code: &AuthorizationCodeRecord) -> Result<(), StoreError> {
        let item = item_of(&authorization_code_key(&code.code_hash), code, Some(code.expires_at + CODE_MARKER_MARGIN))?;
        self.table.write(vec![Write::Put { item, condition: Condition::Absent }]).await
    }

    pub async fn authorization_code(
        &self,
        code_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<AuthorizationCodeRecord>, StoreError> {
        self.live(&authorization_code_key(code_hash), now).await?.map(record_of).transpose()
    }

    /// The code marked used and its grant created, in one transaction: a code exchanged twice at
    /// once creates one grant, and the other exchange fails on the code's version.
    pub async fn exchange_code(
        &self,
        code: &mut AuthorizationCodeRecord,
        grant: &GrantRecord,
    ) -> Result<(), StoreError> {
        let expected = code.version;
        code.used = true;
        code.version += 1;
        let code_item =
            item_of(&authorization_code_key(&code.code_hash), code, Some(code.expires_at + CODE_MARKER_MARGIN))?;
        let grant_item = item_of(&grant_key(&grant.grant_id), grant, Some(grant.ends_at))?;
        self.table
            .write(vec![
                Write::Put { item: code_item, condition: Condition::Version(expected) },
                Write::Put { item: grant_item, condition: Condition::Absent },
            ])
            .await
    }

    pub async fn grant(&self, grant_id: &str, now: OffsetDateTime) -> Result<Option<GrantRecord>, StoreError> {
        self.live(&grant_key(grant_id), now).await?.map(record_of).transpose()
    }

    /// Saves a changed grant if nobody changed it since `grant.version`.
    pub async fn update_grant(&self, grant: &mut GrantRecord) -> Result<(), StoreError> {
        let expected = grant.version;
        grant.version += 1;
        let item = item_of(&grant_key(&grant.grant_id), grant, Some(grant.ends_at))?;
        let result = self.table.write(vec![Write::Put { item, condition: Condition::Version(expected) }]).await;
        if result.is_err() {
            grant.version = expected;
        }
        result
    }
}
