//! What every function's `main` does: logs, configuration and state built once, then serve its
//! routes. Missing configuration stops the function at start; nothing falls back silently.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;

use crate::app::Service;
use crate::clock::SystemClock;
use crate::http::{function_router, Function};
use crate::identity_results::SignedResults;
use crate::passwords::Argon2id;
use crate::records::Records;
use crate::secrets::{upstream_endpoint, KeyRing, SecretIds, SecretsManager};
use crate::store::dynamodb::DynamoTable;
use crate::upstream::{
    HttpResidencyRegistry, HttpSchoolLibrarySystem, ResidencyRegistry, SchoolLibrarySystem, UpstreamConfigError,
    Upstreams, UPSTREAM_TIMEOUT,
};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Upstream(#[from] UpstreamConfigError),
}

fn required(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or(ConfigError::Missing(name))
}

/// How long keys are used before Secrets Manager is asked again.
const SECRET_REFRESH: Duration = Duration::from_secs(15 * 60);

/// The service as deployed: DynamoDB table `TABLE_NAME`, keys from the secrets named by
/// `IDENTITY_SECRET_ID` and `PEPPER_SECRET_ID`.
pub async fn production_service() -> Result<Service, ConfigError> {
    let table_name = required("TABLE_NAME")?;
    let ids = SecretIds {
        identity: required("IDENTITY_SECRET_ID")?,
        pepper: required("PEPPER_SECRET_ID")?,
        idempotency: required("IDEMPOTENCY_SECRET_ID")?,
        token: required("TOKEN_SECRET_ID")?,
    };
    let config =
        crate::aws::sdk_config(std::env::var("DYNAMODB_ENDPOINT").ok().as_deref(), crate::aws::Patience::Deployed)
            .await;
    let secrets = Arc::new(SecretsManager::new(aws_sdk_secretsmanager::Client::new(&config)));
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&config), table_name);
    // The keys are needed by every request; DynamoDB's first connection (DNS, TCP, TLS) too: both
    // are made during init, side by side, so the first request does not pay for them.
    let (keys, ()) = tokio::join!(KeyRing::load(secrets, ids, SECRET_REFRESH), table.warm_up());
    let keys = Arc::new(keys?);
    Ok(Service {
        records: Records::new(Arc::new(table)),
        clock: Arc::new(SystemClock),
        identity: Arc::new(SignedResults::new(keys.clone())),
        hasher: Arc::new(Argon2id::owasp()),
        keys,
        upstreams: Upstreams::unconfigured(),
    })
}

/// The residency registry as deployed, for the function that certifies citizens (it replaces
/// `service.upstreams.residency`): base URL and API key from the secret named by
/// `RESIDENCY_SECRET_ID`, the contract's 3 s timeout. Fails when the secret is missing or unusable;
/// the sign-up functions never call it, so they start without that secret.
pub async fn residency_registry() -> Result<Arc<dyn ResidencyRegistry>, ConfigError> {
    let id = required("RESIDENCY_SECRET_ID")?;
    let endpoint = upstream_endpoint(&secrets_manager().await, &id).await?;
    Ok(Arc::new(HttpResidencyRegistry::new(&endpoint, UPSTREAM_TIMEOUT)?))
}

/// DLS as deployed, for the function that certifies students (it replaces
/// `service.upstreams.dls`): base URL and API key from the secret named by `DLS_SECRET_ID`, the
/// contract's 3 s timeout. Fails when the secret is missing or unusable.
pub async fn school_library_system() -> Result<Arc<dyn SchoolLibrarySystem>, ConfigError> {
    let id = required("DLS_SECRET_ID")?;
    let endpoint = upstream_endpoint(&secrets_manager().await, &id).await?;
    Ok(Arc::new(HttpSchoolLibrarySystem::new(&endpoint, UPSTREAM_TIMEOUT)?))
}

/// Secrets Manager as `production_service` reaches it.
async fn secrets_manager() -> SecretsManager {
    let config =
        crate::aws::sdk_config(std::env::var("DYNAMODB_ENDPOINT").ok().as_deref(), crate::aws::Patience::Deployed)
            .await;
    SecretsManager::new(aws_sdk_secretsmanager::Client::new(&config))
}

/// Runs one function: its routes from the shared table, on the production service.
pub async fn run(function: Function) -> Result<(), lambda_http::Error> {
    crate::telemetry::init();
    let configured = async {
        let mut service = production_service().await?;
        // Only the certification functions reach an upstream, and they hold only their own secret.
        match function {
            Function::CertifyCitizen => service.upstreams.residency = residency_registry().await?,
            Function::CertifyStudent => service.upstreams.dls = school_library_system().await?,
            _ => {}
        }
        Ok::<_, ConfigError>(service)
    };
    let service = configured.await.inspect_err(|error| {
        tracing::error!(error = %error, function = function.name(), "configuration incomplete; not starting");
    })?;
    let keys = service.keys.clone();
    let router = function_router(service, function).layer(from_fn_with_state(keys, refresh_keys));
    lambda_http::run(router).await
}

async fn refresh_keys(State(keys): State<Arc<KeyRing>>, request: Request, next: Next) -> Response {
    keys.refresh_if_stale().await;
    next.run(request).await
}

/// The `purge-expired` function: an EventBridge schedule invokes it; it needs the table only.
pub async fn run_purge() -> Result<(), lambda_http::Error> {
    use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
    crate::telemetry::init();
    let table_name = required("TABLE_NAME").inspect_err(|error| {
        tracing::error!(error = %error, function = "purge-expired", "configuration incomplete; not starting");
    })?;
    let config =
        crate::aws::sdk_config(std::env::var("DYNAMODB_ENDPOINT").ok().as_deref(), crate::aws::Patience::Deployed)
            .await;
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&config), table_name);
    let purge = Arc::new(crate::app::purge::Purge::new(Records::new(Arc::new(table)), Arc::new(SystemClock)));
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<serde_json::Value>| {
        let purge = purge.clone();
        async move { purge.run(None).await.map_err(lambda_http::Error::from) }
    }))
    .await
}
