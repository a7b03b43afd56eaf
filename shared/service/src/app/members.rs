//! A member's own record: read, correct contact details, change password, renew consent, withdraw
//! (API.md, "Members"). A caller only ever reaches its own member.

use membership_domain::consent::{check_answers, missing_required, ConsentStep};
use membership_domain::contact::{Email, MobilePhone};
use membership_domain::library::Library;
use membership_domain::password::Password;
use membership_domain::signup::{Channel, RecordedConsent};
use membership_domain::validation::FieldErrors;
use membership_domain::FieldError;
use time::OffsetDateTime;

use super::sessions::Caller;
use super::{Failure, Service};
use crate::audit::AuditEvent;
use crate::notices::{Notice, NoticeParams};
pub use crate::records::CertificationOutcome;
use crate::records::{
    consent_events, ClaimKind, ClaimRecord, ConsentHistoryRecord, Holder, MemberChanged, MemberRecord, Refusal, Retry,
    Transaction, UpgradeError,
};
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

/// How many times a change to a member is tried while other requests change it first.
pub(crate) const MEMBER_WRITE_ATTEMPTS: usize = 3;

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
        // Read before writing: once the change is made, nothing is left to fail.
        let certifications = self.records.certifications(&member.member_id).await?;
        let mut retry = Retry::new(MEMBER_WRITE_ATTEMPTS);
        loop {
            let attempt = retry.attempt()?;
            if let Some(Some(email)) = &email {
                member.email = email.clone();
            }
            if let Some(Some(phone)) = &phone {
                member.phone = phone.clone();
            }
            if let Some(Some(library)) = library {
                member.home_library = library;
            }
            match self.records.update_member(&mut member, &[]).await {
                Ok(()) => break,
                Err(Refusal::Refused(MemberChanged)) => {
                    member = self.reload_after_conflict(&member.member_id, attempt, || Failure::TokenInvalid).await?;
                }
                Err(Refusal::Store(error)) => return Err(error.into()),
            }
        }
        Ok(MemberView { member, certifications })
    }

    /// `POST /v1/members/me/password`: the new password's rules, then the current password (a wrong
    /// one counts toward the lockout); success ends every session of the member, this one too.
    pub async fn change_password(&self, caller: Caller, current: Password, new: &str) -> Result<(), Failure> {
        let new = Password::parse(new, Some(&caller.member.username)).map_err(|codes| {
            Failure::WeakPassword(codes.into_iter().map(|c| FieldError::new("/newPassword", c)).collect())
        })?;
        self.check_password(&caller.member, current).await?;
        let event = AuditEvent::new(&caller.member.member_id, "password.changed", self.clock.now());
        let username = caller.member.username.clone();
        let changed = self.set_password(caller.member, new, None, &[event]).await;
        self.give_back_attempt(username.as_str(), changed).await
    }

    /// Stores a new password hash and moves the credential epoch, which ends every session.
    /// The sign-in lock is lifted in the same transaction, with `spent` (a recovery's identity
    /// result) marked used and `events` audited there too.
    pub(crate) async fn set_password(
        &self,
        mut member: MemberRecord,
        password: Password,
        spent: Option<&super::identity::FreshResult>,
        events: &[AuditEvent],
    ) -> Result<(), Failure> {
        #[derive(Debug)]
        enum Guard {
            Member,
            ResultUsed,
        }
        let hash = self.hash_password(password).await?;
        let mut retry = Retry::new(MEMBER_WRITE_ATTEMPTS);
        loop {
            let attempt = retry.attempt()?;
            let now = self.clock.now();
            let saved = self
                .records
                .save_versioned(&mut member, |member, read| {
                    member.password_hash = hash.clone();
                    member.credential_epoch += 1;
                    let mut transaction = Transaction::new();
                    transaction.guard(Guard::Member, self.records.member_put(member, read)?);
                    if let Some(fresh) = spent {
                        transaction.guard(Guard::ResultUsed, fresh.marker());
                    }
                    transaction.extend([self.records.clear_login_write(member.username.as_str())]);
                    transaction.extend(self.records.notice_writes(
                        member,
                        Notice::PasswordChanged,
                        NoticeParams::time(now),
                        now,
                    )?);
                    transaction.extend(crate::records::Records::audit_writes(events)?);
                    Ok(transaction)
                })
                .await;
            match saved {
                Ok(()) => return Ok(()),
                Err(Refusal::Refused(Guard::Member)) => {
                    member = self.reload_after_conflict(&member.member_id, attempt, || Failure::MemberNotFound).await?;
                }
                Err(Refusal::Refused(Guard::ResultUsed)) => return Err(Failure::IdentityResultReplayed),
                Err(Refusal::Store(error)) => return Err(error.into()),
            }
        }
    }

    /// After a write whose condition on the member's version failed (another request changed the
    /// member first): the member as it is now, to apply the change again, or 503 when that was the
    /// last attempt; `gone` when the member no longer exists.
    pub(crate) async fn reload_after_conflict(
        &self,
        member_id: &str,
        attempt: usize,
        gone: fn() -> Failure,
    ) -> Result<MemberRecord, Failure> {
        if attempt + 1 >= MEMBER_WRITE_ATTEMPTS {
            return Err(Failure::Unavailable(StoreError::Conflict));
        }
        self.records.member(member_id).await?.ok_or_else(gone)
    }

    /// `POST /v1/members/me/consents/renewal`: the sign-up documents again; agreeing to both renews the
    /// 2-year cycle and lifts dormancy. Every answer is kept in the member's history.
    pub async fn renew_consent(
        &self,
        caller: Caller,
        answers: Vec<(String, String, bool)>,
        channel: Channel,
    ) -> Result<OffsetDateTime, Failure> {
        let answers = check_answers(ConsentStep::Signup, &answers)
            .map_err(|error| Failure::from_consent(error, |i| format!("/consents/{i}")))?;
        let missing = missing_required(ConsentStep::Signup, &answers);
        let now = self.clock.now();
        let recorded: Vec<RecordedConsent> =
            answers.into_iter().map(|answer| RecordedConsent { answer, at: now, channel: channel.clone() }).collect();
        let mut member = caller.member;
        let events = consent_events(&member.member_id, &recorded, now);
        let mut retry = Retry::new(MEMBER_WRITE_ATTEMPTS);
        loop {
            let attempt = retry.attempt()?;
            if missing.is_empty() {
                member.consent_renewed_at = now;
                member.dormant_recorded_at = None;
            }
            match self.records.save_member_with_consents(&mut member, &recorded, &events).await {
                Ok(()) => break,
                Err(Refusal::Refused(MemberChanged)) => {
                    member = self.reload_after_conflict(&member.member_id, attempt, || Failure::TokenInvalid).await?;
                }
                Err(Refusal::Store(error)) => return Err(error.into()),
            }
        }
        if !missing.is_empty() {
            return Err(Failure::ConsentRequired { missing });
        }
        Ok(membership_domain::member::consent_renewal_due(member.consent_renewed_at))
    }

    /// `DELETE /v1/members/me`: personal data deleted now; username and loan-card number retired.
    pub async fn withdraw(&self, caller: Caller) -> Result<(), Failure> {
        let id = caller.member.member_id.clone();
        let now = self.clock.now();
        let events = [AuditEvent::new(&id, "member.withdrawn", now).with("by", "member")];
        match self.records.withdraw_member(&caller.member, now, &events).await {
            // Changed meanwhile, or its claim taken over: withdrawn as it is now.
            Err(Refusal::Refused(MemberChanged) | Refusal::Store(StoreError::ConditionFailed { .. })) => {
                let member = self.records.member(&id).await?.ok_or(Failure::TokenInvalid)?;
                self.records.withdraw_member(&member, now, &events).await.map_err(Refusal::into_store)?;
            }
            other => other.map_err(Refusal::into_store)?,
        }
        Ok(())
    }

    pub async fn consent_history(&self, member_id: &str) -> Result<Vec<ConsentHistoryRecord>, Failure> {
        Ok(self.records.consent_history(member_id).await?)
    }
}

