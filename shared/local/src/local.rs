//! The whole service on one machine: every route, the embedded store, the simulators, the OpenAPI
//! documents and the web client, as the `local-api` binary and the API tests run it.

use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::AtomicBool;

use axum::Router;
use secrecy::SecretString;

use crate::sim::dls::{self, DlsAccounts};
use crate::sim::nice::{self, NiceProvider};
use crate::sim::notices::{Outbound, SES_BASE_PATH, SMS_BASE_PATH};
use crate::sim::residency::{self, Residents};
use crate::sim::upstream::Faults;
use crate::sim::Simulators;
use membership::app::identity::{ClientOrigins, ReturnPage};
use membership::app::notifier::Notifier;
use membership::app::Service;
use membership::clock::AdjustableClock;
use membership::http::{finish, routes, Function};
use membership::identity::nice::{ClientCredentials, NiceApi, NiceEndpoints};
use membership::identity::IdentityProvider;
use membership::keys::{random_token, Keys, SecretKey};
use membership::notices::ses::SesMail;
use membership::notices::sms::HttpSms;
use membership::notices::{MailSender, SmsSender, Templates};
use membership::passwords::{Argon2id, HashingTurns, PasswordHasher, MAX_HASHING_WAIT};
use membership::records::Records;
use membership::secrets::KeyRing;
use membership::store::definition::TableDefinition;
use membership::store::dynamodb::DynamoTable;
use membership::store::memory::MemoryTable;
use membership::store::Table;
use membership::upstream::{
    HttpResidencyRegistry, HttpSchoolLibrarySystem, ResidencyRegistry, SchoolLibrarySystem, UpstreamConfigError,
    UpstreamEndpoint, Upstreams, UPSTREAM_TIMEOUT,
};

mod outbox_watch;

use self::outbox_watch::{notify_after_outbox_writes, AfterOutbox, OutboxWatch};

pub struct LocalApp {
    pub router: Router,
    pub service: Service,
    /// The notifier, sending through the simulated mail sender and SMS provider; the server runs
    /// it after every request that wrote to the outbox and after `POST /_sim/purge`.
    pub notifier: Arc<Notifier>,
    /// What the simulated mail sender and SMS provider received.
    pub outbound: Arc<Outbound>,
    pub clock: Arc<AdjustableClock>,
    /// The service's residency registry adapter (also `service.upstreams.residency`), pointed at
    /// the simulated registry over HTTP.
    pub residency: Arc<dyn ResidencyRegistry>,
    /// The service's DLS adapter (also `service.upstreams.dls`), pointed at the simulated DLS.
    pub dls: Arc<dyn SchoolLibrarySystem>,
    /// The simulated identity provider the service's adapter calls.
    pub identity_provider: Arc<NiceProvider>,
}

pub struct LocalOptions {
    pub table: Arc<dyn Table>,
    pub hasher: Arc<dyn PasswordHasher>,
    /// How many hashes run at once (one per core unless a test wants fewer) and how long a
    /// request waits for a turn.
    pub hashing_turns: Option<usize>,
    pub hashing_wait: Duration,
    /// Where this server answers (`http://127.0.0.1:3000`): the upstream adapters reach the
    /// simulators' upstream-facing routes there, over HTTP, as they would reach the real systems.
    /// `None` when nobody will serve the router: every upstream call is then unavailable.
    pub upstream_base: Option<String>,
    /// How long the adapters wait for an upstream (the contract's 3 s unless a test wants less);
    /// the simulators' `timeout` fault hangs 2 s longer.
    pub upstream_timeout: Duration,
}

impl Default for LocalOptions {
    fn default() -> Self {
        Self {
            table: Arc::new(MemoryTable::new()),
            hasher: Arc::new(Argon2id::owasp()),
            hashing_turns: None,
            hashing_wait: MAX_HASHING_WAIT,
            upstream_base: None,
            upstream_timeout: UPSTREAM_TIMEOUT,
        }
    }
}

/// How much longer than the adapters' timeout the simulators' `timeout` fault hangs.
const HANG_BEYOND_TIMEOUT: Duration = Duration::from_secs(2);

