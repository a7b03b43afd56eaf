//! The relying parties the operator registers (API.md, "Single sign-on"): a JSON list, in Secrets
//! Manager deployed (`OIDC_CLIENTS_SECRET_ID`) and in `OIDC_CLIENTS` or the two demo clients locally.
//!
//! A confidential client's secret is stored as `secretHash`: `sha256:<hex of SHA-256 of the secret>`.
//! Client secrets are drawn by the operator (32 random bytes or more), so there is no dictionary to
//! try and a slow password hash would only slow every token request; presented secrets are
//! compared by hash in constant time.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientType {
    Confidential,
    Public,
}

/// A client's name in both languages of the page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClientName {
    pub ko: String,
    pub en: String,
}

/// An entitlement of the member view a client may require (`eLibrary`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Entitlement {
    ELibrary,
    UnmannedReservation,
    SmartLibrary,
    DeskLoans,
}

impl Entitlement {
    pub fn as_str(self) -> &'static str {
        match self {
            Entitlement::ELibrary => "eLibrary",
            Entitlement::UnmannedReservation => "unmannedReservation",
            Entitlement::SmartLibrary => "smartLibrary",
            Entitlement::DeskLoans => "deskLoans",
        }
    }

    pub fn held_in(self, entitlements: &membership_domain::member::Entitlements) -> bool {
        match self {
            Entitlement::ELibrary => entitlements.e_library,
            Entitlement::UnmannedReservation => entitlements.unmanned_reservation,
            Entitlement::SmartLibrary => entitlements.smart_library,
            Entitlement::DeskLoans => entitlements.desk_loans,
        }
    }
}

/// The scopes the provider knows: `openid`, and the claims `profile` and `library` give.
pub const SCOPES: [&str; 3] = ["openid", "profile", "library"];

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Client {
    pub client_id: String,
    pub name: ClientName,
    pub redirect_uris: Vec<String>,
    #[serde(rename = "type")]
    pub client_type: ClientType,
    #[serde(default)]
    secret_hash: Option<String>,
    pub scopes: Vec<String>,
    #[serde(default)]
    pub requires: Vec<Entitlement>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
}

impl Client {
    /// Whether `secret` is this confidential client's secret (never for a public client).
    pub fn secret_matches(&self, secret: &str) -> bool {
        use subtle::ConstantTimeEq;
        let Some(stored) = self.secret_hash.as_deref().and_then(|h| h.strip_prefix("sha256:")) else {
            return false;
        };
        let presented = crate::keys::hex(&Sha256::digest(secret.as_bytes()));
        presented.as_bytes().ct_eq(stored.to_ascii_lowercase().as_bytes()).into()
    }

    /// Whether `uri` is one of the client's redirect URIs, character for character (RFC 9700 §2.1).
    pub fn redirects_to(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|registered| registered == uri)
    }

    pub fn logs_out_to(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|registered| registered == uri)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientsError {
    #[error("the client list is not the documented JSON: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("client {client} is misregistered: {problem}")]
    Invalid { client: String, problem: &'static str },
}

/// The registered clients, by id.
#[derive(Debug, Clone, Default)]
pub struct Clients(HashMap<String, Client>);

impl Clients {
    /// The operator's JSON list; a client that could never work correctly is refused at start.
    pub fn from_json(text: &str) -> Result<Self, ClientsError> {
        let list: Vec<Client> = serde_json::from_str(text)?;
        let mut clients = HashMap::new();
        for client in list {
            let invalid = |problem| ClientsError::Invalid { client: client.client_id.clone(), problem };
            let hash_ok = client.secret_hash.as_deref().is_some_and(|h| {
                h.strip_prefix("sha256:")
                    .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            });
            match (client.client_type, client.secret_hash.is_some()) {
                (ClientType::Confidential, _) if !hash_ok => return Err(invalid("secretHash must be sha256:<64 hex>")),
                (ClientType::Public, true) => return Err(invalid("a public client has no secret")),
                _ => {}
            }
            if client.client_id.is_empty() || client.client_id.len() > 64 {
                return Err(invalid("clientId must be 1 to 64 characters"));
            }
            if client.redirect_uris.is_empty() {
                return Err(invalid("at least one redirect URI"));
            }
            if !client.scopes.iter().any(|s| s == "openid")
                || client.scopes.iter().any(|s| !SCOPES.contains(&s.as_str()))
            {
                return Err(invalid("scopes must hold openid and only openid, profile, library"));
            }
            if clients.insert(client.client_id.clone(), client.clone()).is_some() {
                return Err(invalid("registered twice"));
            }
        }
        Ok(Self(clients))
    }

    pub fn get(&self, client_id: &str) -> Option<&Client> {
        self.0.get(client_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = r#"[
        {"clientId":"e-library","name":{"ko":"전자도서관","en":"e-library"},"redirectUris":["http://127.0.0.1:8400/callback"],
         "type":"confidential","secretHash":"sha256:4fd20517a2aa04cd50cee9d077af6a2ab4fc3abd26e128b7f29a5c26bd3f6f8b",
         "scopes":["openid","profile","library"],"requires":["eLibrary"]},
        {"clientId":"library-app","name":{"ko":"앱","en":"app"},"redirectUris":["http://127.0.0.1:8401/callback"],
         "type":"public","scopes":["openid","profile","library"]}
    ]"#;

    #[test]
    fn secrets_match_by_hash_and_redirect_uris_exactly() {
        let clients = Clients::from_json(DEMO).unwrap();
        let library = clients.get("e-library").unwrap();
        assert!(library.secret_matches("e-library-local-secret"));
        assert!(!library.secret_matches("e-library-local-secreT"));
        assert_eq!(library.requires, vec![Entitlement::ELibrary]);
        let app = clients.get("library-app").unwrap();
        assert_eq!(app.client_type, ClientType::Public);
        assert!(!app.secret_matches(""));
        assert!(app.redirects_to("http://127.0.0.1:8401/callback"));
        assert!(!app.redirects_to("http://127.0.0.1:8401/callback/"));
    }

    #[test]
    fn a_misregistered_client_stops_the_start() {
        let public_with_secret = r#"[{"clientId":"a","name":{"ko":"가","en":"a"},"redirectUris":["https://a/cb"],
            "type":"public","secretHash":"sha256:00","scopes":["openid"]}]"#;
        assert!(Clients::from_json(public_with_secret).is_err());
        let confidential_without = r#"[{"clientId":"a","name":{"ko":"가","en":"a"},"redirectUris":["https://a/cb"],
            "type":"confidential","scopes":["openid"]}]"#;
        assert!(Clients::from_json(confidential_without).is_err());
        assert!(Clients::from_json("{}").is_err());
    }
}
