//! Single sign-on (API.md, "Single sign-on for the libraries' services"): the OpenID Connect
//! provider's use cases. The authorization code flow with PKCE `S256` only (RFC 9700 §2.1.1);
//! codes of 60 s that work once, a second use revoking the grant the first made (RFC 6749
//! §4.1.2); refresh tokens rotated on every use, an older one presented again revoking the grant
//! (RFC 9700 §4.14.2). A grant is tied to the member's credential epoch and standing, read on every
//! use, so a password change or reset, a withdrawal and dormancy end every grant with no write of
//! their own, as they end the membership site's sessions.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use membership_domain::identity::PersonName;
use membership_domain::library::Library;
use membership_domain::loan_card::LoanCardNumber;
use membership_domain::member::{standing, Entitlements, Grade, MemberType, Standing};
use membership_domain::username::Username;
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::sessions::Caller;
use super::{Failure, Service};
use crate::keys::{random_id, random_token, token_hash, token_matches};
use crate::records::{AuthorizationCodeRecord, GrantRecord, MemberRecord};
use crate::sso::clients::{Client, ClientType, Entitlement};
use crate::sso::signing::{sign_jwt, verified_payload, PublicJwk, SigningError};
use crate::store::StoreError;

/// A code works for 60 seconds (API.md).
pub const CODE_LIFETIME: Duration = Duration::seconds(60);
/// Access tokens and ID tokens of the provider.
pub const ACCESS_LIFETIME: Duration = Duration::minutes(10);
/// A refresh token lives 14 days from its issue, a grant 30 days from the code exchange, as the
/// membership site's own sessions do.
pub const REFRESH_LIFETIME: Duration = Duration::days(14);
pub const GRANT_LIFETIME: Duration = Duration::days(30);

/// What the page asks for on the member's behalf (`POST /v1/oauth2/authorizations`).
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub decline: bool,
    /// OIDC Core §3.1.2.1 `prompt`: with `none`, a member not signed in is told `login_required`
    /// at the client instead of being asked to sign in.
    pub prompt_none: bool,
}

/// Where the member's browser goes next: with a code (201) or with an error (200, RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    Issued { redirect_to: String },
    Refused { redirect_to: String },
}

/// Refusals that are not redirects.
#[derive(Debug, thiserror::Error)]
pub enum SsoFailure {
    /// An unknown client, or a redirect URI not registered exactly: never a redirect.
    #[error("unknown client or unregistered redirect URI")]
    InvalidClient,
    #[error("the member lacks an entitlement the client requires")]
    EntitlementRequired(Entitlement),
    #[error(transparent)]
    Service(#[from] Failure),
}

impl From<StoreError> for SsoFailure {
    fn from(error: StoreError) -> Self {
        SsoFailure::Service(error.into())
    }
}

/// RFC 6749 §5.2 errors of the token endpoint.
#[derive(Debug, thiserror::Error)]
pub enum TokenFailure {
    #[error("invalid_request")]
    InvalidRequest,
    #[error("invalid_client")]
    InvalidClient,
    #[error("invalid_grant")]
    InvalidGrant,
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    #[error("invalid_scope")]
    InvalidScope,
    #[error(transparent)]
    Service(#[from] Failure),
}

impl From<StoreError> for TokenFailure {
    fn from(error: StoreError) -> Self {
        TokenFailure::Service(error.into())
    }
}

impl From<SigningError> for TokenFailure {
    fn from(error: SigningError) -> Self {
        TokenFailure::Service(Failure::Internal(Box::new(error)))
    }
}

/// A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Clone, Serialize)]
pub struct TokenAnswer {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub id_token: String,
    pub refresh_token: String,
    pub scope: String,
}

/// The claims the granted scopes allow (API.md): `profile` → `name`, `preferred_username`;
/// `library` → `grade`, `entitlements`, `loan_card_number`, `home_library`, `member_type`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScopedClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<PersonName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<Username>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Entitlements>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loan_card_number: Option<LoanCardNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_library: Option<Library>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_type: Option<MemberType>,
}

impl ScopedClaims {
    fn of(member: &MemberRecord, scope: &str) -> Self {
        let has = |wanted: &str| scope.split(' ').any(|s| s == wanted);
        let mut claims = Self::default();
        if has("profile") {
            claims.name = Some(member.name.clone());
            claims.preferred_username = Some(member.username.clone());
        }
        if has("library") {
            claims.grade = Some(member.grade);
            claims.entitlements = Some(member.grade.entitlements());
            claims.loan_card_number = Some(member.loan_card_number.clone());
            claims.home_library = Some(member.home_library);
            claims.member_type = Some(member.member_type);
        }
        claims
    }
}

#[derive(Debug, Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: String,
    aud: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    /// The grant: what `GET /oauth2/logout` ends, with the session it was made in.
    sid: &'a str,
    #[serde(flatten)]
    claims: ScopedClaims,
}

