//! Upstream keys from AWS Secrets Manager: one JSON secret per system, fetched once per container
//! and refreshed on use when older than the refresh interval. A missing or malformed secret stops
//! the container at start (config fails closed); a failed refresh keeps the keys already held.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::Value;

use crate::keys::{KeyError, Keys, SecretKey};
use crate::upstream::{UpstreamConfigError, UpstreamEndpoint};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret {id} could not be read")]
    Unreachable {
        id: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("secret {id} has no string field {field}")]
    MissingField { id: String, field: &'static str },
    #[error("secret {id} field {field} is not a usable key")]
    BadKey {
        id: String,
        field: &'static str,
        #[source]
        source: KeyError,
    },
    #[error("secret {id} does not give a usable upstream endpoint")]
    BadEndpoint {
        id: String,
        #[source]
        source: UpstreamConfigError,
    },
}

/// Where secrets come from: Secrets Manager in production, a fixed map in tests.
#[async_trait]
pub trait SecretSource: Send + Sync + 'static {
    /// The string values of the secrets named (by name or full ARN), parsed as JSON, in the order
    /// of `ids`; fails when any of them cannot be read.
    async fn secrets(&self, ids: &[&str]) -> Result<Vec<Value>, SecretError>;
}

pub struct SecretsManager {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManager {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl SecretSource for SecretsManager {
    /// One `BatchGetSecretValue` call for all of them (up to 20): a cold start waits for one round
    /// trip, not one per secret.
    async fn secrets(&self, ids: &[&str]) -> Result<Vec<Value>, SecretError> {
        let unreachable = |id: &str, source: Box<dyn std::error::Error + Send + Sync>| SecretError::Unreachable {
            id: id.to_owned(),
            source,
        };
        let mut values = Vec::new();
        let mut errors = Vec::new();
        let mut next_token = None;
        loop {
            let output = self
                .client
                .batch_get_secret_value()
                .set_secret_id_list(Some(ids.iter().map(|id| (*id).to_owned()).collect()))
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| unreachable(&ids.join(", "), Box::new(e)))?;
            values.extend(output.secret_values.unwrap_or_default());
            errors.extend(output.errors.unwrap_or_default());
            next_token = output.next_token.filter(|token| !token.is_empty());
            if next_token.is_none() {
                break;
            }
        }
        ids.iter()
            .map(|id| {
                let named = |name: Option<&str>| name == Some(*id);
                if let Some(error) = errors.iter().find(|e| named(e.secret_id())) {
                    let code = error.error_code().unwrap_or("error");
                    return Err(unreachable(id, format!("{code}: {}", error.message().unwrap_or_default()).into()));
                }
                let value = values
                    .iter()
                    .find(|v| named(v.arn()) || named(v.name()))
                    .ok_or_else(|| unreachable(id, "not among the secrets returned".into()))?;
                let text = value.secret_string().ok_or_else(|| unreachable(id, "the secret holds no string".into()))?;
                serde_json::from_str(text).map_err(|_| unreachable(id, "the secret is not JSON".into()))
            })
            .collect()
    }
}

/// A key secret: the environment variable naming it and the JSON field holding the key (template.yaml
/// generates that field; tests/routes checks it does).
#[derive(Debug, Clone, Copy)]
pub struct KeySecret {
    pub variable: &'static str,
    pub field: &'static str,
}

pub const PEPPER: KeySecret = KeySecret { variable: "PEPPER_SECRET_ID", field: "pepper" };
pub const IDEMPOTENCY: KeySecret = KeySecret { variable: "IDEMPOTENCY_SECRET_ID", field: "key" };
pub const TOKEN: KeySecret = KeySecret { variable: "TOKEN_SECRET_ID", field: "signingKey" };
/// The key secrets every function with routes reads.
pub const KEY_SECRETS: [KeySecret; 3] = [PEPPER, IDEMPOTENCY, TOKEN];

/// The fields of an upstream system's endpoint secret (`{ "baseUrl", "apiKey" }`).
pub const BASE_URL_FIELD: &str = "baseUrl";
pub const API_KEY_FIELD: &str = "apiKey";

/// The ids of the key secrets every function reads (environment: `PEPPER_SECRET_ID`,
/// `IDEMPOTENCY_SECRET_ID`, `TOKEN_SECRET_ID`).
#[derive(Debug, Clone)]
pub struct SecretIds {
    /// `{ "pepper": "..." }`: peppers DI hashes in person and child claims.
    pub pepper: String,
    /// `{ "key": "..." }`: idempotency payload HMACs and sealed saved responses.
    pub idempotency: String,
    /// `{ "signingKey": "..." }`: signs access tokens.
    pub token: String,
}

fn key_field(secret: &Value, id: &str, field: &'static str) -> Result<SecretKey, SecretError> {
    let text = secret
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| SecretError::MissingField { id: id.to_owned(), field })?;
    SecretKey::from_text(text).map_err(|source| SecretError::BadKey { id: id.to_owned(), field, source })
}

