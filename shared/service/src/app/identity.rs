//! Using up a provider result, the same way wherever one is presented (sign-up, recovery, guardian
//! consent, upgrade): not a valid result of this method, used before, too old — in that order; from
//! then on the result counts as used, whatever follows. Where what follows succeeds, the result is
//! marked used in the same transaction as its effect, so a fault leaves both undone.

use membership_domain::identity::{Method, VerifiedIdentity};

use super::{Failure, Service};
use crate::store::{StoreError, Write};

/// A result that passed every check and is not yet marked used.
pub struct FreshResult {
    pub identity: VerifiedIdentity,
    marker: Write,
}

impl FreshResult {
    /// The write marking the result used, to go first in the effect's transaction.
    pub fn marker(&self) -> Write {
        self.marker.clone()
    }
}

impl Service {
    pub async fn check_identity_result(&self, method: Method, result: &str) -> Result<FreshResult, Failure> {
        let identity = self.identity.verify(method, result).map_err(|_| Failure::IdentityResultInvalid)?;
        let now = self.clock.now();
        if self.records.identity_result_used(&identity.transaction_id, now).await? {
            return Err(Failure::IdentityResultReplayed);
        }
        if identity.is_expired(now) {
            return Err(Failure::IdentityResultExpired);
        }
        let marker = self.records.used_result_write(&identity.transaction_id, identity.expires_at(), now)?;
        Ok(FreshResult { identity, marker })
    }

    /// Marks the result used on its own: what follows refuses, and the result is spent all the same.
    pub async fn spend(&self, fresh: &FreshResult) -> Result<(), Failure> {
        match self.records.commit(vec![fresh.marker()]).await {
            Err(StoreError::ConditionFailed { .. }) => Err(Failure::IdentityResultReplayed),
            other => Ok(other?),
        }
    }

    pub async fn use_identity_result(&self, method: Method, result: &str) -> Result<VerifiedIdentity, Failure> {
        let fresh = self.check_identity_result(method, result).await?;
        self.spend(&fresh).await?;
        Ok(fresh.identity)
    }
}
