//! The member's password: checked against the rules, then only ever hashed. The clear text lives in
//! a type that prints as `[redacted]` and is wiped from memory when dropped.

use secrecy::{ExposeSecret, SecretString};

use crate::username::Username;

pub struct Password(SecretString);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl Password {
    /// 8 to 64 characters with at least three of lower, upper, digit and symbol (any other printable
    /// ASCII), or 10 or more with at least two; never containing the username. Every broken rule is
    /// reported, so the member can fix them at once.
    pub fn parse(raw: &str, username: Option<&Username>) -> Result<Self, Vec<&'static str>> {
        let mut broken = Vec::new();
        let len = raw.chars().count();
        let has = |pred: fn(&char) -> bool| raw.chars().any(|c| pred(&c));
        let classes = [
            has(char::is_ascii_lowercase),
            has(char::is_ascii_uppercase),
            has(char::is_ascii_digit),
            has(|c| (' '..='~').contains(c) && !c.is_ascii_alphanumeric()),
        ]
        .into_iter()
        .filter(|present| *present)
        .count();
        if len < 8 {
            broken.push("too_short");
        } else if len > 64 {
            broken.push("too_long");
        } else if classes < if len >= 10 { 2 } else { 3 } {
            broken.push("too_few_classes");
        }
        if let Some(username) = username {
            if raw.to_lowercase().contains(username.as_str()) {
                broken.push("contains_username");
            }
        }
        if broken.is_empty() {
            Ok(Self(SecretString::from(raw)))
        } else {
            Err(broken)
        }
    }

    /// A password presented at sign-in or as the current one: no rules, only the secret wrapper.
    pub fn presented(raw: &str) -> Self {
        Self(SecretString::from(raw))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> Username {
        Username::parse(name).unwrap()
    }

    #[test]
    fn each_rule_has_its_reason() {
        let name = user("reader01");
        assert_eq!(Password::parse("Ab1!", Some(&name)).unwrap_err(), vec!["too_short"]);
        assert_eq!(Password::parse(&"Ab1!".repeat(17), Some(&name)).unwrap_err(), vec!["too_long"]);
        assert_eq!(Password::parse("abcdefgh1", Some(&name)).unwrap_err(), vec!["too_few_classes"]);
        assert_eq!(Password::parse("abcdefghij", Some(&name)).unwrap_err(), vec!["too_few_classes"]);
        assert_eq!(Password::parse("xxREADER01!!", Some(&name)).unwrap_err(), vec!["contains_username"]);
        assert!(Password::parse("abcdefgh1!", Some(&name)).is_ok());
        assert!(Password::parse("Abcdefg1", Some(&name)).is_ok());
        assert!(Password::parse("도서관사랑해요ab12", Some(&name)).is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() {
        let password = Password::parse("S3cret-Value!", None).unwrap();
        let shown = format!("{password:?}");
        assert!(!shown.contains("S3cret"), "{shown}");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn classes(raw: &str) -> usize {
        [
            raw.chars().any(|c| c.is_ascii_lowercase()),
            raw.chars().any(|c| c.is_ascii_uppercase()),
            raw.chars().any(|c| c.is_ascii_digit()),
            raw.chars().any(|c| (' '..='~').contains(&c) && !c.is_ascii_alphanumeric()),
        ]
        .into_iter()
        .filter(|present| *present)
        .count()
    }

    proptest! {
        #[test]
        fn the_verdict_follows_length_classes_and_username(raw in "\\PC{0,70}") {
            let name = Username::parse("reader01").unwrap();
            let len = raw.chars().count();
            let expected_ok = (8..=64).contains(&len)
                && classes(&raw) >= if len >= 10 { 2 } else { 3 }
                && !raw.to_lowercase().contains("reader01");
            match Password::parse(&raw, Some(&name)) {
                Ok(_) => prop_assert!(expected_ok),
                Err(reasons) => {
                    prop_assert!(!expected_ok);
                    prop_assert_eq!(reasons.contains(&"too_short"), len < 8);
                    prop_assert_eq!(reasons.contains(&"too_long"), len > 64);
                }
            }
        }

        #[test]
        fn no_formatting_shows_the_password(raw in "[a-zA-Z0-9]{8,20}[!@#]") {
            let password = Password::parse(&raw, None).unwrap();
            let (plain, pretty) = (format!("{password:?}"), format!("{password:#?}"));
            prop_assert!(!plain.contains(&raw) && !pretty.contains(&raw));
        }
    }
}
