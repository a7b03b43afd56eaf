//! The `notifier` Lambda function, run every minute by EventBridge: sends the notices the outbox
//! holds, each once, by e-mail (SES) and text message (API.md, "Notices").
#![forbid(unsafe_code)]

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    membership::lambda::run_notifier().await
}
