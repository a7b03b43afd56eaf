//! Routes of identity verification (API.md, "Identity verification (본인확인)"): opening a request
//! with the provider, and the return page the provider sends the person back to.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use membership_domain::identity::Method;
use serde::Deserialize;
use serde_json::json;

use super::answer::instant;
use super::extract::{bearer, ApiJson};
use crate::app::identity::{IdentityForm, ReturnPage, RETURN_PATH};
use crate::app::{Failure, Service};
use crate::identity::protocol::{form_pairs, form_value};
use crate::identity::Purpose;

/// A result as every consuming step takes it: `{ "tokenVersionId", "encData", "integrityValue" }`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityBody {
    token_version_id: String,
    enc_data: String,
    integrity_value: String,
}

impl From<IdentityBody> for IdentityForm {
    fn from(body: IdentityBody) -> Self {
        IdentityForm {
            token_version_id: body.token_version_id,
            enc_data: body.enc_data,
            integrity_value: body.integrity_value,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestBody {
    purpose: Purpose,
    method: Method,
    origin: String,
}

/// The request's own facts that the route reads besides the body: its bearer token, and the domain
/// API Gateway received it on.
pub struct RequestFacts {
    bearer: Option<String>,
    api_domain: Option<String>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequestFacts {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        use lambda_http::request::RequestContext;
        let api_domain = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(context)) => context.domain_name.clone(),
            _ => None,
        };
        Ok(RequestFacts { bearer: bearer(parts), api_domain })
    }
}

/// `POST /v1/identity/requests`: the body first (its purpose says who may ask), then the caller,
/// then the origin, then the provider.
pub async fn create_request(
    State(service): State<Service>,
    facts: RequestFacts,
    ApiJson(body): ApiJson<RequestBody>,
) -> Result<Response, Failure> {
    let owner = match body.purpose {
        Purpose::Signup => {
            let token = facts.bearer.ok_or(Failure::SignupTokenInvalid)?;
            Some(service.signup_awaiting_identity(&token).await?)
        }
        Purpose::Recovery => None,
        Purpose::Guardian | Purpose::Upgrade => {
            let token = facts.bearer.ok_or(Failure::TokenInvalid)?;
            Some(service.authenticate(&token, false).await?.member.member_id)
        }
    };
    let origins = service.client_origins.clone();
    if !origins.allows(&body.origin) {
        return Err(Failure::Validation(vec![membership_domain::FieldError::new("/origin", "not_allowed")]));
    }
    let return_url = match origins.return_page() {
        ReturnPage::ClientOrigin => format!("{}{RETURN_PATH}", body.origin),
        ReturnPage::ApiDomain => match facts.api_domain.filter(|domain| valid_domain(domain)) {
            Some(domain) => format!("https://{domain}{RETURN_PATH}"),
            None => return Err(Failure::Internal("no API domain to return to".into())),
        },
    };
    let created = service.request_identity(body.purpose, owner, body.method, &body.origin, &return_url).await?;
    let body = json!({
        "requestId": created.request_id,
        "expiresAt": instant(created.expires_at)?,
        "provider": {
            "url": created.window_url,
            "method": "POST",
            "fields": {
                "m": "service",
                "token_version_id": created.token_version_id,
                "enc_data": created.enc_data,
                "integrity_value": created.integrity_value,
            },
        },
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn valid_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b':')
}

/// `POST /v1/identity/return`, as the provider posts it (a form). The page hands the three values
/// to the window that opened the provider's, at the request's origin only, and closes; for an
/// unknown request it says so and sends nothing.
pub async fn return_page(State(service): State<Service>, headers: HeaderMap, body: Bytes) -> Response {
    let form = is_form(&headers).then(|| form_pairs(&body)).flatten().unwrap_or_default();
    let value = |name: &str| form_value(&form, name).unwrap_or_default().to_owned();
    let result = json!({ "type": "identity-result", "tokenVersionId": value("token_version_id"), "encData": value("enc_data"), "integrityValue": value("integrity_value") });
    let origin = match service.identity_request_origin(&value("token_version_id")).await {
        Ok(origin) => origin,
        Err(failure) => return failure.into_response(),
    };
    match origin {
        Some(origin) if body.len() <= super::extract::BODY_LIMIT => {
            let nonce = crate::keys::random_token();
            let message = script_json(&result.to_string());
            let target = script_json(&json!(origin).to_string());
            let script =
                format!("if (window.opener) {{ window.opener.postMessage({message}, {target}); }}\nwindow.close();");
            let page = format!(
                "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\"><title>본인확인 완료</title></head>\
                 <body><p>본인확인이 끝났습니다. 이 창은 닫힙니다. (Verification finished; this window closes.)</p>\
                 <script nonce=\"{nonce}\">{script}</script></body></html>\n"
            );
            html(page, &format!("default-src 'none'; script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"))
        }
        _ => html(
            "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\"><title>본인확인</title></head>\
             <body><p>알 수 없는 본인확인 요청입니다. 창을 닫고 다시 인증해 주세요. \
             (Unknown verification request: close this window and verify again.)</p></body></html>\n"
                .to_owned(),
            "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// JSON made safe inside a `<script>` element: nothing in it can end the element or open a comment.
fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn html(page: String, policy: &str) -> Response {
    let mut response = (StatusCode::OK, page).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if let Ok(policy) = HeaderValue::from_str(policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}