/// Which store a local run uses: the embedded one, unless `DYNAMODB_ENDPOINT` is set.
#[derive(Debug, thiserror::Error)]
pub enum LocalStoreError {
    #[error(transparent)]
    Definition(#[from] membership::store::definition::DefinitionError),
    #[error(transparent)]
    Store(#[from] membership::store::StoreError),
}

impl LocalOptions {
    /// DynamoDB at `DYNAMODB_ENDPOINT` (credentials and region from the usual AWS variables), table
    /// `${TABLE_NAME:-membership}` created from `template.yaml` when missing; else the embedded store.
    pub async fn from_env() -> Result<(Self, &'static str), LocalStoreError> {
        match std::env::var("DYNAMODB_ENDPOINT") {
            Ok(endpoint) if !endpoint.is_empty() => {
                let name =
                    std::env::var("TABLE_NAME").ok().filter(|n| !n.is_empty()).unwrap_or_else(|| "membership".into());
                let table = dynamodb_table(&endpoint, &name).await?;
                Ok((Self { table: Arc::new(table), ..Self::default() }, "dynamodb"))
            }
            _ => Ok((Self::default(), "embedded")),
        }
    }
}

/// A DynamoDB table at `endpoint`, created from `template.yaml`'s definition when it does not exist.
pub async fn dynamodb_table(endpoint: &str, name: &str) -> Result<DynamoTable, LocalStoreError> {
    let config = membership::aws::sdk_config(Some(endpoint), membership::aws::Patience::LocalServer).await;
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&config), name);
    table.create_if_missing(&TableDefinition::from_template()?).await?;
    Ok(table)
}

impl LocalApp {
    /// Fresh keys every start, and fresh credentials the simulated upstreams and their adapters
    /// share (API keys, the identity provider's client id and secret).
    pub fn new(options: LocalOptions) -> Self {
        let outbox_written = Arc::new(AtomicBool::new(false));
        let table: Arc<dyn Table> = Arc::new(OutboxWatch { inner: options.table, written: outbox_written.clone() });
        let keys = Arc::new(KeyRing::fixed(Keys::random()));
        let clock = Arc::new(AdjustableClock::default());
        let (residency_key, dls_key) = (SecretString::from(random_token()), SecretString::from(random_token()));
        let client_id = format!("sim-{}", &random_token()[..12]);
        let client_secret = SecretString::from(random_token());
        let (identity, client_origins): (Arc<dyn IdentityProvider>, ClientOrigins) = match options
            .upstream_base
            .as_deref()
        {
            Some(base) => {
                let identity = simulated_provider(base, &client_id, &client_secret, options.upstream_timeout)
                    .map(|provider| Arc::new(provider) as Arc<dyn IdentityProvider>)
                    .unwrap_or_else(|error| {
                        tracing::error!(error = %error, "identity adapter not built; every identity request is unavailable");
                        Arc::new(NiceApi::result_reader())
                    });
                let origins = ClientOrigins::new(own_origins(base), ReturnPage::ClientOrigin).unwrap_or_else(|error| {
                    tracing::error!(error = %error, "the server's own origin is no web origin; no client may verify");
                    ClientOrigins::default()
                });
                (identity, origins)
            }
            None => (Arc::new(NiceApi::result_reader()), ClientOrigins::default()),
        };
        let upstreams = match options.upstream_base.as_deref() {
            Some(base) => {
                simulated_upstreams(base, &residency_key, &dls_key, options.upstream_timeout).unwrap_or_else(|error| {
                    tracing::error!(error = %error, "upstream adapters not built; every upstream call is unavailable");
                    Upstreams::unconfigured()
                })
            }
            None => Upstreams::unconfigured(),
        };
        let service = Service {
            records: Records::new(table),
            clock: clock.clone(),
            identity,
            client_origins: Arc::new(client_origins),
            hasher: options.hasher,
            hashing: Arc::new(match options.hashing_turns {
                Some(turns) => HashingTurns::new(turns, options.hashing_wait),
                None => HashingTurns::per_core(options.hashing_wait),
            }),
            keys,
            upstreams: upstreams.clone(),
            sso: local_sso(options.upstream_base.as_deref()),
        };
        let nice_provider = Arc::new(NiceProvider::new(client_id, client_secret));
        let simulators = Simulators {
            nice: nice_provider.clone(),
            clock: clock.clone(),
            di_key: SecretKey::random(),
            residents: Arc::new(Residents::new(residency_key)),
            dls_accounts: Arc::new(DlsAccounts::new(dls_key)),
            faults: Arc::new(Faults::new(options.upstream_timeout + HANG_BEYOND_TIMEOUT)),
        };
        let sms_key = SecretString::from(random_token());
        let outbound = Arc::new(Outbound::new(sms_key.clone(), simulators.faults.clone(), clock.clone()));
        let (mail, sms): (Arc<dyn MailSender>, Arc<dyn SmsSender>) = match options.upstream_base.as_deref() {
            Some(base) => simulated_senders(base, &sms_key, options.upstream_timeout),
            None => (Arc::new(membership::notices::Unconfigured), Arc::new(membership::notices::Unconfigured)),
        };
        let templates = Templates::new();
        let notifier = Arc::new(Notifier::new(service.records.clone(), clock.clone(), mail, sms, Arc::new(templates)));
        let after = AfterOutbox { notifier: notifier.clone(), written: outbox_written };
        let router = finish(
            routes(service.clone(), &Function::ALL)
                .merge(simulators.routes())
                .merge(crate::sim::purge::routes(service.clone(), notifier.clone()))
                .merge(crate::sim::notices::routes(outbound.clone()))
                .merge(crate::openapi::routes())
                .merge(crate::web::routes())
                .layer(axum::middleware::from_fn_with_state(after, notify_after_outbox_writes))
                .layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_answer)),
        );
        Self {
            router,
            service,
            notifier,
            outbound,
            clock,
            residency: upstreams.residency,
            dls: upstreams.dls,
            identity_provider: nice_provider,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, over HTTP/1.1 with each request's peer
/// address (`ConnectInfo`), as `axum::serve` does, but with hyper's parser told to ignore a header
/// line it cannot read instead of refusing the request itself: hyper's own refusals carry no
/// problem body and no `x-request-id`, the service's answers do.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use tower::ServiceExt;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return Ok(()),
        };
        // As `axum::serve` does: a failed accept (too many open files, an aborted connection) is
        // waited out, never the end of the server.
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                tracing::warn!(error = %error, "accept failed; trying again in a second");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        let service = router.clone().map_request(move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new().ignore_invalid_headers(true).serve_connection(
                hyper_util::rt::TokioIo::new(stream),
                hyper_util::service::TowerToHyperService::new(service),
            );
            if let Err(error) = connection.await {
                tracing::debug!(error = %error, "connection ended with an error");
            }
        });
    }
}

