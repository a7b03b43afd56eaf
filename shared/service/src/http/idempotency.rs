//! `Idempotency-Key` (API.md, Conventions), in the way AWS Powertools does it: claim the key with a
//! conditional put, run the request, save its final answer; a retry with the same key and body gets
//! that answer again with no second effect.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::extract::BODY_LIMIT;
use super::problem::Problem;
use crate::app::{Failure, Service};
use crate::keys::{hex, token_hash};
use crate::records::{IdempotencyClaim, SavedResponse};

const HEADER: &str = "idempotency-key";

/// Routes where a repeated request must be judged afresh (credentials, rotation, recovery).
fn exempt(route: &str) -> bool {
    route == "/v1/sessions"
        || route == "/v1/sessions/refresh"
        || route.starts_with("/v1/recovery/")
        || route.starts_with("/v1/identity/")
}

fn valid_key(value: &HeaderValue) -> Option<&str> {
    let key = value.to_str().ok()?;
    (1..=128).contains(&key.len()).then_some(())?;
    key.bytes().all(|b| b.is_ascii_graphic()).then_some(key)
}

pub async fn idempotency(State(service): State<Service>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(raw_key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
    if exempt(&route) {
        return next.run(request).await;
    }
    let Some(key) = valid_key(raw_key).map(str::to_owned) else {
        return Problem::new(StatusCode::BAD_REQUEST, "request.malformed")
            .with_errors(vec![membership_domain::FieldError::new("/headers/idempotency-key", "invalid_format")])
            .into_response();
    };
    // The caller: the bearer token's holder (a sign-up session, a member), or no one for a new sign-up.
    let (mut parts, body) = request.into_parts();
    let keys = service.keys.current();
    let scope = match super::extract::bearer(&parts) {
        // A member's retries may carry a refreshed access token: the member is the caller. A token
        // that no longer authenticates (expired, signed out, password changed) gets no saved answer:
        // the route refuses it. The route takes the caller from here rather than authenticating again.
        Some(token) if route.starts_with("/v1/members/") => match service.authenticate(&token, true).await {
            Ok(caller) => {
                let scope = format!("member:{}", caller.member.member_id);
                parts.extensions.insert(super::members::Authenticated(caller));
                scope
            }
            Err(_) => return next.run(Request::from_parts(parts, body)).await,
        },
        Some(token) => token_hash(&token),
        None => String::new(),
    };
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large").into_response();
    };
    // Not JSON: the route refuses it the same way every time; there is nothing to remember.
    let Ok(payload) = serde_json::from_slice::<Value>(&bytes) else {
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    };
    // serde_json keeps object members sorted, so this is the canonical form of the payload.
    let payload_hmac =
        hex(&keys.idempotency.hmac(&[b"payload", scope.as_bytes(), route.as_bytes(), payload.to_string().as_bytes()]));
    let record_id = hex(&keys.idempotency.hmac(&[b"record", scope.as_bytes(), route.as_bytes(), key.as_bytes()]));
    let now = service.clock.now();

    match service.records.claim_idempotency(&record_id, &payload_hmac, now).await {
        Err(error) => Failure::from(error).into_response(),
        Ok(IdempotencyClaim::Existing(record)) if record.payload_hmac != payload_hmac => {
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency.key_reused").into_response()
        }
        Ok(IdempotencyClaim::Existing(record)) => match record.response {
            None => Problem::new(StatusCode::CONFLICT, "idempotency.in_progress").retry_after(1).into_response(),
            Some(saved) => replay(&saved, &keys.idempotency),
        },
        Ok(IdempotencyClaim::Claimed) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let status = response.status();
            let is_final = status.is_success() || (status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS);
            if !is_final {
                if let Err(error) = service.records.release_idempotency(&record_id).await {
                    tracing::warn!(error = %error, "idempotency key not released; it frees itself when its lease ends");
                }
                return response;
            }
            let (mut parts, body) = response.into_parts();
            let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let headers = [header::CONTENT_TYPE, header::LOCATION, header::RETRY_AFTER]
                .iter()
                .filter_map(|name| {
                    parts.headers.get(name).and_then(|v| v.to_str().ok()).map(|v| (name.to_string(), v.to_owned()))
                })
                .collect();
            let saved = SavedResponse { status: status.as_u16(), headers, sealed_body: keys.idempotency.seal(&body) };
            if let Err(error) = service.records.complete_idempotency(&record_id, &payload_hmac, saved, now).await {
                tracing::warn!(error = %error, "idempotent response not saved; a retry after the lease runs again");
            }
            parts.headers.remove("idempotent-replayed");
            Response::from_parts(parts, Body::from(body))
        }
    }
}

fn replay(saved: &SavedResponse, key: &crate::keys::SecretKey) -> Response {
    let Some(body) = key.open(&saved.sealed_body) else {
        tracing::error!("saved idempotent response does not open with the current key");
        return Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal").into_response();
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::OK);
    for (name, value) in &saved.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}
