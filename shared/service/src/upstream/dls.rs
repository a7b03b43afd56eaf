//! The school library support system (DLS, 독서교육종합지원시스템): given the account holder's name,
//! ID and password, does the account exist, and since when?
//!
//! Wire form (the local simulator, `sim::dls`, answers the same):
//! `POST {baseUrl}/verify` with header `x-api-key: <key>` and body
//! `{ "name": "<name>", "userId": "<id>", "password": "<password>" }`; a `200` answers one of
//! - `{ "result": "verified", "createdOn": "YYYY-MM-DD", "reference": "<id>" }`,
//! - `{ "result": "rejected" }` (unknown account, wrong password or another name; DLS does not
//!   say which);
//!
//! `401 { "error": "invalid_api_key" }` refuses the key, `400 { "error": "bad_request" }` a body.

use std::time::Duration;

use async_trait::async_trait;
use membership_domain::calendar::CalendarDate;
use membership_domain::dls::{DlsId, DlsPassword};
use membership_domain::identity::PersonName;
use serde::{Deserialize, Serialize};

use super::client::JsonCall;
use super::residency::valid_reference;
use super::{Cause, System, UpstreamConfigError, UpstreamEndpoint, UpstreamError};

/// What DLS says of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DlsAnswer {
    /// Unknown account, wrong password, or an account of another name.
    Rejected,
    /// The account exists under this name since `created_on`; the caller compares that with the
    /// member's sign-up date (`membership_domain::dls::account_existed_at_signup`). `reference`
    /// is DLS's id of this check, kept with the certification outcome.
    Account { created_on: CalendarDate, reference: String },
}

#[async_trait]
pub trait SchoolLibrarySystem: Send + Sync + 'static {
    async fn verify(&self, name: &PersonName, id: &DlsId, password: &DlsPassword) -> Result<DlsAnswer, UpstreamError>;
}

pub struct HttpSchoolLibrarySystem {
    call: JsonCall,
}

impl HttpSchoolLibrarySystem {
    pub fn new(endpoint: &UpstreamEndpoint, timeout: Duration) -> Result<Self, UpstreamConfigError> {
        Ok(Self { call: JsonCall::new(System::Dls, endpoint, "verify", timeout)? })
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Query<'a> {
    name: &'a str,
    user_id: &'a str,
    password: &'a str,
}

#[derive(Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
enum Verdict {
    Verified {
        #[serde(rename = "createdOn")]
        created_on: String,
        reference: String,
    },
    Rejected,
}

#[async_trait]
impl SchoolLibrarySystem for HttpSchoolLibrarySystem {
    async fn verify(&self, name: &PersonName, id: &DlsId, password: &DlsPassword) -> Result<DlsAnswer, UpstreamError> {
        let query = Query { name: name.as_str(), user_id: id.expose(), password: password.expose() };
        match self.call.post(&query).await? {
            Verdict::Verified { created_on, reference } => {
                let created_on = CalendarDate::parse(&created_on)
                    .map_err(|_| UpstreamError::unavailable(System::Dls, Cause::Malformed))?;
                if !valid_reference(&reference) {
                    return Err(UpstreamError::unavailable(System::Dls, Cause::Malformed));
                }
                Ok(DlsAnswer::Account { created_on, reference })
            }
            Verdict::Rejected => Ok(DlsAnswer::Rejected),
        }
    }
}
