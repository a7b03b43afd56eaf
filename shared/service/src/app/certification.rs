//! Non-face-to-face certification (비대면 자격확인): Incheon citizen through the residency registry
//! (행정정보공동이용), Incheon student through the school library system (DLS). The RRN and the DLS
//! credentials are used for the upstream call and dropped; only the outcome is kept.

use membership_domain::calendar::{full_age, seoul_date, seoul_midnight, CalendarDate};
use membership_domain::consent::{check_answers, ConsentStep, DocumentId};
use membership_domain::dls::{account_existed_at_signup, DlsId, DlsPassword};
use membership_domain::identity::PersonName;
use membership_domain::member::{Grade, GENERAL_MEMBER_AGE};
use membership_domain::rrn::Rrn;
use membership_domain::signup::{Channel, RecordedConsent};
use membership_domain::validation::FieldErrors;
use secrecy::{ExposeSecret, SecretString};
use time::Duration;

use super::members::CertificationOutcome;
use super::sessions::Caller;
use super::{Failure, Service};
use crate::audit::AuditEvent;
use crate::records::{MemberChanged, MemberRecord, Refusal, Retry};
use crate::upstream::dls::DlsAnswer;
use crate::upstream::residency::ResidencyAnswer;
use crate::upstream::UpstreamError;

/// At most this many attempts per member and Asia/Seoul day, both methods together.
pub const DAILY_ATTEMPTS: u32 = 5;

/// The consent a certification asks for, as sent.
pub struct ConsentForm {
    pub document: String,
    pub version: String,
    pub agreed: bool,
}

/// The guardian's verification: a result of a request of purpose `guardian` made by the member.
pub type GuardianForm = super::identity::IdentityForm;

pub struct CitizenForm {
    pub consent: Option<ConsentForm>,
    pub name: String,
    pub rrn: SecretString,
    pub guardian: Option<GuardianForm>,
}

pub struct StudentForm {
    pub consent: Option<ConsentForm>,
    pub dls_name: String,
    pub dls_id: SecretString,
    pub dls_password: SecretString,
    pub guardian: Option<GuardianForm>,
}

/// What the upstream said, reduced to what the service acts on.
enum Verdict {
    Certified { reference: String },
    Refused(Failure),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Citizen,
    Student,
}

impl Kind {
    fn document(self) -> DocumentId {
        match self {
            Kind::Citizen => DocumentId::CitizenThirdParty,
            Kind::Student => DocumentId::StudentCollection,
        }
    }

    fn method(self) -> &'static str {
        match self {
            Kind::Citizen => "incheon-citizen",
            Kind::Student => "incheon-student",
        }
    }

    fn grade(self) -> Grade {
        match self {
            Kind::Citizen => Grade::Full,
            Kind::Student => Grade::Light,
        }
    }

    /// "준회원일 경우에만 인증을 통해 정회원으로": citizen from associate (or light, to become full);
    /// student from associate only.
    fn applies_to(self, grade: Grade) -> bool {
        match self {
            Kind::Citizen => matches!(grade, Grade::Associate | Grade::Light),
            Kind::Student => grade == Grade::Associate,
        }
    }
}

pub struct Certified {
    pub grade: Grade,
    pub outcome: CertificationOutcome,
}

impl Service {
    pub async fn certify_citizen(
        &self,
        caller: Caller,
        form: CitizenForm,
        channel: Channel,
    ) -> Result<Certified, Failure> {
        let kind = Kind::Citizen;
        let consent = self.precheck(&caller.member, kind, form.consent.as_ref(), channel)?;
        let today = seoul_date(self.clock.now());
        let mut errors = FieldErrors::default();
        let name = errors.take("/name", PersonName::parse(&form.name));
        let rrn = errors.take("/rrn", Rrn::parse(form.rrn.expose_secret(), today));
        let (Some(name), Some(rrn)) = (name, rrn) else { return Err(Failure::Validation(errors.into_vec())) };
        let member = &caller.member;
        self.attempt(&caller, kind, form.guardian.as_ref(), consent, || async {
            if name != member.name || rrn.birth_date() != member.birth_date {
                return Ok(Verdict::Refused(Failure::IdentityMismatch));
            }
            Ok(match self.upstreams.residency.check(&name, &rrn).await? {
                ResidencyAnswer::Unknown => Verdict::Refused(Failure::IdentityMismatch),
                ResidencyAnswer::Resident { in_incheon: false, .. } => Verdict::Refused(Failure::NotIncheonResident),
                ResidencyAnswer::Resident { in_incheon: true, reference } => Verdict::Certified { reference },
            })
        })
        .await
    }