/// A panic while serving a request: a 500 problem (with `x-request-id`, added around it) instead
/// of a dropped connection. The panic itself is logged by the panic hook; nothing of it is sent.
fn panic_answer(_panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    use axum::response::IntoResponse;
    tracing::error!("a request panicked; answered 500");
    membership::http::problem::Problem::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        membership::http::problem::ProblemCode::Internal,
    )
    .into_response()
}

/// local-api's two clients (API.md): the e-library (confidential, secret `e-library-local-secret`,
/// requires `eLibrary`) and the libraries' mobile app (public).
const DEMO_CLIENTS: &str = r#"[
  {
    "clientId": "e-library",
    "name": { "ko": "인천광역시교육청 통합전자도서관", "en": "Incheon integrated e-library" },
    "redirectUris": ["http://127.0.0.1:8400/callback"],
    "type": "confidential",
    "secretHash": "sha256:4fd20517a2aa04cd50cee9d077af6a2ab4fc3abd26e128b7f29a5c26bd3f6f8b",
    "scopes": ["openid", "profile", "library"],
    "requires": ["eLibrary"],
    "postLogoutRedirectUris": ["http://127.0.0.1:8400/signed-out"]
  },
  {
    "clientId": "library-app",
    "name": { "ko": "인천 도서관 모바일 앱", "en": "Incheon libraries mobile app" },
    "redirectUris": ["http://127.0.0.1:8401/callback"],
    "type": "public",
    "scopes": ["openid", "profile", "library"],
    "postLogoutRedirectUris": ["http://127.0.0.1:8401/signed-out"]
  }
]"#;

