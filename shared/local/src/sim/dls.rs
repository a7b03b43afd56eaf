//! The simulated school library support system (DLS). `POST /_sim/dls-accounts`
//! `{ "dlsName", "dlsId", "dlsPassword", "createdOn": "YYYY-MM-DD" }` → 201 opens an account (a
//! second call for the same ID replaces it); the adapter reaches it at [`BASE_PATH`] as it would
//! reach DLS, in the wire form `upstream::dls` documents:
//! `POST /_sim/upstream/dls/verify` with `x-api-key`, `{ "name", "userId", "password" }` →
//! `200 { "result": "verified", "createdOn", "reference" }` | `{ "result": "rejected" }`;
//! `401`/`400` refusals; the faults of `/_sim/faults`. The accounts live in memory only.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use membership_domain::calendar::CalendarDate;
use membership_domain::dls::{DlsId, DlsPassword};
use membership_domain::identity::PersonName;
use membership_domain::validation::FieldErrors;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::upstream::refusal;
use super::Simulators;
use membership::http::extract::ApiJson;
use membership::http::problem::{Problem, ProblemCode};
use membership::keys::random_id;
use membership::upstream::System;

/// Where the DLS adapter of the local app points: its base URL is the server's address followed
/// by this.
pub const BASE_PATH: &str = "/_sim/upstream/dls";

/// The accounts, by DLS ID, and the key DLS expects.
pub struct DlsAccounts {
    api_key: SecretString,
    accounts: Mutex<HashMap<String, Account>>,
}

struct Account {
    name: PersonName,
    password: DlsPassword,
    created_on: CalendarDate,
}

impl DlsAccounts {
    pub fn new(api_key: SecretString) -> Self {
        Self { api_key, accounts: Mutex::new(HashMap::new()) }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct AccountBody {
    dls_name: String,
    dls_id: SecretString,
    dls_password: SecretString,
    created_on: String,
}

/// `POST /_sim/dls-accounts` → 201.
pub(super) async fn register_account(
    State(sim): State<Simulators>,
    ApiJson(body): ApiJson<AccountBody>,
) -> Result<StatusCode, Problem> {
    let mut errors = FieldErrors::default();
    let name = errors.take("/dlsName", PersonName::parse(&body.dls_name));
    let id = errors.take("/dlsId", DlsId::parse(body.dls_id.expose_secret()));
    let password = errors.take("/dlsPassword", DlsPassword::parse(body.dls_password.expose_secret()));
    let created_on = errors.take("/createdOn", CalendarDate::parse(&body.created_on));
    let (Some(name), Some(id), Some(password), Some(created_on)) = (name, id, password, created_on) else {
        return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, ProblemCode::ValidationFailed)
            .with_errors(errors.into_vec()));
    };
    let mut accounts = sim.dls_accounts.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    accounts.insert(id.expose().to_owned(), Account { name, password, created_on });
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Query {
    name: String,
    user_id: SecretString,
    password: SecretString,
}

/// `POST /_sim/upstream/dls/verify`: DLS's answer.
pub(super) async fn verify(State(sim): State<Simulators>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = sim.faults.admit(System::Dls, &sim.dls_accounts.api_key, &headers).await {
        return refused;
    }
    let Ok(query) = serde_json::from_slice::<Query>(&body) else {
        return refusal(StatusCode::BAD_REQUEST, "bad_request");
    };
    let accounts = sim.dls_accounts.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let answer = match accounts.get(query.user_id.expose_secret()) {
        Some(account)
            if bool::from(account.password.expose().as_bytes().ct_eq(query.password.expose_secret().as_bytes()))
                && PersonName::parse(&query.name).ok().as_ref() == Some(&account.name) =>
        {
            json!({
                "result": "verified",
                "createdOn": account.created_on.to_string(),
                "reference": format!("DLS-{}", random_id()),
            })
        }
        _ => json!({ "result": "rejected" }),
    };
    (StatusCode::OK, Json(answer)).into_response()
}
