//! The online sign-up (회원유형확인 > 이용약관동의 > 본인확인 > 정보입력) as a state machine.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime};

use crate::calendar::{full_age, CalendarDate};
use crate::consent::{ConsentAnswer, ConsentStep};
use crate::identity::PersonName;
use crate::member::{MemberType, GENERAL_MEMBER_AGE, GUARDIAN_AGE};

pub const SIGNUP_LIFETIME: Duration = Duration::minutes(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignupStep {
    Consent,
    Identity,
    Profile,
}

impl SignupStep {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Consent => "consent",
            Self::Identity => "identity",
            Self::Profile => "profile",
        }
    }
}

/// Whose identity was verified: the applicant, or the guardian who signs a child up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[serde(rename = "self")]
    Applicant,
    Guardian,
}

/// Where a consent was given: the channel the law asks to be recorded with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedConsent {
    #[serde(flatten)]
    pub answer: ConsentAnswer,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub channel: Channel,
}

/// The verified person, as the sign-up keeps it until the member is created. `claim_key` is the
/// peppered HMAC of the provider's DI, never the DI itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedPerson {
    pub name: PersonName,
    pub birth_date: CalendarDate,
    pub role: Role,
    pub claim_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignupSession {
    pub id: String,
    pub token_hash: String,
    pub member_type: MemberType,
    pub step: SignupStep,
    pub version: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(default)]
    pub consents: Vec<RecordedConsent>,
    pub verified: Option<VerifiedPerson>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AgeRuleError {
    #[error("a person under 14 signs up as a child member")]
    RequiresChildSignup,
    #[error("a person of 14 or over signs up as a general member")]
    RequiresGeneralSignup,
    #[error("the guardian of a child member must be an adult")]
    GuardianNotAdult,
}

impl SignupSession {
    pub fn start(id: String, token_hash: String, member_type: MemberType, now: OffsetDateTime) -> Self {
        Self {
            id,
            token_hash,
            member_type,
            step: SignupStep::Consent,
            version: 0,
            created_at: now,
            expires_at: now + SIGNUP_LIFETIME,
            consents: Vec::new(),
            verified: None,
        }
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now >= self.expires_at
    }

    /// The consent step: answers are recorded whatever they say; the session moves on only when
    /// both required documents are agreed to (동의하지 않습니다 stops the sign-up here). A session
    /// holds at most [`MAX_SESSION_CONSENTS`] answers, so it stays far below a store item's size
    /// and its member's creation far below a transaction's item count.
    pub fn record_consents(
        &mut self,
        answers: Vec<ConsentAnswer>,
        at: OffsetDateTime,
        channel: Channel,
    ) -> Result<bool, ConsentLimitReached> {
        if self.consents.len() + answers.len() > MAX_SESSION_CONSENTS {
            return Err(ConsentLimitReached);
        }
        self.consents.extend(answers.into_iter().map(|answer| RecordedConsent {
            answer,
            at,
            channel: channel.clone(),
        }));
        let answers: Vec<ConsentAnswer> = self.consents.iter().map(|c| c.answer.clone()).collect();
        let complete = crate::consent::missing_required(ConsentStep::Signup, &answers).is_empty();
        if complete {
            self.step = SignupStep::Identity;
        }
        Ok(complete)
    }

    pub fn accept_identity(&mut self, person: VerifiedPerson) {
        self.verified = Some(person);
        self.step = SignupStep::Profile;
    }
}

/// The most consent answers one sign-up session records (API.md, Conventions).
pub const MAX_SESSION_CONSENTS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the sign-up session has recorded as many consent answers as it may")]
pub struct ConsentLimitReached;

/// Who may verify for which member type: a general applicant of 14 or over for themself; for a child
/// member, an adult guardian (PIPA art. 22-2: the legal representative consents for an under-14).
pub fn role_for(member_type: MemberType, birth: Date, today: Date) -> Result<Role, AgeRuleError> {
    let age = full_age(birth, today);
    match member_type {
        MemberType::General if age < GENERAL_MEMBER_AGE => Err(AgeRuleError::RequiresChildSignup),
        MemberType::General => Ok(Role::Applicant),
        MemberType::Child if age < GUARDIAN_AGE => Err(AgeRuleError::GuardianNotAdult),
        MemberType::Child => Ok(Role::Guardian),
    }
}

/// A child member is under 14 on the day of sign-up.
pub fn check_child_age(birth: Date, today: Date) -> Result<(), AgeRuleError> {
    if full_age(birth, today) >= GENERAL_MEMBER_AGE {
        Err(AgeRuleError::RequiresGeneralSignup)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn general_applicants_are_fourteen_and_guardians_nineteen() {
        let today = date!(2026 - 03 - 01);
        assert_eq!(role_for(MemberType::General, date!(2012 - 02 - 29), today), Ok(Role::Applicant));
        assert_eq!(
            role_for(MemberType::General, date!(2012 - 02 - 29), date!(2026 - 02 - 28)),
            Err(AgeRuleError::RequiresChildSignup)
        );
        assert_eq!(role_for(MemberType::Child, date!(2007 - 03 - 01), today), Ok(Role::Guardian));
        assert_eq!(role_for(MemberType::Child, date!(2007 - 03 - 02), today), Err(AgeRuleError::GuardianNotAdult));
        assert_eq!(check_child_age(date!(2012 - 03 - 02), today), Ok(()));
        assert_eq!(check_child_age(date!(2012 - 03 - 01), today), Err(AgeRuleError::RequiresGeneralSignup));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use time::{Duration, Month};

    fn birth_dates() -> impl Strategy<Value = Date> {
        (1920i32..2026, 1u8..=12, 1u8..=28)
            .prop_map(|(y, m, d)| Date::from_calendar_date(y, Month::try_from(m).unwrap(), d).unwrap())
    }

    fn birthday(birth: Date, years: i32) -> Date {
        birth.replace_year(birth.year() + years).unwrap()
    }

    proptest! {
        #[test]
        fn a_general_applicant_is_accepted_from_the_fourteenth_birthday(birth in birth_dates()) {
            let fourteenth = birthday(birth, 14);
            prop_assert_eq!(role_for(MemberType::General, birth, fourteenth), Ok(Role::Applicant));
            prop_assert_eq!(
                role_for(MemberType::General, birth, fourteenth - Duration::days(1)),
                Err(AgeRuleError::RequiresChildSignup)
            );
            prop_assert_eq!(check_child_age(birth, fourteenth - Duration::days(1)), Ok(()));
            prop_assert_eq!(check_child_age(birth, fourteenth), Err(AgeRuleError::RequiresGeneralSignup));
        }

        #[test]
        fn a_guardian_is_accepted_from_the_nineteenth_birthday(birth in birth_dates()) {
            let nineteenth = birthday(birth, 19);
            prop_assert_eq!(role_for(MemberType::Child, birth, nineteenth), Ok(Role::Guardian));
            prop_assert_eq!(
                role_for(MemberType::Child, birth, nineteenth - Duration::days(1)),
                Err(AgeRuleError::GuardianNotAdult)
            );
        }
    }
}
