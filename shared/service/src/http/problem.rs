//! RFC 9457 problem details: every refusal the API gives, with its stable `code`, localised text,
//! and nothing of what the caller sent.

use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use membership_domain::signup::AgeRuleError;
use membership_domain::FieldError;
use serde::Serialize;
use serde_json::{Map, Value};

pub use super::codes::ProblemCode;
use super::messages::{field_message, Lang};
use crate::app::Failure;

#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub code: ProblemCode,
    pub errors: Vec<FieldError>,
    /// Members beyond the standard ones (`expectedStep`, `maskedUsername`, ...).
    pub extensions: Map<String, Value>,
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: ProblemCode) -> Self {
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
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, ProblemCode::ValidationFailed)
            .with_errors(vec![FieldError::new(field, code)])
    }

    fn body(&self, lang: Lang) -> ProblemBody<'_> {
        let (title, detail) = self.code.text(lang);
        ProblemBody {
            kind: format!("urn:incheon-library:problem:{}", self.code.as_str()),
            title,
            status: self.status.as_u16(),
            detail,
            code: self.code.as_str(),
            errors: self
                .errors
                .iter()
                .map(|e| FieldProblem { field: &e.field, code: e.code, message: field_message(e.code, lang) })
                .collect(),
            extensions: &self.extensions,
        }
    }

    pub fn render(&self, lang: Lang) -> Response {
        let mut response = (self.status, Json(self.body(lang))).into_response();
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

/// The RFC 9457 members every problem has, then its own (`errors`, extensions).
#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: &'static str,
    code: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldProblem<'a>>,
    #[serde(flatten)]
    extensions: &'a Map<String, Value>,
}

#[derive(Serialize)]
struct FieldProblem<'a> {
    field: &'a str,
    code: &'a str,
    message: &'static str,
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
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::ValidationFailed).with_errors(errors)
            }
            Failure::WeakPassword(errors) => {
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::PasswordWeak).with_errors(errors)
            }
            Failure::SignupNotFound => Problem::new(S::NOT_FOUND, ProblemCode::SignupNotFound),
            Failure::SignupExpired => Problem::new(S::GONE, ProblemCode::SignupExpired),
            Failure::SignupTokenInvalid => Problem::new(S::UNAUTHORIZED, ProblemCode::SignupTokenInvalid),
            Failure::WrongStep { expected } => {
                Problem::new(S::CONFLICT, ProblemCode::SignupWrongStep).with("expectedStep", expected.as_str())
            }
            Failure::ConsentRequired { missing } => Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::ConsentRequired)
                .with("missing", missing.iter().map(|d| d.as_str()).collect::<Vec<_>>()),
            Failure::ConsentVersionMismatch { field } => Problem::new(S::CONFLICT, ProblemCode::ConsentVersionMismatch)
                .with_errors(vec![FieldError::new(field, "stale_version")]),
            Failure::ConsentUnknownDocument { field } => {
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::ConsentUnknownDocument)
                    .with_errors(vec![FieldError::new(field, "invalid_value")])
            }
            Failure::IdentityResultInvalid => Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::IdentityResultInvalid),
            Failure::IdentityResultExpired => Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::IdentityResultExpired),
            Failure::IdentityResultReplayed => Problem::new(S::CONFLICT, ProblemCode::IdentityResultReplayed),
            Failure::IdentityVerificationFailed => {
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::IdentityVerificationFailed)
            }
            Failure::Age(AgeRuleError::RequiresChildSignup) => {
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::AgeRequiresChildSignup)
            }
            Failure::Age(AgeRuleError::RequiresGeneralSignup) => {
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::AgeRequiresGeneralSignup)
                    .with_errors(vec![FieldError::new("/child/birthDate", "too_old")])
            }
            Failure::Age(AgeRuleError::GuardianNotAdult) => {
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::GuardianNotAdult)
            }
            Failure::MemberAlreadyExists { masked_username } => {
                Problem::new(S::CONFLICT, ProblemCode::MemberAlreadyExists).with("maskedUsername", masked_username)
            }
            Failure::UsernameTaken => Problem::new(S::CONFLICT, ProblemCode::UsernameTaken)
                .with_errors(vec![FieldError::new("/username", "taken")]),
            Failure::InvalidCredentials => Problem::new(S::UNAUTHORIZED, ProblemCode::AuthInvalidCredentials),
            Failure::Locked { retry_after_seconds } => {
                Problem::new(S::TOO_MANY_REQUESTS, ProblemCode::AuthLocked).retry_after(retry_after_seconds)
            }
            Failure::TokenInvalid => Problem::new(S::UNAUTHORIZED, ProblemCode::AuthTokenInvalid),
            Failure::RefreshInvalid => Problem::new(S::UNAUTHORIZED, ProblemCode::AuthRefreshInvalid),
            Failure::Dormant => Problem::new(S::FORBIDDEN, ProblemCode::MemberDormant),
            Failure::MemberNotFound => Problem::new(S::NOT_FOUND, ProblemCode::MemberNotFound),
            Failure::NotApplicable => Problem::new(S::CONFLICT, ProblemCode::CertificationNotApplicable),
            Failure::IdentityMismatch => {
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::CertificationIdentityMismatch)
            }
            Failure::GuardianRequired => Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::GuardianRequired),
            Failure::CertificationRateLimited { retry_after_seconds } => {
                Problem::new(S::TOO_MANY_REQUESTS, ProblemCode::CertificationRateLimited)
                    .retry_after(retry_after_seconds)
            }
            Failure::NotIncheonResident => {
                Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::CertificationNotIncheonResident)
            }
            Failure::DlsRejected => Problem::new(S::UNPROCESSABLE_ENTITY, ProblemCode::CertificationDlsRejected),
            Failure::UpstreamUnavailable => {
                Problem::new(S::SERVICE_UNAVAILABLE, ProblemCode::UpstreamUnavailable).retry_after(5)
            }
            Failure::Unavailable(_) => {
                Problem::new(S::SERVICE_UNAVAILABLE, ProblemCode::UpstreamUnavailable).retry_after(1)
            }
            Failure::Busy(_) => Problem::new(S::SERVICE_UNAVAILABLE, ProblemCode::UpstreamUnavailable).retry_after(1),
            Failure::Internal(_) => Problem::new(S::INTERNAL_SERVER_ERROR, ProblemCode::Internal),
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
