//! What every function's `main` does: logs, configuration and state built once, then serve its
//! routes. Missing configuration stops the function at start; nothing falls back silently.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;

use crate::app::identity::{ClientOrigins, ReturnPage};
use crate::app::Service;
use crate::aws::Patience;
use crate::clock::SystemClock;
use crate::http::{declare_lambdas, function_router_with, Function, Handlers};
use crate::identity::nice::{NiceApi, NiceEndpoints};
use crate::passwords::{Argon2id, HashingTurns, MAX_HASHING_WAIT};
use crate::records::Records;
use crate::secrets::{client_credentials, KeyRing, SecretIds, SecretsManager, IDEMPOTENCY, PEPPER, TOKEN};
use crate::store::dynamodb::DynamoTable;
use crate::upstream::{
    HttpResidencyRegistry, HttpSchoolLibrarySystem, UpstreamConfigError, UpstreamEndpoint, Upstreams, UPSTREAM_TIMEOUT,
};

mod scheduled;

pub use self::scheduled::{notifier_metrics, run_notifier, run_purge};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Upstream(#[from] UpstreamConfigError),
    #[error(transparent)]
    Origin(#[from] crate::app::identity::InvalidOrigin),
    #[error(transparent)]
    Clients(#[from] crate::sso::clients::ClientsError),
}

/// The environment the functions read; tests/routes checks template.yaml gives each function
/// exactly what it requires.
pub const TABLE_NAME: &str = "TABLE_NAME";
pub const ALLOWED_ORIGINS: &str = "ALLOWED_ORIGINS";
pub const IDENTITY_SECRET_ID: &str = "IDENTITY_SECRET_ID";
pub const SES_SENDER: &str = "SES_SENDER";
pub const SMS_SECRET_ID: &str = "SMS_SECRET_ID";
/// What every function with routes requires: the table and the key secrets.
pub const SERVICE_CONFIGURATION: [&str; 4] = [TABLE_NAME, PEPPER.variable, IDEMPOTENCY.variable, TOKEN.variable];
/// What the function that opens identity requests requires besides.
pub const IDENTITY_CONFIGURATION: [&str; 2] = [ALLOWED_ORIGINS, IDENTITY_SECRET_ID];
pub const ISSUER: &str = "ISSUER";
pub const OIDC_AUTHORIZATION_ENDPOINT: &str = "OIDC_AUTHORIZATION_ENDPOINT";
pub const OIDC_CLIENTS_SECRET_ID: &str = "OIDC_CLIENTS_SECRET_ID";
pub const OIDC_SIGNING_KEY_ID: &str = "OIDC_SIGNING_KEY_ID";
/// Set only while tokens signed by the key before the last rotation can live.
pub const OIDC_PREVIOUS_SIGNING_KEY_ID: &str = "OIDC_PREVIOUS_SIGNING_KEY_ID";
/// What the single sign-on function requires besides: the issuer, the authorization page, the
/// clients' secret and the KMS signing key.
pub const SSO_CONFIGURATION: [&str; 4] =
    [ISSUER, OIDC_AUTHORIZATION_ENDPOINT, OIDC_CLIENTS_SECRET_ID, OIDC_SIGNING_KEY_ID];
/// What the `purge-expired` function requires.
pub const PURGE_CONFIGURATION: [&str; 1] = [TABLE_NAME];
/// What the `notifier` function requires.
pub const NOTIFIER_CONFIGURATION: [&str; 3] = [TABLE_NAME, SES_SENDER, SMS_SECRET_ID];

fn required(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or(ConfigError::Missing(name))
}

/// How long keys are used before Secrets Manager is asked again.
const SECRET_REFRESH: Duration = Duration::from_secs(15 * 60);

/// What one function's binary runs: its routes with its own handlers, and the upstream system it
/// reaches, if any. Each `main` names its constant, so no binary links another function's handlers
/// or an upstream adapter it never calls.
#[derive(Clone, Copy)]
pub struct Lambda {
    pub function: Function,
    handlers: Handlers,
    upstream: Option<Upstream>,
    /// Opens identity requests: holds the provider's client credentials (the secret named by
    /// `IDENTITY_SECRET_ID`) and the allowed client origins (`ALLOWED_ORIGINS`).
    opens_identity_requests: bool,
    /// Serves single sign-on: [`SSO_CONFIGURATION`] (and `OIDC_PREVIOUS_SIGNING_KEY_ID` while a
    /// rotated key's tokens can live).
    single_sign_on: bool,
}

/// An upstream system: the variable naming its endpoint secret, and how its adapter is installed.
#[derive(Clone, Copy)]
struct Upstream {
    secret_variable: &'static str,
    install: fn(&mut Upstreams, &UpstreamEndpoint) -> Result<(), UpstreamConfigError>,
}

impl Lambda {
    /// Every function with routes, in `Function::ALL`'s order.
    pub const ALL: [Lambda; Function::ALL.len()] = {
        let mut all = [Lambda::of(Function::ALL[0]); Function::ALL.len()];
        let mut i = 1;
        while i < all.len() {
            all[i] = Lambda::of(Function::ALL[i]);
            i += 1;
        }
        all
    };

    /// What `function`'s binary runs. Evaluated in a constant (`START_SIGNUP`, ..), it holds that
    /// function's handlers and upstream adapter only.
    pub const fn of(function: Function) -> Self {
        let upstream = match function {
            // The residency registry: base URL and API key from the secret named by
            // `RESIDENCY_SECRET_ID`, the contract's 3 s timeout.
            Function::CertifyCitizen => Some(Upstream { secret_variable: "RESIDENCY_SECRET_ID", install: residency }),
            // DLS: base URL and API key from the secret named by `DLS_SECRET_ID`, the contract's 3 s timeout.
            Function::CertifyStudent => Some(Upstream { secret_variable: "DLS_SECRET_ID", install: dls }),
            _ => None,
        };
        // The identity provider: client id and secret from the secret named by
        // `IDENTITY_SECRET_ID`, the API base and windows from `IDENTITY_API_BASE`,
        // `IDENTITY_PHONE_WINDOW` and `IDENTITY_IPIN_WINDOW` (the provider's defaults when unset),
        // the web origins from `ALLOWED_ORIGINS` (comma separated).
        let opens_identity_requests = matches!(function, Function::VerifyIdentity);
        let single_sign_on = matches!(function, Function::SingleSignOn);
        Self { function, handlers: function.handlers(), upstream, opens_identity_requests, single_sign_on }
    }

    /// The variable naming its upstream system's endpoint secret, if it reaches one.
    pub fn upstream_secret_variable(self) -> Option<&'static str> {
        self.upstream.map(|u| u.secret_variable)
    }

    /// Whether it opens identity requests (and reads the identity secret).
    pub fn opens_identity_requests(self) -> bool {
        self.opens_identity_requests
    }

    /// Whether it serves single sign-on (and reads the clients' secret and the signing key).
    pub fn single_sign_on(self) -> bool {
        self.single_sign_on
    }

    /// Every environment variable it requires.
    pub fn configuration(self) -> Vec<&'static str> {
        let mut all = SERVICE_CONFIGURATION.to_vec();
        all.extend(self.upstream_secret_variable());
        if self.opens_identity_requests {
            all.extend(IDENTITY_CONFIGURATION);
        }
        if self.single_sign_on {
            all.extend(SSO_CONFIGURATION);
        }
        all
    }
}

