//! How requests are read: a JSON body within the contract's limits, a bearer token, the channel.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use membership_domain::signup::Channel;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::problem::Problem;

/// Bodies over this size are refused with 413.
pub const BODY_LIMIT: usize = 16 * 1024;

/// A JSON object, parsed into `T` whose unknown fields are refused. Failures, in order: not JSON
/// (415), too large (413), not well-formed (400), not an object or not of `T`'s shape (422 with a
/// JSON Pointer).
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "request.unsupported_media_type"));
        }
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<usize>().ok());
        if declared.is_some_and(|length| length > BODY_LIMIT) {
            return Err(too_large());
        }
        let bytes = axum::body::to_bytes(request.into_body(), BODY_LIMIT).await.map_err(|_| too_large())?;
        let value: Value =
            serde_json::from_slice(&bytes).map_err(|_| Problem::new(StatusCode::BAD_REQUEST, "request.malformed"))?;
        // Every body of the contract is an object; serde alone would also read a struct from an array.
        if !value.is_object() {
            return Err(Problem::validation("", "invalid_type"));
        }
        parse_value(value).map(ApiJson)
    }
}

fn too_large() -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "request.too_large")
}

/// Reads a JSON value as `T`, turning serde's complaint into a field error with a JSON Pointer.
pub fn parse_value<T: DeserializeOwned>(value: Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut pointer = String::new();
        for segment in error.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
                Segment::Unknown => {}
            }
        }
        let message = error.inner().to_string();
        let named =
            |prefix: &str| message.strip_prefix(prefix).and_then(|rest| rest.split('`').next()).map(str::to_owned);
        let (field, code) = if let Some(name) = named("unknown field `") {
            (join_pointer(&pointer, &name), "unknown_field")
        } else if let Some(name) = named("missing field `") {
            (join_pointer(&pointer, &name), "required")
        } else if message.starts_with("invalid type") {
            (pointer, "invalid_type")
        } else {
            (pointer, "invalid_value")
        };
        Problem::validation(&field, code)
    })
}

fn join_pointer(parent: &str, name: &str) -> String {
    let escaped = name.replace('~', "~0").replace('/', "~1");
    if parent.ends_with(&format!("/{escaped}")) {
        parent.to_owned()
    } else {
        format!("{parent}/{escaped}")
    }
}

/// One consent answer as every route takes it: `{ "document", "version", "agreed" }`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsentBody {
    document: String,
    version: String,
    agreed: bool,
}

impl ConsentBody {
    pub fn into_answer(self) -> (String, String, bool) {
        (self.document, self.version, self.agreed)
    }
}

/// `Authorization: Bearer <token>`; the refusal when it is missing is the route's to choose.
pub fn bearer(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The sign-up token of a sign-up step.
pub struct SignupBearer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for SignupBearer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        bearer(parts).map(SignupBearer).ok_or_else(|| Problem::new(StatusCode::UNAUTHORIZED, "signup.token_invalid"))
    }
}

/// The caller's IP: API Gateway's view of it in Lambda, the socket's locally.
pub fn source_ip(extensions: &axum::http::Extensions) -> Option<String> {
    use lambda_http::request::RequestContext;
    match extensions.get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip().to_string()),
    }
}

/// Where a request came from: source IP (API Gateway's, or the socket's locally) and user agent.
pub struct ClientChannel(pub Channel);

impl<S: Send + Sync> FromRequestParts<S> for ClientChannel {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = source_ip(&parts.extensions);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|ua| ua.chars().take(256).collect());
        Ok(ClientChannel(Channel { ip, user_agent }))
    }
}
