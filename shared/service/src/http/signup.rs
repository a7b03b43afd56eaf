//! Routes of the sign-up session (API.md, "Sign-up session").

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use membership_domain::member::MemberType;
use membership_domain::signup::SignupStep;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::answer::Answer;
use super::extract::{ApiJson, ClientChannel, ConsentBody, PathParam, SignupBearer};
use super::identity::IdentityBody;
use crate::app::signup::{ChildForm, MemberForm, StartedSignup};
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
    let StartedSignup { session, token } = started;
    let location = format!("/v1/signups/{}", session.id);
    let body = StartedAnswer {
        signup_id: session.id,
        signup_token: token,
        member_type: session.member_type,
        step: session.step,
        expires_at: session.expires_at,
    };
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Answer(body)))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartedAnswer {
    signup_id: String,
    signup_token: String,
    member_type: MemberType,
    step: SignupStep,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: time::OffsetDateTime,
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
