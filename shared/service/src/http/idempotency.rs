//! `Idempotency-Key` (API.md, Conventions), in the way AWS Powertools does it: claim the key with a
//! conditional put, run the request, save its final answer; a retry with the same key and body gets
//! that answer again with no second effect.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::extract::BODY_LIMIT;
use super::problem::{Problem, ProblemCode};
use super::{Idempotency, Route};
use crate::app::{Failure, Service};
use crate::keys::{hex, token_hash};
use crate::records::{IdempotencyClaim, SavedResponse};

const HEADER: &str = "idempotency-key";

fn valid_key(value: &HeaderValue) -> Option<&str> {
    let key = value.to_str().ok()?;
    (1..=128).contains(&key.len()).then_some(())?;
    key.bytes().all(|b| b.is_ascii_graphic()).then_some(key)
}

pub async fn idempotency(State(service): State<Service>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().and_then(|path| Route::find(request.method(), path.as_str()));
    let Some(route) = route.filter(|route| route.idempotency != Idempotency::Ignored) else {
        return next.run(request).await;
    };
    let Some(raw_key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let Some(key) = valid_key(raw_key).map(str::to_owned) else {
        return Problem::new(StatusCode::BAD_REQUEST, ProblemCode::RequestMalformed).into_response();
    };
    // The caller the route authenticates: a record is theirs alone, so a saved answer never reaches
    // anyone else. A request that names no caller, or one that does not authenticate, gets no saved
    // answer: the route refuses it afresh.
    let (mut parts, body) = request.into_parts();
    let keys = service.keys.current();
    let Some(token) = super::extract::bearer(&parts) else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let scope = match route.idempotency {
        // A member's retries may carry a refreshed access token: the member is the caller. The
        // route takes the caller from here rather than authenticating again.
        Idempotency::PerMember => match service.authenticate(&token, true).await {
            Ok(caller) => {
                let scope = format!("member:{}", caller.member.member_id);
                parts.extensions.insert(super::members::Authenticated(caller));
                scope
            }
            Err(_) => return next.run(Request::from_parts(parts, body)).await,
        },
        // The sign-up token is the sign-up's only credential, and each session has its own.
        _ => format!("signup:{}", token_hash(&token)),
    };
    let route = route.path;
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, ProblemCode::RequestTooLarge).into_response();
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
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, ProblemCode::IdempotencyKeyReused).into_response()
        }
        Ok(IdempotencyClaim::Existing(record)) => match record.response {
            None => {
                Problem::new(StatusCode::CONFLICT, ProblemCode::IdempotencyInProgress).retry_after(1).into_response()
            }
            Some(saved) => replay(&saved, &keys.idempotency),
        },
        Ok(IdempotencyClaim::Claimed) => {
            let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let status = response.status();
            // API.md: only final answers to a body that was read are saved; a 400, 413 or 415 says
            // the body was not, and a 429 that it was not judged yet.
            let unread = [StatusCode::BAD_REQUEST, StatusCode::PAYLOAD_TOO_LARGE, StatusCode::UNSUPPORTED_MEDIA_TYPE];
            let is_final = status.is_success()
                || (status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS && !unread.contains(&status));
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
            match keys.idempotency.seal(&body) {
                Ok(sealed_body) => {
                    let saved = SavedResponse { status: status.as_u16(), headers, sealed_body };
                    if let Err(error) =
                        service.records.complete_idempotency(&record_id, &payload_hmac, saved, now).await
                    {
                        tracing::warn!(error = %error, "idempotent response not saved; a retry after the lease runs again");
                    }
                }
                Err(error) => {
                    tracing::warn!(error = %error, "idempotent response not sealed; a retry after the lease runs again")
                }
            }
            parts.headers.remove("idempotent-replayed");
            Response::from_parts(parts, Body::from(body))
        }
    }
}

fn replay(saved: &SavedResponse, key: &crate::keys::SecretKey) -> Response {
    let Some(body) = key.open(&saved.sealed_body) else {
        tracing::error!("saved idempotent response does not open with the current key");
        return Problem::new(StatusCode::INTERNAL_SERVER_ERROR, ProblemCode::Internal).into_response();
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
