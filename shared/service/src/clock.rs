//! Time as a port, so expiry, lockout and dormancy can be driven by tests and by the local clock.

use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

/// Readings are whole seconds: every instant the API shows or stores is RFC 3339 without fractions.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

fn whole_seconds(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(0).unwrap_or(at)
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        whole_seconds(OffsetDateTime::now_utc())
    }
}

/// The local server's clock: real time plus an offset that only ever grows (`POST /_sim/clock`).
#[derive(Default)]
pub struct AdjustableClock {
    offset_seconds: AtomicI64,
}

/// The largest step of `POST /_sim/clock`: a century (API.md).
pub const MAX_STEP_SECONDS: i64 = 3_153_600_000;

/// The clock never passes this instant, however often it is moved: every rule that adds a period
/// to "now" (years of consent, days of sessions) stays far inside what dates can hold.
const LATEST: OffsetDateTime = time::macros::datetime!(9000-01-01 00:00:00 UTC);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the clock cannot move that far")]
pub struct OutOfRange;

impl AdjustableClock {
    /// Moves the clock forward by 0 to [`MAX_STEP_SECONDS`] seconds, never past year 9000; a step
    /// out of range changes nothing.
    pub fn advance(&self, seconds: i64) -> Result<OffsetDateTime, OutOfRange> {
        if !(0..=MAX_STEP_SECONDS).contains(&seconds) {
            return Err(OutOfRange);
        }
        let real = whole_seconds(OffsetDateTime::now_utc());
        let room = (LATEST - real).whole_seconds();
        self.offset_seconds
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                offset.checked_add(seconds).filter(|next| *next <= room)
            })
            .map_err(|_| OutOfRange)?;
        Ok(self.now())
    }
}

impl Clock for AdjustableClock {
    fn now(&self) -> OffsetDateTime {
        whole_seconds(OffsetDateTime::now_utc()) + time::Duration::seconds(self.offset_seconds.load(Ordering::SeqCst))
    }
}
