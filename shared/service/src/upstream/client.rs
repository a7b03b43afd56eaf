//! One JSON call to an upstream system, as both adapters make it: `POST` with the API key header
//! and a JSON body, the whole exchange within the timeout, one retry when no connection could be
//! made (the request was then never sent, so repeating it is safe). No retry after a timeout or an
//! error answer: the system did get the request, and a second try would only make the member wait
//! past the contract's 3 s.
//!
//! The body holding an RRN or a password is built in a buffer that is wiped when the last copy of
//! it is dropped; what the HTTP stack and the kernel copy on the way out is beyond reach. Nothing
//! here logs.

use std::io::Write;
use std::time::Duration;

use axum::body::Bytes;
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;
use zeroize::Zeroizing;

use super::{Cause, System, UpstreamConfigError, UpstreamEndpoint, UpstreamError, API_KEY_HEADER};

/// Largest request body an adapter builds (names, IDs and passwords are bounded far below it).
const REQUEST_MAX: usize = 4 * 1024;
/// Largest answer read; more is no answer of these systems.
const ANSWER_MAX: usize = 64 * 1024;

pub(crate) struct JsonCall {
    system: System,
    http: reqwest::Client,
    url: reqwest::Url,
    api_key: HeaderValue,
    timeout: Duration,
}

impl JsonCall {
    pub(crate) fn new(
        system: System,
        endpoint: &UpstreamEndpoint,
        path: &str,
        timeout: Duration,
    ) -> Result<Self, UpstreamConfigError> {
        use secrecy::ExposeSecret;
        let mut api_key =
            HeaderValue::from_str(endpoint.api_key.expose_secret()).map_err(|_| UpstreamConfigError::InvalidApiKey)?;
        api_key.set_sensitive(true);
        Ok(Self { system, http: http_client(timeout)?, url: endpoint.url_of(path)?, api_key, timeout })
    }

    fn unavailable(&self, cause: Cause) -> UpstreamError {
        UpstreamError::unavailable(self.system, cause)
    }

    /// `request` as a JSON body in a wiped buffer, posted; the 2xx answer read as `A`.
    pub(crate) async fn post<R: Serialize, A: DeserializeOwned>(&self, request: &R) -> Result<A, UpstreamError> {
        let body = wiped_json(request).ok_or_else(|| self.unavailable(Cause::Malformed))?;
        let (status, answer) = exchange(self.system, self.timeout, |remaining| {
            self.http
                .post(self.url.clone())
                .header(API_KEY_HEADER, self.api_key.clone())
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, "application/json")
                .timeout(remaining)
                .body(body.clone())
        })
        .await?;
        if !status.is_success() {
            return Err(self.unavailable(Cause::Status(status.as_u16())));
        }
        serde_json::from_slice(&answer).map_err(|_| self.unavailable(Cause::Malformed))
    }
}

/// The HTTP client of an adapter, built once and reused for every call (its connection pool with it).
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, UpstreamConfigError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        // A redirect could carry the body elsewhere; these systems answer where they are asked.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("incheon-library-membership/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(UpstreamConfigError::Client)
}

fn failed(system: System, error: reqwest::Error) -> UpstreamError {
    let cause = if error.is_timeout() {
        Cause::Timeout
    } else if error.is_connect() {
        Cause::Connect
    } else {
        Cause::Transport
    };
    UpstreamError::Unavailable { system, cause, source: Some(error.without_url()) }
}

/// One exchange within `timeout`: the request `build` makes (given the time left) sent, once more
/// when no connection could be made, and the answer's status and body (at most 64 KiB) read.
///
/// Each exchange is counted (`metrics::upstream_call`: latency, and a failure for anything but a
/// 2xx answer read in time) and traced (`xray::UpstreamSegment`, whose header the request carries).
pub(crate) async fn exchange(
    system: System,
    timeout: Duration,
    build: impl Fn(Duration) -> reqwest::RequestBuilder,
) -> Result<(reqwest::StatusCode, Vec<u8>), UpstreamError> {
    let mut segment = crate::xray::UpstreamSegment::begin(system.as_str(), "POST");
    let trace = segment.header();
    let build = |remaining| match &trace {
        Some(header) => build(remaining).header(crate::xray::TRACE_HEADER, header),
        None => build(remaining),
    };
    let result = crate::metrics::timed_upstream(
        system.as_str(),
        exchange_once(system, timeout, build),
        |result| !matches!(result, Ok((status, _)) if status.is_success()),
    )
    .await;
    if let Ok((status, _)) = &result {
        segment.status(status.as_u16());
    }
    result
}

async fn exchange_once(
    system: System,
    timeout: Duration,
    build: impl Fn(Duration) -> reqwest::RequestBuilder,
) -> Result<(reqwest::StatusCode, Vec<u8>), UpstreamError> {
    let deadline = Instant::now() + timeout;
    let mut retried = false;
    let response = loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(UpstreamError::unavailable(system, Cause::Timeout));
        }
        match build(remaining).send().await {
            Ok(response) => break response,
            Err(error) if error.is_connect() && !error.is_timeout() && !retried => retried = true,
            Err(error) => return Err(failed(system, error)),
        }
    };
    let status = response.status();
    let remaining = deadline.saturating_duration_since(Instant::now());
    let answer = tokio::time::timeout(remaining, read(system, response))
        .await
        .map_err(|_| UpstreamError::unavailable(system, Cause::Timeout))??;
    Ok((status, answer))
}

async fn read(system: System, mut response: reqwest::Response) -> Result<Vec<u8>, UpstreamError> {
    if response.content_length().is_some_and(|length| length > ANSWER_MAX as u64) {
        return Err(UpstreamError::unavailable(system, Cause::Malformed));
    }
    let mut answer = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|error| failed(system, error))? {
        if answer.len() + chunk.len() > ANSWER_MAX {
            return Err(UpstreamError::unavailable(system, Cause::Malformed));
        }
        answer.extend_from_slice(&chunk);
    }
    Ok(answer)
}

/// `value` as JSON in a buffer of fixed capacity (so no growth leaves a copy behind) that is wiped
/// when the last `Bytes` sharing it is dropped. `None` when it does not fit.
fn wiped_json(value: &impl Serialize) -> Option<Bytes> {
    let mut buffer = Fixed(Zeroizing::new(Vec::with_capacity(REQUEST_MAX)));
    serde_json::to_writer(&mut buffer, value).ok()?;
    Some(Bytes::from_owner(buffer.0))
}

/// A writer that refuses to grow past its capacity.
struct Fixed(Zeroizing<Vec<u8>>);

impl Write for Fixed {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + bytes.len() > self.0.capacity() {
            return Err(std::io::Error::other("request body larger than its buffer"));
        }
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_never_outgrow_their_buffer() {
        let small = wiped_json(&serde_json::json!({ "rrn": "9005171234567" })).unwrap();
        assert_eq!(&small[..], br#"{"rrn":"9005171234567"}"#);
        assert!(wiped_json(&serde_json::json!({ "password": "x".repeat(REQUEST_MAX) })).is_none());
    }
}
