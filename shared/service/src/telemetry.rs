//! Structured logs: one JSON object per line, with the request's span fields. Bodies, configs and
//! secrets are never logged; the types that hold them print as `[redacted]` besides.
//!
//! In a function every line written during an invocation carries the Lambda request id
//! (`requestId`) and the X-Ray trace id (`xrayTraceId`): the runtime's invocation span has them, and
//! the HTTP layer's request span copies them. Lambda's advanced logging controls are honoured:
//! `AWS_LAMBDA_LOG_LEVEL` (the function's `LoggingConfig.ApplicationLogLevel`) sets the level over
//! `RUST_LOG`'s default, and `AWS_LAMBDA_LOG_FORMAT` `Text` gives plain lines instead of JSON
//! (`JSON`, the template's, and anything else keep JSON, which CloudWatch Logs Insights reads).

use tracing::Subscriber;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

pub fn init() {
    let settings = Settings {
        rust_log: std::env::var("RUST_LOG").ok(),
        lambda_level: std::env::var("AWS_LAMBDA_LOG_LEVEL").ok(),
        text: std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("text")),
    };
    let _ = subscriber(&settings).try_init();
}

/// The Lambda invocation a request belongs to, as the runtime handed it to `lambda_http`: its
/// request id (which API Gateway's access log records as `integrationRequestId`) and X-Ray trace id.
/// Empty outside Lambda.
#[derive(Debug, Default)]
pub struct Invocation<'a> {
    pub request_id: Option<&'a str>,
    pub trace_id: Option<&'a str>,
}

impl<'a> Invocation<'a> {
    pub fn of(extensions: &'a http::Extensions) -> Self {
        match extensions.get::<lambda_http::Context>() {
            Some(context) => Self { request_id: Some(&context.request_id), trace_id: context.xray_trace_id.as_deref() },
            None => Self::default(),
        }
    }
}

/// What the environment says of the logs.
#[derive(Debug, Default)]
struct Settings {
    rust_log: Option<String>,
    lambda_level: Option<String>,
    text: bool,
}

impl Settings {
    /// `RUST_LOG`'s directives (a default level and `target=level` directives:
    /// `warn,membership=debug`; `info` when unset or unreadable), with the default level replaced
    /// by `AWS_LAMBDA_LOG_LEVEL`'s when it names one (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).
    /// (A list of targets, not `EnvFilter`'s regular expressions: those cost every function a
    /// quarter of a megabyte.)
    fn filter(&self) -> Targets {
        let targets = self
            .rust_log
            .as_deref()
            .and_then(|directives| directives.parse::<Targets>().ok())
            .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
        match self.lambda_level.as_deref().and_then(lambda_level) {
            Some(level) => targets.with_default(level),
            None => targets,
        }
    }
}

/// Lambda's application log levels; FATAL is ERROR here.
fn lambda_level(name: &str) -> Option<LevelFilter> {
    match name.to_ascii_uppercase().as_str() {
        "FATAL" => Some(LevelFilter::ERROR),
        other => other.parse().ok(),
    }
}

fn subscriber(settings: &Settings) -> impl Subscriber + Send + Sync {
    let filter = settings.filter();
    let json = (!settings.text).then(|| {
        fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
            .with_writer(std::io::stdout)
    });
    let text = settings.text.then(|| fmt::layer().with_target(false).with_ansi(false).with_writer(std::io::stdout));
    tracing_subscriber::registry().with(json.with_filter(filter.clone())).with(text.with_filter(filter))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::{subscriber, Settings};

    fn enabled(directives: Option<&str>, target: &str, level: Level) -> bool {
        let settings = Settings { rust_log: directives.map(str::to_owned), ..Settings::default() };
        enabled_with(&settings, target, level)
    }

    fn enabled_with(settings: &Settings, target: &str, level: Level) -> bool {
        tracing::subscriber::with_default(subscriber(settings), || match (target, level) {
            ("membership", Level::DEBUG) => tracing::enabled!(target: "membership", Level::DEBUG),
            ("membership", Level::INFO) => tracing::enabled!(target: "membership", Level::INFO),
            ("membership", Level::WARN) => tracing::enabled!(target: "membership", Level::WARN),
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

    #[test]
    fn lambdas_log_level_sets_the_default_level_over_rust_log() {
        let settings = |rust_log: Option<&str>, level: &str| Settings {
            rust_log: rust_log.map(str::to_owned),
            lambda_level: Some(level.to_owned()),
            text: false,
        };
        assert!(enabled_with(&settings(None, "DEBUG"), "membership", Level::DEBUG));
        assert!(!enabled_with(&settings(Some("debug"), "WARN"), "membership", Level::INFO), "WARN over RUST_LOG=debug");
        let targeted = settings(Some("info,membership=debug"), "ERROR");
        assert!(enabled_with(&targeted, "membership", Level::DEBUG), "RUST_LOG's target directives stay");
        assert!(!enabled_with(&targeted, "aws_smithy_runtime", Level::WARN));
        assert!(enabled_with(&settings(None, "not a level"), "membership", Level::INFO), "unreadable: RUST_LOG's");
        assert!(!enabled_with(&settings(None, "FATAL"), "membership", Level::WARN));
    }

    #[test]
    fn the_text_format_filters_as_the_json_one() {
        let text = Settings { rust_log: Some("warn".to_owned()), lambda_level: None, text: true };
        assert!(enabled_with(&text, "membership", Level::WARN) && !enabled_with(&text, "membership", Level::INFO));
    }
}