    pub async fn certify_student(
        &self,
        caller: Caller,
        form: StudentForm,
        channel: Channel,
    ) -> Result<Certified, Failure> {
        let kind = Kind::Student;
        let consent = self.precheck(&caller.member, kind, form.consent.as_ref(), channel)?;
        let mut errors = FieldErrors::default();
        let name = errors.take("/dlsName", PersonName::parse(&form.dls_name));
        let id = errors.take("/dlsId", DlsId::parse(form.dls_id.expose_secret()));
        let password = errors.take("/dlsPassword", DlsPassword::parse(form.dls_password.expose_secret()));
        let (Some(name), Some(id), Some(password)) = (name, id, password) else {
            return Err(Failure::Validation(errors.into_vec()));
        };
        let member = &caller.member;
        let signed_up_on = CalendarDate::from_date(seoul_date(member.created_at));
        self.attempt(&caller, kind, form.guardian.as_ref(), consent, || async {
            if name != member.name {
                return Ok(Verdict::Refused(Failure::IdentityMismatch));
            }
            Ok(match self.upstreams.dls.verify(&name, &id, &password).await? {
                DlsAnswer::Account { created_on, reference } if account_existed_at_signup(created_on, signed_up_on) => {
                    Verdict::Certified { reference }
                }
                DlsAnswer::Account { .. } | DlsAnswer::Rejected => Verdict::Refused(Failure::DlsRejected),
            })
        })
        .await
    }

    /// Checks 1 and 2 of the contract: the grade, then the consent (recorded once the attempt is made).
    fn precheck(
        &self,
        member: &MemberRecord,
        kind: Kind,
        consent: Option<&ConsentForm>,
        channel: Channel,
    ) -> Result<RecordedConsent, Failure> {
        if !kind.applies_to(member.grade) {
            return Err(Failure::NotApplicable);
        }
        let Some(consent) = consent else { return Err(Failure::ConsentRequired { missing: vec![kind.document()] }) };
        let answers = [(consent.document.clone(), consent.version.clone(), consent.agreed)];
        let answer = check_answers(ConsentStep::Certification, &answers)
            .map_err(|error| Failure::from_consent(error, |_| "/consent".into()))?
            .remove(0);
        if answer.document != kind.document() || !answer.agreed {
            return Err(Failure::ConsentRequired { missing: vec![kind.document()] });
        }
        Ok(RecordedConsent { answer, at: self.clock.now(), channel })
    }

    /// Raises the member's grade with the outcome and consent kept. A parallel change to the member
    /// is applied first and the certification saved on top of it; if that change was another
    /// certification that already raised the grade, this one no longer applies (409).
    async fn save_certification(
        &self,
        mut member: MemberRecord,
        kind: Kind,
        outcome: &CertificationOutcome,
        consent: &RecordedConsent,
        events: &[AuditEvent],
    ) -> Result<MemberRecord, Failure> {
        let mut retry = Retry::new(super::members::MEMBER_WRITE_ATTEMPTS);
        loop {
            let attempt = retry.attempt()?;
            member.grade = kind.grade();
            match self.records.record_certification(&mut member, outcome, consent, events).await {
                Ok(()) => return Ok(member),
                Err(Refusal::Refused(MemberChanged)) => {
                    member = self.reload_after_conflict(&member.member_id, attempt, || Failure::TokenInvalid).await?;
                    if !kind.applies_to(member.grade) {
                        return Err(Failure::NotApplicable);
                    }
                }
                Err(Refusal::Store(error)) => return Err(error.into()),
            }
        }
    }

