//! The online sign-up: start (회원유형확인), consent (이용약관동의), identity (본인확인) and member
//! information (정보입력).

use membership_domain::calendar::{seoul_date, CalendarDate};
use membership_domain::consent::{check_answers, missing_required, ConsentStep};
use membership_domain::contact::{Email, MobilePhone};
use membership_domain::identity::PersonName;
use membership_domain::library::Library;
use membership_domain::loan_card::LoanCardNumber;
use membership_domain::member::{Grade, MemberType};
use membership_domain::password::Password;
use membership_domain::signup::{
    check_child_age, role_for, Channel, RecordedConsent, Role, SignupSession, SignupStep, VerifiedPerson,
};
use membership_domain::username::Username;
use membership_domain::validation::FieldErrors;
use membership_domain::FieldError;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use time::Date;

use super::identity::IdentityForm;
use super::{Failure, Service};
use crate::audit::AuditEvent;
use crate::identity::Purpose;
use crate::keys::{random_id, random_token, token_hash, token_matches};
use crate::records::{
    consent_events, ClaimKind, ClaimRef, CreateMemberError, GuardianRecord, Holder, MemberRecord, NewMember, Records,
    Refusal, Retry, SignupChanged, Transaction,
};
use crate::store::StoreError;

pub struct StartedSignup {
    pub session: SignupSession,
    /// Handed to the client once; only its hash is kept.
    pub token: String,
}

/// The member information step as the client sent it, before any rule is checked.
pub struct MemberForm {
    pub username: String,
    pub password: SecretString,
    pub email: String,
    pub phone: String,
    pub home_library: String,
    pub child: Option<ChildForm>,
}

pub struct ChildForm {
    pub name: String,
    pub birth_date: String,
}

pub struct CreatedMember {
    pub member_id: String,
    pub username: Username,
    pub loan_card_number: LoanCardNumber,
    pub member_type: MemberType,
    pub grade: Grade,
}

/// A member form that passed every rule.
struct ValidMember {
    username: Username,
    password: Password,
    email: Email,
    phone: MobilePhone,
    home_library: Library,
    child: Option<(PersonName, CalendarDate)>,
}

/// How often a member creation is tried again after a loan-card collision or a transaction conflict.
const CREATE_ATTEMPTS: usize = 5;

/// How often a consent step is applied again on top of a parallel one before answering 503.
const STEP_ATTEMPTS: usize = 5;

impl Service {
    pub async fn start_signup(&self, member_type: MemberType) -> Result<StartedSignup, Failure> {
        // The token names its session, so that a request carrying only the token (an identity
        // request) finds the session it is for; the random part is what authorises.
        let id = random_id();
        let token = format!("{id}.{}", random_token());
        let session = SignupSession::start(id, token_hash(&token), member_type, self.clock.now());
        let event =
            AuditEvent::new(&session.id, "signup.started", session.created_at).with("memberType", member_type.as_str());
        self.records.create_signup(&session, &[event]).await?;
        Ok(StartedSignup { session, token })
    }

    /// Loads the session a step belongs to and checks it may take that step now.
    async fn open_signup(&self, id: &str, token: &str, step: SignupStep) -> Result<SignupSession, Failure> {
        let session = self.records.signup(id).await?.ok_or(Failure::SignupNotFound)?;
        if !token_matches(token, &session.token_hash) {
            return Err(Failure::SignupTokenInvalid);
        }
        if session.is_expired(self.clock.now()) {
            return Err(Failure::SignupExpired);
        }
        if session.step != step {
            return Err(Failure::WrongStep { expected: session.step });
        }
        Ok(session)
    }

    /// The sign-up a token authorises, which must be at its identity step (an identity request of
    /// purpose `signup`).
    pub async fn signup_awaiting_identity(&self, token: &str) -> Result<String, Failure> {
        let (id, _) = token.split_once('.').ok_or(Failure::SignupTokenInvalid)?;
        if id.is_empty() || id.len() > 64 {
            return Err(Failure::SignupTokenInvalid);
        }
        Ok(self.open_signup(id, token, SignupStep::Identity).await?.id)
    }

    pub async fn record_consent(
        &self,
        id: &str,
        token: &str,
        answers: Vec<(String, String, bool)>,
        channel: Channel,
    ) -> Result<SignupStep, Failure> {
        let mut session = self.open_signup(id, token, SignupStep::Consent).await?;
        let answers = check_answers(ConsentStep::Signup, &answers)
            .map_err(|error| Failure::from_consent(error, |i| format!("/consents/{i}")))?;
        // Every answer is recorded, a refusal too; only the required ones agreed move the sign-up on.
        // Another consent request recorded first: its answers are kept and these added on top (the
        // session reread says whether this step is still open).
        let now = self.clock.now();
        let recorded: Vec<RecordedConsent> = answers
            .iter()
            .map(|answer| RecordedConsent { answer: answer.clone(), at: now, channel: channel.clone() })
            .collect();
        let events = consent_events(id, &recorded, now);
        let mut retry = Retry::new(STEP_ATTEMPTS);
        let complete = loop {
            retry.attempt()?;
            let complete = session
                .record_consents(answers.clone(), now, channel.clone())
                .map_err(|_| Failure::Validation(vec![FieldError::new("/consents", "limit_reached")]))?;
            match self.records.update_signup(&mut session, &events).await {
                Ok(()) => break complete,
                Err(Refusal::Refused(SignupChanged)) => {
                    // The session reread says whether this step is still open; the last attempt
                    // answers 503 if it is.
                    let reread = self.open_signup(id, token, SignupStep::Consent).await?;
                    if !retry.exhausted() {
                        session = reread;
                    }
                }
                Err(Refusal::Store(error)) => return Err(error.into()),
            }
        };
        if !complete {
            let recorded: Vec<_> = session.consents.iter().map(|c| c.answer.clone()).collect();
            return Err(Failure::ConsentRequired { missing: missing_required(ConsentStep::Signup, &recorded) });
        }
        Ok(session.step)
    }

