//! The `purge-expired` Lambda function, run hourly by EventBridge: removes what has expired, records
//! dormancy and withdraws members dormant over a year (API.md, "Scheduled job").
#![forbid(unsafe_code)]

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    membership::lambda::run_purge().await
}
