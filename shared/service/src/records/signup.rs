//! The sign-up session (`SIGNUP#<id>` / `SESSION`), kept until it expires.

use membership_domain::signup::SignupSession;

use super::keys::{item_of, record_of, signup_key};
use super::{Records, Refusal, Transaction};
use crate::audit::AuditEvent;
use crate::store::{Condition, StoreError, Write};

/// The label of a sign-up session's own write in a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignupChanged;

pub(super) fn signup_put(session: &SignupSession, condition: Condition) -> Result<Write, StoreError> {
    Ok(Write::Put { item: item_of(&signup_key(&session.id), session, Some(session.expires_at))?, condition })
}

impl Records {
    /// The sign-up session as stored, expired or not: an expired one is answered 410, not 404.
    pub async fn signup(&self, id: &str) -> Result<Option<SignupSession>, StoreError> {
        self.table.get(&signup_key(id)).await?.map(record_of).transpose()
    }

    /// A new sign-up session, with `events`.
    pub async fn create_signup(&self, session: &SignupSession, events: &[AuditEvent]) -> Result<(), StoreError> {
        let mut writes = vec![signup_put(session, Condition::Absent)?];
        writes.extend(Self::audit_writes(events)?);
        self.table.write(writes).await
    }

    /// The put of a sign-up session, on `read` (the condition `save_versioned` gives).
    pub fn signup_put(&self, session: &SignupSession, read: Condition) -> Result<Write, StoreError> {
        signup_put(session, read)
    }

    /// Saves a changed session with `events` if nobody changed it since `session.version`; the saved
    /// version is one more.
    pub async fn update_signup(
        &self,
        session: &mut SignupSession,
        events: &[AuditEvent],
    ) -> Result<(), Refusal<SignupChanged>> {
        self.save_versioned(session, |session, read| {
            let mut transaction = Transaction::new();
            transaction.guard(SignupChanged, signup_put(session, read)?);
            transaction.extend(Self::audit_writes(events)?);
            Ok(transaction)
        })
        .await
    }
}