fn residency(upstreams: &mut Upstreams, endpoint: &UpstreamEndpoint) -> Result<(), UpstreamConfigError> {
    upstreams.residency = Arc::new(HttpResidencyRegistry::new(endpoint, UPSTREAM_TIMEOUT)?);
    Ok(())
}

fn dls(upstreams: &mut Upstreams, endpoint: &UpstreamEndpoint) -> Result<(), UpstreamConfigError> {
    upstreams.dls = Arc::new(HttpSchoolLibrarySystem::new(endpoint, UPSTREAM_TIMEOUT)?);
    Ok(())
}

crate::http::route_declarations!(declare_lambdas);

/// The service as deployed: DynamoDB table `TABLE_NAME`, keys from the secrets named by
/// `PEPPER_SECRET_ID`, `IDEMPOTENCY_SECRET_ID` and `TOKEN_SECRET_ID`, and the function's upstream
/// system (or the identity provider's client credentials) from its secret, all read in one call. A
/// missing or unusable secret stops the function at start; a function that reaches no upstream
/// starts without (and is granted no) upstream secret.
pub async fn production_service(lambda: Lambda) -> Result<Service, ConfigError> {
    let table_name = required(TABLE_NAME)?;
    let ids = SecretIds {
        pepper: required(PEPPER.variable)?,
        idempotency: required(IDEMPOTENCY.variable)?,
        token: required(TOKEN.variable)?,
    };
    let upstream = lambda.upstream.map(|u| required(u.secret_variable).map(|id| (u, id))).transpose()?;
    let identity = lambda.opens_identity_requests.then(identity_configuration).transpose()?;
    let sso = lambda.single_sign_on.then(sso_configuration).transpose()?;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok();
    let config =
        crate::aws::lambda_config(endpoint.as_deref(), Patience::Deployed).ok_or(ConfigError::Missing("AWS_REGION"))?;
    let secrets = Arc::new(SecretsManager::new(crate::xray::secrets_manager(&config)));
    let table = DynamoTable::new(crate::xray::dynamodb(&config), table_name);
    let load = async {
        let extra = upstream
            .as_ref()
            .map(|(_, id)| id)
            .or(identity.as_ref().map(|(id, _, _)| id))
            .or(sso.as_ref().map(|sso| &sso.clients_secret));
        match extra {
            Some(id) => KeyRing::load_with_secret(secrets, ids, id, SECRET_REFRESH).await.map(|(k, e)| (k, Some(e))),
            None => KeyRing::load(secrets, ids, SECRET_REFRESH).await.map(|keys| (keys, None)),
        }
    };
    // The keys are needed by every request. DynamoDB's first connection (DNS, TCP, TLS) is made
    // beside their fetch, so the first request does not pay for it; a plain-HTTP endpoint (a local
    // test server) has no handshake to make ahead.
    let tls = endpoint.as_deref().is_none_or(|url| url.starts_with("https://"));
    let warm_up = async {
        if tls {
            table.warm_up().await
        }
    };
    let (loaded, ()) = tokio::join!(load, warm_up);
    let (keys, extra_secret) = loaded?;
    let keys = Arc::new(keys);
    let mut upstreams = Upstreams::unconfigured();
    if let (Some((upstream, id)), Some(secret)) = (&upstream, &extra_secret) {
        (upstream.install)(&mut upstreams, &crate::secrets::upstream_endpoint(secret, id)?)?;
    }
    let (provider, client_origins) = match (identity, &extra_secret) {
        (Some((id, endpoints, origins)), Some(secret)) => {
            let credentials = client_credentials(secret, &id)?;
            (NiceApi::new(endpoints, credentials, UPSTREAM_TIMEOUT)?, origins)
        }
        _ => (NiceApi::result_reader(), ClientOrigins::default()),
    };
    let sso = match (sso, &extra_secret) {
        (Some(sso), Some(secret)) => sso.provider(&config, secret)?,
        _ => crate::sso::Provider::unconfigured(),
    };
    Ok(Service {
        records: Records::new(Arc::new(table)),
        clock: Arc::new(SystemClock),
        identity: Arc::new(provider),
        client_origins: Arc::new(client_origins),
        hasher: Arc::new(Argon2id::owasp()),
        hashing: Arc::new(HashingTurns::per_core(MAX_HASHING_WAIT)),
        keys,
        upstreams,
        sso,
    })
}

