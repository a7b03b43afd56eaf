//! The outcome of a phone or I-PIN identity verification (본인확인), as the provider vouches for it.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use unicode_normalization::UnicodeNormalization;

use crate::calendar::CalendarDate;

/// How long the result of an identity request may be used after the request was made.
pub const RESULT_LIFETIME: Duration = Duration::minutes(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Phone,
    Ipin,
}

impl Method {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "phone" => Ok(Self::Phone),
            "ipin" => Ok(Self::Ipin),
            _ => Err("invalid_value"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Ipin => "ipin",
        }
    }
}

/// A person's name as verified or as given for a child: 1 to 30 characters, trimmed, NFC-normalised
/// so that the same name typed on two keyboards compares equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name: String = raw.trim().nfc().collect();
        let len = name.chars().count();
        if len == 0 {
            return Err("required");
        }
        if len > 30 {
            return Err("too_long");
        }
        if name.chars().any(char::is_control) {
            return Err("invalid_format");
        }
        Ok(Self(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<PersonName> for String {
    fn from(name: PersonName) -> Self {
        name.0
    }
}

/// Duplicate-join information: the provider's site-specific identifier of a person. It never leaves
/// the service and is stored only as a peppered HMAC.
#[derive(Clone, PartialEq, Eq)]
pub struct Di(String);

impl Di {
    pub fn new(raw: String) -> Result<Self, &'static str> {
        if raw.is_empty() || raw.len() > 128 {
            return Err("invalid_format");
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Di {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Di([redacted])")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gender {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

/// What a valid provider result says about the person who verified.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    /// The provider's id of the request (its `token_version_id`): the result is single-use by it.
    pub transaction_id: String,
    pub method: Method,
    pub name: PersonName,
    pub birth_date: CalendarDate,
    pub gender: Option<Gender>,
    pub di: Di,
    /// When the request was made: its result is valid for [`RESULT_LIFETIME`] from then.
    pub issued_at: OffsetDateTime,
}

impl VerifiedIdentity {
    pub fn expires_at(&self) -> OffsetDateTime {
        self.issued_at + RESULT_LIFETIME
    }

    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        now > self.expires_at()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_normalised() {
        // "한" written as separate jamo (NFD) and as one syllable (NFC) are the same name.
        let decomposed = "\u{1112}\u{1161}\u{11AB}";
        assert_eq!(PersonName::parse(decomposed).unwrap(), PersonName::parse(" 한 ").unwrap());
        assert_eq!(PersonName::parse("  "), Err("required"));
        assert_eq!(PersonName::parse(&"가".repeat(31)), Err("too_long"));
    }
}
