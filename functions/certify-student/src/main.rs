//! The `certify-student` Lambda function: its routes of the shared route table, on DynamoDB and Secrets Manager.
#![forbid(unsafe_code)]

use membership::http::Function;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    membership::lambda::run(Function::CertifyStudent).await
}