/// Everything held about a member, for `GET /v1/members/me/export` (PIPA art. 35).
pub struct MemberExport {
    pub view: MemberView,
    pub consents: Vec<ConsentHistoryRecord>,
    pub audit: Vec<crate::audit::AuditEvent>,
}

impl Service {
    pub async fn export(&self, caller: Caller) -> Result<MemberExport, Failure> {
        let member = caller.member;
        let consents = self.records.consent_history(&member.member_id).await?;
        let mut audit = Vec::new();
        if let Some(signup_id) = &member.signup_id {
            audit.extend(self.records.audit_events(signup_id).await?);
        }
        audit.extend(self.records.audit_events(&member.member_id).await?);
        self.records.audit(&[AuditEvent::new(&member.member_id, "member.exported", self.clock.now())]).await;
        Ok(MemberExport { view: self.member_view(member).await?, consents, audit })
    }

    /// `POST /v1/members/me/upgrade`: a child member who has turned 14 verifies as themself and
    /// becomes a general member. The identity result is used up by the upgrade's own transaction,
    /// or on its own when the upgrade is refused; a parallel change to the member is applied first
    /// and the upgrade tried again on top of it.
    pub async fn upgrade(
        &self,
        caller: Caller,
        identity: &super::identity::IdentityForm,
    ) -> Result<MemberView, Failure> {
        use membership_domain::member::MemberType;
        let mut member = caller.member;
        if member.member_type != MemberType::Child {
            return Err(Failure::NotApplicable);
        }
        let fresh =
            self.check_identity_result(crate::identity::Purpose::Upgrade, Some(&member.member_id), identity).await?;
        let now = self.clock.now();
        let person_key = self.keys.current().person_key(fresh.identity.di.expose());
        let replaces = match self.upgrade_refusal(&member, &fresh.identity, &person_key, now).await {
            Ok(replaces) => replaces,
            Err(refusal) => {
                self.spend(&fresh).await?;
                return Err(refusal);
            }
        };
        let mut replaces = replaces;
        let events = [AuditEvent::new(&member.member_id, "member.upgraded", now)];
        let mut retry = Retry::new(MEMBER_WRITE_ATTEMPTS);
        loop {
            let attempt = retry.attempt()?;
            match self.records.upgrade_member(&mut member, &person_key, replaces.clone(), fresh.marker(), &events).await
            {
                Ok(()) => break,
                Err(UpgradeError::MemberChanged) => {
                    member = self.reload_after_conflict(&member.member_id, attempt, || Failure::TokenInvalid).await?;
                    if member.member_type != MemberType::Child {
                        self.spend(&fresh).await?;
                        return Err(Failure::NotApplicable);
                    }
                }
                // The claim changed hands since it was read: refused only if someone holds it now.
                Err(UpgradeError::PersonTaken) => match self.records.holder(ClaimKind::Person, &person_key, now).await?
                {
                    Holder::Held(claim) => {
                        self.spend(&fresh).await?;
                        return Err(already_member(Some(claim)));
                    }
                    Holder::Lapsed { member_id } => {
                        replaces = Some(member_id);
                    }
                    Holder::Free => {
                        replaces = None;
                    }
                },
                Err(UpgradeError::ResultUsed) => return Err(Failure::IdentityResultReplayed),
                Err(UpgradeError::Store(error)) => return Err(error.into()),
            }
        }
        self.member_view(member).await
    }

