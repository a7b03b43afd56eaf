//! Routes of sessions, members and account recovery (API.md, "Sessions", "Members", "Account recovery").

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use membership_domain::calendar::{seoul_date, CalendarDate};
use membership_domain::member::{consent_renewal_due, standing, Standing};
use membership_domain::password::Password;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::answer::{instant, Answer};
use super::extract::{bearer, ApiJson, ClientChannel, ConsentBody};
use super::identity::IdentityBody;
use super::problem::{Problem, ProblemCode};
use crate::app::members::{ContactChange, MemberView};
use crate::app::sessions::{Caller, SignIn, Tokens};
use crate::app::{Failure, Service};
use crate::records::MemberRecord;

/// The caller of a member route that a dormant member may not use (403 `member.dormant`).
pub struct ActiveMember(pub Caller);

/// The caller of the few routes a dormant member may use: read, export, renew consent, withdraw.
pub struct AnyMember(pub Caller);

/// A caller the request has already authenticated (the `Idempotency-Key` layer scopes its key to
/// the member), so the route does not read the member and the session again.
#[derive(Clone)]
pub struct Authenticated(pub Caller);

async fn caller(parts: &Parts, service: &Service, dormant_allowed: bool) -> Result<Caller, Failure> {
    if let Some(Authenticated(caller)) = parts.extensions.get::<Authenticated>() {
        return service.admit(caller.clone(), dormant_allowed);
    }
    let token = bearer(parts).ok_or(Failure::TokenInvalid)?;
    service.authenticate(&token, dormant_allowed).await
}

impl FromRequestParts<Service> for ActiveMember {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, service: &Service) -> Result<Self, Self::Rejection> {
        caller(parts, service, false).await.map(ActiveMember)
    }
}

impl FromRequestParts<Service> for AnyMember {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, service: &Service) -> Result<Self, Self::Rejection> {
        caller(parts, service, true).await.map(AnyMember)
    }
}

fn tokens_body(tokens: Tokens) -> Value {
    json!({
        "accessToken": tokens.access_token,
        "tokenType": "Bearer",
        "expiresIn": tokens.expires_in,
        "refreshToken": tokens.refresh_token,
        "refreshExpiresIn": tokens.refresh_expires_in,
    })
}

