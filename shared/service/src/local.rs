//! The whole service on one machine: every route, the embedded store and the simulators, as the
//! `local-api` binary and the API tests run it.

use std::sync::Arc;

use axum::Router;

use crate::app::Service;
use crate::clock::AdjustableClock;
use crate::http::{finish, routes, Function};
use crate::identity_results::SignedResults;
use crate::keys::{Keys, SecretKey};
use crate::passwords::{Argon2id, PasswordHasher};
use crate::records::Records;
use crate::sim::Simulators;
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
        Self {
            table: Arc::new(MemoryTable::new()),
            hasher: Arc::new(Argon2id::owasp()),
        }
    }
}

impl LocalApp {
    /// Fresh keys every start: the simulated provider and the service share them in this process.
    pub fn new(options: LocalOptions) -> Self {
        let keys = Keys::random();
        let clock = Arc::new(AdjustableClock::default());
        let provider = Arc::new(SignedResults::new(keys.identity_result.clone()));
        let service = Service {
            records: Records::new(options.table),
            clock: clock.clone(),
            identity: provider.clone(),
            hasher: options.hasher,
            keys: Arc::new(keys),
        };
        let simulators = Simulators {
            provider,
            clock: clock.clone(),
            di_key: SecretKey::random(),
        };
        let router = finish(
            routes(&Function::ALL)
                .with_state(service.clone())
                .merge(simulators.routes()),
        );
        Self {
            router,
            service,
            clock,
        }
    }
}
