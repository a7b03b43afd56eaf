//! The school library support system (DLS, 독서교육종합지원시스템) account a student certifies with
//! (Incheon student certification). The ID and password are checked by DLS once and never kept
//! ("인증 후 즉시 파기(미보유)"), so both are held in types that print as `[redacted]`, have no
//! `Display` or `Serialize`, and wipe themselves when dropped. They leave only through `expose`,
//! for the request to DLS.

use secrecy::{ExposeSecret, SecretString};

use crate::calendar::CalendarDate;

/// Longest DLS ID accepted; longer is no account of any school.
const ID_MAX: usize = 64;
/// Longest DLS password accepted.
const PASSWORD_MAX: usize = 128;

/// The account's login ID at DLS.
pub struct DlsId(SecretString);

impl std::fmt::Debug for DlsId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DlsId([redacted])")
    }
}

impl DlsId {
    /// 1 to 64 characters without white space or control characters; white space around it, as
    /// pasting leaves it, is dropped.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let id = raw.trim();
        let len = id.chars().count();
        if len == 0 {
            return Err("required");
        }
        if len > ID_MAX {
            return Err("too_long");
        }
        if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("invalid_format");
        }
        Ok(Self(SecretString::from(id)))
    }

    /// The ID for the request to DLS and nothing else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// The account's password at DLS: taken as typed (spaces included), only bounded.
pub struct DlsPassword(SecretString);

impl std::fmt::Debug for DlsPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DlsPassword([redacted])")
    }
}

impl DlsPassword {
    /// 1 to 128 characters without control characters.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let len = raw.chars().count();
        if len == 0 {
            return Err("required");
        }
        if len > PASSWORD_MAX {
            return Err("too_long");
        }
        if raw.chars().any(char::is_control) {
            return Err("invalid_format");
        }
        Ok(Self(SecretString::from(raw)))
    }

    /// The password for the request to DLS and nothing else.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// DLS must show that the account existed on the member's sign-up date (seed 000, step 7): one
/// created that very day counts, one created later does not.
pub fn account_existed_at_signup(created_on: CalendarDate, signed_up_on: CalendarDate) -> bool {
    created_on <= signed_up_on
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::never_printable::{assert_never_printable, assert_wiped_on_drop};

    #[test]
    fn ids_are_trimmed_and_bounded() {
        assert_eq!(DlsId::parse("  student01 ").unwrap().expose(), "student01");
        assert_eq!(DlsId::parse("   ").unwrap_err(), "required");
        assert_eq!(DlsId::parse(&"a".repeat(65)).unwrap_err(), "too_long");
        assert!(DlsId::parse(&"a".repeat(64)).is_ok());
        assert_eq!(DlsId::parse("stu dent").unwrap_err(), "invalid_format");
        assert_eq!(DlsId::parse("stu\u{0}dent").unwrap_err(), "invalid_format");
    }

    #[test]
    fn passwords_are_kept_as_typed_and_bounded() {
        assert_eq!(DlsPassword::parse(" pass word ").unwrap().expose(), " pass word ");
        assert_eq!(DlsPassword::parse("").unwrap_err(), "required");
        assert_eq!(DlsPassword::parse(&"가".repeat(129)).unwrap_err(), "too_long");
        assert_eq!(DlsPassword::parse("line\nbreak").unwrap_err(), "invalid_format");
    }

    #[test]
    fn credentials_never_print_nor_serialize_and_are_wiped_on_drop() {
        let id = DlsId::parse("student01").unwrap();
        let password = DlsPassword::parse("Secret-Pass-77").unwrap();
        for shown in [format!("{id:?}"), format!("{id:#?}"), format!("{password:?}"), format!("{password:#?}")] {
            assert!(!shown.contains("student01") && !shown.contains("Secret"), "{shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
        assert_never_printable!(DlsId);
        assert_never_printable!(DlsPassword);
        assert_wiped_on_drop::<SecretString>();
    }

    #[test]
    fn an_account_created_on_the_sign_up_date_counts() {
        let signed_up = CalendarDate::parse("2026-11-22").unwrap();
        assert!(account_existed_at_signup(CalendarDate::parse("2020-03-02").unwrap(), signed_up));
        assert!(account_existed_at_signup(signed_up, signed_up));
        assert!(!account_existed_at_signup(CalendarDate::parse("2026-11-23").unwrap(), signed_up));
    }
}