    /// 본인확인. The checks run in the contract's order: the sign-up's own, then the result's (not
    /// of a request of this sign-up, used before, too old, not a success); from then on the request
    /// is used up, whatever follows.
    pub async fn verify_identity(&self, id: &str, token: &str, form: &IdentityForm) -> Result<VerifiedPerson, Failure> {
        let mut session = self.open_signup(id, token, SignupStep::Identity).await?;
        let fresh = self.check_identity_result(Purpose::Signup, Some(&session.id), form).await?;
        let now = self.clock.now();
        let identity = &fresh.identity;
        let claim_key = self.keys.current().person_key(identity.di.expose());
        let role = match role_for(session.member_type, identity.birth_date.date(), seoul_date(now)) {
            Ok(Role::Applicant) => match self.records.holder(ClaimKind::Person, &claim_key, now).await? {
                Holder::Held(claim) => Err(already_member(claim.username.as_ref())),
                Holder::Free | Holder::Lapsed { .. } => Ok(Role::Applicant),
            },
            other => other.map_err(Failure::from),
        };
        let role = match role {
            Ok(role) => role,
            Err(refusal) => {
                self.spend(&fresh).await?;
                return Err(refusal);
            }
        };
        let person = VerifiedPerson { name: identity.name.clone(), birth_date: identity.birth_date, role, claim_key };
        session.accept_identity(person.clone());
        let role_name = if role == Role::Applicant { "self" } else { "guardian" };
        let event = AuditEvent::new(id, "identity.verified", now)
            .with("method", fresh.identity.method.as_str())
            .with("role", role_name);
        #[derive(Debug)]
        enum Guard {
            ResultUsed,
            Signup,
        }
        let saved = self
            .records
            .save_versioned(&mut session, |session, read| {
                let mut transaction = Transaction::new();
                transaction
                    .guard(Guard::ResultUsed, fresh.marker())
                    .guard(Guard::Signup, self.records.signup_put(session, read)?)
                    .extend([Records::audit_write(&event)?]);
                Ok(transaction)
            })
            .await;
        match saved {
            Ok(()) => Ok(person),
            Err(Refusal::Refused(Guard::ResultUsed)) => Err(Failure::IdentityResultReplayed),
            Err(Refusal::Refused(Guard::Signup)) => {
                Err(self.open_signup(id, token, SignupStep::Identity).await.err().unwrap_or(Failure::SignupNotFound))
            }
            Err(Refusal::Store(error)) => Err(error.into()),
        }
    }

