//! The NICE API adapter (NICE평가정보, 통합형 phone and I-PIN), as API.md's "The provider's
//! protocol" gives it:
//!
//! 1. `POST {base}/digital/niceid/oauth/oauth/token` with the client id and secret (Basic) gives a
//!    long-lived access token: fetched once per container, again after a 401.
//! 2. `POST {base}/digital/niceid/api/v1.0/common/crypto/token` with that token gives, per request,
//!    the site code, a `token_version_id` and the `token_val` the request's keys derive from.
//! 3. The request JSON is encrypted with those keys for the provider's window; the result it sends
//!    back is read with them ([`super::protocol`]).
//!
//! Each call has the contract's 3 s. Where the I-PIN product names things its own way (`dupinfo`,
//! `coinfo1`, result code `"1"`), it is mapped here and nowhere else; those names come from public
//! integrations and are to be confirmed against the provider's guide before going live.

use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use membership_domain::identity::Method;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};
use tokio::sync::Mutex;

mod result;

pub use self::result::read_result;
use super::protocol::{RequestKeys, Undecipherable};
use super::{IdentityProvider, OpenedRequest, ProviderResult, RequestSpec};
use crate::upstream::client::{exchange, http_client};
use crate::upstream::{checked_url, url_under, Cause, System, UpstreamConfigError, UpstreamError};

/// The provider's defaults (API.md): the API base and the two windows.
pub const DEFAULT_API_BASE: &str = "https://svc.niceapi.co.kr:22001";
pub const DEFAULT_PHONE_WINDOW: &str = "https://nice.checkplus.co.kr/CheckPlusSafeModel/service.cb";
pub const DEFAULT_IPIN_WINDOW: &str = "https://cert.vno.co.kr/ipin.cb";

pub const TOKEN_PATH: &str = "digital/niceid/oauth/oauth/token";
pub const CRYPTO_TOKEN_PATH: &str = "digital/niceid/api/v1.0/common/crypto/token";

/// The gateway's success code in `dataHeader.GW_RSLT_CD`.
pub const GATEWAY_OK: &str = "1200";

/// The product of each method, sent as the `ProductID` header of the crypto-token call.
pub fn product_id(method: Method) -> &'static str {
    match method {
        Method::Phone => "2101979031",
        Method::Ipin => "2101434007",
    }
}

/// The method a `ProductID` names.
pub fn method_of_product(product: &str) -> Option<Method> {
    [Method::Phone, Method::Ipin].into_iter().find(|method| product_id(*method) == product)
}

/// Where the provider answers: the API base and the two windows.
#[derive(Debug, Clone)]
pub struct NiceEndpoints {
    api_base: reqwest::Url,
    phone_window: reqwest::Url,
    ipin_window: reqwest::Url,
}

impl NiceEndpoints {
    /// Each URL checked as every upstream's is (https, or http to loopback for the simulator).
    pub fn new(api_base: &str, phone_window: &str, ipin_window: &str) -> Result<Self, UpstreamConfigError> {
        Ok(Self {
            api_base: checked_url(api_base)?,
            phone_window: checked_url(phone_window)?,
            ipin_window: checked_url(ipin_window)?,
        })
    }

    pub fn provider_defaults() -> Self {
        Self::new(DEFAULT_API_BASE, DEFAULT_PHONE_WINDOW, DEFAULT_IPIN_WINDOW)
            .unwrap_or_else(|_| unreachable!("the provider's default URLs are valid"))
    }

    /// `IDENTITY_API_BASE`, `IDENTITY_PHONE_WINDOW` and `IDENTITY_IPIN_WINDOW`, each the provider's
    /// default when unset.
    pub fn from_env() -> Result<Self, UpstreamConfigError> {
        let var = |name: &str, default: &'static str| {
            std::env::var(name).ok().filter(|value| !value.is_empty()).unwrap_or_else(|| default.to_owned())
        };
        Self::new(
            &var("IDENTITY_API_BASE", DEFAULT_API_BASE),
            &var("IDENTITY_PHONE_WINDOW", DEFAULT_PHONE_WINDOW),
            &var("IDENTITY_IPIN_WINDOW", DEFAULT_IPIN_WINDOW),
        )
    }

    pub fn window(&self, method: Method) -> &reqwest::Url {
        match method {
            Method::Phone => &self.phone_window,
            Method::Ipin => &self.ipin_window,
        }
    }
}

/// The client id and secret the provider issued (the identity secret `{"clientId", "clientSecret"}`).
#[derive(Clone)]
pub struct ClientCredentials {
    client_id: String,
    client_secret: SecretString,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .finish()
    }
}

