//! Single sign-on for the libraries' services (API.md, "Single sign-on"): the OpenID Connect
//! provider's registered clients (`clients`) and the port its ID tokens are signed through
//! (`signing`), with the AWS KMS adapter behind it (`kms`) and the key drawn at start for local runs.

pub mod clients;
pub mod kms;
pub mod signing;

use std::sync::Arc;

pub use clients::{Client, ClientType, Clients};
pub use signing::{IdTokenSigner, LocalSigner, SigningError};

/// What the provider needs besides the service: who it is, whom it serves, how it signs.
#[derive(Clone)]
pub struct Provider {
    /// The issuer: the public base URL of the API (`https://api.example`, `http://127.0.0.1:3000`).
    pub issuer: String,
    /// Where relying parties send the browser: the web client's authorization page.
    pub authorization_endpoint: String,
    pub clients: Arc<Clients>,
    pub signer: Arc<dyn IdTokenSigner>,
}

impl Provider {
    /// A provider with no clients and no key: every authorization is refused as from an unknown
    /// client. The functions that never serve single sign-on hold this one.
    pub fn unconfigured() -> Self {
        Self {
            issuer: String::new(),
            authorization_endpoint: String::new(),
            clients: Arc::new(Clients::default()),
            signer: Arc::new(signing::NoSigner),
        }
    }
}
