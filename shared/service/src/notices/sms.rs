//! Text messages through an SMS provider's HTTP API: `POST <baseUrl>/messages` with the API key
//! header and `{ "to", "text", "reference", "tag" }`; any 2xx is accepted. Base URL and key come from a
//! Secrets Manager secret `{ "baseUrl", "apiKey" }` (`SMS_SECRET_ID`), as the upstream systems'
//! do. One attempt per call: the notifier decides what a failure means.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use secrecy::ExposeSecret;
use serde_json::json;

use super::{Outgoing, SendError, SmsSender};
use crate::upstream::{UpstreamConfigError, UpstreamEndpoint, API_KEY_HEADER};

/// How long a send may take before its outcome is unknown.
pub const SMS_TIMEOUT: Duration = Duration::from_secs(5);

pub struct HttpSms {
    http: reqwest::Client,
    url: reqwest::Url,
    api_key: HeaderValue,
}

impl HttpSms {
    pub fn new(endpoint: &UpstreamEndpoint, timeout: Duration) -> Result<Self, UpstreamConfigError> {
        let mut api_key = HeaderValue::from_str(endpoint.api_key().expose_secret())
            .map_err(|_| UpstreamConfigError::InvalidApiKey)?;
        api_key.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("incheon-library-membership/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(UpstreamConfigError::Client)?;
        Ok(Self { http, url: endpoint.url_of("messages")?, api_key })
    }
}

#[async_trait]
impl SmsSender for HttpSms {
    async fn send(&self, message: Outgoing<'_>) -> Result<(), SendError> {
        let mut segment = crate::xray::UpstreamSegment::begin("sms", "POST");
        let mut request = self.http.post(self.url.clone());
        if let Some(header) = segment.header() {
            request = request.header(crate::xray::TRACE_HEADER, header);
        }
        let send = request
            .header(API_KEY_HEADER, self.api_key.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(
                json!({
                    "to": message.to,
                    "text": message.body,
                    "reference": message.reference,
                    "tag": message.notice.as_str(),
                })
                .to_string(),
            )
            .send();
        let sent = crate::metrics::timed_upstream("sms", send, |sent| {
            !sent.as_ref().is_ok_and(|response| response.status().is_success())
        })
        .await;
        if let Ok(response) = &sent {
            segment.status(response.status().as_u16());
        }
        match sent {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => {
                Err(SendError::NotSent(format!("SMS provider answered HTTP {}", response.status().as_u16())))
            }
            // The request never left: no connection was made.
            Err(error) if error.is_connect() && !error.is_timeout() => {
                Err(SendError::NotSent("SMS provider not reached".into()))
            }
            Err(error) if error.is_timeout() => Err(SendError::Unknown("SMS provider did not answer in time".into())),
            Err(_) => Err(SendError::Unknown("SMS provider connection failed".into())),
        }
    }
}
