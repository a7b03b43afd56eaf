//! The audit trail (DOMAIN.md, "Personal information"): who did what, when, from where — member or
//! sign-up id, event, time, request id and source IP, never a name, contact, RRN, password or DLS
//! credential. Kept a little over two years, also after withdrawal.
//!
//! The request's id and source travel with the request as a task-local, set by the HTTP layer, so
//! use cases record events without threading them through every call.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// How long audit records are kept: 2 years and a margin.
pub const AUDIT_RETENTION: Duration = Duration::days(731);

/// Where a request came from, as the audit trail keeps it.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub request_id: String,
    pub source_ip: Option<String>,
}

tokio::task_local! {
    static REQUEST: RequestContext;
}

/// Runs `future` with `context` as the current request's.
pub async fn with_request<F: std::future::Future>(context: RequestContext, future: F) -> F::Output {
    REQUEST.scope(context, future).await
}

/// The current request's context; the scheduled job's own when there is no request.
pub fn current_request() -> RequestContext {
    REQUEST
        .try_with(Clone::clone)
        .unwrap_or_else(|_| RequestContext { request_id: "scheduled".into(), source_ip: None })
}

/// One audit event (`AUDIT#<member or sign-up id>` / `<at>#<event>#<n>`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// The member or sign-up the event is about.
    pub subject: String,
    pub event: String,
    /// Ids and codes only (document and version, certification method and outcome).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub details: serde_json::Map<String, serde_json::Value>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
}

impl AuditEvent {
    pub fn new(subject: &str, event: &str, at: OffsetDateTime) -> Self {
        let request = current_request();
        Self {
            subject: subject.to_owned(),
            event: event.to_owned(),
            details: serde_json::Map::new(),
            at,
            request_id: request.request_id,
            source_ip: request.source_ip,
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.details.insert(name.to_owned(), value.into());
        self
    }
}
