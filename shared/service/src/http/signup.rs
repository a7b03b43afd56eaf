//! Routes of the sign-up session (API.md, "Sign-up session").

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use membership_domain::member::MemberType;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use super::extract::{ApiJson, ClientChannel, ConsentBody, PathParam, SignupBearer};
use super::identity::IdentityBody;
use crate::app::signup::{ChildForm, MemberForm};
use crate::app::{Failure, Service};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartSignupBody {
    member_type: MemberType,
}

pub async fn start_signup(
    State(service): State<Service>,
    ApiJson(body): ApiJson<StartSignupBody>,
) -> Result<impl IntoResponse, Failure> {
    let started = service.start_signup(body.member_type).await?;
    let session = &started.session;
    let location = format!("/v1/signups/{}", session.id);
    let body = json!({
        "signupId": session.id,
        "signupToken": started.token,
        "memberType": session.member_type,
        "step": session.step,
        "expiresAt": session.expires_at.format(&Rfc3339).unwrap_or_default(),
    });
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(body)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsentsBody {
    consents: Vec<ConsentBody>,
}

pub async fn record_consent(
    State(service): State<Service>,
    PathParam(signup_id): PathParam,
    SignupBearer(token): SignupBearer,
    ClientChannel(channel): ClientChannel,
    ApiJson(body): ApiJson<ConsentsBody>,
) -> Result<impl IntoResponse, Failure> {
    let answers = body.consents.into_iter().map(ConsentBody::into_answer).collect();
    let step = service.record_consent(&signup_id, &token, answers, channel).await?;
    Ok(Json(json!({ "step": step })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyIdentityBody {
    identity: IdentityBody,
}

pub async fn verify_identity(
    State(service): State<Service>,
    PathParam(signup_id): PathParam,
    SignupBearer(token): SignupBearer,
    ApiJson(body): ApiJson<VerifyIdentityBody>,
) -> Result<impl IntoResponse, Failure> {
    let person = service.verify_identity(&signup_id, &token, &body.identity.into()).await?;
    Ok(Json(json!({
        "step": "profile",
        "verified": { "name": person.name, "birthDate": person.birth_date, "role": person.role },
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MemberBody {
    username: String,
    password: SecretString,
    email: String,
    phone: String,
    home_library: String,
    #[serde(default)]
    child: Option<ChildBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChildBody {
    name: String,
    birth_date: String,
}

pub async fn complete_signup(
    State(service): State<Service>,
    PathParam(signup_id): PathParam,
    SignupBearer(token): SignupBearer,
    ApiJson(body): ApiJson<MemberBody>,
) -> Result<impl IntoResponse, Failure> {
    let form = MemberForm {
        username: body.username,
        password: body.password,
        email: body.email,
        phone: body.phone,
        home_library: body.home_library,
        child: body.child.map(|c| ChildForm { name: c.name, birth_date: c.birth_date }),
    };
    let member = service.complete_signup(&signup_id, &token, form).await?;
    let body = json!({
        "memberId": member.member_id,
        "username": member.username,
        "loanCardNumber": member.loan_card_number,
        "memberType": member.member_type,
        "grade": member.grade,
    });
    Ok((StatusCode::CREATED, Json(body)))
}
