//! Password hashing as a port: argon2id with the OWASP parameters in production, and any other
//! implementation a test needs (one that counts the work done, say).

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
    turns: std::sync::Arc<tokio::sync::Semaphore>,
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
        Self { turns: std::sync::Arc::new(tokio::sync::Semaphore::new(turns.max(1))), max_wait }
    }

    /// Runs `work` on a blocking thread once a turn is free. The turn goes with the work, not with
    /// the request: a client that hangs up mid-hash does not free it while the hash still runs.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, TurnError> {
        let turn = tokio::time::timeout(self.max_wait, self.turns.clone().acquire_owned())
            .await
            .map_err(|_| TurnError::NoTurn(NoTurn(self.max_wait)))?
            .map_err(|e| TurnError::Failed(Box::new(e)))?;
        tokio::task::spawn_blocking(move || {
            let done = work();
            drop(turn);
            done
        })
        .await
        .map_err(|e| TurnError::Failed(Box::new(e)))
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
///
/// Each hash works in 19 MiB of memory. Allocated afresh per hash (as `Argon2::hash_password`
/// does), the allocator keeps many such blocks around after a burst (150 sign-ins at once held
/// 424 MiB with two hashing at a time); here the work areas are kept and reused, so a process
/// holds as many as hash at once ([`HashingTurns`]) and no more.
pub struct Argon2id {
    params: Params,
    work_areas: std::sync::Mutex<Vec<Vec<Block>>>,
}

impl Argon2id {
    pub fn owasp() -> Self {
        Self { params: Params::new(19_456, 2, 1, None).unwrap_or_default(), work_areas: Default::default() }
    }

    /// The argon2 output of `password` with `salt`, under `params`, in a reused work area.
    fn output(&self, argon2: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
        let blocks = argon2.params().block_count();
        let taken = self.work_areas.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let mut area = taken.filter(|area| area.len() >= blocks).unwrap_or_else(|| vec![Block::default(); blocks]);
        let result = argon2.hash_password_into_with_memory(password, salt, out, &mut area[..blocks]);
        self.work_areas.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(area);
        result
    }
}

impl PasswordHasher for Argon2id {
    fn hash(&self, password: &Password) -> Result<String, HashError> {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| HashError(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
            self.output(&argon2, password.expose().as_bytes(), salt_bytes, out).map_err(Into::into)
        })
        .map_err(|e| HashError(e.to_string()))?;
        let params = ParamsString::try_from(&self.params).map_err(|e| HashError(e.to_string()))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(phc.to_string())
    }

    /// The stored hash's own algorithm, version and parameters, as `PasswordVerifier` reads them;
    /// outputs compare in constant time (`Output`'s equality).
    fn verify(&self, password: &Password, phc: &str) -> bool {
        let Ok(stored) = PasswordHash::new(phc) else { return false };
        let (Some(expected), Some(salt)) = (stored.hash, stored.salt) else { return false };
        let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(stored.algorithm), Params::try_from(&stored)) else {
            return false;
        };
        let version = stored.version.map_or(Ok(Version::default()), Version::try_from);
        let Ok(version) = version else { return false };
        let mut salt_bytes = [0u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else { return false };
        let argon2 = Argon2::new(algorithm, version, params);
        Output::init_with(expected.len(), |out| {
            self.output(&argon2, password.expose().as_bytes(), salt_bytes, out).map_err(Into::into)
        })
        .is_ok_and(|actual| actual == expected)
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
    fn hashes_agree_with_the_argon2_crates_own_hasher_and_verifier() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let ours = Argon2id::owasp();
        let password = Password::presented("Library-Card-2026");
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19_456, 2, 1, None).unwrap());
        let phc = ours.hash(&password).unwrap();
        assert!(reference.verify_password(b"Library-Card-2026", &PasswordHash::new(&phc).unwrap()).is_ok());
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = reference.hash_password(b"Library-Card-2026", &salt).unwrap().to_string();
        assert!(ours.verify(&password, &theirs));
        assert!(!ours.verify(&Password::presented("Library-Card-2027"), &theirs));
        // A stored hash of other parameters is verified with its own (older hashes keep working).
        let lighter = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8_192, 1, 1, None).unwrap());
        let older = lighter.hash_password(b"Library-Card-2026", &salt).unwrap().to_string();
        assert!(ours.verify(&password, &older));
        assert_eq!(ours.work_areas.lock().unwrap().len(), 1, "one work area, reused for every hash");
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
