//! How a member is reached: e-mail and a Korean mobile number.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// One `@`, a non-empty local part, a dotted domain, at most 254 characters, no spaces.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.chars().count() > 254 {
            return Err("too_long");
        }
        let (local, domain) = raw.split_once('@').ok_or("invalid_format")?;
        let domain_ok =
            domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..");
        if local.is_empty() || !domain_ok || domain.contains('@') || raw.chars().any(char::is_whitespace) {
            return Err("invalid_format");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

/// A Korean mobile number, kept in its usual hyphenated form (`010-1234-5678`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobilePhone(String);

impl MobilePhone {
    /// `01[016789]` followed by 7 or 8 digits; hyphens anywhere between digits are allowed.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.starts_with('-') || raw.ends_with('-') || raw.contains("--") {
            return Err("invalid_format");
        }
        let digits: String = raw.chars().filter(|c| *c != '-').collect();
        let valid = digits.chars().all(|c| c.is_ascii_digit())
            && (10..=11).contains(&digits.len())
            && digits.starts_with("01")
            && matches!(digits.as_bytes()[2], b'0' | b'1' | b'6' | b'7' | b'8' | b'9');
        if !valid {
            return Err("invalid_format");
        }
        let middle = digits.len() - 4;
        Ok(Self(format!("{}-{}-{}", &digits[..3], &digits[3..middle], &digits[middle..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MobilePhone {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<MobilePhone> for String {
    fn from(phone: MobilePhone) -> Self {
        phone.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_are_normalised() {
        assert_eq!(MobilePhone::parse("01012345678").unwrap().as_str(), "010-1234-5678");
        assert_eq!(MobilePhone::parse("011-123-4567").unwrap().as_str(), "011-123-4567");
        assert!(MobilePhone::parse("012-1234-5678").is_err());
        assert!(MobilePhone::parse("02-123-4567").is_err());
        assert!(MobilePhone::parse("010-1234-56789").is_err());
    }

    #[test]
    fn emails_need_one_at_and_a_dotted_domain() {
        assert!(Email::parse("reader@example.kr").is_ok());
        assert!(Email::parse("reader@localhost").is_err());
        assert!(Email::parse("a@b@c.kr").is_err());
        assert!(Email::parse("@example.kr").is_err());
        assert_eq!(Email::parse(&format!("{}@example.kr", "a".repeat(250))), Err("too_long"));
    }
}