    /// 정보입력: the body's rules, then the same person or child already a member, then the username.
    pub async fn complete_signup(&self, id: &str, token: &str, form: MemberForm) -> Result<CreatedMember, Failure> {
        let session = self.open_signup(id, token, SignupStep::Profile).await?;
        let now = self.clock.now();
        let valid = validate_member(form, session.member_type, seoul_date(now))?;
        let verified = session.verified.clone().ok_or(Failure::WrongStep { expected: SignupStep::Identity })?;

        let (claim, name, birth_date, guardian) = match &valid.child {
            None => (
                ClaimRef { kind: ClaimKind::Person, key: verified.claim_key.clone() },
                verified.name,
                verified.birth_date,
                None,
            ),
            Some((child_name, child_birth)) => {
                let key =
                    self.keys.current().child_key(&verified.claim_key, child_name.as_str(), &child_birth.to_string());
                let guardian = GuardianRecord { name: verified.name, person_key: verified.claim_key.clone() };
                (ClaimRef { kind: ClaimKind::Child, key }, child_name.clone(), *child_birth, Some(guardian))
            }
        };
        let replaces = match self.records.holder(claim.kind, &claim.key, now).await? {
            Holder::Held(existing) => return Err(already_member(existing.username.as_ref())),
            Holder::Lapsed { member_id } => Some(member_id),
            Holder::Free => None,
        };
        if valid.username.is_reserved()
            || self.records.claim(ClaimKind::Username, valid.username.as_str(), now).await?.is_some()
        {
            return Err(Failure::UsernameTaken);
        }

        let password_hash = self.hash_password(valid.password).await?;

        let mut new = NewMember {
            member: MemberRecord {
                member_id: random_id(),
                username: valid.username,
                password_hash,
                name,
                birth_date,
                member_type: session.member_type,
                grade: Grade::Associate,
                home_library: valid.home_library,
                loan_card_number: random_loan_card(),
                email: valid.email,
                phone: valid.phone,
                guardian,
                claim,
                created_at: now,
                consent_renewed_at: now,
                credential_epoch: 0,
                dormant_recorded_at: None,
                language: crate::notices::NoticeLanguage::of_request(),
                last_milestone_at: None,
                signup_id: Some(session.id.clone()),
                version: 0,
            },
            replaces,
            consents: session.consents.clone(),
            signup_id: session.id.clone(),
            signup_version: session.version,
        };
        let event = AuditEvent::new(&new.member.member_id, "member.created", now)
            .with("signupId", id)
            .with("memberType", new.member.member_type.as_str());
        for attempt in 1..=CREATE_ATTEMPTS {
            match self.records.create_member(&new, std::slice::from_ref(&event)).await {
                Ok(()) => {
                    let member = new.member;
                    return Ok(CreatedMember {
                        member_id: member.member_id,
                        username: member.username,
                        loan_card_number: member.loan_card_number,
                        member_type: member.member_type,
                        grade: member.grade,
                    });
                }
                Err(CreateMemberError::CardTaken) => new.member.loan_card_number = random_loan_card(),
                // DynamoDB may cancel the loser of a race with TransactionConflict: try again, and the
                // retry meets the winner's claims as a plain condition failure.
                Err(CreateMemberError::Store(StoreError::Conflict)) if attempt < CREATE_ATTEMPTS => {
                    let pause = rand::thread_rng().gen_range(5..25 * attempt as u64);
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
                Err(CreateMemberError::AlreadyMember) => {
                    match self.records.holder(new.member.claim.kind, &new.member.claim.key, now).await? {
                        Holder::Held(existing) => return Err(already_member(existing.username.as_ref())),
                        // Taken by another lapsed member, or let go, since it was read: try again.
                        Holder::Lapsed { member_id } if attempt < CREATE_ATTEMPTS => new.replaces = Some(member_id),
                        Holder::Free if attempt < CREATE_ATTEMPTS => new.replaces = None,
                        // Still changing hands after every attempt: a race, not a member.
                        _ => return Err(Failure::Unavailable(StoreError::Conflict)),
                    }
                }
                Err(CreateMemberError::UsernameTaken) => return Err(Failure::UsernameTaken),
                Err(CreateMemberError::SignupChanged) => {
                    return Err(self
                        .open_signup(id, token, SignupStep::Profile)
                        .await
                        .err()
                        .unwrap_or(Failure::SignupNotFound));
                }
                Err(CreateMemberError::Store(error)) => return Err(error.into()),
            }
        }
        Err(Failure::Unavailable(StoreError::Conflict))
    }
}

fn already_member(username: Option<&Username>) -> Failure {
    Failure::MemberAlreadyExists { masked_username: username.map(Username::masked).unwrap_or_else(|| "***".into()) }
}

fn random_loan_card() -> LoanCardNumber {
    let mut rng = rand::thread_rng();
    LoanCardNumber::from_digits(std::array::from_fn(|_| rng.gen_range(0..10)))
}

/// The body's rules in the contract's order: field rules (422 `validation.failed`), then the password
/// (`password.weak`), then the child's age (`age.requires_general_signup`).
fn validate_member(form: MemberForm, member_type: MemberType, today: Date) -> Result<ValidMember, Failure> {
    let mut errors = FieldErrors::default();
    let username = errors.take("/username", Username::parse(&form.username));
    let email = errors.take("/email", Email::parse(&form.email));
    let phone = errors.take("/phone", MobilePhone::parse(&form.phone));
    let home_library = errors.take("/homeLibrary", Library::parse(&form.home_library));
    let child = match (member_type, form.child) {
        (MemberType::Child, None) => {
            errors.push("/child", "required");
            None
        }
        (MemberType::General, Some(_)) => {
            errors.push("/child", "not_allowed");
            None
        }
        (MemberType::General, None) => None,
        (MemberType::Child, Some(child)) => {
            let name = errors.take("/child/name", PersonName::parse(&child.name));
            let birth = errors.take("/child/birthDate", CalendarDate::parse_birth_date(&child.birth_date, today));
            name.zip(birth)
        }
    };
    let password = Password::parse(form.password.expose_secret(), username.as_ref())
        .map_err(|reasons| reasons.into_iter().map(|code| FieldError::new("/password", code)).collect::<Vec<_>>());
    let (Some(username), Some(email), Some(phone), Some(home_library)) = (username, email, phone, home_library) else {
        let mut all = errors.into_vec();
        all.extend(password.err().unwrap_or_default());
        return Err(Failure::Validation(all));
    };
    if !errors.is_empty() {
        let mut all = errors.into_vec();
        all.extend(password.err().unwrap_or_default());
        return Err(Failure::Validation(all));
    }
    let password = password.map_err(Failure::WeakPassword)?;
    if let Some((_, birth)) = &child {
        check_child_age(birth.date(), today)?;
    }
    Ok(ValidMember { username, password, email, phone, home_library, child })
}