/// Fetches the three key secrets, and `extra` beside them, in one call.
async fn load(
    source: &dyn SecretSource,
    ids: &SecretIds,
    extra: Option<&str>,
) -> Result<(Keys, Option<Value>), SecretError> {
    let mut names = vec![ids.pepper.as_str(), ids.idempotency.as_str(), ids.token.as_str()];
    names.extend(extra);
    let mut values = source.secrets(&names).await?.into_iter();
    let mut key = |id: &str, field| key_field(&values.next().unwrap_or_default(), id, field);
    let keys = Keys {
        di_pepper: key(&ids.pepper, PEPPER.field)?,
        idempotency: key(&ids.idempotency, IDEMPOTENCY.field)?,
        token_signing: key(&ids.token, TOKEN.field)?,
    };
    Ok((keys, values.next()))
}

/// An upstream system's endpoint from its secret `{ "baseUrl": "https://...", "apiKey": "..." }`
/// (the residency registry's and DLS's, named by `RESIDENCY_SECRET_ID` and `DLS_SECRET_ID`). A
/// missing field, a URL that is not https or a key that cannot be a header fails: the function
/// that needs the system does not start without it.
pub fn upstream_endpoint(secret: &Value, id: &str) -> Result<UpstreamEndpoint, SecretError> {
    let field = |field: &'static str| {
        secret.get(field).and_then(Value::as_str).ok_or_else(|| SecretError::MissingField { id: id.to_owned(), field })
    };
    UpstreamEndpoint::new(field(BASE_URL_FIELD)?, secrecy::SecretString::from(field(API_KEY_FIELD)?))
        .map_err(|source| SecretError::BadEndpoint { id: id.to_owned(), source })
}

/// The identity provider's client id and secret from the identity secret `{ "clientId",
/// "clientSecret" }` (named by `IDENTITY_SECRET_ID`); the function that opens identity requests does
/// not start without them.
pub fn client_credentials(secret: &Value, id: &str) -> Result<crate::identity::nice::ClientCredentials, SecretError> {
    let field = |field: &'static str| {
        secret.get(field).and_then(Value::as_str).ok_or_else(|| SecretError::MissingField { id: id.to_owned(), field })
    };
    crate::identity::nice::ClientCredentials::new(
        field("clientId")?,
        secrecy::SecretString::from(field("clientSecret")?),
    )
    .map_err(|source| SecretError::BadEndpoint { id: id.to_owned(), source })
}

struct Loaded {
    keys: Arc<Keys>,
    at: Instant,
}

/// The keys in use, and how to refresh them.
pub struct KeyRing {
    current: RwLock<Loaded>,
    refresh: Option<(Arc<dyn SecretSource>, SecretIds, Duration)>,
}

impl KeyRing {
    /// Keys that never change (the local server's, the tests').
    pub fn fixed(keys: Keys) -> Self {
        Self { current: RwLock::new(Loaded { keys: Arc::new(keys), at: Instant::now() }), refresh: None }
    }

    /// Loads every key now, failing when any is missing, and refreshes them every `refresh_every`.
    pub async fn load(
        source: Arc<dyn SecretSource>,
        ids: SecretIds,
        refresh_every: Duration,
    ) -> Result<Self, SecretError> {
        Ok(Self::load_with(source, ids, None, refresh_every).await?.0)
    }

    /// As [`KeyRing::load`], reading the secret `extra` in the same call.
    pub async fn load_with_secret(
        source: Arc<dyn SecretSource>,
        ids: SecretIds,
        extra: &str,
        refresh_every: Duration,
    ) -> Result<(Self, Value), SecretError> {
        let (ring, secret) = Self::load_with(source, ids, Some(extra), refresh_every).await?;
        Ok((ring, secret.unwrap_or_default()))
    }

    /// As [`KeyRing::load`], reading the upstream endpoint secret `upstream` in the same call.
    pub async fn load_with_upstream(
        source: Arc<dyn SecretSource>,
        ids: SecretIds,
        upstream: &str,
        refresh_every: Duration,
    ) -> Result<(Self, UpstreamEndpoint), SecretError> {
        let (ring, secret) = Self::load_with(source, ids, Some(upstream), refresh_every).await?;
        Ok((ring, upstream_endpoint(&secret.unwrap_or_default(), upstream)?))
    }

    async fn load_with(
        source: Arc<dyn SecretSource>,
        ids: SecretIds,
        extra: Option<&str>,
        refresh_every: Duration,
    ) -> Result<(Self, Option<Value>), SecretError> {
        let (keys, extra) = load(source.as_ref(), &ids, extra).await?;
        let ring = Self {
            current: RwLock::new(Loaded { keys: Arc::new(keys), at: Instant::now() }),
            refresh: Some((source, ids, refresh_every)),
        };
        Ok((ring, extra))
    }

