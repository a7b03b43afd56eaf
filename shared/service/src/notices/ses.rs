//! E-mail through Amazon SES (v2 API, `SendEmail` with simple content, UTF-8), from the configured
//! sender of the configured identity. SendEmail takes no idempotency token, so the client never
//! retries on its own: one call per attempt, and the notifier decides what a failure means.

use async_trait::async_trait;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};

use super::{MailSender, Outgoing, SendError};

pub struct SesMail {
    client: aws_sdk_sesv2::Client,
    /// `FromEmailAddress`: an address of the verified identity.
    sender: String,
    /// The identity's ARN, which the function's policy allows and nothing else.
    identity_arn: Option<String>,
}

impl SesMail {
    /// `config` should carry no retries (see the module's note); [`SesMail::from_shared`] sees to it.
    pub fn new(client: aws_sdk_sesv2::Client, sender: impl Into<String>, identity_arn: Option<String>) -> Self {
        Self { client, sender: sender.into(), identity_arn }
    }

    /// A client on the process's shared configuration, with retries off.
    pub fn from_shared(
        config: &aws_config::SdkConfig,
        sender: impl Into<String>,
        identity_arn: Option<String>,
    ) -> Self {
        let conf = aws_sdk_sesv2::config::Builder::from(config)
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .interceptor(crate::xray::TraceAwsCalls)
            .build();
        Self::new(aws_sdk_sesv2::Client::from_conf(conf), sender, identity_arn)
    }
}

fn text(data: &str) -> Result<Content, SendError> {
    Content::builder().data(data).charset("UTF-8").build().map_err(|_| SendError::NotSent("content".into()))
}

#[async_trait]
impl MailSender for SesMail {
    async fn send(&self, outgoing: Outgoing<'_>) -> Result<(), SendError> {
        let message = Message::builder()
            .subject(text(outgoing.subject)?)
            .body(Body::builder().text(text(outgoing.body)?).build())
            .build();
        let tag = MessageTag::builder()
            .name("notice")
            .value(outgoing.notice.as_str())
            .build()
            .map_err(|_| SendError::NotSent("tag".into()))?;
        let send = self
            .client
            .send_email()
            .from_email_address(&self.sender)
            .set_from_email_address_identity_arn(self.identity_arn.clone())
            .destination(Destination::builder().to_addresses(outgoing.to).build())
            .content(EmailContent::builder().simple(message).build())
            .email_tags(tag)
            .send();
        let result = crate::metrics::timed_upstream("mail", send, Result::is_err).await;
        match result {
            Ok(_) => Ok(()),
            Err(error) => Err(classify(&error)),
        }
    }
}

/// What an SDK failure says of the message: an error answer means SES did not take it; a request
/// that could not be dispatched (no connection) never left; anything else may have been sent.
/// Only the error code is kept: SES's messages may quote addresses.
fn classify<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> SendError {
    match error {
        SdkError::ServiceError(service) => {
            SendError::NotSent(format!("SES refused: {}", service.err().code().unwrap_or("unknown")))
        }
        SdkError::ConstructionFailure(_) => SendError::NotSent("request not built".into()),
        SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
            SendError::Unknown("SES connection failed".into())
        }
        SdkError::DispatchFailure(_) => SendError::NotSent("SES not reached".into()),
        SdkError::TimeoutError(_) => SendError::Unknown("SES did not answer in time".into()),
        _ => SendError::Unknown("SES answer unreadable".into()),
    }
}
