//! The simulated ways out of notices: SES v2's `SendEmail` (at [`SES_BASE_PATH`], reached by the
//! service's SES adapter as it reaches SES) and an SMS provider (at [`SMS_BASE_PATH`], reached by
//! the HTTP adapter with its API key). Both record what they get, in order, for
//! `GET /_sim/messages`; `POST /_sim/faults` makes them fail (`mail`, `sms`).

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc3339;

use super::upstream::{FaultMode, Faults, SimulatedSystem};
use membership::clock::{AdjustableClock, Clock};
use membership::upstream::API_KEY_HEADER;

/// Where the simulated SES answers: the SES client's endpoint URL.
pub const SES_BASE_PATH: &str = "/_sim/ses";
/// Where the simulated SMS provider answers: its base URL.
pub const SMS_BASE_PATH: &str = "/_sim/sms";

/// A message as a simulator received it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub channel: &'static str,
    pub to: String,
    pub notice: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub body: String,
    pub sent_at: String,
}

/// What the simulators received, and what they need to answer.
pub struct Outbound {
    messages: Mutex<Vec<SentMessage>>,
    sms_key: SecretString,
    faults: Arc<Faults>,
    clock: Arc<AdjustableClock>,
}

impl Outbound {
    pub fn new(sms_key: SecretString, faults: Arc<Faults>, clock: Arc<AdjustableClock>) -> Self {
        Self { messages: Mutex::new(Vec::new()), sms_key, faults, clock }
    }

    pub fn messages(&self) -> Vec<SentMessage> {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn record(&self, message: SentMessage) {
        self.messages.lock().unwrap_or_else(PoisonError::into_inner).push(message);
    }

    fn now(&self) -> String {
        self.clock.now().format(&Rfc3339).unwrap_or_default()
    }

    async fn admit(&self, system: SimulatedSystem) -> Result<(), Response> {
        match self.faults.mode(system) {
            FaultMode::Ok => Ok(()),
            FaultMode::Error => Err(super::upstream::refusal(StatusCode::INTERNAL_SERVER_ERROR, "internal")),
            FaultMode::Timeout => {
                tokio::time::sleep(self.faults.hang()).await;
                Err(super::upstream::refusal(StatusCode::GATEWAY_TIMEOUT, "timeout"))
            }
        }
    }
}

pub fn routes(outbound: Arc<Outbound>) -> Router {
    Router::new()
        .route("/_sim/messages", get(list_messages))
        .route(&format!("{SES_BASE_PATH}/v2/email/outbound-emails"), post(ses_send_email))
        .route(&format!("{SMS_BASE_PATH}/messages"), post(sms_send))
        .with_state(outbound)
}

/// `GET /_sim/messages` → `{ "messages": [ ... ] }`, in the order received.
async fn list_messages(State(outbound): State<Arc<Outbound>>) -> Json<Value> {
    Json(json!({ "messages": outbound.messages() }))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendEmailBody {
    from_email_address: Option<String>,
    /// The service tags each message with its notice (`notice`), as SES event publishing shows it.
    #[serde(default)]
    email_tags: Vec<SesTag>,
    destination: Option<SesDestination>,
    content: Option<SesContent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SesTag {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SesDestination {
    #[serde(default)]
    to_addresses: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SesContent {
    simple: Option<SesSimple>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SesSimple {
    subject: SesText,
    body: SesBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SesBody {
    text: Option<SesText>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SesText {
    data: String,
}

fn ses_refusal(code: &str) -> Response {
    (StatusCode::BAD_REQUEST, [("x-amzn-errortype", code)], Json(json!({ "message": code }))).into_response()
}

/// SES v2 `SendEmail` (simple content): one message per recipient, recorded.
async fn ses_send_email(State(outbound): State<Arc<Outbound>>, body: axum::body::Bytes) -> Response {
    if let Err(refusal) = outbound.admit(SimulatedSystem::Mail).await {
        return refusal;
    }
    let Ok(request) = serde_json::from_slice::<SendEmailBody>(&body) else {
        return ses_refusal("BadRequestException");
    };
    let (Some(_from), Some(destination), Some(SesContent { simple: Some(simple) })) =
        (&request.from_email_address, request.destination, request.content)
    else {
        return ses_refusal("BadRequestException");
    };
    let text = simple.body.text.map(|t| t.data).unwrap_or_default();
    let notice = request
        .email_tags
        .iter()
        .find(|t| t.name == "notice")
        .map_or_else(|| "unknown".to_owned(), |t| t.value.clone());
    for to in destination.to_addresses {
        outbound.record(SentMessage {
            channel: "email",
            to,
            notice: notice.clone(),
            subject: Some(simple.subject.data.clone()),
            body: text.clone(),
            sent_at: outbound.now(),
        });
    }
    Json(json!({ "MessageId": membership::keys::random_id() })).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmsBody {
    to: String,
    text: String,
    /// The sender's id of the message (the provider's deduplication key).
    #[allow(dead_code)]
    reference: String,
    /// The sender's label of the message: the notice.
    tag: String,
}

/// The SMS provider: `{ "to", "text", "reference" }` with the API key → 202.
async fn sms_send(State(outbound): State<Arc<Outbound>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if let Err(refusal) = outbound.admit(SimulatedSystem::Sms).await {
        return refusal;
    }
    let presented = headers.get(API_KEY_HEADER).map(|value| value.as_bytes()).unwrap_or_default();
    if !bool::from(presented.ct_eq(outbound.sms_key.expose_secret().as_bytes())) {
        return super::upstream::refusal(StatusCode::UNAUTHORIZED, "invalid_api_key");
    }
    let Ok(request) = serde_json::from_slice::<SmsBody>(&body) else {
        return super::upstream::refusal(StatusCode::BAD_REQUEST, "invalid_request");
    };
    outbound.record(SentMessage {
        channel: "sms",
        to: request.to,
        notice: request.tag,
        subject: None,
        body: request.text,
        sent_at: outbound.now(),
    });
    (StatusCode::ACCEPTED, Json(json!({ "status": "accepted" }))).into_response()
}