/// `GET /oauth2/userinfo`'s answer.
#[derive(Debug, Serialize)]
pub struct UserInfo {
    pub sub: String,
    #[serde(flatten)]
    pub claims: ScopedClaims,
}

/// Where `GET /oauth2/logout` sends the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Logout {
    Redirect(String),
    SignedOut,
}

const ACCESS_LABEL: &[u8] = b"oidc-access";
const REFRESH_LABEL: &[u8] = b"oidc-refresh";

/// `uri` with `params` added to its query (form-encoded), as RFC 6749 §4.1.2 redirects.
fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let separator = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{separator}{query}")
}

/// A PKCE S256 challenge: 43 base64url characters, the encoding of a SHA-256 (RFC 7636 §4.2).
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether `verifier` (43 to 128 unreserved characters, RFC 7636 §4.1) hashes to `challenge`.
fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    use subtle::ConstantTimeEq;
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    well_formed && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// A token of the provider: `<grant id>.<number>.<MAC>`, the number being an access token's expiry
/// or a refresh token's generation. The MAC (HMAC-SHA-256 under the token key, with a label of its
/// own per kind) tells a genuine token from a made-up one before the grant is touched.
struct GrantToken {
    grant_id: String,
    number: i64,
}

impl GrantToken {
    fn issue(key: &crate::keys::SecretKey, label: &[u8], grant_id: &str, number: i64) -> String {
        let tag = key.hmac(&[label, grant_id.as_bytes(), &number.to_be_bytes()]);
        format!("{grant_id}.{number}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    fn verify(key: &crate::keys::SecretKey, label: &[u8], token: &str) -> Option<Self> {
        let mut parts = token.splitn(3, '.');
        let grant_id = parts.next().filter(|s| !s.is_empty() && s.len() <= 64)?;
        let number: i64 = parts.next()?.parse().ok()?;
        let tag = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        key.verify_hmac(&[label, grant_id.as_bytes(), &number.to_be_bytes()], &tag)
            .then(|| Self { grant_id: grant_id.to_owned(), number })
    }
}

impl Service {
    /// The member's `sub` at `client`: pairwise (OIDC Core §8.1), the HMAC of the client id and
    /// the member id under the pepper key, which never rotates, so it is stable per client and
    /// cannot be joined across clients (PIPA).
    pub fn pairwise_sub(&self, client_id: &str, member_id: &str) -> String {
        crate::keys::hex(&self.keys.current().di_pepper.hmac(&[
            b"oidc-pairwise-sub",
            client_id.as_bytes(),
            member_id.as_bytes(),
        ]))
    }

    /// The registered client, if `redirect_uri` is one of its redirect URIs exactly.
    fn client_redirecting_to(&self, client_id: &str, redirect_uri: &str) -> Result<&Client, SsoFailure> {
        self.sso.clients.get(client_id).filter(|c| c.redirects_to(redirect_uri)).ok_or(SsoFailure::InvalidClient)
    }

