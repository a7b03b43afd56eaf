//! The whole service on one machine: every route, the embedded store, the simulators and the
//! OpenAPI documents, as the `local-api` binary and the API tests run it.

use std::sync::Arc;

use axum::Router;

use crate::app::Service;
use crate::clock::AdjustableClock;
use crate::http::{finish, routes, Function};
use crate::identity_results::SignedResults;
use crate::keys::{Keys, SecretKey};
use crate::passwords::{Argon2id, PasswordHasher};
use crate::records::Records;
use crate::secrets::KeyRing;
use crate::sim::Simulators;
use crate::store::definition::TableDefinition;
use crate::store::dynamodb::DynamoTable;
use crate::store::memory::MemoryTable;
use crate::store::Table;

pub struct LocalApp {
    pub router: Router,
    pub service: Service,
    pub clock: Arc<AdjustableClock>,
}

pub struct LocalOptions {
    pub table: Arc<dyn Table>,
    pub hasher: Arc<dyn PasswordHasher>,
}

impl Default for LocalOptions {
    fn default() -> Self {
        Self { table: Arc::new(MemoryTable::new()), hasher: Arc::new(Argon2id::owasp()) }
    }
}

/// Which store a local run uses: the embedded one, unless `DYNAMODB_ENDPOINT` is set.
#[derive(Debug, thiserror::Error)]
pub enum LocalStoreError {
    #[error(transparent)]
    Definition(#[from] crate::store::definition::DefinitionError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
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
    let config = crate::aws::sdk_config(Some(endpoint), crate::aws::Patience::LocalServer).await;
    let table = DynamoTable::new(aws_sdk_dynamodb::Client::new(&config), name);
    table.create_if_missing(&TableDefinition::from_template()?).await?;
    Ok(table)
}

impl LocalApp {
    /// Fresh keys every start: the simulated provider and the service share them in this process.
    pub fn new(options: LocalOptions) -> Self {
        let keys = Arc::new(KeyRing::fixed(Keys::random()));
        let clock = Arc::new(AdjustableClock::default());
        let provider = Arc::new(SignedResults::new(keys.clone()));
        let service = Service {
            records: Records::new(options.table),
            clock: clock.clone(),
            identity: provider.clone(),
            hasher: options.hasher,
            keys,
        };
        let simulators = Simulators { provider, clock: clock.clone(), di_key: SecretKey::random() };
        let router =
            finish(routes(service.clone(), &Function::ALL).merge(simulators.routes()).merge(crate::openapi::routes()));
        Self { router, service, clock }
    }
}
