//! Signed-in sessions (`SESSION#<id>` / `SESSION`) and the failed sign-ins of a username
//! (`LOGIN#<username>` / `FAILURES`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::keys::{epoch, item_of, login_key, member_key, record_of, session_key};
use super::{ClaimKind, ClaimRecord, MemberRecord, Records, Refusal, Retry, Transaction, UPDATE_ATTEMPTS};
use crate::audit::AuditEvent;
use crate::store::{Condition, Key, StoreError, Write};

/// A signed-in session, living at most 30 days from sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub session_id: String,
    pub member_id: String,
    /// The member's credential epoch at sign-in: a password change or reset ends the session.
    pub credential_epoch: u32,
    pub scope: crate::tokens::Scope,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// The generation of the current refresh token; older generations presented again are reuse.
    pub refresh_generation: u32,
    /// SHA-256 of the current refresh token; none for a dormant member's session.
    pub refresh_hash: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    pub refresh_expires_at: Option<OffsetDateTime>,
    pub revoked: bool,
    pub version: u64,
}

/// Failed sign-ins of a username in the current 15-minute window.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginFailures {
    pub count: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub window_start: OffsetDateTime,
    pub version: u64,
}

/// The lockout window: failures count within it, and a lock lasts until it ends.
pub const LOCKOUT_WINDOW: time::Duration = time::Duration::minutes(15);

/// The label of a session's own write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionChanged;

fn failures_put(key: &Key, failures: &LoginFailures, condition: Condition) -> Result<Write, StoreError> {
    Ok(Write::Put { item: item_of(key, failures, Some(failures.window_start + LOCKOUT_WINDOW))?, condition })
}

impl Records {
    pub fn session_create_write(&self, session: &SessionRecord) -> Result<Write, StoreError> {
        let item = item_of(&session_key(&session.session_id), session, Some(session.ends_at))?;
        Ok(Write::Put { item, condition: Condition::Absent })
    }

    /// The write that ends a username's failure count (a success, a password reset).
    pub fn clear_login_write(&self, username: &str) -> Write {
        Write::Delete { key: login_key(username), condition: Condition::Always }
    }

    pub async fn session(&self, id: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>, StoreError> {
        self.live(&session_key(id), now).await?.map(record_of).transpose()
    }

    /// A member and one of its sessions (live), read at once: what an access token speaks for.
    pub async fn member_and_session(
        &self,
        member_id: &str,
        session_id: &str,
        now: OffsetDateTime,
    ) -> Result<(Option<MemberRecord>, Option<SessionRecord>), StoreError> {
        let keys = [member_key(member_id), session_key(session_id)];
        let mut items = self.live_many(&keys, now).await?.into_iter();
        let member = items.next().flatten().map(record_of).transpose()?;
        let session = items.next().flatten().map(record_of).transpose()?;
        Ok((member, session))
    }

    /// A new session, the end of `username`'s failure count and `events`, in one transaction.
    pub async fn start_session(
        &self,
        session: &SessionRecord,
        username: &str,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        let mut writes = vec![self.session_create_write(session)?, self.clear_login_write(username)];
        writes.extend(Self::audit_writes(events)?);
        self.table.write(writes).await
    }

    /// The failure count under `name` and the claim of `username` (when it is one), read at once:
    /// what a sign-in decides on before it checks a password.
    pub async fn failures_and_claim(
        &self,
        name: &str,
        username: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<(Option<LoginFailures>, Option<ClaimRecord>), StoreError> {
        let mut keys = vec![login_key(name)];
        keys.extend(username.map(|username| ClaimKind::Username.key(username)));
        let mut items = self.live_many(&keys, now).await?.into_iter();
        let failures = items.next().flatten().map(record_of).transpose()?;
        let claim = items.next().flatten().map(record_of).transpose()?;
        Ok((failures, claim))
    }

    pub async fn update_session(&self, session: &mut SessionRecord) -> Result<(), Refusal<SessionChanged>> {
        self.save_versioned(session, |session, read| {
            let item = item_of(&session_key(&session.session_id), session, Some(session.ends_at))?;
            let mut transaction = Transaction::new();
            transaction.guard(SessionChanged, Write::Put { item, condition: read });
            Ok(transaction)
        })
        .await
    }

    pub async fn login_failures(
        &self,
        username: &str,
        now: OffsetDateTime,
    ) -> Result<Option<LoginFailures>, StoreError> {
        self.live(&login_key(username), now).await?.map(record_of).transpose()
    }

    /// Counts a failed sign-in of `username`: in the current window, or as the first of a new one.
    /// `read` is the count as the caller read it; a lost race reads it again.
    pub async fn record_login_failure(
        &self,
        username: &str,
        read: Option<LoginFailures>,
        now: OffsetDateTime,
    ) -> Result<LoginFailures, StoreError> {
        let key = login_key(username);
        let mut read = Some(read);
        let mut retry = Retry::new(UPDATE_ATTEMPTS);
        loop {
            retry.attempt()?;
            let current = match read.take() {
                Some(current) => current,
                None => self.login_failures(username, now).await?,
            };
            let (next, condition) = match current {
                Some(f) if now < f.window_start + LOCKOUT_WINDOW => (
                    LoginFailures { count: f.count + 1, window_start: f.window_start, version: f.version + 1 },
                    Condition::Version(f.version),
                ),
                _ => (
                    LoginFailures { count: 1, window_start: now, version: 0 },
                    Condition::AbsentOrExpired { now: epoch(now) },
                ),
            };
            match self.table.write(vec![failures_put(&key, &next, condition)?]).await {
                Ok(()) => return Ok(next),
                Err(StoreError::ConditionFailed { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
    }

    /// Takes back one counted failure (an attempt that got no answer); the last one removes the count.
    pub async fn return_login_failure(&self, username: &str, now: OffsetDateTime) -> Result<(), StoreError> {
        let key = login_key(username);
        let mut retry = Retry::new(UPDATE_ATTEMPTS);
        loop {
            retry.attempt()?;
            let Some(f) = self.login_failures(username, now).await? else { return Ok(()) };
            let write = if f.count <= 1 {
                Write::Delete { key: key.clone(), condition: Condition::Version(f.version) }
            } else {
                let next = LoginFailures { count: f.count - 1, window_start: f.window_start, version: f.version + 1 };
                failures_put(&key, &next, Condition::Version(f.version))?
            };
            match self.table.write(vec![write]).await {
                Ok(()) => return Ok(()),
                Err(StoreError::ConditionFailed { .. }) => continue,
                Err(error) => return Err(error),
            }
        }
    }
}
