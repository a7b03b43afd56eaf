//! The resident registration number (주민등록번호) a member gives for the Incheon citizen
//! certification: read from the request, handed to the residency registry once, then gone. It is
//! never stored, logged or returned (DOMAIN.md, "Personal information"), so the type that holds it
//! prints as `[redacted]`, has no `Display` or `Serialize`, and wipes its digits when dropped. The
//! digits leave it only through [`Rrn::expose_digits`], named for the one call that needs them.

use secrecy::{ExposeSecret, SecretBox};
use time::Date;

use crate::calendar::CalendarDate;

/// Thirteen digits: `YYMMDD`, then the century/sex digit, then six more.
const DIGITS: usize = 13;

pub struct Rrn {
    digits: SecretBox<[u8; DIGITS]>,
    birth_date: CalendarDate,
}

impl std::fmt::Debug for Rrn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rrn([redacted])")
    }
}

impl Rrn {
    /// 13 digits, with one hyphen after the 6th allowed; `YYMMDD` with the century of the 7th digit
    /// (1, 2, 5, 6: 1900s; 3, 4, 7, 8: 2000s; 9, 0: 1800s; 5 to 8 are foreign residents) must be a
    /// real date, not after `today`. No checksum test: numbers issued since October 2020 carry a
    /// random last digit. Refusals are field codes that say nothing of the input.
    pub fn parse(raw: &str, today: Date) -> Result<Self, &'static str> {
        let bytes = raw.as_bytes();
        if bytes.is_empty() {
            return Err("required");
        }
        let hyphenated = bytes.len() == DIGITS + 1 && bytes[6] == b'-';
        if bytes.len() != DIGITS && !hyphenated {
            return Err("invalid_format");
        }
        // The digits go straight into the wiped buffer; a refused number is wiped with it on return.
        let kept = bytes.iter().enumerate().filter(|(at, _)| !(hyphenated && *at == 6)).map(|(_, byte)| *byte);
        let digits = SecretBox::init_with_mut(|buffer: &mut [u8; DIGITS]| {
            buffer.iter_mut().zip(kept).for_each(|(slot, byte)| *slot = byte);
        });
        let shown = digits.expose_secret();
        if !shown.iter().all(u8::is_ascii_digit) {
            return Err("invalid_format");
        }
        let number = |from: usize| (shown[from] - b'0') * 10 + (shown[from + 1] - b'0');
        let century = match shown[6] - b'0' {
            1 | 2 | 5 | 6 => 1900,
            3 | 4 | 7 | 8 => 2000,
            _ => 1800,
        };
        let birth_date =
            CalendarDate::from_ymd(century + i32::from(number(0)), number(2), number(4)).ok_or("invalid_date")?;
        if birth_date.date() > today {
            return Err("future_date");
        }
        Ok(Self { digits, birth_date })
    }

    /// The birth date the number encodes, to compare with the member's verified one.
    pub fn birth_date(&self) -> CalendarDate {
        self.birth_date
    }

    /// The 13 digits without hyphen, for the residency registry's request body and nothing else.
    pub fn expose_digits(&self) -> &str {
        // Only ASCII digits are ever kept, so this is always the whole number.
        std::str::from_utf8(self.digits.expose_secret()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    const TODAY: Date = date!(2026 - 11 - 22);

    fn parse(raw: &str) -> Result<Rrn, &'static str> {
        Rrn::parse(raw, TODAY)
    }

    #[test]
    fn the_seventh_digit_names_the_century() {
        for (digit, year) in [
            ('1', 1990),
            ('2', 1990),
            ('5', 1990),
            ('6', 1990),
            ('3', 2010),
            ('4', 2010),
            ('7', 2010),
            ('8', 2010),
            ('9', 1890),
            ('0', 1890),
        ] {
            let yy = year % 100;
            let rrn = parse(&format!("{yy:02}0517-{digit}234567")).unwrap();
            assert_eq!(rrn.birth_date(), CalendarDate::from_ymd(year, 5, 17).unwrap(), "7th digit {digit}");
        }
    }

    #[test]
    fn with_or_without_hyphen_the_digits_are_the_same() {
        let plain = parse("9005171234567").unwrap();
        let hyphenated = parse("900517-1234567").unwrap();
        assert_eq!(plain.expose_digits(), "9005171234567");
        assert_eq!(hyphenated.expose_digits(), "9005171234567");
        assert_eq!(plain.birth_date().to_string(), "1990-05-17");
    }

    #[test]
    fn no_checksum_is_tested() {
        // Every last digit is accepted: since October 2020 it is no check digit.
        for last in 0..=9 {
            assert!(parse(&format!("201015-412345{last}")).is_ok());
        }
    }

    #[test]
    fn each_refusal_has_its_code() {
        assert_eq!(parse("").unwrap_err(), "required");
        assert_eq!(parse("900517123456").unwrap_err(), "invalid_format");
        assert_eq!(parse("90051712345678").unwrap_err(), "invalid_format");
        assert_eq!(parse("9005171-234567").unwrap_err(), "invalid_format");
        assert_eq!(parse("900517--234567").unwrap_err(), "invalid_format");
        assert_eq!(parse("900517 1234567").unwrap_err(), "invalid_format");
        assert_eq!(parse("90051712345a7").unwrap_err(), "invalid_format");
        assert_eq!(parse("９００５１７１２３４５６７").unwrap_err(), "invalid_format");
        assert_eq!(parse("901317-1234567").unwrap_err(), "invalid_date");
        assert_eq!(parse("900230-1234567").unwrap_err(), "invalid_date");
        assert_eq!(parse("900500-1234567").unwrap_err(), "invalid_date");
        // 1900 was no leap year; 2000 was.
        assert_eq!(parse("000229-1234567").unwrap_err(), "invalid_date");
        assert!(parse("000229-3234567").is_ok());
        assert_eq!(parse("261123-3234567").unwrap_err(), "future_date");
        assert!(parse("261122-3234567").is_ok());
    }

    #[test]
    fn debug_says_nothing_of_the_number() {
        let rrn = parse("900517-1234567").unwrap();
        assert_eq!(format!("{rrn:?}"), "Rrn([redacted])");
    }

    #[test]
    fn an_rrn_can_be_neither_displayed_nor_serialized_and_is_wiped_on_drop() {
        crate::never_printable::assert_never_printable!(Rrn);
        crate::never_printable::assert_wiped_on_drop::<SecretBox<[u8; DIGITS]>>();
    }

    /// A real date from 1 January 1800 to `TODAY`, and a 7th digit of its century.
    fn valid_number() -> impl Strategy<Value = (Date, char, String)> {
        let first = date!(1800 - 01 - 01).to_julian_day();
        (first..=TODAY.to_julian_day(), 0usize..4, proptest::collection::vec(0u8..10, 6)).prop_map(
            |(day, pick, tail)| {
                let birth = Date::from_julian_day(day).unwrap();
                let digits: &[char] = match birth.year() / 100 {
                    18 => &['9', '0'],
                    19 => &['1', '2', '5', '6'],
                    _ => &['3', '4', '7', '8'],
                };
                let tail: String = tail.iter().map(|d| char::from(b'0' + d)).collect();
                (birth, digits[pick % digits.len()], tail)
            },
        )
    }

    fn yymmdd(date: Date) -> String {
        format!("{:02}{:02}{:02}", date.year() % 100, date.month() as u8, date.day())
    }

    /// Whether `shown` holds anything that could be a digit of an RRN.
    fn has_digit(shown: &str) -> bool {
        shown.chars().any(|c| c.is_ascii_digit())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn every_valid_number_is_read_with_or_without_hyphen((birth, seventh, tail) in valid_number()) {
            let plain = format!("{}{seventh}{tail}", yymmdd(birth));
            let hyphenated = format!("{}-{seventh}{tail}", yymmdd(birth));
            for raw in [&plain, &hyphenated] {
                let rrn = parse(raw).unwrap();
                prop_assert_eq!(rrn.birth_date().date(), birth);
                prop_assert_eq!(rrn.expose_digits(), plain.as_str());
            }
        }

        #[test]
        fn no_formatting_shows_a_digit((birth, seventh, tail) in valid_number(), hyphen in any::<bool>()) {
            let raw = format!("{}{}{seventh}{tail}", yymmdd(birth), if hyphen { "-" } else { "" });
            let rrn = parse(&raw).unwrap();
            #[derive(Debug)]
            #[allow(dead_code)]
            struct Command { name: &'static str, rrn: Rrn }
            let command = Command { name: "김하늘", rrn };
            let parsed = parse(&raw);
            for shown in [
                format!("{:?}", command.rrn), format!("{:#?}", command.rrn), format!("{command:?}"), format!("{command:#?}"),
                format!("{parsed:?}"), format!("{:?}", parsed.as_ref().ok()),
            ] {
                prop_assert!(!has_digit(&shown), "{}", shown);
                prop_assert!(shown.contains("[redacted]"));
            }
        }

        #[test]
        fn every_impossible_month_or_day_is_refused(
            yy in 0u8..100, month in 0u8..100, day in 0u8..100, seventh in 0u8..10, tail in "[0-9]{6}"
        ) {
            let century = match seventh { 1 | 2 | 5 | 6 => 1900, 3 | 4 | 7 | 8 => 2000, _ => 1800 };
            let real = CalendarDate::from_ymd(century + i32::from(yy), month, day);
            prop_assume!(real.is_none());
            for raw in [format!("{yy:02}{month:02}{day:02}{seventh}{tail}"), format!("{yy:02}{month:02}{day:02}-{seventh}{tail}")] {
                prop_assert_eq!(parse(&raw).unwrap_err(), "invalid_date");
            }
        }

        #[test]
        fn every_date_after_today_is_refused(ahead in 1i32..(2099 - 2026) * 366, seventh in prop::sample::select(vec!['3', '4', '7', '8'])) {
            let birth = Date::from_julian_day(TODAY.to_julian_day() + ahead).unwrap();
            prop_assume!(birth.year() < 2100);
            for raw in [format!("{}-{seventh}234567", yymmdd(birth)), format!("{}{seventh}234567", yymmdd(birth))] {
                prop_assert_eq!(parse(&raw).unwrap_err(), "future_date");
            }
        }

        #[test]
        fn every_other_length_is_refused(raw in "[0-9]{0,30}") {
            prop_assume!(raw.len() != 13);
            let refused = parse(&raw).unwrap_err();
            prop_assert!(refused == "invalid_format" || (raw.is_empty() && refused == "required"));
        }

        #[test]
        fn a_hyphenated_number_of_another_length_is_refused(front in "[0-9]{6}", back in "[0-9]{0,20}") {
            prop_assume!(back.len() != 7);
            prop_assert_eq!(parse(&format!("{front}-{back}")).unwrap_err(), "invalid_format");
        }

        #[test]
        fn any_input_at_all_is_read_only_in_one_of_the_two_shapes(raw in prop_oneof![
            any::<String>(),
            "[0-9]{6}-?[0-9]{7}",
            "[0-9a-zA-Z٠-٩０-９ -]{12,15}",
        ]) {
            let shape = raw.len() == 13 && raw.bytes().all(|b| b.is_ascii_digit())
                || raw.len() == 14 && raw.bytes().enumerate().all(|(at, b)| if at == 6 { b == b'-' } else { b.is_ascii_digit() });
            match parse(&raw) {
                Ok(rrn) => {
                    prop_assert!(shape, "{:?} accepted", raw);
                    prop_assert_eq!(rrn.expose_digits(), raw.replace('-', ""));
                }
                Err(code) => {
                    prop_assert!(["required", "invalid_format", "invalid_date", "future_date"].contains(&code));
                    prop_assert_eq!(shape, code == "invalid_date" || code == "future_date", "{:?}: {}", raw, code);
                }
            }
        }

        #[test]
        fn a_hyphen_anywhere_else_is_refused(digits in "[0-9]{13}", at in 0usize..=13) {
            prop_assume!(at != 6);
            let raw = format!("{}-{}", &digits[..at], &digits[at..]);
            prop_assert_eq!(parse(&raw).unwrap_err(), "invalid_format");
        }

        #[test]
        fn any_character_other_than_a_digit_is_refused(
            (birth, seventh, tail) in valid_number(),
            at in 0usize..13,
            intruder in any::<char>().prop_filter("not a digit", |c| !c.is_ascii_digit()),
        ) {
            let mut chars: Vec<char> = format!("{}{seventh}{tail}", yymmdd(birth)).chars().collect();
            chars[at] = intruder;
            let raw: String = chars.into_iter().collect();
            prop_assert_eq!(parse(&raw).unwrap_err(), "invalid_format");
        }

        #[test]
        fn no_refusal_echoes_the_input(raw in "[0-9-]{0,16}") {
            if let Err(code) = parse(&raw) {
                prop_assert!(!has_digit(code));
                prop_assert!(["required", "invalid_format", "invalid_date", "future_date"].contains(&code));
            }
        }
    }
}
