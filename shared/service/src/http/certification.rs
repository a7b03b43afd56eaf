//! Routes of the non-face-to-face certifications (API.md, "Certification (비대면 자격확인)").

use axum::extract::State;
use axum::response::IntoResponse;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::answer::Answer;
use super::extract::{ApiJson, ClientChannel, ConsentBody};
use super::identity::IdentityBody;
use super::members::ActiveMember;
use crate::app::certification::{CitizenForm, ConsentForm, StudentForm};
use crate::app::{Failure, Service};

impl From<ConsentBody> for ConsentForm {
    fn from(body: ConsentBody) -> Self {
        let (document, version, agreed) = body.into_answer();
        ConsentForm { document, version, agreed }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CitizenBody {
    #[serde(default)]
    consent: Option<ConsentBody>,
    // A missing field is one of the body rules, checked after the grade and the consent (API.md's
    // order): read as empty, refused as `required` in its turn.
    #[serde(default)]
    name: String,
    #[serde(default)]
    rrn: SecretString,
    #[serde(default)]
    guardian: Option<IdentityBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StudentBody {
    #[serde(default)]
    consent: Option<ConsentBody>,
    #[serde(default)]
    dls_name: String,
    #[serde(default)]
    dls_id: SecretString,
    #[serde(default)]
    dls_password: SecretString,
    #[serde(default)]
    guardian: Option<IdentityBody>,
}

fn certified(certified: crate::app::certification::Certified) -> impl IntoResponse {
    let outcome = certified.outcome;
    Answer(CertifiedAnswer {
        grade: certified.grade,
        certification: CertificationAnswer { method: outcome.method, certified_at: outcome.certified_at },
    })
}

#[derive(Serialize)]
struct CertifiedAnswer<Grade, Method> {
    grade: Grade,
    certification: CertificationAnswer<Method>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CertificationAnswer<Method> {
    method: Method,
    #[serde(with = "time::serde::rfc3339")]
    certified_at: time::OffsetDateTime,
}

pub async fn certify_citizen(
    State(service): State<Service>,
    ActiveMember(caller): ActiveMember,
    ClientChannel(channel): ClientChannel,
    ApiJson(body): ApiJson<CitizenBody>,
) -> Result<impl IntoResponse, Failure> {
    let form = CitizenForm {
        consent: body.consent.map(Into::into),
        name: body.name,
        rrn: body.rrn,
        guardian: body.guardian.map(Into::into),
    };
    Ok(certified(service.certify_citizen(caller, form, channel).await?))
}

pub async fn certify_student(
    State(service): State<Service>,
    ActiveMember(caller): ActiveMember,
    ClientChannel(channel): ClientChannel,
    ApiJson(body): ApiJson<StudentBody>,
) -> Result<impl IntoResponse, Failure> {
    let form = StudentForm {
        consent: body.consent.map(Into::into),
        dls_name: body.dls_name,
        dls_id: body.dls_id,
        dls_password: body.dls_password,
        guardian: body.guardian.map(Into::into),
    };
    Ok(certified(service.certify_student(caller, form, channel).await?))
}
