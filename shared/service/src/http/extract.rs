//! How requests are read: a JSON body within the contract's limits, a bearer token, the channel.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use membership_domain::signup::Channel;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::problem::{Problem, ProblemCode};

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
            .is_some_and(is_json_media_type);
        if !is_json {
            return Err(Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, ProblemCode::RequestUnsupportedMediaType));
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
        let value = parse_object_strictly(&bytes)?;
        // Every body of the contract is an object; serde alone would also read a struct from an array.
        if !value.is_object() {
            return Err(Problem::validation("", "invalid_type"));
        }
        parse_value(value).map(ApiJson)
    }
}

/// API.md: `application/json`, with no parameter but `charset=utf-8`.
fn is_json_media_type(value: &str) -> bool {
    let mut parts = value.split(';');
    let mime = parts.next().unwrap_or_default().trim();
    mime.eq_ignore_ascii_case("application/json")
        && parts.all(|parameter| {
            let parameter = parameter.trim();
            parameter.is_empty()
                || parameter.split_once('=').is_some_and(|(name, value)| {
                    name.trim().eq_ignore_ascii_case("charset")
                        && value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
                })
        })
}

/// Well-formed JSON whose objects name each member once (serde_json alone keeps the last of two).
fn parse_object_strictly(bytes: &[u8]) -> Result<Value, Problem> {
    let malformed = || Problem::new(StatusCode::BAD_REQUEST, ProblemCode::RequestMalformed);
    serde_json::from_slice::<UniqueMembers>(bytes).map_err(|_| malformed())?;
    serde_json::from_slice(bytes).map_err(|_| malformed())
}

/// A JSON value read only to refuse an object that names one member twice.
struct UniqueMembers;

impl<'de> serde::Deserialize<'de> for UniqueMembers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueMembersVisitor)
    }
}

struct UniqueMembersVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueMembersVisitor {
    type Value = UniqueMembers;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }
    fn visit_i64<E>(self, _: i64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }
    fn visit_u64<E>(self, _: u64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }
    fn visit_f64<E>(self, _: f64) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }
    fn visit_str<E>(self, _: &str) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }
    fn visit_unit<E>(self) -> Result<UniqueMembers, E> {
        Ok(UniqueMembers)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueMembers, A::Error> {
        while seq.next_element::<UniqueMembers>()?.is_some() {}
        Ok(UniqueMembers)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueMembers, A::Error> {
        let mut names = std::collections::HashSet::new();
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !names.insert(name.into_owned()) {
                return Err(serde::de::Error::custom("an object names a member twice"));
            }
            map.next_value::<UniqueMembers>()?;
        }
        Ok(UniqueMembers)
    }
}

fn too_large() -> Problem {
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, ProblemCode::RequestTooLarge)
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
            // A name that is no identifier (an RRN sent as a key, say) is never echoed.
            let field =
                if is_identifier(&name) { join_pointer(&pointer, &name) } else { parent_pointer(&pointer, &name) };
            (field, "unknown_field")
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

/// `^[A-Za-z][A-Za-z0-9_]{0,63}$` (API.md, Conventions).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The pointer of the object holding `name`, whether or not `pointer` already ends with it.
fn parent_pointer(pointer: &str, name: &str) -> String {
    let escaped = name.replace('~', "~0").replace('/', "~1");
    pointer.strip_suffix(&format!("/{escaped}")).unwrap_or(pointer).to_owned()
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

/// The one parameter of a route's path. Not valid UTF-8 (or otherwise unreadable): 400
/// `request.malformed` as problem+json, like every refusal (API.md, Conventions).
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| PathParam(value))
            .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, ProblemCode::RequestMalformed))
    }
}

/// The sign-up token of a sign-up step.
pub struct SignupBearer(pub String);

impl<S: Send + Sync> FromRequestParts<S> for SignupBearer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        bearer(parts)
            .map(SignupBearer)
            .ok_or_else(|| Problem::new(StatusCode::UNAUTHORIZED, ProblemCode::SignupTokenInvalid))
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
