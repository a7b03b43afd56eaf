//! Dates as the libraries' users live them: the Asia/Seoul calendar and the Korean full age (만 나이).

use serde::{Deserialize, Serialize};
use time::{macros::format_description, Date, Month, OffsetDateTime, UtcOffset};

/// Asia/Seoul has kept UTC+9 without daylight saving since 1988, so every instant this service
/// handles maps to its Seoul date by this fixed offset.
pub const SEOUL: UtcOffset = time::macros::offset!(+9);

pub fn seoul_date(at: OffsetDateTime) -> Date {
    at.to_offset(SEOUL).date()
}

/// The instant at which a Seoul calendar date begins.
pub fn seoul_midnight(date: Date) -> OffsetDateTime {
    date.midnight().assume_offset(SEOUL).to_offset(UtcOffset::UTC)
}

/// Full age on `on`. Someone born on 29 February turns a year older on 1 March in common years
/// (Civil Act art. 160(3)); comparing (month, day) pairs gives exactly that.
pub fn full_age(birth: Date, on: Date) -> i32 {
    let had_birthday = (on.month() as u8, on.day()) >= (birth.month() as u8, birth.day());
    on.year() - birth.year() - if had_birthday { 0 } else { 1 }
}

/// `at` moved by whole calendar years on the Seoul calendar; 29 February becomes 28 February in
/// a common year (Civil Act art. 160(3): the period ends on the month's last day).
pub fn add_seoul_years(at: OffsetDateTime, years: i32) -> OffsetDateTime {
    let local = at.to_offset(SEOUL);
    let year = local.year() + years;
    let day = local.day().min(local.month().length(year));
    let date = Date::from_calendar_date(year, local.month(), day).unwrap_or(local.date());
    local.replace_date(date).to_offset(UtcOffset::UTC)
}

/// A calendar date `YYYY-MM-DD` as it appears in requests and responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CalendarDate(Date);

impl CalendarDate {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let format = format_description!("[year]-[month]-[day]");
        if raw.len() != 10 {
            return Err("invalid_date");
        }
        Date::parse(raw, format).map(Self).map_err(|_| "invalid_date")
    }

    pub fn from_date(date: Date) -> Self {
        Self(date)
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// A birth date: a real date, not after `today`, and not before 1900.
    pub fn parse_birth_date(raw: &str, today: Date) -> Result<Self, &'static str> {
        let date = Self::parse(raw)?;
        if date.0 > today {
            return Err("future_date");
        }
        if date.0.year() < 1900 {
            return Err("invalid_date");
        }
        Ok(date)
    }

    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Self> {
        let month = Month::try_from(month).ok()?;
        Date::from_calendar_date(year, month, day).ok().map(Self)
    }
}

impl std::fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.0.year(), self.0.month() as u8, self.0.day())
    }
}

impl TryFrom<String> for CalendarDate {
    type Error = &'static str;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<CalendarDate> for String {
    fn from(date: CalendarDate) -> Self {
        date.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn leap_day_birthday_counts_from_first_of_march_in_common_years() {
        let birth = date!(2012 - 02 - 29);
        assert_eq!(full_age(birth, date!(2026 - 02 - 28)), 13);
        assert_eq!(full_age(birth, date!(2026 - 03 - 01)), 14);
        assert_eq!(full_age(birth, date!(2028 - 02 - 28)), 15);
        assert_eq!(full_age(birth, date!(2028 - 02 - 29)), 16);
    }

    #[test]
    fn seoul_date_turns_at_fifteen_hundred_utc() {
        assert_eq!(seoul_date(datetime!(2026-11-22 14:59:59 UTC)), date!(2026 - 11 - 22));
        assert_eq!(seoul_date(datetime!(2026-11-22 15:00:00 UTC)), date!(2026 - 11 - 23));
        assert_eq!(seoul_midnight(date!(2026 - 11 - 23)), datetime!(2026-11-22 15:00:00 UTC));
    }

    #[test]
    fn years_added_on_the_seoul_calendar_clamp_leap_day() {
        assert_eq!(
            // 2028-02-29 01:00 in Seoul
            add_seoul_years(datetime!(2028-02-28 16:00:00 UTC), 2),
            datetime!(2030-02-27 16:00:00 UTC)
        );
        assert_eq!(add_seoul_years(datetime!(2026-11-22 06:00:00 UTC), 2), datetime!(2028-11-22 06:00:00 UTC));
    }

    #[test]
    fn dates_parse_strictly() {
        assert!(CalendarDate::parse("2026-02-29").is_err());
        assert!(CalendarDate::parse("2026-2-1").is_err());
        assert_eq!(CalendarDate::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        let today = date!(2026 - 11 - 22);
        assert_eq!(CalendarDate::parse_birth_date("2026-11-23", today), Err("future_date"));
        assert!(CalendarDate::parse_birth_date("2026-11-22", today).is_ok());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use time::Duration;

    fn birth_dates() -> impl Strategy<Value = Date> {
        (1900i32..2030, 1u8..=12, 1u8..=31)
            .prop_filter_map("a real date", |(y, m, d)| Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok())
    }

    /// The n-th birthday: the same month and day, or 1 March for 29 February in a common year.
    fn birthday(birth: Date, n: i32) -> Date {
        let year = birth.year() + n;
        Date::from_calendar_date(year, birth.month(), birth.day())
            .unwrap_or_else(|_| Date::from_calendar_date(year, Month::March, 1).unwrap())
    }

    proptest! {
        #[test]
        fn a_year_is_added_on_the_birthday_and_not_a_day_before(birth in birth_dates(), n in 1i32..110) {
            let day = birthday(birth, n);
            prop_assert_eq!(full_age(birth, day), n);
            prop_assert_eq!(full_age(birth, day - Duration::days(1)), n - 1);
        }

        #[test]
        fn the_seoul_date_is_the_utc_date_nine_hours_on(seconds in 0i64..4_102_444_800) {
            let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            prop_assert_eq!(seoul_date(at), (at + Duration::hours(9)).date());
            prop_assert!(seoul_midnight(seoul_date(at)) <= at);
            prop_assert!(at < seoul_midnight(seoul_date(at)) + Duration::days(1));
        }

        #[test]
        fn dates_round_trip_through_text(date in birth_dates()) {
            let text = CalendarDate::from_date(date).to_string();
            prop_assert_eq!(CalendarDate::parse(&text).unwrap().date(), date);
        }
    }
}