/// The member as `GET /v1/members/me` shows it.
pub fn member_body(view: &MemberView, now: OffsetDateTime) -> Result<Value, Failure> {
    let member = &view.member;
    let status = match standing(member.consent_renewed_at, now) {
        Standing::Active => "active",
        Standing::Dormant | Standing::Withdrawn => "dormant",
    };
    let certifications = view
        .certifications
        .iter()
        .map(|c| Ok(json!({ "method": c.method, "certifiedAt": instant(c.certified_at)? })))
        .collect::<Result<Vec<Value>, Failure>>()?;
    let mut body = json!({
        "memberId": member.member_id,
        "username": member.username,
        "name": member.name,
        "birthDate": member.birth_date,
        "memberType": member.member_type,
        "grade": member.grade,
        "status": status,
        "homeLibrary": member.home_library,
        "loanCardNumber": member.loan_card_number,
        "email": member.email,
        "phone": member.phone,
        "entitlements": member.grade.entitlements(),
        "certifications": certifications,
        "consentRenewalDue": instant(consent_renewal_due(member.consent_renewed_at))?,
        "createdOn": CalendarDate::from_date(seoul_date(member.created_at)),
    });
    if let Some(guardian) = &member.guardian {
        body["guardian"] = json!({ "name": guardian.name });
    }
    Ok(body)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInBody {
    username: String,
    password: SecretString,
}

pub async fn sign_in(
    State(service): State<Service>,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<impl IntoResponse, Failure> {
    let password = Password::presented(body.password.expose_secret());
    Ok(match service.sign_in(&body.username, password).await? {
        SignIn::Member(tokens) => Json(tokens_body(tokens)).into_response(),
        SignIn::Dormant { access_token, expires_in } => Problem::new(StatusCode::FORBIDDEN, ProblemCode::MemberDormant)
            .with("accessToken", access_token)
            .with("tokenType", "Bearer")
            .with("expiresIn", expires_in)
            .into_response(),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshBody {
    refresh_token: SecretString,
}

pub async fn refresh(
    State(service): State<Service>,
    ApiJson(body): ApiJson<RefreshBody>,
) -> Result<impl IntoResponse, Failure> {
    let tokens = service.refresh(body.refresh_token.expose_secret()).await?;
    Ok(Json(tokens_body(tokens)))
}

pub async fn sign_out(
    State(service): State<Service>,
    AnyMember(caller): AnyMember,
) -> Result<impl IntoResponse, Failure> {
    service.sign_out(caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(State(service): State<Service>, AnyMember(caller): AnyMember) -> Result<impl IntoResponse, Failure> {
    let view = service.member_view(caller.member).await?;
    Ok(Json(member_body(&view, service.clock.now())?))
}

/// A field left out stays as it is; `null` would read as clearing it, which no contact field allows.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchBody {
    #[serde(default, deserialize_with = "present")]
    email: Option<String>,
    #[serde(default, deserialize_with = "present")]
    phone: Option<String>,
    #[serde(default, deserialize_with = "present")]
    home_library: Option<String>,
}

/// A field that, when sent, holds a string (`null` is a wrong type, not "absent").
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    String::deserialize(deserializer).map(Some)
}

pub async fn change_contact(
    State(service): State<Service>,
    ActiveMember(caller): ActiveMember,
    ApiJson(body): ApiJson<PatchBody>,
) -> Result<impl IntoResponse, Failure> {
    let change = ContactChange { email: body.email, phone: body.phone, home_library: body.home_library };
    let view = service.change_contact(caller, change).await?;
    Ok(Json(member_body(&view, service.clock.now())?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasswordBody {
    current_password: SecretString,
    new_password: SecretString,
}

pub async fn change_password(
    State(service): State<Service>,
    ActiveMember(caller): ActiveMember,
    ApiJson(body): ApiJson<PasswordBody>,
) -> Result<impl IntoResponse, Failure> {
    let current = Password::presented(body.current_password.expose_secret());
    service.change_password(caller, current, body.new_password.expose_secret()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenewalBody {
    consents: Vec<ConsentBody>,
}

pub async fn renew_consent(
    State(service): State<Service>,
    AnyMember(caller): AnyMember,
    ClientChannel(channel): ClientChannel,
    ApiJson(body): ApiJson<RenewalBody>,
) -> Result<impl IntoResponse, Failure> {
    let answers = body.consents.into_iter().map(ConsentBody::into_answer).collect();
    let due = service.renew_consent(caller, answers, channel).await?;
    Ok(Answer(RenewalAnswer { consent_renewal_due: due }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RenewalAnswer {
    #[serde(with = "time::serde::rfc3339")]
    consent_renewal_due: OffsetDateTime,
}

pub async fn withdraw(
    State(service): State<Service>,
    AnyMember(caller): AnyMember,
) -> Result<impl IntoResponse, Failure> {
    service.withdraw(caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentityResultBody {
    identity: IdentityBody,
}

fn account_body(member: &MemberRecord) -> Value {
    json!({
        "username": member.username,
        "memberType": member.member_type,
        "createdOn": CalendarDate::from_date(seoul_date(member.created_at)),
    })
}

pub async fn recover_username(
    State(service): State<Service>,
    ApiJson(body): ApiJson<IdentityResultBody>,
) -> Result<impl IntoResponse, Failure> {
    let accounts = service.recover_usernames(&body.identity.into()).await?;
    Ok(Json(json!({ "accounts": accounts.iter().map(account_body).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetPasswordBody {
    identity: IdentityBody,
    username: String,
    new_password: SecretString,
}

pub async fn reset_password(
    State(service): State<Service>,
    ApiJson(body): ApiJson<ResetPasswordBody>,
) -> Result<impl IntoResponse, Failure> {
    service.reset_password(&body.identity.into(), &body.username, body.new_password.expose_secret()).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn export(
    State(service): State<Service>,
    AnyMember(caller): AnyMember,
) -> Result<impl IntoResponse, Failure> {
    let export = service.export(caller).await?;
    let now = service.clock.now();
    let consents = export
        .consents
        .iter()
        .map(|c| {
            Ok(json!({
                "document": c.answer.document, "version": c.answer.version, "agreed": c.answer.agreed,
                "at": instant(c.at)?, "channel": c.channel,
            }))
        })
        .collect::<Result<Vec<Value>, Failure>>()?;
    let certifications = export
        .view
        .certifications
        .iter()
        .map(|c| Ok(json!({ "method": c.method, "certifiedAt": instant(c.certified_at)?, "reference": c.reference })))
        .collect::<Result<Vec<Value>, Failure>>()?;
    let audit = export
        .audit
        .iter()
        .map(|e| {
            Ok(json!({
                "event": e.event, "at": instant(e.at)?, "requestId": e.request_id,
                "sourceIp": e.source_ip, "details": e.details,
            }))
        })
        .collect::<Result<Vec<Value>, Failure>>()?;
    Ok(Json(json!({
        "exportedAt": instant(now)?,
        "member": member_body(&export.view, now)?,
        "consents": consents,
        "certifications": certifications,
        "auditEvents": audit,
    })))
}

pub async fn upgrade(
    State(service): State<Service>,
    ActiveMember(caller): ActiveMember,
    ApiJson(body): ApiJson<IdentityResultBody>,
) -> Result<impl IntoResponse, Failure> {
    let view = service.upgrade(caller, &body.identity.into()).await?;
    Ok(Json(member_body(&view, service.clock.now())?))
}
