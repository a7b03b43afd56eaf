//! The username (아이디): one for every institution, never handed out twice.

use serde::{Deserialize, Serialize};

/// Names that belong to the libraries' staff and systems, never to a member.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "library",
    "librarian",
    "staff",
    "operator",
    "manager",
    "master",
    "webmaster",
    "support",
    "help",
    "helpdesk",
    "guest",
    "test",
    "null",
    "anonymous",
    "api",
    "www",
    "mail",
    "sysop",
    "security",
    "privacy",
    "incheon",
    "official",
    "notice",
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// 4 to 20 of `a-z 0-9 _`, starting with a letter; capitals are accepted and folded.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let len = raw.chars().count();
        if len < 4 {
            return Err("too_short");
        }
        if len > 20 {
            return Err("too_long");
        }
        let folded = raw.to_ascii_lowercase();
        let starts_with_letter = folded.as_bytes()[0].is_ascii_lowercase();
        let allowed = folded.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !(starts_with_letter && allowed) {
            return Err("invalid_format");
        }
        Ok(Self(folded))
    }

    pub fn is_reserved(&self) -> bool {
        RESERVED.contains(&self.0.as_str())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hint shown to someone who is already a member: the first min(3, n−2) characters, then `***`.
    pub fn masked(&self) -> String {
        let keep = self.0.len().saturating_sub(2).min(3);
        format!("{}***", &self.0[..keep])
    }
}

impl TryFrom<String> for Username {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Username> for String {
    fn from(name: Username) -> Self {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn capitals_fold_and_the_rule_holds() {
        assert_eq!(Username::parse("Reader_01").unwrap().as_str(), "reader_01");
        assert_eq!(Username::parse("abc"), Err("too_short"));
        assert_eq!(Username::parse(&"a".repeat(21)), Err("too_long"));
        assert_eq!(Username::parse("1abc"), Err("invalid_format"));
        assert_eq!(Username::parse("_abc"), Err("invalid_format"));
        assert_eq!(Username::parse("ab-cd"), Err("invalid_format"));
        assert_eq!(Username::parse("가나다라"), Err("invalid_format"));
        assert!(Username::parse("ADMIN").unwrap().is_reserved());
    }

    #[test]
    fn masks_keep_at_most_three_and_always_hide_two() {
        assert_eq!(Username::parse("abcd").unwrap().masked(), "ab***");
        assert_eq!(Username::parse("abcde").unwrap().masked(), "abc***");
        assert_eq!(Username::parse("reader01").unwrap().masked(), "rea***");
    }

    proptest! {
        #[test]
        fn valid_names_round_trip_in_lower_case(name in "[a-zA-Z][a-zA-Z0-9_]{3,19}") {
            let parsed = Username::parse(&name).unwrap();
            prop_assert_eq!(parsed.as_str(), name.to_ascii_lowercase());
        }

        #[test]
        fn names_with_any_other_character_are_refused(prefix in "[a-z]{2,8}", bad in "[^a-zA-Z0-9_]", suffix in "[a-z]{1,8}") {
            let name = format!("{prefix}{bad}{suffix}");
            prop_assert!(Username::parse(&name).is_err());
        }
    }
}