/// The provider of a local run: the issuer where the server answers, the demo clients (or
/// `OIDC_CLIENTS`), a key drawn now.
fn local_sso(base: Option<&str>) -> membership::sso::Provider {
    use membership::sso::{Clients, LocalSigner, Provider};
    let clients = match std::env::var("OIDC_CLIENTS") {
        Ok(json) if !json.is_empty() => Clients::from_json(&json).unwrap_or_else(|error| {
            tracing::error!(error = %error, "OIDC_CLIENTS unusable; no client is registered");
            Clients::default()
        }),
        _ => Clients::from_json(DEMO_CLIENTS).unwrap_or_default(),
    };
    let issuer = base.unwrap_or("http://127.0.0.1:3000").trim_end_matches('/').to_owned();
    Provider {
        authorization_endpoint: format!("{issuer}/oauth2/authorize"),
        issuer,
        clients: Arc::new(clients),
        signer: Arc::new(LocalSigner::random()),
    }
}

/// The server's own origin under both loopback names (`http://127.0.0.1:3000`, `http://localhost:3000`):
/// the web client it serves is the one client it allows.
fn own_origins(base: &str) -> Vec<String> {
    let base = base.trim_end_matches('/').to_owned();
    let other = if base.contains("://127.0.0.1:") {
        base.replacen("://127.0.0.1:", "://localhost:", 1)
    } else {
        base.replacen("://localhost:", "://127.0.0.1:", 1)
    };
    vec![base, other]
}

/// The NICE adapter aimed at the simulated provider served at `base`.
fn simulated_provider(
    base: &str,
    client_id: &str,
    client_secret: &SecretString,
    timeout: Duration,
) -> Result<NiceApi, UpstreamConfigError> {
    let base = base.trim_end_matches('/');
    let endpoints = NiceEndpoints::new(
        &format!("{base}{}", nice::BASE_PATH),
        &format!("{base}{}", nice::PHONE_WINDOW_PATH),
        &format!("{base}{}", nice::IPIN_WINDOW_PATH),
    )?;
    NiceApi::new(endpoints, ClientCredentials::new(client_id, client_secret.clone())?, timeout)
}

/// The HTTP adapters aimed at the simulators served at `base`.
fn simulated_upstreams(
    base: &str,
    residency_key: &SecretString,
    dls_key: &SecretString,
    timeout: Duration,
) -> Result<Upstreams, UpstreamConfigError> {
    let base = base.trim_end_matches('/');
    let residency = UpstreamEndpoint::new(&format!("{base}{}", residency::BASE_PATH), residency_key.clone())?;
    let dls = UpstreamEndpoint::new(&format!("{base}{}", dls::BASE_PATH), dls_key.clone())?;
    Ok(Upstreams {
        residency: Arc::new(HttpResidencyRegistry::new(&residency, timeout)?),
        dls: Arc::new(HttpSchoolLibrarySystem::new(&dls, timeout)?),
    })
}

/// The service's SES adapter and SMS adapter aimed at the simulators served at `base` (fixed
/// local credentials: the simulated SES checks none).
fn simulated_senders(
    base: &str,
    sms_key: &SecretString,
    timeout: Duration,
) -> (Arc<dyn MailSender>, Arc<dyn SmsSender>) {
    use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
    let base = base.trim_end_matches('/');
    let conf = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("ap-northeast-2"))
        .credentials_provider(Credentials::new("local", "local", None, None, "local-api"))
        .endpoint_url(format!("{base}{SES_BASE_PATH}"))
        .http_client(membership::aws::aws_https_client())
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .timeout_config(aws_config::timeout::TimeoutConfig::builder().operation_timeout(timeout).build())
        .sleep_impl(aws_smithy_async::rt::sleep::SharedAsyncSleep::new(aws_smithy_async::rt::sleep::TokioSleep::new()))
        .time_source(aws_smithy_async::time::SystemTimeSource::new())
        .build();
    let mail: Arc<dyn MailSender> =
        Arc::new(SesMail::new(aws_sdk_sesv2::Client::from_conf(conf), "no-reply@library.example", None));
    let sms: Arc<dyn SmsSender> = match UpstreamEndpoint::new(&format!("{base}{SMS_BASE_PATH}"), sms_key.clone())
        .and_then(|endpoint| HttpSms::new(&endpoint, timeout))
    {
        Ok(sms) => Arc::new(sms),
        Err(error) => {
            tracing::error!(error = %error, "SMS adapter not built; text messages wait in the outbox");
            Arc::new(membership::notices::Unconfigured)
        }
    };
    (mail, sms)
}