    /// `POST /v1/oauth2/authorizations`: the member approves (or declines) a client's request.
    pub async fn authorize(
        &self,
        token: Option<String>,
        request: AuthorizationRequest,
    ) -> Result<Authorization, SsoFailure> {
        let client = self.client_redirecting_to(&request.client_id, &request.redirect_uri)?.clone();
        let state = request.state.as_deref();
        let refuse = |error: &str| {
            let mut params = vec![("error", error), ("iss", self.sso.issuer.as_str())];
            if let Some(state) = state {
                params.push(("state", state));
            }
            Ok(Authorization::Refused { redirect_to: with_query(&request.redirect_uri, &params) })
        };
        if request.decline {
            return refuse("access_denied");
        }
        let caller = match token {
            Some(token) => self.authenticate(&token, false).await,
            None => Err(Failure::TokenInvalid),
        };
        let caller = match caller {
            Err(Failure::TokenInvalid) if request.prompt_none => return refuse("login_required"),
            other => other?,
        };
        if request.response_type != "code" {
            return refuse("unsupported_response_type");
        }
        let Some(scope) = granted_scope(&request.scope, &client) else {
            return refuse("invalid_scope");
        };
        let challenge = match (request.code_challenge_method.as_deref(), request.code_challenge.as_deref()) {
            (Some("S256"), Some(challenge)) if is_s256_challenge(challenge) => challenge.to_owned(),
            _ => return refuse("invalid_request"),
        };
        let entitlements = caller.member.grade.entitlements();
        if let Some(missing) = client.requires.iter().find(|e| !e.held_in(&entitlements)) {
            return Err(SsoFailure::EntitlementRequired(*missing));
        }
        let now = self.clock.now();
        let code = random_token();
        let record =
            new_code(&caller, &client, &request.redirect_uri, scope, challenge, request.nonce.clone(), &code, now);
        self.records.create_authorization_code(&record).await?;
        let mut params = vec![("code", code.as_str()), ("iss", self.sso.issuer.as_str())];
        if let Some(state) = state {
            params.push(("state", state));
        }
        Ok(Authorization::Issued { redirect_to: with_query(&request.redirect_uri, &params) })
    }

