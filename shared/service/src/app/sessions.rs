//! Signing in and staying signed in: sessions for web and mobile clients (API.md, "Sessions").

use membership_domain::member::{standing, Standing};
use membership_domain::password::Password;
use membership_domain::username::Username;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{Failure, Service};
use crate::audit::AuditEvent;
use crate::keys::{hex, random_id, token_hash};
use crate::passwords::DECOY_HASH;
use crate::records::{LoginFailures, MemberRecord, Refusal, Retry, SessionChanged, SessionRecord, LOCKOUT_WINDOW};
use crate::store::StoreError;
use crate::tokens::{
    issue_access, new_refresh, verify_access, AccessClaims, PresentedRefresh, Scope, ACCESS_LIFETIME, REFRESH_LIFETIME,
    SESSION_LIFETIME,
};

/// How many times a session's revocation is tried while other requests change the session first.
const SESSION_WRITE_ATTEMPTS: usize = 3;

/// The 5th failure within the window still answers 401; from then on the username is locked.
pub const LOCKOUT_AFTER: u32 = 5;

pub struct Tokens {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
}

/// How a sign-in went: a member signs in with both tokens; a dormant member gets a limited access
/// token only, good for renewing consent (API.md answers it 403 `member.dormant`, token included).
pub enum SignIn {
    Member(Tokens),
    Dormant { access_token: String, expires_in: i64 },
}

/// Who a request's access token speaks for.
#[derive(Clone)]
pub struct Caller {
    pub member: MemberRecord,
    pub session: SessionRecord,
    pub scope: Scope,
}

/// A new session of `member`, not yet stored.
fn new_session(member: &MemberRecord, scope: Scope, now: OffsetDateTime) -> SessionRecord {
    SessionRecord {
        session_id: random_id(),
        member_id: member.member_id.clone(),
        credential_epoch: member.credential_epoch,
        scope,
        created_at: now,
        ends_at: now + SESSION_LIFETIME,
        refresh_generation: 0,
        refresh_hash: None,
        refresh_expires_at: None,
        revoked: false,
        version: 0,
    }
}

/// The name a sign-in counts failures under: the username, folded to lower case. A name that breaks
/// the username rule holds no member but locks the same way, under `~<SHA-256>` (never a username):
/// as typed it may exceed a store key, or be a password typed into the wrong field.
fn lockout_name(raw: &str) -> String {
    match Username::parse(raw) {
        Ok(username) => username.as_str().to_owned(),
        Err(_) => format!("~{}", hex(&Sha256::digest(raw.to_lowercase().as_bytes()))),
    }
}

impl Service {
    /// Takes one of the username's attempts in the current window before any password is checked: it
    /// counts as a failure until a success resets the count, so guesses sent all at once cannot
    /// outrun the lockout. Fails with `auth.locked` once the window's failures are used up.
    /// `read` is the count as the caller read it.
    pub(crate) async fn take_attempt(
        &self,
        username: &str,
        read: Option<LoginFailures>,
        now: OffsetDateTime,
    ) -> Result<(), Failure> {
        let locked = |window_start: OffsetDateTime| {
            let seconds = (window_start + LOCKOUT_WINDOW - now).whole_seconds().max(1) as u64;
            Failure::Locked { retry_after_seconds: seconds }
        };
        // A locked username is answered from a read, without counting further.
        if let Some(failures) = &read {
            if failures.count >= LOCKOUT_AFTER && now < failures.window_start + LOCKOUT_WINDOW {
                return Err(locked(failures.window_start));
            }
        }
        let failures = match self.records.record_login_failure(username, read, now).await {
            Ok(failures) => failures,
            // The count moved under every retry: as many other attempts were counted meanwhile,
            // so guesses are arriving at once and the lock has most likely been reached.
            Err(StoreError::Conflict) => match self.records.login_failures(username, now).await? {
                Some(failures) if failures.count >= LOCKOUT_AFTER => return Err(locked(failures.window_start)),
                _ => return Err(StoreError::Conflict.into()),
            },
            Err(error) => return Err(error.into()),
        };
        if failures.count > LOCKOUT_AFTER {
            return Err(locked(failures.window_start));
        }
        Ok(())
    }

    /// Gives back an attempt whose request got no answer but 5xx (the store failed after it was
    /// taken): a fault is no failed sign-in. Best effort: if the store fails again, it stays counted.
    pub(crate) async fn give_back_attempt<T>(&self, username: &str, result: Result<T, Failure>) -> Result<T, Failure> {
        if matches!(result, Err(Failure::Unavailable(_) | Failure::Internal(_) | Failure::Busy(_))) {
            if let Err(error) = self.records.return_login_failure(username, self.clock.now()).await {
                tracing::warn!(error = %error, "sign-in attempt left counted after a store fault");
            }
        }
        result
    }

