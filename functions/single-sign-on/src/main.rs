//! The `single-sign-on` Lambda function: the OpenID Connect provider's routes of the shared route
//! table, on DynamoDB, Secrets Manager and the KMS key that signs ID tokens.
#![forbid(unsafe_code)]

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    membership::lambda::run(membership::lambda::SINGLE_SIGN_ON).await
}
