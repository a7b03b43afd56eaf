//! A member's own record: read, correct contact details, change password, renew consent, withdraw
//! (API.md, "Members"). A caller only ever reaches its own member.

use membership_domain::consent::{check_answers, missing_required, ConsentError, ConsentStep};
use membership_domain::contact::{Email, MobilePhone};
use membership_domain::library::Library;
use membership_domain::password::Password;
use membership_domain::signup::{Channel, RecordedConsent};
use membership_domain::validation::FieldErrors;
use membership_domain::FieldError;
use time::OffsetDateTime;

use super::sessions::Caller;
use super::{Failure, Service};
use crate::records::{ConsentHistoryRecord, MemberRecord};
use crate::store::StoreError;

/// The contact details a member may correct; absent fields stay as they are.
#[derive(Default)]
pub struct ContactChange {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub home_library: Option<String>,
}

/// A member's record with what is derived from it.
pub struct MemberView {
    pub member: MemberRecord,
    pub certifications: Vec<CertificationOutcome>,
}

/// The stored outcome of a non-face-to-face certification: method, time and upstream reference only.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificationOutcome {
    pub method: String,
    #[serde(with = "time::serde::rfc3339")]
    pub certified_at: OffsetDateTime,
    #[serde(default)]
    pub reference: Option<String>,
}

impl Service {
    pub async fn member_view(&self, member: MemberRecord) -> Result<MemberView, Failure> {
        let certifications = self.records.certifications(&member.member_id).await?;
        Ok(MemberView { member, certifications })
    }

    /// `PATCH /v1/members/me`: e-mail, phone and home library only.
    pub async fn change_contact(&self, caller: Caller, change: ContactChange) -> Result<MemberView, Failure> {
        let mut errors = FieldErrors::default();
        let email = change.email.map(|e| errors.take("/email", Email::parse(&e)));
        let phone = change.phone.map(|p| errors.take("/phone", MobilePhone::parse(&p)));
        let library = change.home_library.map(|l| errors.take("/homeLibrary", Library::parse(&l)));
        if !errors.is_empty() {
            return Err(Failure::Validation(errors.into_vec()));
        }
        let mut member = caller.member;
        for attempt in 0..3 {
            if let Some(Some(email)) = &email {
                member.email = email.clone();
            }
            if let Some(Some(phone)) = &phone {
                member.phone = phone.clone();
            }
            if let Some(Some(library)) = library {
                member.home_library = library;
            }
            match self.records.update_member(&mut member).await {
                Ok(()) => break,
                Err(StoreError::ConditionFailed { .. }) if attempt < 2 => {
                    member = self.records.member(&member.member_id).await?.ok_or(Failure::TokenInvalid)?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        self.member_view(member).await
    }

    /// `POST /v1/members/me/password`: the new password's rules, then the current password (a wrong
    /// one counts toward the lockout); success ends every session of the member, this one too.
    pub async fn change_password(&self, caller: Caller, current: Password, new: &str) -> Result<(), Failure> {
        let new = Password::parse(new, Some(&caller.member.username)).map_err(|codes| {
            Failure::WeakPassword(codes.into_iter().map(|c| FieldError::new("/newPassword", c)).collect())
        })?;
        self.check_password(&caller.member, current).await?;
        self.set_password(caller.member, new).await
    }

    /// Stores a new password hash and moves the credential epoch, which ends every session.
    pub(crate) async fn set_password(&self, mut member: MemberRecord, password: Password) -> Result<(), Failure> {
        let hasher = self.hasher.clone();
        let hash = tokio::task::spawn_blocking(move || hasher.hash(&password))
            .await
            .map_err(|e| Failure::Internal(Box::new(e)))?
            .map_err(|e| Failure::Internal(Box::new(e)))?;
        for attempt in 0..3 {
            member.password_hash = hash.clone();
            member.credential_epoch += 1;
            match self.records.update_member(&mut member).await {
                Ok(()) => break,
                Err(StoreError::ConditionFailed { .. }) if attempt < 2 => {
                    member = self.records.member(&member.member_id).await?.ok_or(Failure::MemberNotFound)?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        self.records.clear_login_failures(member.username.as_str()).await?;
        Ok(())
    }

    /// `POST /v1/members/me/consents/renewal`: the sign-up documents again; agreeing to both renews the
    /// 2-year cycle and lifts dormancy. Every answer is kept in the member's history.
    pub async fn renew_consent(
        &self,
        caller: Caller,
        answers: Vec<(String, String, bool)>,
        channel: Channel,
    ) -> Result<OffsetDateTime, Failure> {
        let answers = check_answers(ConsentStep::Signup, &answers).map_err(|error| match error {
            ConsentError::UnknownDocument { index } => {
                Failure::ConsentUnknownDocument { field: format!("/consents/{index}/document") }
            }
            ConsentError::VersionMismatch { index } => {
                Failure::ConsentVersionMismatch { field: format!("/consents/{index}/version") }
            }
            ConsentError::Required { missing } => Failure::ConsentRequired { missing },
        })?;
        let missing = missing_required(ConsentStep::Signup, &answers);
        let now = self.clock.now();
        let recorded: Vec<RecordedConsent> =
            answers.into_iter().map(|answer| RecordedConsent { answer, at: now, channel: channel.clone() }).collect();
        let mut member = caller.member;
        for attempt in 0..3 {
            if missing.is_empty() {
                member.consent_renewed_at = now;
            }
            match self.records.save_member_with_consents(&mut member, &recorded).await {
                Ok(()) => break,
                Err(StoreError::ConditionFailed { .. }) if attempt < 2 => {
                    member = self.records.member(&member.member_id).await?.ok_or(Failure::TokenInvalid)?;
                }
                Err(error) => return Err(error.into()),
            }
        }
        if !missing.is_empty() {
            return Err(Failure::ConsentRequired { missing });
        }
        Ok(membership_domain::member::consent_renewal_due(member.consent_renewed_at))
    }

    /// `DELETE /v1/members/me`: personal data deleted now; username and loan-card number retired.
    pub async fn withdraw(&self, caller: Caller) -> Result<(), Failure> {
        match self.records.withdraw_member(&caller.member).await {
            Err(StoreError::ConditionFailed { .. }) => {
                let member = self.records.member(&caller.member.member_id).await?.ok_or(Failure::TokenInvalid)?;
                Ok(self.records.withdraw_member(&member).await?)
            }
            other => Ok(other?),
        }
    }

    pub async fn consent_history(&self, member_id: &str) -> Result<Vec<ConsentHistoryRecord>, Failure> {
        Ok(self.records.consent_history(member_id).await?)
    }
}