/// What the function that opens identity requests needs besides the keys: the identity secret's id,
/// the provider's URLs (its defaults when unset) and the web origins allowed to ask.
fn identity_configuration() -> Result<(String, NiceEndpoints, ClientOrigins), ConfigError> {
    let origins = required(ALLOWED_ORIGINS)?;
    let origins = ClientOrigins::new(origins.split(',').map(str::to_owned), ReturnPage::ApiDomain)?;
    Ok((required(IDENTITY_SECRET_ID)?, NiceEndpoints::from_env()?, origins))
}

/// What the single sign-on function reads at start besides the keys.
struct SsoConfiguration {
    issuer: String,
    authorization_endpoint: String,
    clients_secret: String,
    signing_key: String,
    previous_signing_key: Option<String>,
}

fn sso_configuration() -> Result<SsoConfiguration, ConfigError> {
    Ok(SsoConfiguration {
        issuer: required(ISSUER)?.trim_end_matches('/').to_owned(),
        authorization_endpoint: required(OIDC_AUTHORIZATION_ENDPOINT)?,
        clients_secret: required(OIDC_CLIENTS_SECRET_ID)?,
        signing_key: required(OIDC_SIGNING_KEY_ID)?,
        previous_signing_key: std::env::var(OIDC_PREVIOUS_SIGNING_KEY_ID).ok().filter(|v| !v.is_empty()),
    })
}

impl SsoConfiguration {
    /// The provider: the clients from their secret (the JSON list of API.md), the KMS signer.
    fn provider(
        self,
        config: &aws_config::SdkConfig,
        secret: &serde_json::Value,
    ) -> Result<crate::sso::Provider, ConfigError> {
        let clients = crate::sso::Clients::from_json(&secret.to_string())?;
        let signer =
            crate::sso::kms::KmsSigner::new(crate::xray::kms(config), self.signing_key, self.previous_signing_key);
        Ok(crate::sso::Provider {
            issuer: self.issuer,
            authorization_endpoint: self.authorization_endpoint,
            clients: Arc::new(clients),
            signer: Arc::new(signer),
        })
    }
}

/// Runs one function: its routes from the shared table, on the production service.
pub async fn run(lambda: Lambda) -> Result<(), lambda_http::Error> {
    let metrics = observability(lambda.function.name());
    let service = production_service(lambda).await.inspect_err(|error| {
        tracing::error!(error = %error, function = lambda.function.name(), "configuration incomplete; not starting");
    })?;
    let keys = service.keys.clone();
    let router =
        function_router_with(service, lambda.function, lambda.handlers).layer(from_fn_with_state(keys, refresh_keys));
    match metrics {
        Some(metrics) => metrics_cloudwatch_embedded::lambda::service::run_http(metrics, router).await,
        None => lambda_http::run(router).await,
    }
}

/// Logs, metrics and traces of one function, set up before anything else: the log subscriber
/// (`telemetry`), the EMF recorder (`metrics`, whose collector the runtime flushes after each
/// invocation) and the X-Ray daemon's client (`xray`).
fn observability(function: &'static str) -> Option<&'static metrics_cloudwatch_embedded::Collector> {
    crate::telemetry::init();
    crate::xray::init();
    crate::metrics::install(function)
}

async fn refresh_keys(State(keys): State<Arc<KeyRing>>, request: Request, next: Next) -> Response {
    keys.refresh_if_stale().await;
    next.run(request).await
}