    /// Checks 4 to 7: the guardian of a child under 14, the daily limit, then `verify` (identity and
    /// upstream). An upstream that cannot answer leaves the member as it was and the attempt uncounted.
    async fn attempt<F, Fut>(
        &self,
        caller: &Caller,
        kind: Kind,
        guardian: Option<&GuardianForm>,
        consent: RecordedConsent,
        verify: F,
    ) -> Result<Certified, Failure>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Verdict, UpstreamError>>,
    {
        let member = &caller.member;
        let now = self.clock.now();
        let today = seoul_date(now);
        // PIPA art. 22-2: for a child under 14, the legal representative who signed the child up consents.
        if full_age(member.birth_date.date(), today) < GENERAL_MEMBER_AGE {
            let Some(guardian) = guardian else { return Err(Failure::GuardianRequired) };
            let identity =
                self.use_identity_result(crate::identity::Purpose::Guardian, Some(&member.member_id), guardian).await?;
            let key = self.keys.current().person_key(identity.di.expose());
            if member.guardian.as_ref().is_none_or(|g| g.person_key != key) {
                return Err(Failure::GuardianRequired);
            }
        }
        let day = CalendarDate::from_date(today);
        let midnight = seoul_midnight(today.next_day().unwrap_or(today));
        // The count may go the day after: by then no rule reads it.
        let expires = midnight + Duration::days(1);
        if !self.records.take_attempt(&member.member_id, &day, DAILY_ATTEMPTS, expires, now).await? {
            let seconds = (midnight - now).whole_seconds().max(1) as u64;
            return Err(Failure::CertificationRateLimited { retry_after_seconds: seconds });
        }
        let verdict = match verify().await {
            Ok(verdict) => verdict,
            Err(error) => {
                tracing::warn!(error = %error, method = kind.method(), "certification upstream unavailable");
                self.records.return_attempt(&member.member_id, &day, expires, now).await?;
                return Err(Failure::UpstreamUnavailable);
            }
        };
        let attempted =
            AuditEvent::new(&member.member_id, "certification.attempted", now).with("method", kind.method());
        match verdict {
            Verdict::Refused(refusal) => {
                let code = match refusal {
                    Failure::NotIncheonResident => "certification.not_incheon_resident",
                    Failure::DlsRejected => "certification.dls_rejected",
                    _ => "certification.identity_mismatch",
                };
                let refused = AuditEvent::new(&member.member_id, "certification.refused", now)
                    .with("method", kind.method())
                    .with("code", code);
                let events = [attempted, refused];
                if let Err(error) = self.records.record_consent_answer(&member.member_id, &consent, &events).await {
                    // Not recorded: answered 503, and a 503 costs no attempt.
                    let _ = self.records.return_attempt(&member.member_id, &day, expires, now).await;
                    return Err(error.into());
                }
                Err(refusal)
            }
            Verdict::Certified { reference } => {
                let outcome = CertificationOutcome {
                    method: kind.method().to_owned(),
                    certified_at: now,
                    reference: Some(reference),
                };
                let succeeded = AuditEvent::new(&member.member_id, "certification.succeeded", now)
                    .with("method", kind.method())
                    .with("grade", format!("{:?}", kind.grade()).to_lowercase());
                let events = [attempted.clone(), succeeded];
                let member =
                    match self.save_certification(caller.member.clone(), kind, &outcome, &consent, &events).await {
                        Ok(member) => member,
                        // A parallel certification raised the grade first. The upstream was asked under
                        // this consent all the same: it is kept, and the attempt recorded.
                        Err(refusal @ Failure::NotApplicable) => {
                            self.records.record_consent_answer(&member.member_id, &consent, &[attempted]).await?;
                            return Err(refusal);
                        }
                        Err(error) => {
                            // Not recorded: answered 503, so the attempt does not count either.
                            let _ = self.records.return_attempt(&member.member_id, &day, expires, now).await;
                            return Err(error);
                        }
                    };
                Ok(Certified { grade: member.grade, outcome })
            }
        }
    }
}
