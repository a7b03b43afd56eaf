//! The upstream systems of the non-face-to-face certifications, as ports with HTTP adapters:
//! the residency registry (행정정보공동이용, [`residency`]) and the school library support system
//! (DLS, [`dls`]). Each adapter takes its base URL and API key from configuration (a Secrets Manager
//! secret `{ "baseUrl", "apiKey" }` in AWS; the simulators' address locally) and a timeout, so the
//! local run and the tests exercise the client code production runs.
//!
//! Every failure to get a usable answer is [`UpstreamError::Unavailable`] (the API's 503
//! `upstream.unavailable`); it names the system and the kind of failure, never a value sent.

pub(crate) mod client;
pub mod dls;
pub mod residency;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use membership_domain::dls::{DlsId, DlsPassword};
use membership_domain::identity::PersonName;
use membership_domain::rrn::Rrn;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use self::dls::{DlsAnswer, HttpSchoolLibrarySystem, SchoolLibrarySystem};
pub use self::residency::{HttpResidencyRegistry, ResidencyAnswer, ResidencyRegistry};

/// API.md: an upstream slower than this is unavailable (503).
pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);

/// The header that carries the API key on every upstream request.
pub const API_KEY_HEADER: &str = "x-api-key";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    Residency,
    Dls,
    Identity,
}

impl System {
    pub fn as_str(self) -> &'static str {
        match self {
            System::Residency => "residency",
            System::Dls => "dls",
            System::Identity => "identity",
        }
    }
}

impl std::fmt::Display for System {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why no usable answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Cause {
    #[error("no answer within the timeout")]
    Timeout,
    #[error("no connection could be made, also on the one retry")]
    Connect,
    #[error("the connection failed during the exchange")]
    Transport,
    #[error("it answered HTTP {0}")]
    Status(u16),
    #[error("its answer is not of the expected shape")]
    Malformed,
    #[error("no endpoint is configured for it here")]
    NotConfigured,
}

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The transport error, when there is one, is kept for the log without its URL; no request
    /// value is ever part of it.
    #[error("the {system} system is unavailable: {cause}")]
    Unavailable {
        system: System,
        cause: Cause,
        #[source]
        source: Option<reqwest::Error>,
    },
}

impl UpstreamError {
    pub fn unavailable(system: System, cause: Cause) -> Self {
        UpstreamError::Unavailable { system, cause, source: None }
    }

    pub fn system(&self) -> System {
        match self {
            UpstreamError::Unavailable { system, .. } => *system,
        }
    }

    pub fn cause(&self) -> Cause {
        match self {
            UpstreamError::Unavailable { cause, .. } => *cause,
        }
    }
}

/// Configuration that cannot give a working adapter; the function does not start with it.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamConfigError {
    #[error("the base URL is not an absolute http(s) URL without query, fragment or credentials")]
    InvalidUrl,
    #[error("the base URL must use https (plain http only to a loopback address)")]
    InsecureUrl,
    #[error("the API key is empty or not a visible-ASCII header value")]
    InvalidApiKey,
    #[error("the HTTP client could not be built")]
    Client(#[source] reqwest::Error),
}

/// Where an upstream system answers and the key it expects: checked when read, so a bad secret
/// stops the function at start.
pub struct UpstreamEndpoint {
    base_url: reqwest::Url,
    api_key: SecretString,
}

impl std::fmt::Debug for UpstreamEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamEndpoint")
            .field("base_url", &self.base_url.as_str())
            .field("api_key", &"[redacted]")
            .finish()
    }
}

impl UpstreamEndpoint {
    /// An absolute `https` URL (plain `http` only to a loopback address, as the local simulators
    /// are), without query, fragment or credentials; the RRN and passwords travel in the body, so
    /// the body must travel encrypted. The key must be a visible-ASCII header value.
    pub fn new(base_url: &str, api_key: SecretString) -> Result<Self, UpstreamConfigError> {
        let url = checked_url(base_url)?;
        let key = api_key.expose_secret();
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UpstreamConfigError::InvalidApiKey);
        }
        Ok(Self { base_url: url, api_key })
    }

    pub(crate) fn api_key(&self) -> &SecretString {
        &self.api_key
    }

    /// `path` under the base URL (`https://host/base` + `verify` = `https://host/base/verify`).
    pub(crate) fn url_of(&self, path: &str) -> Result<reqwest::Url, UpstreamConfigError> {
        url_under(&self.base_url, path)
    }
}

