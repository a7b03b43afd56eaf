//! Structured logs: one JSON object per line, with the request's span fields. Bodies, configs and
//! secrets are never logged; the types that hold them print as `[redacted]` besides.

use tracing::Subscriber;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

pub fn init() {
    let _ = subscriber(std::env::var("RUST_LOG").ok().as_deref()).try_init();
}

/// JSON lines on stdout at the levels `directives` (`RUST_LOG`) give: a default level and
/// `target=level` directives (`warn,membership=debug`); `info` when unset or unreadable. (A list of
/// targets, not `EnvFilter`'s regular expressions: those cost every function a quarter of a
/// megabyte.)
fn subscriber(directives: Option<&str>) -> impl Subscriber + Send + Sync {
    let filter = directives
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    let lines = fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_writer(std::io::stdout);
    tracing_subscriber::registry().with(lines.with_filter(filter))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::subscriber;

    fn enabled(directives: Option<&str>, target: &str, level: Level) -> bool {
        tracing::subscriber::with_default(subscriber(directives), || match (target, level) {
            ("membership", Level::DEBUG) => tracing::enabled!(target: "membership", Level::DEBUG),
            ("membership", Level::INFO) => tracing::enabled!(target: "membership", Level::INFO),
            ("aws_smithy_runtime", Level::DEBUG) => tracing::enabled!(target: "aws_smithy_runtime", Level::DEBUG),
            ("aws_smithy_runtime", Level::WARN) => tracing::enabled!(target: "aws_smithy_runtime", Level::WARN),
            other => unreachable!("{other:?}"),
        })
    }

    #[test]
    fn rust_log_sets_the_default_level_and_each_targets_level() {
        assert!(enabled(None, "membership", Level::INFO) && !enabled(None, "membership", Level::DEBUG));
        assert!(enabled(Some("not a directive=="), "membership", Level::INFO), "unreadable: info");
        assert!(enabled(Some("debug"), "aws_smithy_runtime", Level::DEBUG), "debug reaches every target");
        let mixed = Some("warn,membership=debug");
        assert!(enabled(mixed, "membership", Level::DEBUG));
        assert!(enabled(mixed, "aws_smithy_runtime", Level::WARN));
        assert!(!enabled(mixed, "aws_smithy_runtime", Level::DEBUG));
    }
}
