//! Account recovery (아이디 찾기 / 비밀번호 찾기) from a fresh identity result: the member's own, or
//! the guardian's for the children they signed up. No answer tells which part did not match.

use membership_domain::member::{standing, Standing};
use membership_domain::password::Password;
use membership_domain::username::Username;
use membership_domain::FieldError;

use super::identity::IdentityForm;
use super::{Failure, Service};
use crate::audit::AuditEvent;
use crate::identity::Purpose;
use crate::records::{ClaimKind, MemberRecord};

impl Service {
    /// Every live account the verified person holds or signed up as a guardian.
    async fn accounts_of(&self, person_key: &str) -> Result<Vec<MemberRecord>, Failure> {
        let now = self.clock.now();
        let mut accounts = Vec::new();
        if let Some(claim) = self.records.claim(ClaimKind::Person, person_key, now).await? {
            if let Some(member) = self.records.member(&claim.member_id).await? {
                accounts.push(member);
            }
        }
        accounts.extend(self.records.children_of(person_key).await?);
        accounts.retain(|m| standing(m.consent_renewed_at, now) != Standing::Withdrawn);
        Ok(accounts)
    }

    /// `POST /v1/recovery/username`.
    pub async fn recover_usernames(&self, identity: &IdentityForm) -> Result<Vec<MemberRecord>, Failure> {
        let identity = self.use_identity_result(Purpose::Recovery, None, identity).await?;
        let person_key = self.keys.current().person_key(identity.di.expose());
        let accounts = self.accounts_of(&person_key).await?;
        if accounts.is_empty() {
            return Err(Failure::MemberNotFound);
        }
        let now = self.clock.now();
        let events: Vec<AuditEvent> =
            accounts.iter().map(|account| AuditEvent::new(&account.member_id, "username.recovered", now)).collect();
        self.records.audit(&events).await;
        Ok(accounts)
    }

    /// `POST /v1/recovery/password`: lifts a sign-in lock and ends every session of the account.
    pub async fn reset_password(
        &self,
        identity: &IdentityForm,
        username: &str,
        new_password: &str,
    ) -> Result<(), Failure> {
        let username = Username::parse(username).ok();
        let password = Password::parse(new_password, username.as_ref()).map_err(|codes| {
            Failure::WeakPassword(codes.into_iter().map(|c| FieldError::new("/newPassword", c)).collect())
        })?;
        let fresh = self.check_identity_result(Purpose::Recovery, None, identity).await?;
        let person_key = self.keys.current().person_key(fresh.identity.di.expose());
        let accounts = self.accounts_of(&person_key).await?;
        let Some(account) = username.and_then(|username| accounts.into_iter().find(|m| m.username == username)) else {
            self.spend(&fresh).await?;
            return Err(Failure::MemberNotFound);
        };
        let event = AuditEvent::new(&account.member_id, "password.reset", self.clock.now());
        self.set_password(account, password, Some(&fresh), &[event]).await
    }
}
