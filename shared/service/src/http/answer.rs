//! A JSON answer from a `Serialize` body. Instants in bodies are `time::serde::rfc3339` fields: one
//! that cannot be written (outside RFC 3339's years) makes the answer a 500 problem, never an empty
//! or missing field.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::problem::{Problem, ProblemCode};

/// `application/json; charset=utf-8` from `T`, or 500 `internal` when `T` cannot be written.
pub struct Answer<T>(pub T);

impl<T: Serialize> IntoResponse for Answer<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => {
                let content_type = HeaderValue::from_static("application/json; charset=utf-8");
                ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
            }
            Err(error) => {
                // serde_json's message names the value's kind and position, never the value.
                tracing::error!(error = %error, "answer could not be written");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, ProblemCode::Internal).into_response()
            }
        }
    }
}

/// An instant as API.md writes it (RFC 3339, whole seconds), or the failure that makes the answer
/// a 500 problem.
pub fn instant(at: time::OffsetDateTime) -> Result<String, crate::app::Failure> {
    at.format(&time::format_description::well_known::Rfc3339).map_err(|e| crate::app::Failure::Internal(Box::new(e)))
}