    /// Checks a member's password; the attempt counts toward the username's lockout.
    pub(crate) async fn check_password(&self, member: &MemberRecord, password: Password) -> Result<(), Failure> {
        let now = self.clock.now();
        let read = self.records.login_failures(member.username.as_str(), now).await?;
        self.take_attempt(member.username.as_str(), read, now).await?;
        let verified = self.verify_password(password, member.password_hash.clone()).await;
        match self.give_back_attempt(member.username.as_str(), verified).await? {
            true => Ok(()),
            false => Err(Failure::InvalidCredentials),
        }
    }

    /// `POST /v1/sessions`. An unknown username does exactly the hashing work of a wrong password
    /// and gets the same answer; a withdrawn member is unknown.
    pub async fn sign_in(&self, username: &str, password: Password) -> Result<SignIn, Failure> {
        let now = self.clock.now();
        let name = lockout_name(username);
        let username = Username::parse(username).ok();
        // The failure count and the username's claim, read at once.
        let (failures, claim) =
            self.records.failures_and_claim(&name, username.as_ref().map(Username::as_str), now).await?;
        self.take_attempt(&name, failures, now).await?;
        let member_id = claim.filter(|claim| !claim.retired).map(|claim| claim.member_id);
        let result = self.sign_in_counted(&name, member_id, password, now).await;
        self.give_back_attempt(&name, result).await
    }

    async fn sign_in_counted(
        &self,
        name: &str,
        member_id: Option<String>,
        password: Password,
        now: OffsetDateTime,
    ) -> Result<SignIn, Failure> {
        let member = match member_id {
            Some(id) => self.records.member(&id).await?,
            None => None,
        }
        .filter(|m| standing(m.consent_renewed_at, now) != Standing::Withdrawn);
        let phc = member.as_ref().map_or_else(|| DECOY_HASH.to_owned(), |m| m.password_hash.clone());
        let matches = self.verify_password(password, phc).await?;
        let member = match member {
            Some(member) if matches => member,
            other => {
                if let Some(member) = other {
                    self.records.audit(&[AuditEvent::new(&member.member_id, "signin.failed", now)]).await;
                }
                return Err(Failure::InvalidCredentials);
            }
        };
        let dormant = standing(member.consent_renewed_at, now) == Standing::Dormant;
        let mut session = new_session(&member, if dormant { Scope::Dormant } else { Scope::Member }, now);
        let refresh_token = (!dormant).then(|| {
            let token = new_refresh(&self.keys.current().token_signing, &session.session_id, 0);
            session.refresh_hash = Some(token_hash(&token));
            session.refresh_expires_at = Some((now + REFRESH_LIFETIME).min(session.ends_at));
            token
        });
        // The answer is made before anything is written: nothing stored stays without its tokens.
        let answer = match refresh_token {
            Some(refresh_token) => SignIn::Member(self.tokens(&member, &session, refresh_token, now)?),
            None => SignIn::Dormant {
                access_token: self.access_token(&member, &session, now)?,
                expires_in: ACCESS_LIFETIME.whole_seconds(),
            },
        };
        // The session, the end of the failure count (this attempt's included) and the audit event, at once.
        let event = AuditEvent::new(&member.member_id, "signin.succeeded", now);
        self.records.start_session(&session, name, &[event]).await?;
        // The language notices are written in: the one this sign-in asked for (best effort).
        self.remember_language(member).await;
        Ok(answer)
    }

    fn access_token(
        &self,
        member: &MemberRecord,
        session: &SessionRecord,
        now: OffsetDateTime,
    ) -> Result<String, Failure> {
        let claims = AccessClaims {
            sub: member.member_id.clone(),
            sid: session.session_id.clone(),
            ep: member.credential_epoch,
            scope: session.scope,
            iat: now.unix_timestamp(),
            exp: (now + ACCESS_LIFETIME).unix_timestamp(),
        };
        issue_access(&self.keys.current().token_signing, &claims).map_err(|e| Failure::Internal(Box::new(e)))
    }

    fn tokens(
        &self,
        member: &MemberRecord,
        session: &SessionRecord,
        refresh_token: String,
        now: OffsetDateTime,
    ) -> Result<Tokens, Failure> {
        let refresh_expires = session.refresh_expires_at.unwrap_or(now);
        Ok(Tokens {
            access_token: self.access_token(member, session, now)?,
            expires_in: ACCESS_LIFETIME.whole_seconds(),
            refresh_token,
            refresh_expires_in: (refresh_expires - now).whole_seconds().max(0),
        })
    }

