//! The service's CloudWatch metrics, as the embedded metric format (EMF): JSON documents in the
//! function's log that CloudWatch turns into metrics, with no call to CloudWatch and nothing to wait
//! for. `metrics_cloudwatch_embedded` is the recorder behind the `metrics` facade: each function
//! installs it at start ([`install`]) and it writes one document per invocation, after the
//! response, carrying the Lambda request id and X-Ray trace id as properties (so a metric leads to
//! the log lines and the trace of the request that counted it). Where no recorder is installed
//! (local-api, the tests) the counters below cost nothing and go nowhere.
//!
//! Metrics are derived where one place sees every case: [`request_finished`] from the HTTP layer,
//! which knows the matched route, the status and the problem `code` (the sign-up funnel, refusals by
//! code, sign-ins, certifications, idempotent replays); [`upstream_call`] from the one upstream
//! client; the purge's and the notifier's counts where they are counted. Dimensions are codes and
//! names from the service's own tables, never anything a caller sent.

use std::time::Duration;

use metrics::Unit;

/// The namespace of every metric the functions write (the template's dashboard and alarms read it).
pub const NAMESPACE: &str = "IncheonLibraryMembership";

/// Installs the EMF recorder for one function (`Function` dimension: its name). Returns the
/// collector the runtime flushes after each invocation; `None` when a recorder is already there.
pub fn install(function: &'static str) -> Option<&'static metrics_cloudwatch_embedded::Collector> {
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(NAMESPACE)
        .with_dimension("Function", function)
        .with_lambda_request_id("requestId")
        .with_lambda_xray_trace_id("xrayTraceId")
        .init()
        .ok()?;
    describe();
    Some(collector)
}

/// Units, which EMF documents carry per metric name.
fn describe() {
    for name in
        [SIGNUP, SIGN_IN, CERTIFICATION, UPSTREAM_CALLS, UPSTREAM_FAILURES, IDEMPOTENT_REPLAYS, PURGED, PURGE_RUNS]
    {
        metrics::describe_counter!(name, Unit::Count, "");
    }
    metrics::describe_histogram!(UPSTREAM_LATENCY, Unit::Milliseconds, "");
}

/// The sign-up funnel: `Step` started, consented, verified, completed or refused (with `Code`).
pub const SIGNUP: &str = "Signups";
/// Sign-ins by `Outcome`: succeeded, failed, locked.
pub const SIGN_IN: &str = "SignIns";
/// Certifications by `System` (citizen, student) and `Outcome` (certified, or the problem code).
pub const CERTIFICATION: &str = "Certifications";
/// Calls to an upstream `System` (identity, residency, dls, mail, sms), failed ones, their latency.
pub const UPSTREAM_CALLS: &str = "UpstreamCalls";
pub const UPSTREAM_FAILURES: &str = "UpstreamFailures";
pub const UPSTREAM_LATENCY: &str = "UpstreamLatency";
/// Responses replayed from an idempotency record (`Idempotent-Replayed: true`).
pub const IDEMPOTENT_REPLAYS: &str = "IdempotentReplays";
/// What one purge run did, by `Action`.
pub const PURGED: &str = "Purged";

/// What one request counts, from its route (as declared, `None` when none matched), method,
/// status and problem code (empty for a success).
pub fn request_finished(method: &str, route: Option<&str>, status: u16, code: &'static str, replayed: bool) {
    if replayed {
        metrics::counter!(IDEMPOTENT_REPLAYS).increment(1);
        return;
    }
    for (name, labels) in counted(method, route, status, code) {
        metrics::counter!(name, &labels).increment(1);
    }
}

type Labels = Vec<(&'static str, &'static str)>;

/// The counters a request adds to, as (metric, dimensions): the rules of [`request_finished`].
fn counted(method: &str, route: Option<&str>, status: u16, code: &'static str) -> Vec<(&'static str, Labels)> {
    let success = (200..300).contains(&status);
    let step = match (method, route) {
        ("POST", Some("/v1/signups")) => Some("started"),
        ("POST", Some("/v1/signups/{signupId}/consents")) => Some("consented"),
        ("POST", Some("/v1/signups/{signupId}/identity")) => Some("verified"),
        ("POST", Some("/v1/signups/{signupId}/member")) => Some("completed"),
        _ => None,
    };
    if let Some(step) = step {
        return if success {
            vec![(SIGNUP, vec![("Step", step)])]
        } else {
            vec![(SIGNUP, vec![("Step", "refused"), ("Code", code_or_status(code))])]
        };
    }
    match (method, route) {
        ("POST", Some("/v1/sessions")) => {
            let outcome = match (success, code) {
                (true, _) => "succeeded",
                (false, "auth.locked") => "locked",
                (false, _) => "failed",
            };
            vec![(SIGN_IN, vec![("Outcome", outcome)])]
        }
        ("POST", Some(route)) if route.starts_with("/v1/members/me/certifications/") => {
            let system = if route.ends_with("/citizen") { "citizen" } else { "student" };
            let outcome = if success { "certified" } else { code_or_status(code) };
            vec![(CERTIFICATION, vec![("System", system), ("Outcome", outcome)])]
        }
        _ => Vec::new(),
    }
}

fn code_or_status(code: &'static str) -> &'static str {
    if code.is_empty() {
        "unknown"
    } else {
        code
    }
}

/// One call to an upstream system: its latency, and whether it failed (no answer in time, a
/// transport error, an answer too large, or an error status).
pub fn upstream_call(system: &'static str, elapsed: Duration, failed: bool) {
    metrics::counter!(UPSTREAM_CALLS, "System" => system).increment(1);
    if failed {
        metrics::counter!(UPSTREAM_FAILURES, "System" => system).increment(1);
    }
    metrics::histogram!(UPSTREAM_LATENCY, "System" => system).record(elapsed.as_secs_f64() * 1000.0);
}

/// Times `call` to `system` and counts it; a failure is what `failed` says of its result.
pub async fn timed_upstream<T>(
    system: &'static str,
    call: impl std::future::Future<Output = T>,
    failed: impl FnOnce(&T) -> bool,
) -> T {
    let started = std::time::Instant::now();
    let result = call.await;
    upstream_call(system, started.elapsed(), failed(&result));
    result
}

/// Runs of the purge: the alarm on a missing purge watches this.
pub const PURGE_RUNS: &str = "PurgeRuns";

/// One purge run, and its counts by action.
pub fn purge_run(counts: &crate::app::purge::PurgeCounts) {
    metrics::counter!(PURGE_RUNS).increment(1);
    for (action, count) in [
        ("signups", counts.signups_purged),
        ("markers", counts.markers_purged),
        ("dormant", counts.made_dormant),
        ("withdrawn", counts.withdrawn),
        ("scanned", counts.scanned),
    ] {
        metrics::counter!(PURGED, "Action" => action).increment(count);
    }
}

#[cfg(test)]
mod tests {
    use super::counted;

    fn names(
        method: &str,
        route: &str,
        status: u16,
        code: &'static str,
    ) -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
        counted(method, Some(route), status, code)
    }

    #[test]
    fn the_sign_up_funnel_counts_each_step_and_refusals_by_code() {
        assert_eq!(names("POST", "/v1/signups", 201, ""), vec![("Signups", vec![("Step", "started")])]);
        assert_eq!(
            names("POST", "/v1/signups/{signupId}/consents", 200, ""),
            vec![("Signups", vec![("Step", "consented")])]
        );
        assert_eq!(
            names("POST", "/v1/signups/{signupId}/identity", 200, ""),
            vec![("Signups", vec![("Step", "verified")])]
        );
        assert_eq!(
            names("POST", "/v1/signups/{signupId}/member", 201, ""),
            vec![("Signups", vec![("Step", "completed")])]
        );
        assert_eq!(
            names("POST", "/v1/signups/{signupId}/member", 409, "username.taken"),
            vec![("Signups", vec![("Step", "refused"), ("Code", "username.taken")])]
        );
    }

    #[test]
    fn sign_ins_and_certifications_count_by_outcome() {
        assert_eq!(names("POST", "/v1/sessions", 201, ""), vec![("SignIns", vec![("Outcome", "succeeded")])]);
        assert_eq!(
            names("POST", "/v1/sessions", 401, "auth.invalid_credentials"),
            vec![("SignIns", vec![("Outcome", "failed")])]
        );
        assert_eq!(names("POST", "/v1/sessions", 429, "auth.locked"), vec![("SignIns", vec![("Outcome", "locked")])]);
        assert_eq!(
            names("POST", "/v1/members/me/certifications/student", 502, "upstream.unavailable"),
            vec![("Certifications", vec![("System", "student"), ("Outcome", "upstream.unavailable")])]
        );
        assert_eq!(
            names("POST", "/v1/members/me/certifications/citizen", 200, ""),
            vec![("Certifications", vec![("System", "citizen"), ("Outcome", "certified")])]
        );
        assert!(names("GET", "/v1/terms", 200, "").is_empty(), "reference reads count nothing");
        assert!(counted("GET", None, 404, "not_found").is_empty());
    }
}
