//! AWS clients, configured once per process with deliberate retries and timeouts: a request that
//! cannot reach DynamoDB in time fails fast with 503 rather than hanging until Lambda's timeout.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

/// How long a call to AWS may take.
#[derive(Debug, Clone, Copy)]
pub enum Patience {
    /// In AWS: each attempt at most 1 s, the whole call at most 3 s, then the request answers 503.
    Deployed,
    /// Against a local test server that serves one request at a time (tools/dynamodb_server.py):
    /// a burst of concurrent requests queues there for seconds, which says nothing of DynamoDB.
    LocalServer,
}

/// Three attempts with jittered exponential backoff (the SDK's standard mode, which retries
/// throttling and transient faults), within the time `patience` allows.
pub async fn sdk_config(endpoint: Option<&str>, patience: Patience) -> SdkConfig {
    let (attempt, operation) = match patience {
        Patience::Deployed => (Duration::from_secs(1), Duration::from_secs(3)),
        Patience::LocalServer => (Duration::from_secs(30), Duration::from_secs(60)),
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(25)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(attempt)
                .operation_timeout(operation)
                .build(),
        );
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}
