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

mod flow;

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
