//! AWS clients, configured once per process with deliberate retries and timeouts: a request that
//! cannot reach DynamoDB in time fails fast with 503 rather than hanging until Lambda's timeout.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};

/// How long a call to AWS may take.
#[derive(Debug, Clone, Copy)]
pub enum Patience {
    /// In AWS: each attempt at most 1 s, the whole call at most 3 s, then the request answers 503.
    Deployed,
    /// Against a local test server that serves one request at a time (tools/dynamodb_server.py):
    /// a burst of concurrent requests queues there for seconds, which says nothing of DynamoDB.
    LocalServer,
}

/// A function's configuration, from the Lambda environment: the region (`AWS_REGION`, `None`
/// when unset) and the function's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`) are there. Reading them from there skips the default provider chains
/// (profile files, IMDS, SSO, STS), which cost cold-start time, have nothing to find in Lambda,
/// and would be linked into every function. Three attempts with jittered exponential backoff (the
/// SDK's standard mode, which retries throttling and transient faults), within the time `patience`
/// allows.
pub fn lambda_config(endpoint: Option<&str>, patience: Patience) -> Option<SdkConfig> {
    let region = std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty())?;
    let (attempt, operation) = timeouts(patience);
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(aws_config::Region::new(region))
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        ))
        .retry_config(retries())
        .timeout_config(timeout_config(attempt, operation))
        .sleep_impl(aws_smithy_async::rt::sleep::SharedAsyncSleep::new(aws_smithy_async::rt::sleep::TokioSleep::new()))
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
        .http_client(aws_https_client());
    if let Some(endpoint) = endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Some(builder.build())
}

fn timeouts(patience: Patience) -> (Duration, Duration) {
    match patience {
        Patience::Deployed => (Duration::from_secs(1), Duration::from_secs(3)),
        Patience::LocalServer => (Duration::from_secs(30), Duration::from_secs(60)),
    }
}

fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(25))
}

fn timeout_config(attempt: Duration, operation: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(attempt)
        .operation_timeout(operation)
        .build()
}

/// Outside Lambda (the local server against a DynamoDB endpoint, the tests): the SDK's usual
/// chains, with the same retries and timeouts as [`lambda_config`].
pub async fn sdk_config(endpoint: Option<&str>, patience: Patience) -> SdkConfig {
    let (attempt, operation) = timeouts(patience);
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client(Trust::Platform))
        .retry_config(retries())
        .timeout_config(timeout_config(attempt, operation));
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// The root certificates AWS endpoints chain to: Amazon Root CA 1–4 and Starfield Services Root
/// G2 (Amazon Trust Services; every AWS service endpoint's certificate is issued under them).
const AWS_ROOTS: &[u8] = include_bytes!("aws-roots.pem");

/// The HTTPS client of the functions' SDK clients, trusting the AWS roots alone.
pub fn aws_https_client() -> SharedHttpClient {
    http_client(Trust::AwsRoots)
}

/// Whom the HTTPS client trusts.
#[derive(Debug, Clone, Copy)]
enum Trust {
    /// In Lambda the clients reach AWS endpoints only: their five roots, built into the binary.
    /// Reading and parsing the platform's whole store (hundreds of certificates) cost milliseconds
    /// of every cold start.
    AwsRoots,
    /// Outside Lambda (a developer's machine, maybe behind a TLS-inspecting proxy): the platform's
    /// store.
    Platform,
}

/// One HTTPS client for every SDK client of the process (rustls on ring, HTTP/1.1 with a
/// connection pool), so the TLS set-up is made once, not once per client.
fn http_client(trust: Trust) -> SharedHttpClient {
    let trust_store = match trust {
        Trust::AwsRoots => TrustStore::empty().with_pem_certificate(AWS_ROOTS),
        Trust::Platform => TrustStore::default(),
    };
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(TlsContext::builder().with_trust_store(trust_store).build().expect("a valid TLS context"))
        .build_https()
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    /// The SHA-256 fingerprints Amazon Trust Services publishes for its roots.
    const PUBLISHED: [(&str, &str); 5] = [
        ("Amazon Root CA 1", "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e"),
        ("Amazon Root CA 2", "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4"),
        ("Amazon Root CA 3", "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4"),
        ("Amazon Root CA 4", "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092"),
        ("Starfield Services Root G2", "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5"),
    ];

    #[test]
    fn the_built_in_trust_store_holds_the_five_amazon_trust_services_roots() {
        let text = std::str::from_utf8(super::AWS_ROOTS).expect("PEM text");
        let fingerprints: Vec<String> = text
            .split("-----BEGIN CERTIFICATE-----")
            .skip(1)
            .map(|block| {
                let body: String =
                    block.split("-----END CERTIFICATE-----").next().unwrap_or_default().split_whitespace().collect();
                let der = base64::engine::general_purpose::STANDARD.decode(body).expect("base64");
                Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect()
            })
            .collect();
        let published: Vec<String> = PUBLISHED.iter().map(|(_, f)| (*f).to_owned()).collect();
        assert_eq!(fingerprints, published);
    }
}