impl ClientCredentials {
    /// Both visible ASCII without `:` (they travel joined by one in an `Authorization` header).
    pub fn new(client_id: &str, client_secret: SecretString) -> Result<Self, UpstreamConfigError> {
        let usable = |value: &str| !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() && b != b':');
        if !usable(client_id) || !usable(client_secret.expose_secret()) {
            return Err(UpstreamConfigError::InvalidApiKey);
        }
        Ok(Self { client_id: client_id.to_owned(), client_secret })
    }

    fn basic(&self) -> Option<HeaderValue> {
        let credentials = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        sensitive(&format!("Basic {}", STANDARD.encode(credentials)))
    }
}

fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(value).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// The NICE API adapter. Without client credentials (a function that only reads results) every
/// request is unavailable; results are read all the same.
pub struct NiceApi {
    endpoints: NiceEndpoints,
    /// The client credentials and the HTTP client of the server calls, where requests are opened.
    caller: Option<(ClientCredentials, reqwest::Client)>,
    timeout: Duration,
    access_token: Mutex<Option<SecretString>>,
}

/// Why a server call gave no usable answer.
enum CallError {
    /// 401: the access token is no longer accepted.
    Unauthorized,
    Unavailable(UpstreamError),
}

impl From<UpstreamError> for CallError {
    fn from(error: UpstreamError) -> Self {
        CallError::Unavailable(error)
    }
}

fn unavailable(cause: Cause) -> UpstreamError {
    UpstreamError::unavailable(System::Identity, cause)
}

/// A provider id (token version, site code): visible ASCII, at most 128 characters.
fn valid_id(value: &str) -> bool {
    !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic())
}

impl NiceApi {
    /// The adapter that opens requests with `credentials`, each server call within `timeout`.
    pub fn new(
        endpoints: NiceEndpoints,
        credentials: ClientCredentials,
        timeout: Duration,
    ) -> Result<Self, UpstreamConfigError> {
        let caller = Some((credentials, http_client(timeout)?));
        Ok(Self { endpoints, caller, timeout, access_token: Mutex::new(None) })
    }

    /// The adapter of a function that only reads results: it opens no request.
    pub fn result_reader() -> Self {
        Self {
            endpoints: NiceEndpoints::provider_defaults(),
            caller: None,
            timeout: Duration::ZERO,
            access_token: Mutex::new(None),
        }
    }

    /// `dataBody` of a gateway answer whose `GW_RSLT_CD` is success.
    fn data_body(status: reqwest::StatusCode, answer: &[u8]) -> Result<Map<String, Value>, CallError> {
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(CallError::Unauthorized);
        }
        if !status.is_success() {
            return Err(unavailable(Cause::Status(status.as_u16())).into());
        }
        let answer: Value = serde_json::from_slice(answer).map_err(|_| unavailable(Cause::Malformed))?;
        if answer["dataHeader"]["GW_RSLT_CD"].as_str() != Some(GATEWAY_OK) {
            return Err(unavailable(Cause::Malformed).into());
        }
        match answer.get("dataBody") {
            Some(Value::Object(body)) => Ok(body.clone()),
            _ => Err(unavailable(Cause::Malformed).into()),
        }
    }

    async fn fetch_access_token(
        &self,
        (credentials, http): &(ClientCredentials, reqwest::Client),
    ) -> Result<SecretString, UpstreamError> {
        let url = url_under(&self.endpoints.api_base, TOKEN_PATH).map_err(|_| unavailable(Cause::NotConfigured))?;
        let basic = credentials.basic().ok_or_else(|| unavailable(Cause::NotConfigured))?;
        let (status, answer) = exchange(System::Identity, self.timeout, |remaining| {
            http.post(url.clone())
                .header(AUTHORIZATION, basic.clone())
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(ACCEPT, "application/json")
                .timeout(remaining)
                .body("grant_type=client_credentials&scope=default")
        })
        .await?;
        let body = Self::data_body(status, &answer).map_err(|error| match error {
            CallError::Unauthorized => unavailable(Cause::Status(401)),
            CallError::Unavailable(error) => error,
        })?;
        match body.get("access_token").and_then(Value::as_str) {
            Some(token) if !token.is_empty() && token.len() <= 4096 && token.bytes().all(|b| b.is_ascii_graphic()) => {
                Ok(SecretString::from(token))
            }
            _ => Err(unavailable(Cause::Malformed)),
        }
    }

    /// The access token held, or a new one.
    async fn access_token(&self, caller: &(ClientCredentials, reqwest::Client)) -> Result<SecretString, UpstreamError> {
        let mut held = self.access_token.lock().await;
        if let Some(token) = held.as_ref() {
            return Ok(token.clone());
        }
        let token = self.fetch_access_token(caller).await?;
        *held = Some(token.clone());
        Ok(token)
    }

    async fn crypto_token(
        &self,
        (credentials, http): &(ClientCredentials, reqwest::Client),
        token: &SecretString,
        spec: &RequestSpec<'_>,
    ) -> Result<Map<String, Value>, CallError> {
        let url =
            url_under(&self.endpoints.api_base, CRYPTO_TOKEN_PATH).map_err(|_| unavailable(Cause::NotConfigured))?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let bearer = STANDARD.encode(format!("{}:{now}:{}", token.expose_secret(), credentials.client_id));
        let bearer = sensitive(&format!("bearer {bearer}")).ok_or_else(|| unavailable(Cause::NotConfigured))?;
        let body = json!({
            "dataHeader": { "CNTY_CD": "ko" },
            "dataBody": { "req_dtim": spec.req_dtim, "req_no": spec.req_no, "enc_mode": "1" },
        })
        .to_string();
        let (status, answer) = exchange(System::Identity, self.timeout, |remaining| {
            http.post(url.clone())
                .header(AUTHORIZATION, bearer.clone())
                .header("ProductID", product_id(spec.method))
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, "application/json")
                .timeout(remaining)
                .body(body.clone())
        })
        .await?;
        Self::data_body(status, &answer)
    }
}

