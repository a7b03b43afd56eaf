//! Members: their type, grade and what each grade may use.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberType {
    /// 일반회원: full age 14 or over.
    General,
    /// 어린이·학생회원: under 14, signed up by a guardian.
    Child,
}

impl MemberType {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "general" => Ok(Self::General),
            "child" => Ok(Self::Child),
            _ => Err("invalid_value"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::General => "general",
            Self::Child => "child",
        }
    }
}

/// The full age from which a person signs up as a general member.
pub const GENERAL_MEMBER_AGE: i32 = 14;
/// PIPA art. 22-2: the legal representative who consents for a child must be an adult.
pub const GUARDIAN_AGE: i32 = 19;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grade {
    /// 준회원: online sign-up.
    Associate,
    /// 정회원 (non-face-to-face): Incheon citizen certification.
    Full,
    /// 경회원: Incheon student certification.
    Light,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entitlements {
    pub e_library: bool,
    pub unmanned_reservation: bool,
    pub smart_library: bool,
    pub desk_loans: bool,
}

impl Grade {
    /// "비대면 인증 회원은 원칙적으로 전자도서관만 이용할 수 있습니다 (무인예약 및 스마트도서관 제외)."
    pub fn entitlements(self) -> Entitlements {
        let e_library = matches!(self, Grade::Full | Grade::Light);
        Entitlements { e_library, unmanned_reservation: false, smart_library: false, desk_loans: false }
    }
}

/// Where a member stands in the consent cycle (seed 001: consent is renewed every 2 years; without
/// renewal the account is dormant, and after 1 year dormant it is withdrawn). Both take effect at
/// their due time, whether or not the clean-up job has run yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    Active,
    Dormant,
    Withdrawn,
}

/// The instant consent must be renewed by: the last renewal (or sign-up) plus 2 calendar years.
pub fn consent_renewal_due(last_renewal: time::OffsetDateTime) -> time::OffsetDateTime {
    crate::calendar::add_seoul_years(last_renewal, 2)
}

/// The instant a dormant member is withdrawn: a calendar year after consent renewal fell due.
pub fn withdrawal_due(last_renewal: time::OffsetDateTime) -> time::OffsetDateTime {
    crate::calendar::add_seoul_years(consent_renewal_due(last_renewal), 1)
}

pub fn standing(last_renewal: time::OffsetDateTime, now: time::OffsetDateTime) -> Standing {
    if now > withdrawal_due(last_renewal) {
        Standing::Withdrawn
    } else if now > consent_renewal_due(last_renewal) {
        Standing::Dormant
    } else {
        Standing::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use time::Duration;

    #[test]
    fn dormant_after_two_years_withdrawn_a_year_later() {
        let renewed = datetime!(2026-11-22 06:00:00 UTC);
        let due = consent_renewal_due(renewed);
        assert_eq!(due, datetime!(2028-11-22 06:00:00 UTC));
        assert_eq!(standing(renewed, due), Standing::Active);
        assert_eq!(standing(renewed, due + Duration::seconds(1)), Standing::Dormant);
        let withdrawal = withdrawal_due(renewed);
        assert_eq!(withdrawal, datetime!(2029-11-22 06:00:00 UTC));
        assert_eq!(standing(renewed, withdrawal), Standing::Dormant);
        assert_eq!(standing(renewed, withdrawal + Duration::seconds(1)), Standing::Withdrawn);
    }
}