    /// `POST /v1/sessions/refresh`: a new access token and a new refresh token. A refresh token of an
    /// earlier generation presented again is a stolen or replayed one: the whole session ends.
    pub async fn refresh(&self, presented: &str) -> Result<Tokens, Failure> {
        let now = self.clock.now();
        let presented = PresentedRefresh::parse(presented).ok_or(Failure::RefreshInvalid)?;
        let mut session = self.records.session(&presented.session_id, now).await?.ok_or(Failure::RefreshInvalid)?;
        if session.revoked || session.scope != Scope::Member {
            return Err(Failure::RefreshInvalid);
        }
        let current = presented.generation == session.refresh_generation
            && session.refresh_hash.as_deref().is_some_and(|hash| crate::keys::token_matches(&presented.token, hash));
        // A token the service did not issue changes nothing, whatever session it names.
        if !current && !presented.is_signed_by(&self.keys.current().token_signing) {
            return Err(Failure::RefreshInvalid);
        }
        if presented.generation < session.refresh_generation {
            self.revoke(&mut session).await?;
            return Err(Failure::RefreshInvalid);
        }
        let live = session.refresh_expires_at.is_some_and(|at| now < at) && now < session.ends_at;
        if !current || !live {
            return Err(Failure::RefreshInvalid);
        }
        let member = self.records.member(&session.member_id).await?.ok_or(Failure::RefreshInvalid)?;
        match standing(member.consent_renewed_at, now) {
            Standing::Withdrawn => return Err(Failure::RefreshInvalid),
            Standing::Dormant => return Err(Failure::Dormant),
            Standing::Active => {}
        }
        if member.credential_epoch != session.credential_epoch {
            return Err(Failure::RefreshInvalid);
        }
        let refresh_token =
            new_refresh(&self.keys.current().token_signing, &session.session_id, session.refresh_generation + 1);
        session.refresh_generation += 1;
        session.refresh_hash = Some(token_hash(&refresh_token));
        session.refresh_expires_at = Some((now + REFRESH_LIFETIME).min(session.ends_at));
        let tokens = self.tokens(&member, &session, refresh_token, now)?;
        match self.records.update_session(&mut session).await {
            Ok(()) => Ok(tokens),
            // Another request rotated this token first: the token was presented twice.
            Err(Refusal::Refused(SessionChanged)) => {
                if let Some(mut latest) = self.records.session(&presented.session_id, now).await? {
                    self.revoke(&mut latest).await?;
                }
                Err(Failure::RefreshInvalid)
            }
            Err(Refusal::Store(error)) => Err(error.into()),
        }
    }

    async fn revoke(&self, session: &mut SessionRecord) -> Result<(), Failure> {
        let mut retry = Retry::new(SESSION_WRITE_ATTEMPTS);
        loop {
            retry.attempt()?;
            session.revoked = true;
            match self.records.update_session(session).await {
                Ok(()) => return Ok(()),
                Err(Refusal::Refused(SessionChanged)) => {
                    let now = self.clock.now();
                    match self.records.session(&session.session_id, now).await? {
                        Some(latest) => *session = latest,
                        None => return Ok(()),
                    }
                }
                Err(Refusal::Store(error)) => return Err(error.into()),
            }
        }
    }

    /// `DELETE /v1/sessions/current`: the session, its refresh token and its access tokens end.
    pub async fn sign_out(&self, caller: Caller) -> Result<(), Failure> {
        let mut session = caller.session;
        self.revoke(&mut session).await
    }

    /// The member an access token speaks for, if the token is genuine, unexpired, of a live session
    /// and of the member's current credentials. `dormant_allowed` names the few routes a dormant
    /// member may use; every other route answers a dormant member 403.
    pub async fn authenticate(&self, token: &str, dormant_allowed: bool) -> Result<Caller, Failure> {
        let now = self.clock.now();
        let claims = verify_access(&self.keys.current().token_signing, token, now).ok_or(Failure::TokenInvalid)?;
        let (member, session) = self.records.member_and_session(&claims.sub, &claims.sid, now).await?;
        let (member, session) = (member.ok_or(Failure::TokenInvalid)?, session.ok_or(Failure::TokenInvalid)?);
        if session.revoked || session.member_id != member.member_id || claims.ep != member.credential_epoch {
            return Err(Failure::TokenInvalid);
        }
        if standing(member.consent_renewed_at, now) == Standing::Withdrawn {
            return Err(Failure::TokenInvalid);
        }
        self.admit(Caller { member, session, scope: claims.scope }, dormant_allowed)
    }

    /// An authenticated caller, on a route a dormant member may use or not (403 `member.dormant`).
    pub fn admit(&self, caller: Caller, dormant_allowed: bool) -> Result<Caller, Failure> {
        let dormant = caller.scope == Scope::Dormant
            || standing(caller.member.consent_renewed_at, self.clock.now()) == Standing::Dormant;
        if dormant && !dormant_allowed {
            return Err(Failure::Dormant);
        }
        Ok(caller)
    }
}

impl Service {
    /// Keeps the language of the sign-in as the member's notice language. A lost race leaves the
    /// language as it was: the sign-in does not fail for it.
    async fn remember_language(&self, mut member: MemberRecord) -> MemberRecord {
        let language = crate::notices::NoticeLanguage::of_request();
        if member.language != language {
            let before = member.clone();
            member.language = language;
            if let Err(error) = self.records.update_member(&mut member, &[]).await {
                tracing::warn!(error = %error, "notice language not kept");
                return before;
            }
        }
        member
    }
}