#[async_trait]
impl IdentityProvider for NiceApi {
    /// Every call it takes (an access token, the crypto token, and once more of each after a 401)
    /// within one timeout (API.md: a provider slower than 3 s is unavailable).
    async fn open_request(&self, spec: &RequestSpec<'_>) -> Result<OpenedRequest, UpstreamError> {
        tokio::time::timeout(self.timeout, self.open_request_now(spec))
            .await
            .map_err(|_| unavailable(Cause::Timeout))?
    }

    fn read_result(
        &self,
        method: Method,
        keys: &RequestKeys,
        enc_data: &str,
        integrity_value: &str,
    ) -> Result<ProviderResult, Undecipherable> {
        read_result(method, keys, enc_data, integrity_value)
    }
}

impl NiceApi {
    async fn open_request_now(&self, spec: &RequestSpec<'_>) -> Result<OpenedRequest, UpstreamError> {
        let caller = self.caller.as_ref().ok_or_else(|| unavailable(Cause::NotConfigured))?;
        let token = self.access_token(caller).await?;
        let body = match self.crypto_token(caller, &token, spec).await {
            Ok(body) => body,
            Err(CallError::Unauthorized) => {
                // The access token was revoked or has expired: once more with a new one (unless
                // another request has fetched one meanwhile).
                {
                    let mut held = self.access_token.lock().await;
                    if held.as_ref().is_some_and(|held| held.expose_secret() == token.expose_secret()) {
                        *held = None;
                    }
                }
                let token = self.access_token(caller).await?;
                match self.crypto_token(caller, &token, spec).await {
                    Ok(body) => body,
                    Err(CallError::Unauthorized) => return Err(unavailable(Cause::Status(401))),
                    Err(CallError::Unavailable(error)) => return Err(error),
                }
            }
            Err(CallError::Unavailable(error)) => return Err(error),
        };
        let field = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
        if field("rsp_cd") != "P000" || field("result_cd") != "0000" {
            return Err(unavailable(Cause::Malformed));
        }
        let (site_code, token_version_id, token_val) =
            (field("site_code"), field("token_version_id"), field("token_val"));
        if !valid_id(site_code) || !valid_id(token_version_id) || token_val.is_empty() {
            return Err(unavailable(Cause::Malformed));
        }
        let keys = RequestKeys::derive(spec.req_dtim, spec.req_no, token_val);
        let mut request = json!({
            "requestno": spec.req_no,
            "returnurl": spec.return_url,
            "sitecode": site_code,
            "methodtype": "post",
            "popupyn": "Y",
            "receivedata": "",
        });
        if spec.method == Method::Phone {
            request["authtype"] = json!("M");
        }
        let request = request.to_string();
        if !request.is_ascii() {
            return Err(unavailable(Cause::Malformed));
        }
        let enc_data = keys.encrypt(request.as_bytes());
        let integrity_value = keys.integrity(&enc_data);
        Ok(OpenedRequest {
            token_version_id: token_version_id.to_owned(),
            window_url: self.endpoints.window(spec.method).to_string(),
            enc_data,
            integrity_value,
            keys,
        })
    }
}
