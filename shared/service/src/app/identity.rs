//! Using up a provider result, the same way wherever one is presented (sign-up, recovery, guardian
//! consent, upgrade): not a valid result of this method, used before, too old — in that order; from
//! then on the result counts as used, whatever follows.

use membership_domain::identity::{Method, VerifiedIdentity};

use super::{Failure, Service};

impl Service {
    pub async fn use_identity_result(&self, method: Method, result: &str) -> Result<VerifiedIdentity, Failure> {
        let identity = self.identity.verify(method, result).map_err(|_| Failure::IdentityResultInvalid)?;
        let now = self.clock.now();
        if self.records.identity_result_used(&identity.transaction_id, now).await? {
            return Err(Failure::IdentityResultReplayed);
        }
        if identity.is_expired(now) {
            return Err(Failure::IdentityResultExpired);
        }
        if !self.records.use_identity_result(&identity.transaction_id, identity.expires_at(), now).await? {
            return Err(Failure::IdentityResultReplayed);
        }
        Ok(identity)
    }
}
