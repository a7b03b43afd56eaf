//! The `recover-account` Lambda function: its routes of the shared route table, on DynamoDB and Secrets Manager.
#![forbid(unsafe_code)]

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    membership::lambda::run(membership::lambda::RECOVER_ACCOUNT).await
}
