//! The API test harness: `spawn_app()` serves the local server's router (the one every Lambda
//! function builds from the same route table) on a loopback port, and a client that speaks HTTP to it.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use membership::local::{LocalApp, LocalOptions};
use membership::store::memory::MemoryTable;
use membership::store::{Item, Table};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub app: Arc<LocalApp>,
    memory: Option<Arc<MemoryTable>>,
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl TestResponse {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The field pointers of a problem's `errors`, with their codes.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or("").to_owned(),
                            e["code"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// One request, built step by step.
pub struct Call<'a> {
    app: &'a TestApp,
    request: reqwest::RequestBuilder,
}

impl<'a> Call<'a> {
    pub fn bearer(mut self, token: &str) -> Self {
        self.request = self.request.bearer_auth(token);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
        let value = HeaderValue::from_str(value).expect("header value");
        self.request = self.request.header(name, value);
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.request = self.request.json(body);
        self
    }

    /// A raw body with the given content type.
    pub fn raw(mut self, content_type: &str, body: impl Into<reqwest::Body>) -> Self {
        self.request = self.request.header("content-type", content_type).body(body);
        self
    }

    pub async fn send(self) -> TestResponse {
        let _ = self.app;
        let response = self
            .request
            .send()
            .await
            .expect("request reaches the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            body,
            text,
        }
    }
}

impl TestApp {
    pub fn get(&self, path: &str) -> Call<'_> {
        Call {
            app: self,
            request: self.client.get(format!("{}{path}", self.base)),
        }
    }

    pub fn post(&self, path: &str) -> Call<'_> {
        Call {
            app: self,
            request: self.client.post(format!("{}{path}", self.base)),
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> Call<'_> {
        Call {
            app: self,
            request: self.client.request(method, format!("{}{path}", self.base)),
        }
    }

    /// A provider result from the simulated identity provider.
    pub async fn identity_result(
        &self,
        method: &str,
        name: &str,
        birth_date: &str,
        di: Option<&str>,
    ) -> String {
        let mut body = json!({ "method": method, "name": name, "birthDate": birth_date });
        if let Some(di) = di {
            body["di"] = json!(di);
        }
        let response = self.post("/_sim/identity-results").json(&body).send().await;
        assert_eq!(response.status, 201, "{}", response.text);
        response.body["result"].as_str().expect("result").to_owned()
    }

    pub async fn advance_clock(&self, seconds: i64) {
        let response = self
            .post("/_sim/clock")
            .json(&json!({ "advanceSeconds": seconds }))
            .send()
            .await;
        assert_eq!(response.status, 200, "{}", response.text);
    }

    /// Every item in the store, for tests that look at what was kept.
    pub async fn dump(&self) -> Vec<Item> {
        match &self.memory {
            Some(memory) => memory.dump(),
            None => Vec::new(),
        }
    }
}

/// Serves the local router on 127.0.0.1 with a free port.
pub async fn spawn_app() -> TestApp {
    let memory = Arc::new(MemoryTable::new());
    let table: Arc<dyn Table> = memory.clone();
    let options = LocalOptions {
        table,
        ..LocalOptions::default()
    };
    let app = Arc::new(LocalApp::new(options));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    TestApp {
        base: format!("http://{address}"),
        client: reqwest::Client::new(),
        app,
        memory: Some(memory),
    }
}