    pub fn current(&self) -> Arc<Keys> {
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).keys.clone()
    }

    /// Fetches the keys again when they are older than the refresh interval. A failure is logged
    /// and the keys already held stay in use.
    pub async fn refresh_if_stale(&self) {
        let Some((source, ids, every)) = &self.refresh else {
            return;
        };
        let stale = self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).at.elapsed() >= *every;
        if !stale {
            return;
        }
        match load(source.as_ref(), ids, None).await {
            Ok((keys, _)) => {
                *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Loaded { keys: Arc::new(keys), at: Instant::now() }
            }
            Err(error) => {
                tracing::warn!(error = %error, "secret refresh failed; keeping the keys held")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;

    struct Fixed(Mutex<HashMap<String, Value>>);

    #[async_trait]
    impl SecretSource for Fixed {
        async fn secrets(&self, ids: &[&str]) -> Result<Vec<Value>, SecretError> {
            let held = self.0.lock().unwrap();
            ids.iter()
                .map(|id| {
                    held.get(*id).cloned().ok_or_else(|| SecretError::Unreachable {
                        id: (*id).to_owned(),
                        source: "no such secret".into(),
                    })
                })
                .collect()
        }
    }

    fn ids() -> SecretIds {
        SecretIds { pepper: "pepper".into(), idempotency: "idempotency".into(), token: "token".into() }
    }

    #[tokio::test]
    async fn a_missing_secret_or_field_fails_closed() {
        let mut secrets = three_keys();
        secrets.remove("pepper");
        let source = Arc::new(Fixed(Mutex::new(secrets)));
        assert!(matches!(
            KeyRing::load(source.clone(), ids(), Duration::from_secs(60)).await,
            Err(SecretError::Unreachable { id, .. }) if id == "pepper"
        ));
        source.0.lock().unwrap().insert("pepper".into(), serde_json::json!({ "salt": "x" }));
        assert!(matches!(
            KeyRing::load(source.clone(), ids(), Duration::from_secs(60)).await,
            Err(SecretError::MissingField { field: "pepper", .. })
        ));
        source.0.lock().unwrap().insert("pepper".into(), serde_json::json!({ "pepper": "short" }));
        assert!(matches!(KeyRing::load(source, ids(), Duration::from_secs(60)).await, Err(SecretError::BadKey { .. })));
    }

    fn three_keys() -> HashMap<String, Value> {
        HashMap::from([
            ("pepper".to_owned(), serde_json::json!({ "pepper": "p".repeat(40) })),
            ("idempotency".to_owned(), serde_json::json!({ "key": "i".repeat(40) })),
            ("token".to_owned(), serde_json::json!({ "signingKey": "t".repeat(40) })),
        ])
    }

    #[tokio::test]
    async fn an_upstream_endpoint_needs_both_fields_and_an_https_url() {
        let mut secrets = three_keys();
        secrets.extend([
            ("ok".to_owned(), serde_json::json!({ "baseUrl": "https://dls.example.kr/api", "apiKey": "k-1" })),
            ("no-key".to_owned(), serde_json::json!({ "baseUrl": "https://dls.example.kr/api" })),
            ("plain".to_owned(), serde_json::json!({ "baseUrl": "http://dls.example.kr", "apiKey": "k-1" })),
        ]);
        let source = Arc::new(Fixed(Mutex::new(secrets)));
        let load = |id: &'static str| KeyRing::load_with_upstream(source.clone(), ids(), id, Duration::from_secs(60));
        let (_, endpoint) = load("ok").await.unwrap();
        assert!(format!("{endpoint:?}").contains("https://dls.example.kr/api"), "{endpoint:?}");
        assert!(matches!(load("no-key").await, Err(SecretError::MissingField { field: "apiKey", .. })));
        assert!(matches!(
            load("plain").await,
            Err(SecretError::BadEndpoint { source: UpstreamConfigError::InsecureUrl, .. })
        ));
        assert!(matches!(load("missing").await, Err(SecretError::Unreachable { .. })));
    }

    #[tokio::test]
    async fn the_identity_secret_needs_a_client_id_and_secret() {
        let mut secrets = three_keys();
        secrets.extend([
            ("ok".to_owned(), serde_json::json!({ "clientId": "client-1", "clientSecret": "s3cret" })),
            ("no-secret".to_owned(), serde_json::json!({ "clientId": "client-1" })),
        ]);
        let source = Arc::new(Fixed(Mutex::new(secrets)));
        let load = |id: &'static str| KeyRing::load_with_secret(source.clone(), ids(), id, Duration::from_secs(60));
        let (_, secret) = load("ok").await.unwrap();
        assert!(client_credentials(&secret, "ok").is_ok());
        let (_, secret) = load("no-secret").await.unwrap();
        assert!(matches!(
            client_credentials(&secret, "no-secret"),
            Err(SecretError::MissingField { field: "clientSecret", .. })
        ));
    }

    #[tokio::test]
    async fn stale_keys_are_refreshed_and_a_failed_refresh_keeps_them() {
        let source = Arc::new(Fixed(Mutex::new(three_keys())));
        let ring = KeyRing::load(source.clone(), ids(), Duration::ZERO).await.unwrap();
        let before = ring.current().person_key("di");
        source.0.lock().unwrap().insert("pepper".into(), serde_json::json!({ "pepper": "q".repeat(40) }));
        ring.refresh_if_stale().await;
        let after = ring.current().person_key("di");
        assert_ne!(before, after);
        source.0.lock().unwrap().clear();
        ring.refresh_if_stale().await;
        assert_eq!(ring.current().person_key("di"), after);
    }
}
