//! One use case per user action. Each loads what it needs, lets the domain decide, and writes once,
//! conditionally. `Failure` is every outcome a caller may be told about; `http` maps it, in one place.

pub mod certification;
pub mod identity;
pub mod members;
pub mod notifier;
pub mod purge;
pub mod recovery;
pub mod reference;
pub mod sessions;
pub mod signup;
pub mod sso;

use std::sync::Arc;

use membership_domain::consent::{ConsentError, DocumentId};
use membership_domain::signup::{AgeRuleError, SignupStep};
use membership_domain::FieldError;

use crate::clock::Clock;
use crate::identity::IdentityProvider;
use crate::passwords::{HashingTurns, PasswordHasher, TurnError};
use crate::records::Records;
use crate::secrets::KeyRing;
use crate::store::StoreError;
use crate::upstream::Upstreams;

/// What every use case works with; built once per process and shared by every request.
#[derive(Clone)]
pub struct Service {
    pub records: Records,
    pub clock: Arc<dyn Clock>,
    /// The identity provider: opens requests (in the function that holds its client credentials)
    /// and reads their results (everywhere).
    pub identity: Arc<dyn IdentityProvider>,
    /// Who may ask for an identity request, and where the provider sends the person back.
    pub client_origins: Arc<identity::ClientOrigins>,
    pub hasher: Arc<dyn PasswordHasher>,
    /// Turns for the hasher: never more hashes at once than cores.
    pub hashing: Arc<HashingTurns>,
    pub keys: Arc<KeyRing>,
    /// The residency registry and DLS; unconfigured (every call unavailable) in the functions that
    /// never call them.
    pub upstreams: Upstreams,
    /// The OpenID Connect provider: issuer, registered clients, ID-token signer; unconfigured in
    /// the functions that never serve single sign-on.
    pub sso: crate::sso::Provider,
}

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("the request body breaks the rules")]
    Validation(Vec<FieldError>),
    #[error("the password is too weak")]
    WeakPassword(Vec<FieldError>),
    #[error("no such sign-up")]
    SignupNotFound,
    #[error("the sign-up session expired")]
    SignupExpired,
    #[error("the sign-up token is wrong")]
    SignupTokenInvalid,
    #[error("the sign-up is at another step")]
    WrongStep { expected: SignupStep },
    #[error("a required consent was not given")]
    ConsentRequired { missing: Vec<DocumentId> },
    #[error("a consent names a version that is not current")]
    ConsentVersionMismatch { field: String },
    #[error("a consent names an unknown document")]
    ConsentUnknownDocument { field: String },
    #[error("the identity result is invalid")]
    IdentityResultInvalid,
    #[error("the identity result expired")]
    IdentityResultExpired,
    #[error("the identity result was used already")]
    IdentityResultReplayed,
    #[error("the person cancelled or failed the verification at the provider")]
    IdentityVerificationFailed,
    #[error(transparent)]
    Age(#[from] AgeRuleError),
    #[error("the person already holds a membership")]
    MemberAlreadyExists { masked_username: String },
    #[error("the username is taken")]
    UsernameTaken,
    #[error("unknown username or wrong password")]
    InvalidCredentials,
    #[error("sign-in is locked for the username")]
    Locked { retry_after_seconds: u64 },
    #[error("the access token is missing, invalid, expired or revoked")]
    TokenInvalid,
    #[error("the refresh token is invalid, expired or revoked")]
    RefreshInvalid,
    #[error("the member is dormant")]
    Dormant,
    #[error("no matching member")]
    MemberNotFound,
    #[error("not applicable to the member's type or grade")]
    NotApplicable,
    #[error("the verified identity does not match the member")]
    IdentityMismatch,
    #[error("a fresh verification by the guardian who signed the child up is needed")]
    GuardianRequired,
    #[error("today's certification attempts are used up")]
    CertificationRateLimited { retry_after_seconds: u64 },
    #[error("the registry does not place the member in Incheon")]
    NotIncheonResident,
    #[error("the school library system did not confirm the account")]
    DlsRejected,
    #[error("an upstream system did not answer in time")]
    UpstreamUnavailable,
    #[error("every password-hashing turn stayed taken")]
    Busy(#[source] crate::passwords::NoTurn),
    #[error("the store is unavailable")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Failure {
    /// A refusal of consent answers; `answer` is the JSON Pointer of the answer at an index
    /// (`/consents/0` in a list, `/consent` alone).
    pub(crate) fn from_consent(error: ConsentError, answer: impl Fn(usize) -> String) -> Self {
        match error {
            // The list's own pointer: the answers' pointers without their index.
            ConsentError::TooMany => {
                let first = answer(0);
                let list = first.rsplit_once('/').map_or(first.as_str(), |(list, _)| list).to_owned();
                Failure::Validation(vec![FieldError::new(list, "too_many")])
            }
            ConsentError::Duplicate { index } => {
                Failure::Validation(vec![FieldError::new(format!("{}/document", answer(index)), "duplicate")])
            }
            ConsentError::UnknownDocument { index } => {
                Failure::ConsentUnknownDocument { field: format!("{}/document", answer(index)) }
            }
            ConsentError::VersionMismatch { index } => {
                Failure::ConsentVersionMismatch { field: format!("{}/version", answer(index)) }
            }
            ConsentError::Required { missing } => Failure::ConsentRequired { missing },
        }
    }
}

impl From<TurnError> for Failure {
    fn from(error: TurnError) -> Self {
        match error {
            TurnError::NoTurn(busy) => Failure::Busy(busy),
            TurnError::Failed(cause) => Failure::Internal(cause),
        }
    }
}

impl Service {
    /// A password hashed with the service's hasher, in its turn.
    pub(crate) async fn hash_password(
        &self,
        password: membership_domain::password::Password,
    ) -> Result<String, Failure> {
        let hasher = self.hasher.clone();
        self.hashing.run(move || hasher.hash(&password)).await?.map_err(|e| Failure::Internal(Box::new(e)))
    }

    /// Whether `password` is the one `phc` was made from, checked in its turn.
    pub(crate) async fn verify_password(
        &self,
        password: membership_domain::password::Password,
        phc: String,
    ) -> Result<bool, Failure> {
        let hasher = self.hasher.clone();
        Ok(self.hashing.run(move || hasher.verify(&password, &phc)).await?)
    }
}

impl From<StoreError> for Failure {
    /// A condition that reaches here unhandled is a race the request lost to another (every
    /// condition guards against a concurrent change): 503 with `Retry-After`, like a conflict,
    /// never a 500 (API.md, Conventions).
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(_) | StoreError::Conflict | StoreError::ConditionFailed { .. } => {
                Failure::Unavailable(error)
            }
            other => Failure::Internal(Box::new(other)),
        }
    }
}
