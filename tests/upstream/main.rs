//! The upstream adapters over real HTTP: against the local server's simulators on a loopback port,
//! and against tiny TCP servers that misbehave on purpose (refuse, hang, break, redirect); and the
//! AWS clients' trust store over real TLS.

mod aws;
mod dls;
mod kms;
mod logs;
mod residency;
mod ses;
mod transport;

use std::time::Duration;

use api_tests::{spawn_app_in_memory, TestApp};
use membership_domain::identity::PersonName;
use membership_domain::rrn::Rrn;
use membership_local::local::LocalOptions;

/// Short enough to keep the suite fast, long enough for a loaded machine to answer a simulator.
pub const TIMEOUT: Duration = Duration::from_millis(300);

/// The local app on the embedded store, its adapters waiting `TIMEOUT`.
pub async fn app() -> TestApp {
    spawn_app_in_memory(LocalOptions { upstream_timeout: TIMEOUT, ..LocalOptions::default() }).await
}

pub fn name(raw: &str) -> PersonName {
    PersonName::parse(raw).expect("a valid name")
}

pub fn rrn(raw: &str) -> Rrn {
    Rrn::parse(raw, time::OffsetDateTime::now_utc().date()).expect("a valid RRN")
}