    /// `grant_type=authorization_code`: the code, once, for the client it was issued to, with the
    /// redirect URI it was issued for and the PKCE verifier of its challenge.
    pub async fn exchange_code(
        &self,
        client: &Client,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> Result<TokenAnswer, TokenFailure> {
        let now = self.clock.now();
        let mut record =
            self.records.authorization_code(&token_hash(code), now).await?.ok_or(TokenFailure::InvalidGrant)?;
        if record.client_id != client.client_id {
            return Err(TokenFailure::InvalidGrant);
        }
        if record.used {
            self.revoke_grant(&record.grant_id).await?;
            return Err(TokenFailure::InvalidGrant);
        }
        let genuine = now < record.expires_at
            && record.redirect_uri == redirect_uri
            && verifier.is_some_and(|v| verifier_matches(v, &record.code_challenge));
        if !genuine {
            return Err(TokenFailure::InvalidGrant);
        }
        let member = self.member_in_good_standing(&record.member_id, record.credential_epoch, now).await?;
        let refresh_token = GrantToken::issue(&self.keys.current().token_signing, REFRESH_LABEL, &record.grant_id, 0);
        let grant = GrantRecord {
            grant_id: record.grant_id.clone(),
            client_id: client.client_id.clone(),
            member_id: member.member_id.clone(),
            session_id: record.session_id.clone(),
            credential_epoch: record.credential_epoch,
            scope: record.scope.clone(),
            auth_time: record.auth_time,
            created_at: now,
            ends_at: now + GRANT_LIFETIME,
            refresh_generation: 0,
            refresh_hash: token_hash(&refresh_token),
            refresh_expires_at: now + REFRESH_LIFETIME,
            revoked: false,
            version: 0,
        };
        // The answer is made (and signed) before anything is written.
        let answer = self.token_answer(&grant, &member, record.nonce.as_deref(), refresh_token, now).await?;
        match self.records.exchange_code(&mut record, &grant).await {
            Ok(()) => Ok(answer),
            // The code was exchanged by another request meanwhile: it was used twice.
            Err(StoreError::ConditionFailed { .. }) => {
                self.revoke_grant(&record.grant_id).await?;
                Err(TokenFailure::InvalidGrant)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// `grant_type=refresh_token`: a new access token and a new refresh token; an older refresh
    /// token presented again revokes the grant. `scope`, when given, may only repeat the grant's.
    pub async fn refresh_grant(
        &self,
        client: &Client,
        presented: &str,
        scope: Option<&str>,
    ) -> Result<TokenAnswer, TokenFailure> {
        let now = self.clock.now();
        let key = self.keys.current().token_signing.clone();
        // A token the service did not issue changes nothing, whatever grant it names.
        let token = GrantToken::verify(&key, REFRESH_LABEL, presented).ok_or(TokenFailure::InvalidGrant)?;
        let mut grant = self.records.grant(&token.grant_id, now).await?.ok_or(TokenFailure::InvalidGrant)?;
        if grant.client_id != client.client_id || grant.revoked {
            return Err(TokenFailure::InvalidGrant);
        }
        if token.number < i64::from(grant.refresh_generation) {
            self.revoke_grant(&grant.grant_id).await?;
            return Err(TokenFailure::InvalidGrant);
        }
        let current =
            token.number == i64::from(grant.refresh_generation) && token_matches(presented, &grant.refresh_hash);
        if !current || now >= grant.refresh_expires_at || now >= grant.ends_at {
            return Err(TokenFailure::InvalidGrant);
        }
        if let Some(scope) = scope {
            let held: Vec<&str> = grant.scope.split(' ').collect();
            if scope.split(' ').any(|s| !held.contains(&s)) {
                return Err(TokenFailure::InvalidScope);
            }
        }
        let member = self.member_in_good_standing(&grant.member_id, grant.credential_epoch, now).await?;
        grant.refresh_generation += 1;
        let refresh_token =
            GrantToken::issue(&key, REFRESH_LABEL, &grant.grant_id, i64::from(grant.refresh_generation));
        grant.refresh_hash = token_hash(&refresh_token);
        grant.refresh_expires_at = (now + REFRESH_LIFETIME).min(grant.ends_at);
        let answer = self.token_answer(&grant, &member, None, refresh_token, now).await?;
        match self.records.update_grant(&mut grant).await {
            Ok(()) => Ok(answer),
            // Another request rotated this token first: the token was presented twice.
            Err(StoreError::ConditionFailed { .. }) => {
                self.revoke_grant(&grant.grant_id).await?;
                Err(TokenFailure::InvalidGrant)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The member of a grant, if it still exists, is active (neither dormant nor withdrawn) and
    /// holds the credentials the grant was made under.
    async fn member_in_good_standing(
        &self,
        member_id: &str,
        credential_epoch: u32,
        now: OffsetDateTime,
    ) -> Result<MemberRecord, TokenFailure> {
        let member = self.records.member(member_id).await?.ok_or(TokenFailure::InvalidGrant)?;
        let active = standing(member.consent_renewed_at, now) == Standing::Active;
        if !active || member.credential_epoch != credential_epoch {
            return Err(TokenFailure::InvalidGrant);
        }
        Ok(member)
    }

    async fn token_answer(
        &self,
        grant: &GrantRecord,
        member: &MemberRecord,
        nonce: Option<&str>,
        refresh_token: String,
        now: OffsetDateTime,
    ) -> Result<TokenAnswer, TokenFailure> {
        let claims = IdTokenClaims {
            iss: &self.sso.issuer,
            sub: self.pairwise_sub(&grant.client_id, &member.member_id),
            aud: &grant.client_id,
            exp: (now + ACCESS_LIFETIME).unix_timestamp(),
            iat: now.unix_timestamp(),
            auth_time: grant.auth_time.unix_timestamp(),
            nonce,
            sid: &grant.grant_id,
            claims: ScopedClaims::of(member, &grant.scope),
        };
        let id_token = sign_jwt(self.sso.signer.as_ref(), &claims).await?;
        let expires = (now + ACCESS_LIFETIME).unix_timestamp();
        Ok(TokenAnswer {
            access_token: GrantToken::issue(&self.keys.current().token_signing, ACCESS_LABEL, &grant.grant_id, expires),
            token_type: "Bearer",
            expires_in: ACCESS_LIFETIME.whole_seconds(),
            id_token,
            refresh_token,
            scope: grant.scope.clone(),
        })
    }

    /// Marks a grant revoked: its refresh token and access tokens stop working. A grant that is
    /// gone (or was never made) has nothing left to revoke.
    async fn revoke_grant(&self, grant_id: &str) -> Result<(), Failure> {
        for _ in 0..3 {
            let Some(mut grant) = self.records.grant(grant_id, self.clock.now()).await? else { return Ok(()) };
            if grant.revoked {
                return Ok(());
            }
            grant.revoked = true;
            match self.records.update_grant(&mut grant).await {
                Ok(()) => return Ok(()),
                Err(StoreError::ConditionFailed { .. }) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(Failure::Unavailable(StoreError::Conflict))
    }

    /// `GET /oauth2/userinfo`: the claims of a live grant's access token; `None` for a token that
    /// is not (RFC 6750 `invalid_token`).
    pub async fn userinfo(&self, token: &str) -> Result<Option<UserInfo>, Failure> {
        let now = self.clock.now();
        let Some(token) = GrantToken::verify(&self.keys.current().token_signing, ACCESS_LABEL, token) else {
            return Ok(None);
        };
        if now.unix_timestamp() >= token.number {
            return Ok(None);
        }
        let Some(grant) = self.records.grant(&token.grant_id, now).await?.filter(|g| !g.revoked) else {
            return Ok(None);
        };
        let member = match self.member_in_good_standing(&grant.member_id, grant.credential_epoch, now).await {
            Ok(member) => member,
            Err(TokenFailure::Service(failure)) => return Err(failure),
            Err(_) => return Ok(None),
        };
        Ok(Some(UserInfo {
            sub: self.pairwise_sub(&grant.client_id, &member.member_id),
            claims: ScopedClaims::of(&member, &grant.scope),
        }))
    }

    /// The public keys of the JWKS.
    pub async fn signing_keys(&self) -> Result<Vec<PublicJwk>, Failure> {
        self.sso.signer.public_keys().await.map_err(|e| Failure::Internal(Box::new(e)))
    }

    /// `GET /oauth2/logout` (RP-Initiated Logout 1.0): ends the membership-site session the ID
    /// token was issued in, and its grant; sends the browser back only to a URI the client
    /// registered for it.
    pub async fn logout(
        &self,
        id_token_hint: Option<&str>,
        client_id: Option<&str>,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> Result<Logout, SsoFailure> {
        let hint = match id_token_hint {
            Some(token) => {
                let keys = self.signing_keys().await?;
                let payload = verified_payload(token, &keys)
                    .filter(|p| p["iss"].as_str() == Some(self.sso.issuer.as_str()))
                    .ok_or(SsoFailure::InvalidClient)?;
                Some(payload)
            }
            None => None,
        };
        let audience = hint.as_ref().and_then(|p| p["aud"].as_str().map(str::to_owned));
        if let (Some(audience), Some(client_id)) = (&audience, client_id) {
            if audience != client_id {
                return Err(SsoFailure::InvalidClient);
            }
        }
        let client = audience.as_deref().or(client_id).and_then(|id| self.sso.clients.get(id));
        let redirect = match post_logout_redirect_uri {
            Some(uri) => match client {
                Some(client) if client.logs_out_to(uri) => Some(uri),
                _ => return Err(SsoFailure::InvalidClient),
            },
            None => None,
        };
        if let Some(grant_id) = hint.as_ref().and_then(|p| p["sid"].as_str()) {
            if let Some(grant) = self.records.grant(grant_id, self.clock.now()).await? {
                self.end_session(&grant.session_id).await?;
                self.revoke_grant(grant_id).await?;
            }
        }
        Ok(match redirect {
            Some(uri) => {
                let params: Vec<(&str, &str)> = state.map(|s| vec![("state", s)]).unwrap_or_default();
                Logout::Redirect(if params.is_empty() { uri.to_owned() } else { with_query(uri, &params) })
            }
            None => Logout::SignedOut,
        })
    }

    /// Revokes a membership-site session, as signing out does.
    async fn end_session(&self, session_id: &str) -> Result<(), Failure> {
        for _ in 0..3 {
            let Some(mut session) = self.records.session(session_id, self.clock.now()).await? else { return Ok(()) };
            if session.revoked {
                return Ok(());
            }
            session.revoked = true;
            match self.records.update_session(&mut session).await {
                Ok(()) => return Ok(()),
                Err(crate::records::Refusal::Refused(_)) => continue,
                Err(crate::records::Refusal::Store(error)) => return Err(error.into()),
            }
        }
        Err(Failure::Unavailable(StoreError::Conflict))
    }

    /// The registered client a token request authenticates as (RFC 6749 §2.3, §3.2.1):
    /// confidential clients by HTTP Basic with their secret, public ones by `client_id` alone.
    pub fn authenticate_client(
        &self,
        basic: Option<(String, String)>,
        form_client_id: Option<&str>,
    ) -> Result<Client, TokenFailure> {
        match basic {
            Some((id, secret)) => {
                if form_client_id.is_some_and(|form| form != id) {
                    return Err(TokenFailure::InvalidRequest);
                }
                let client = self.sso.clients.get(&id).ok_or(TokenFailure::InvalidClient)?;
                match client.client_type {
                    ClientType::Confidential if client.secret_matches(&secret) => Ok(client.clone()),
                    _ => Err(TokenFailure::InvalidClient),
                }
            }
            None => {
                let client =
                    form_client_id.and_then(|id| self.sso.clients.get(id)).ok_or(TokenFailure::InvalidClient)?;
                match client.client_type {
                    ClientType::Public => Ok(client.clone()),
                    ClientType::Confidential => Err(TokenFailure::InvalidClient),
                }
            }
        }
    }
}

/// The scope granted for `requested`: every scope the client may have, `openid` among them, each
/// once, in the order asked; `None` if any is not.
fn granted_scope(requested: &str, client: &Client) -> Option<String> {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !client.scopes.iter().any(|s| s == scope) {
            return None;
        }
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes.contains(&"openid").then(|| scopes.join(" "))
}

#[allow(clippy::too_many_arguments)]
fn new_code(
    caller: &Caller,
    client: &Client,
    redirect_uri: &str,
    scope: String,
    code_challenge: String,
    nonce: Option<String>,
    code: &str,
    now: OffsetDateTime,
) -> AuthorizationCodeRecord {
    AuthorizationCodeRecord {
        code_hash: token_hash(code),
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        code_challenge,
        scope,
        nonce,
        member_id: caller.member.member_id.clone(),
        session_id: caller.session.session_id.clone(),
        credential_epoch: caller.member.credential_epoch,
        auth_time: caller.session.created_at,
        expires_at: now + CODE_LIFETIME,
        grant_id: random_id(),
        used: false,
        version: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_verifier_matches_its_challenge() {
        // RFC 7636, Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(is_s256_challenge(challenge));
        assert!(verifier_matches(verifier, challenge));
        assert!(!verifier_matches(challenge, challenge));
        assert!(!verifier_matches("short", challenge));
    }

    #[test]
    fn tokens_verify_only_with_their_key_and_kind() {
        let key = crate::keys::SecretKey::random();
        let token = GrantToken::issue(&key, REFRESH_LABEL, "grant-1", 3);
        let parsed = GrantToken::verify(&key, REFRESH_LABEL, &token).unwrap();
        assert_eq!((parsed.grant_id.as_str(), parsed.number), ("grant-1", 3));
        assert!(GrantToken::verify(&key, ACCESS_LABEL, &token).is_none());
        assert!(GrantToken::verify(&crate::keys::SecretKey::random(), REFRESH_LABEL, &token).is_none());
        assert!(GrantToken::verify(&key, REFRESH_LABEL, &token.replacen(".3.", ".4.", 1)).is_none());
    }

    #[test]
    fn redirects_keep_the_registered_query() {
        assert_eq!(with_query("https://a/cb", &[("code", "x y")]), "https://a/cb?code=x+y");
        assert_eq!(with_query("https://a/cb?k=1", &[("state", "s&")]), "https://a/cb?k=1&state=s%26");
    }
}