    /// The upgrade's refusals, in the contract's order: another person, under 14, a person who holds
    /// a general membership. Otherwise the member withdrawn by time whose claim is taken over, if any.
    async fn upgrade_refusal(
        &self,
        member: &MemberRecord,
        identity: &membership_domain::identity::VerifiedIdentity,
        person_key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<String>, Failure> {
        use membership_domain::member::GENERAL_MEMBER_AGE;
        if identity.name != member.name || identity.birth_date != member.birth_date {
            return Err(Failure::IdentityMismatch);
        }
        let today = membership_domain::calendar::seoul_date(now);
        if membership_domain::calendar::full_age(member.birth_date.date(), today) < GENERAL_MEMBER_AGE {
            return Err(Failure::Age(membership_domain::signup::AgeRuleError::RequiresChildSignup));
        }
        match self.records.holder(ClaimKind::Person, person_key, now).await? {
            Holder::Held(claim) => Err(already_member(Some(claim))),
            Holder::Lapsed { member_id } => Ok(Some(member_id)),
            Holder::Free => Ok(None),
        }
    }
}

fn already_member(claim: Option<ClaimRecord>) -> Failure {
    Failure::MemberAlreadyExists {
        masked_username: claim.and_then(|c| c.username).map(|u| u.masked()).unwrap_or_else(|| "***".into()),
    }
}
