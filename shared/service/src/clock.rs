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

impl AdjustableClock {
    /// Moves the clock forward; a negative or zero step changes nothing.
    pub fn advance(&self, seconds: i64) -> OffsetDateTime {
        if seconds > 0 {
            self.offset_seconds.fetch_add(seconds, Ordering::SeqCst);
        }
        self.now()
    }
}

impl Clock for AdjustableClock {
    fn now(&self) -> OffsetDateTime {
        whole_seconds(OffsetDateTime::now_utc()) + time::Duration::seconds(self.offset_seconds.load(Ordering::SeqCst))
    }
}
