//! RFC 9457 problem details: every refusal the API gives, with its stable `code`, localised text,
//! and nothing of what the caller sent.

use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use membership_domain::signup::AgeRuleError;
use membership_domain::FieldError;
use serde_json::{json, Map, Value};

use super::messages::{field_message, problem_text, Lang};
use crate::app::Failure;

#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub errors: Vec<FieldError>,
    /// Members beyond the standard ones (`expectedStep`, `maskedUsername`, ...).
    pub extensions: Map<String, Value>,
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        Self { status, code, errors: Vec::new(), extensions: Map::new(), retry_after: None }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.to_owned(), value.into());
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn validation(field: &str, code: &'static str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation.failed").with_errors(vec![FieldError::new(field, code)])
    }

    pub fn body(&self, lang: Lang) -> Value {
        let (title, detail) = problem_text(self.code, lang);
        let mut body = json!({
            "type": format!("urn:incheon-library:problem:{}", self.code),
            "title": title,
            "status": self.status.as_u16(),
            "detail": detail,
            "code": self.code,
        });
        if !self.errors.is_empty() {
            body["errors"] = self
                .errors
                .iter()
                .map(|e| json!({ "field": e.field, "code": e.code, "message": field_message(e.code, lang) }))
                .collect();
        }
        if let Value::Object(map) = &mut body {
            map.extend(self.extensions.clone());
        }
        body
    }

    pub fn render(&self, lang: Lang) -> Response {
        let mut response = (self.status, self.body(lang).to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json; charset=utf-8"));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response.extensions_mut().insert(Arc::new(self.clone()));
        response
    }
}

/// Written in the language of the request being answered (`Accept-Language`), so a saved
/// idempotent answer is replayed as it was first given.
impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.render(Lang::current())
    }
}

/// The one place a use-case outcome becomes a status and a code.
impl From<Failure> for Problem {
    fn from(failure: Failure) -> Self {
        use StatusCode as S;
        match failure {
            Failure::Validation(errors) => {
                Problem::new(S::UNPROCESSABLE_ENTITY, "validation.failed").with_errors(errors)
            }
            Failure::WeakPassword(errors) => Problem::new(S::UNPROCESSABLE_ENTITY, "password.weak").with_errors(errors),
            Failure::SignupNotFound => Problem::new(S::NOT_FOUND, "signup.not_found"),
            Failure::SignupExpired => Problem::new(S::GONE, "signup.expired"),
            Failure::SignupTokenInvalid => Problem::new(S::UNAUTHORIZED, "signup.token_invalid"),
            Failure::WrongStep { expected } => {
                Problem::new(S::CONFLICT, "signup.wrong_step").with("expectedStep", expected.as_str())
            }
            Failure::ConsentRequired { missing } => Problem::new(S::UNPROCESSABLE_ENTITY, "consent.required")
                .with("missing", missing.iter().map(|d| d.as_str()).collect::<Vec<_>>()),
            Failure::ConsentVersionMismatch { field } => Problem::new(S::CONFLICT, "consent.version_mismatch")
                .with_errors(vec![FieldError::new(field, "stale_version")]),
            Failure::ConsentUnknownDocument { field } => {
                Problem::new(S::UNPROCESSABLE_ENTITY, "consent.unknown_document")
                    .with_errors(vec![FieldError::new(field, "invalid_value")])
            }
            Failure::IdentityResultInvalid => Problem::new(S::UNPROCESSABLE_ENTITY, "identity.result_invalid"),
            Failure::IdentityResultExpired => Problem::new(S::UNPROCESSABLE_ENTITY, "identity.result_expired"),
            Failure::IdentityResultReplayed => Problem::new(S::CONFLICT, "identity.result_replayed"),
            Failure::IdentityVerificationFailed => {
                Problem::new(S::UNPROCESSABLE_ENTITY, "identity.verification_failed")
            }
            Failure::Age(AgeRuleError::RequiresChildSignup) => {
                Problem::new(S::UNPROCESSABLE_ENTITY, "age.requires_child_signup")
            }
            Failure::Age(AgeRuleError::RequiresGeneralSignup) => {
                Problem::new(S::UNPROCESSABLE_ENTITY, "age.requires_general_signup")
                    .with_errors(vec![FieldError::new("/child/birthDate", "too_old")])
            }
            Failure::Age(AgeRuleError::GuardianNotAdult) => Problem::new(S::UNPROCESSABLE_ENTITY, "guardian.not_adult"),
            Failure::MemberAlreadyExists { masked_username } => {
                Problem::new(S::CONFLICT, "member.already_exists").with("maskedUsername", masked_username)
            }
            Failure::UsernameTaken => {
                Problem::new(S::CONFLICT, "username.taken").with_errors(vec![FieldError::new("/username", "taken")])
            }
            Failure::InvalidCredentials => Problem::new(S::UNAUTHORIZED, "auth.invalid_credentials"),
            Failure::Locked { retry_after_seconds } => {
                Problem::new(S::TOO_MANY_REQUESTS, "auth.locked").retry_after(retry_after_seconds)
            }
            Failure::TokenInvalid => Problem::new(S::UNAUTHORIZED, "auth.token_invalid"),
            Failure::RefreshInvalid => Problem::new(S::UNAUTHORIZED, "auth.refresh_invalid"),
            Failure::Dormant => Problem::new(S::FORBIDDEN, "member.dormant"),
            Failure::MemberNotFound => Problem::new(S::NOT_FOUND, "member.not_found"),
            Failure::NotApplicable => Problem::new(S::CONFLICT, "certification.not_applicable"),
            Failure::IdentityMismatch => Problem::new(S::UNPROCESSABLE_ENTITY, "certification.identity_mismatch"),
            Failure::GuardianRequired => Problem::new(S::UNPROCESSABLE_ENTITY, "guardian.required"),
            Failure::CertificationRateLimited { retry_after_seconds } => {
                Problem::new(S::TOO_MANY_REQUESTS, "certification.rate_limited").retry_after(retry_after_seconds)
            }
            Failure::NotIncheonResident => Problem::new(S::UNPROCESSABLE_ENTITY, "certification.not_incheon_resident"),
            Failure::DlsRejected => Problem::new(S::UNPROCESSABLE_ENTITY, "certification.dls_rejected"),
            Failure::UpstreamUnavailable => Problem::new(S::SERVICE_UNAVAILABLE, "upstream.unavailable").retry_after(5),
            Failure::Unavailable(_) => Problem::new(S::SERVICE_UNAVAILABLE, "upstream.unavailable").retry_after(1),
            Failure::Busy(_) => Problem::new(S::SERVICE_UNAVAILABLE, "upstream.unavailable").retry_after(1),
            Failure::Internal(_) => Problem::new(S::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

/// Lets handlers return `Result<_, Failure>`: the cause chain goes to the log, the code to the client.
impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if matches!(self, Failure::Unavailable(_) | Failure::Internal(_) | Failure::Busy(_)) {
            tracing::error!(error = %error_chain(&self), "request failed");
        }
        Problem::from(self).into_response()
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
