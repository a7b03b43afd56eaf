//! Password hashing as a port: argon2id with the OWASP parameters in production, and any other
//! implementation a test needs (one that counts the work done, say).

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use membership_domain::password::Password;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

pub trait PasswordHasher: Send + Sync + 'static {
    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`), the only form a password is stored in.
    fn hash(&self, password: &Password) -> Result<String, HashError>;
    /// Whether `password` is the one `phc` was made from. A malformed `phc` is a mismatch.
    fn verify(&self, password: &Password, phc: &str) -> bool;
}

/// Turns for password hashing: a process never runs more argon2id hashes at once than it has
/// cores (each holds 19 MiB and a core for tens of milliseconds, so more at once only piles up
/// memory and makes every one slower). The others wait their turn, up to `max_wait`.
pub struct HashingTurns {
    turns: tokio::sync::Semaphore,
    max_wait: std::time::Duration,
}

/// How long a request waits for a turn before it is answered 503 with `Retry-After`.
pub const MAX_HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
#[error("no turn to hash a password within {0:?}")]
pub struct NoTurn(std::time::Duration);

impl HashingTurns {
    /// One turn per core of this process (at least one), waited for up to `max_wait`.
    pub fn per_core(max_wait: std::time::Duration) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self::new(cores, max_wait)
    }

    pub fn new(turns: usize, max_wait: std::time::Duration) -> Self {
        Self { turns: tokio::sync::Semaphore::new(turns.max(1)), max_wait }
    }

    /// Runs `work` on a blocking thread once a turn is free.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, TurnError> {
        let turn = tokio::time::timeout(self.max_wait, self.turns.acquire())
            .await
            .map_err(|_| TurnError::NoTurn(NoTurn(self.max_wait)))?
            .map_err(|e| TurnError::Failed(Box::new(e)))?;
        let done = tokio::task::spawn_blocking(work).await.map_err(|e| TurnError::Failed(Box::new(e)));
        drop(turn);
        done
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error(transparent)]
    NoTurn(NoTurn),
    #[error("password hashing did not complete")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A hash of no one's password, with the production parameters: a sign-in for an unknown username
/// verifies against it, so it costs exactly the work of a wrong password and answers the same.
pub const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$A4AWFKbLJHZLpoJo6ykH8Q$5MfetdFLlZuP7od8Fe1+P0iwrTMsIzZe23sE/F39i4A";

/// argon2id, m = 19456 KiB, t = 2, p = 1 (OWASP Password Storage Cheat Sheet).
pub struct Argon2id {
    params: Params,
}

impl Argon2id {
    pub fn owasp() -> Self {
        Self { params: Params::new(19_456, 2, 1, None).unwrap_or_default() }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }
}

impl PasswordHasher for Argon2id {
    fn hash(&self, password: &Password) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        self.argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| HashError(e.to_string()))
    }

    fn verify(&self, password: &Password, phc: &str) -> bool {
        PasswordHash::new(phc)
            .is_ok_and(|parsed| self.argon2().verify_password(password.expose().as_bytes(), &parsed).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_never_hold_the_password() {
        let hasher = Argon2id::owasp();
        let password = Password::presented("Library-Card-2026");
        let phc = hasher.hash(&password).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("Library-Card-2026"));
        assert!(hasher.verify(&password, &phc));
        assert!(!hasher.verify(&Password::presented("library-card-2026"), &phc));
        assert!(!hasher.verify(&password, "not-a-hash"));
    }

    #[test]
    fn the_decoy_is_a_real_hash_with_the_same_parameters() {
        let parsed = PasswordHash::new(DECOY_HASH).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (19_456, 2, 1));
        assert!(!Argon2id::owasp().verify(&Password::presented("anything"), DECOY_HASH));
    }
}