/// `path` under `base` with one slash between.
pub(crate) fn url_under(base: &reqwest::Url, path: &str) -> Result<reqwest::Url, UpstreamConfigError> {
    let base = base.as_str().trim_end_matches('/');
    reqwest::Url::parse(&format!("{base}/{path}")).map_err(|_| UpstreamConfigError::InvalidUrl)
}

/// An upstream URL as configured: absolute `https` (plain `http` only to a loopback address, as the
/// local simulators are), without query, fragment or credentials.
pub(crate) fn checked_url(raw: &str) -> Result<reqwest::Url, UpstreamConfigError> {
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| UpstreamConfigError::InvalidUrl)?;
    let has_extras = url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.cannot_be_a_base();
    if has_extras || url.host().is_none() {
        return Err(UpstreamConfigError::InvalidUrl);
    }
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(UpstreamConfigError::InsecureUrl),
        _ => return Err(UpstreamConfigError::InvalidUrl),
    }
    Ok(url)
}

/// The upstream systems the use cases may call. A process not configured for one (the sign-up
/// functions, a local app told no address) holds [`Unconfigured`] for it, which fails closed:
/// every call is unavailable, never an answer.
#[derive(Clone)]
pub struct Upstreams {
    pub residency: Arc<dyn ResidencyRegistry>,
    pub dls: Arc<dyn SchoolLibrarySystem>,
}

impl Upstreams {
    pub fn unconfigured() -> Self {
        Self { residency: Arc::new(Unconfigured), dls: Arc::new(Unconfigured) }
    }
}

/// Stands in for an upstream system this process has no endpoint for.
pub struct Unconfigured;

#[async_trait]
impl ResidencyRegistry for Unconfigured {
    async fn check(&self, _name: &PersonName, _rrn: &Rrn) -> Result<ResidencyAnswer, UpstreamError> {
        Err(UpstreamError::unavailable(System::Residency, Cause::NotConfigured))
    }
}

#[async_trait]
impl SchoolLibrarySystem for Unconfigured {
    async fn verify(
        &self,
        _name: &PersonName,
        _id: &DlsId,
        _password: &DlsPassword,
    ) -> Result<DlsAnswer, UpstreamError> {
        Err(UpstreamError::unavailable(System::Dls, Cause::NotConfigured))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(url: &str) -> Result<UpstreamEndpoint, UpstreamConfigError> {
        UpstreamEndpoint::new(url, SecretString::from("key-123"))
    }

    #[test]
    fn base_urls_must_be_https_or_loopback_http() {
        assert!(endpoint("https://residency.example.go.kr/api").is_ok());
        assert!(endpoint("http://127.0.0.1:3000/_sim/upstream/residency").is_ok());
        assert!(endpoint("http://localhost:3000").is_ok());
        assert!(endpoint("http://[::1]:3000").is_ok());
        assert!(matches!(endpoint("http://residency.example.go.kr"), Err(UpstreamConfigError::InsecureUrl)));
        for bad in
            ["", "residency.example.go.kr", "ftp://x.kr", "https://x.kr/?key=1", "https://u:p@x.kr", "https://x.kr/#f"]
        {
            assert!(matches!(endpoint(bad), Err(UpstreamConfigError::InvalidUrl)), "{bad}");
        }
    }

    #[test]
    fn api_keys_must_be_header_safe() {
        let url = "https://x.kr";
        assert!(matches!(UpstreamEndpoint::new(url, SecretString::from("")), Err(UpstreamConfigError::InvalidApiKey)));
        assert!(matches!(
            UpstreamEndpoint::new(url, SecretString::from("a b")),
            Err(UpstreamConfigError::InvalidApiKey)
        ));
        let shown = format!("{:?}", UpstreamEndpoint::new(url, SecretString::from("top-secret")).unwrap());
        assert!(!shown.contains("top-secret"), "{shown}");
    }

    #[test]
    fn paths_join_the_base_with_one_slash() {
        let with_slash = endpoint("https://x.kr/api/").unwrap();
        let without = endpoint("https://x.kr/api").unwrap();
        assert_eq!(with_slash.url_of("verify").unwrap().as_str(), "https://x.kr/api/verify");
        assert_eq!(without.url_of("verify").unwrap().as_str(), "https://x.kr/api/verify");
    }
}
