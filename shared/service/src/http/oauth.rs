//! Single sign-on over HTTP: discovery (OpenID Connect Discovery 1.0), the JWKS, the token endpoint
//! (RFC 6749 §3.2, errors as §5.2), userinfo (errors as RFC 6750 §3), RP-initiated logout, and the
//! two routes of the web client's authorization page under `/v1/oauth2`.

use axum::extract::{RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::extract::{bearer, ApiJson, PathParam, BODY_LIMIT};
use super::problem::{Problem, ProblemCode};
use crate::app::sso::{Authorization, AuthorizationRequest, Logout, SsoFailure, TokenFailure};
use crate::app::Service;
use crate::sso::clients::{ClientName, Entitlement, SCOPES};
use crate::sso::signing::PublicJwk;

/// OpenID Connect Discovery 1.0 §3: what relying parties configure themselves from.
#[derive(Serialize)]
pub struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: String,
    scopes_supported: [&'static str; 3],
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; 2],
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: [&'static str; 1],
    token_endpoint_auth_methods_supported: [&'static str; 2],
    code_challenge_methods_supported: [&'static str; 1],
    claims_supported: [&'static str; 15],
    authorization_response_iss_parameter_supported: bool,
    request_parameter_supported: bool,
    request_uri_parameter_supported: bool,
    claims_parameter_supported: bool,
}

pub async fn discovery(State(service): State<Service>) -> Json<Discovery> {
    let issuer = service.sso.issuer.clone();
    Json(Discovery {
        authorization_endpoint: service.sso.authorization_endpoint.clone(),
        token_endpoint: format!("{issuer}/oauth2/token"),
        userinfo_endpoint: format!("{issuer}/oauth2/userinfo"),
        jwks_uri: format!("{issuer}/oauth2/jwks"),
        end_session_endpoint: format!("{issuer}/oauth2/logout"),
        issuer,
        scopes_supported: SCOPES,
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: ["authorization_code", "refresh_token"],
        subject_types_supported: ["pairwise"],
        id_token_signing_alg_values_supported: ["ES256"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "none"],
        code_challenge_methods_supported: ["S256"],
        claims_supported: [
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "name",
            "preferred_username",
            "grade",
            "entitlements",
            "loan_card_number",
            "home_library",
            "member_type",
            "sid",
        ],
        authorization_response_iss_parameter_supported: true,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        claims_parameter_supported: false,
    })
}

#[derive(Serialize)]
pub struct KeySet {
    keys: Vec<PublicJwk>,
}

pub async fn jwks(State(service): State<Service>) -> Result<Json<KeySet>, crate::app::Failure> {
    Ok(Json(KeySet { keys: service.signing_keys().await? }))
}

/// A client's public face, for the authorization page (not part of OAuth: our own, documented
/// endpoint): its name, the scopes it may ask for, the entitlements it requires.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    client_id: String,
    name: ClientName,
    scopes: Vec<String>,
    requires: Vec<Entitlement>,
}

pub async fn client(State(service): State<Service>, PathParam(client_id): PathParam) -> Response {
    match service.sso.clients.get(&client_id) {
        Some(client) => Json(ClientView {
            client_id: client.client_id.clone(),
            name: client.name.clone(),
            scopes: client.scopes.clone(),
            requires: client.requires.clone(),
        })
        .into_response(),
        None => Problem::new(StatusCode::NOT_FOUND, ProblemCode::NotFound).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Decision {
    Approve,
    Decline,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizationBody {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    #[serde(default, deserialize_with = "present")]
    state: Option<String>,
    #[serde(default, deserialize_with = "present")]
    nonce: Option<String>,
    #[serde(default, deserialize_with = "present")]
    code_challenge: Option<String>,
    #[serde(default, deserialize_with = "present")]
    code_challenge_method: Option<String>,
    #[serde(default, deserialize_with = "present_decision")]
    decision: Option<Decision>,
    #[serde(default, deserialize_with = "present")]
    prompt: Option<String>,
}

/// A field that, when sent, holds a string (`null` is a wrong type, not "absent").
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    String::deserialize(deserializer).map(Some)
}

fn present_decision<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Decision>, D::Error> {
    Decision::deserialize(deserializer).map(Some)
}

/// Longest value any field of the body may hold: a redirect URI, a state or nonce of the client's.
const FIELD_LIMIT: usize = 2048;

impl AuthorizationBody {
    fn into_request(self) -> Result<AuthorizationRequest, Problem> {
        let fields: [(&str, Option<&String>); 9] = [
            ("/responseType", Some(&self.response_type)),
            ("/clientId", Some(&self.client_id)),
            ("/redirectUri", Some(&self.redirect_uri)),
            ("/scope", Some(&self.scope)),
            ("/state", self.state.as_ref()),
            ("/nonce", self.nonce.as_ref()),
            ("/codeChallenge", self.code_challenge.as_ref()),
            ("/codeChallengeMethod", self.code_challenge_method.as_ref()),
            ("/prompt", self.prompt.as_ref()),
        ];
        let errors: Vec<_> = fields
            .iter()
            .filter(|(_, value)| value.is_some_and(|v| v.len() > FIELD_LIMIT))
            .map(|(field, _)| membership_domain::FieldError::new(*field, "too_long"))
            .collect();
        if !errors.is_empty() {
            return Err(
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, ProblemCode::ValidationFailed).with_errors(errors)
            );
        }
        Ok(AuthorizationRequest {
            response_type: self.response_type,
            client_id: self.client_id,
            redirect_uri: self.redirect_uri,
            scope: self.scope,
            state: self.state,
            nonce: self.nonce,
            code_challenge: self.code_challenge,
            code_challenge_method: self.code_challenge_method,
            decline: matches!(self.decision, Some(Decision::Decline)),
            prompt_none: self.prompt.as_deref().is_some_and(|p| p.split(' ').any(|v| v == "none")),
        })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Redirect {
    redirect_to: String,
}

impl IntoResponse for SsoFailure {
    fn into_response(self) -> Response {
        match self {
            SsoFailure::InvalidClient => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, ProblemCode::SsoInvalidClient).into_response()
            }
            SsoFailure::EntitlementRequired(entitlement) => {
                Problem::new(StatusCode::FORBIDDEN, ProblemCode::SsoEntitlementRequired)
                    .with("entitlement", entitlement.as_str())
                    .into_response()
            }
            SsoFailure::Service(failure) => failure.into_response(),
        }
    }
}

/// `POST /v1/oauth2/authorizations`: 201 with the code, 200 with an error for the client, or a
/// problem when there is no client to send the browser back to.
pub async fn authorize(
    State(service): State<Service>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<AuthorizationBody>,
) -> Result<Response, Response> {
    let request = body.into_request().map_err(IntoResponse::into_response)?;
    let token = bearer_of(&headers);
    match service.authorize(token, request).await.map_err(IntoResponse::into_response)? {
        Authorization::Issued { redirect_to } => {
            Ok((StatusCode::CREATED, Json(Redirect { redirect_to })).into_response())
        }
        Authorization::Refused { redirect_to } => Ok((StatusCode::OK, Json(Redirect { redirect_to })).into_response()),
    }
}

fn bearer_of(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// RFC 6749 §5.2: `{ "error" }` as JSON; 401 with `WWW-Authenticate` for client authentication.
#[derive(Serialize)]
struct OAuthError {
    error: &'static str,
}

impl IntoResponse for TokenFailure {
    fn into_response(self) -> Response {
        let (status, error) = match self {
            TokenFailure::InvalidRequest => (StatusCode::BAD_REQUEST, "invalid_request"),
            TokenFailure::InvalidClient => (StatusCode::UNAUTHORIZED, "invalid_client"),
            TokenFailure::InvalidGrant => (StatusCode::BAD_REQUEST, "invalid_grant"),
            TokenFailure::UnsupportedGrantType => (StatusCode::BAD_REQUEST, "unsupported_grant_type"),
            TokenFailure::InvalidScope => (StatusCode::BAD_REQUEST, "invalid_scope"),
            TokenFailure::Service(failure) => return failure.into_response(),
        };
        let mut response = (status, Json(OAuthError { error })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"oauth2\""));
        }
        response.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

/// The parameters of a form body or a query, each at most once (RFC 6749 §3.1, §3.2).
struct Parameters(Vec<(String, String)>);

impl Parameters {
    fn parse(bytes: &[u8]) -> Option<Self> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
        let unique = pairs.iter().enumerate().all(|(i, (name, _))| !pairs[..i].iter().any(|(other, _)| other == name));
        unique.then_some(Self(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }
}

/// HTTP Basic client credentials (RFC 6749 §2.3.1: each part form-encoded before joining).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, TokenFailure> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| TokenFailure::InvalidClient)?;
    let Some((scheme, encoded)) = value.split_once(' ') else { return Err(TokenFailure::InvalidClient) };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(TokenFailure::InvalidClient);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| TokenFailure::InvalidClient)?;
    let decoded = String::from_utf8(decoded).map_err(|_| TokenFailure::InvalidClient)?;
    let (id, secret) = decoded.split_once(':').ok_or(TokenFailure::InvalidClient)?;
    let form_decode = |part: &str| {
        percent_encoding::percent_decode_str(&part.replace('+', " ")).decode_utf8().map(|s| s.into_owned()).ok()
    };
    Ok(Some((
        form_decode(id).ok_or(TokenFailure::InvalidClient)?,
        form_decode(secret).ok_or(TokenFailure::InvalidClient)?,
    )))
}

/// `POST /oauth2/token`.
pub async fn token(State(service): State<Service>, request: Request) -> Response {
    match exchange(&service, request).await {
        Ok(answer) => Json(answer).into_response(),
        Err(failure) => failure.into_response(),
    }
}

async fn exchange(service: &Service, request: Request) -> Result<crate::app::sso::TokenAnswer, TokenFailure> {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(TokenFailure::InvalidRequest);
    }
    let basic = basic_credentials(request.headers())?;
    let bytes =
        axum::body::to_bytes(request.into_body(), BODY_LIMIT).await.map_err(|_| TokenFailure::InvalidRequest)?;
    let form = Parameters::parse(&bytes).ok_or(TokenFailure::InvalidRequest)?;
    let client = service.authenticate_client(basic, form.get("client_id"))?;
    match form.get("grant_type") {
        Some("authorization_code") => {
            let code = form.get("code").ok_or(TokenFailure::InvalidRequest)?;
            let redirect_uri = form.get("redirect_uri").ok_or(TokenFailure::InvalidRequest)?;
            service.exchange_code(&client, code, redirect_uri, form.get("code_verifier")).await
        }
        Some("refresh_token") => {
            let refresh_token = form.get("refresh_token").ok_or(TokenFailure::InvalidRequest)?;
            service.refresh_grant(&client, refresh_token, form.get("scope")).await
        }
        Some(_) => Err(TokenFailure::UnsupportedGrantType),
        None => Err(TokenFailure::InvalidRequest),
    }
}

/// `GET /oauth2/userinfo`: a refused token answers 401 with RFC 6750's `invalid_token`.
pub async fn userinfo(State(service): State<Service>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let claims = match bearer(&parts) {
        Some(token) => service.userinfo(&token).await,
        None => Ok(None),
    };
    match claims {
        Ok(Some(info)) => Json(info).into_response(),
        Ok(None) => {
            let mut response = (StatusCode::UNAUTHORIZED, Json(OAuthError { error: "invalid_token" })).into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
            response
        }
        Err(failure) => failure.into_response(),
    }
}

/// `GET /oauth2/logout`: 302 to a registered post-logout URI, or a short page saying the member
/// is signed out.
pub async fn logout(State(service): State<Service>, RawQuery(query): RawQuery) -> Response {
    let Some(query) = Parameters::parse(query.unwrap_or_default().as_bytes()) else {
        return Problem::new(StatusCode::BAD_REQUEST, ProblemCode::RequestMalformed).into_response();
    };
    let outcome = service
        .logout(
            query.get("id_token_hint"),
            query.get("client_id"),
            query.get("post_logout_redirect_uri"),
            query.get("state"),
        )
        .await;
    match outcome {
        Ok(Logout::Redirect(uri)) => match HeaderValue::from_str(&uri) {
            Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
            Err(_) => SsoFailure::InvalidClient.into_response(),
        },
        Ok(Logout::SignedOut) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))],
            SIGNED_OUT_PAGE,
        )
            .into_response(),
        Err(failure) => failure.into_response(),
    }
}

const SIGNED_OUT_PAGE: &str = "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
<title>로그아웃</title></head><body><main><h1>로그아웃되었습니다</h1>\
<p>인천광역시교육청 통합회원 로그인이 종료되었습니다. (You are signed out.)</p></main></body></html>";
