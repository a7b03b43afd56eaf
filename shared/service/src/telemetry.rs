//! Structured logs: one JSON object per line, with the request's span fields. Bodies, configs and
//! secrets are never logged; the types that hold them print as `[redacted]` besides.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// Logs at the level `RUST_LOG` gives: a default level and `target=level` directives
/// (`warn,membership=debug`); `info` when it is unset or unreadable. (A list of targets, not
/// `EnvFilter`'s regular expressions: those cost every function a quarter of a megabyte.)
pub fn init() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    let _ = fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stdout)
        .finish()
        .with(filter)
        .try_init();
}
