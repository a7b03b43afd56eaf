//! A mock Lambda Runtime API on loopback, and the function binaries started against it as Lambda
//! starts them: the functions' tests and the cold-start benchmark both drive binaries through it.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tokio::sync::Notify;

#[derive(Default)]
struct Shared {
    events: Mutex<VecDeque<Value>>,
    arrived: Notify,
    first_next: Mutex<Option<Instant>>,
    responses: Mutex<Vec<(Instant, Value)>>,
    /// The request id and X-Ray trace header of each invocation handed out.
    invocations: Mutex<Vec<(String, String)>>,
    answered: Notify,
    errors: Mutex<Vec<String>>,
}

/// One Runtime API: events queued by the test, responses and errors posted by the function.
#[derive(Clone)]
pub struct MockRuntime {
    shared: Arc<Shared>,
    pub address: SocketAddr,
}

impl MockRuntime {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        tokio::spawn(async move { axum::serve(listener, router).await.expect("mock runtime") });
        Self { shared, address }
    }

    /// Queues an invocation.
    pub fn push(&self, event: Value) {
        self.shared.events.lock().unwrap().push_back(event);
        self.shared.arrived.notify_waiters();
    }

    /// When the function first asked for work (the end of its init), if it did.
    pub fn first_next(&self) -> Option<Instant> {
        *self.shared.first_next.lock().unwrap()
    }

    /// The responses posted so far, with when each arrived.
    pub fn responses(&self) -> Vec<(Instant, Value)> {
        self.shared.responses.lock().unwrap().clone()
    }

    /// The request id and trace header (`Root=...;Parent=...;Sampled=1`) of each invocation.
    pub fn invocations(&self) -> Vec<(String, String)> {
        self.shared.invocations.lock().unwrap().clone()
    }

    /// Waits until `count` responses have been posted; fails on an error posted, or after 20 s.
    pub async fn wait_for_responses(&self, count: usize) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let answered = self.shared.answered.notified();
            if let Some(error) = self.shared.errors.lock().unwrap().first() {
                return Err(error.clone());
            }
            if self.shared.responses.lock().unwrap().len() >= count {
                return Ok(());
            }
            if tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), answered).await.is_err() {
                return Err("no response within 20 s".into());
            }
        }
    }

    /// Starts `binary` as Lambda starts a function named `name`: the Runtime API's address and the
    /// function's variables in its environment, besides `environment` and what this process has.
    pub fn spawn(
        &self,
        binary: &std::path::Path,
        name: &str,
        environment: &[(String, String)],
    ) -> tokio::process::Child {
        self.command(binary, name, environment)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
    }

    /// As [`Self::spawn`], with the function's standard output (its log) piped to the caller.
    pub fn spawn_logged(
        &self,
        binary: &std::path::Path,
        name: &str,
        environment: &[(String, String)],
    ) -> tokio::process::Child {
        self.command(binary, name, environment)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
    }

    fn command(
        &self,
        binary: &std::path::Path,
        name: &str,
        environment: &[(String, String)],
    ) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(binary);
        command
            .env("AWS_LAMBDA_RUNTIME_API", self.address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "mock")
            .env("RUST_LOG", "warn")
            .envs(environment.iter().map(|(k, v)| (k, v)))
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        command
    }
}

async fn next(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    shared.first_next.lock().unwrap().get_or_insert_with(Instant::now);
    loop {
        let notified = shared.arrived.notified();
        if let Some(event) = shared.events.lock().unwrap().pop_front() {
            let mut headers = HeaderMap::new();
            let id = format!("mock-{}", membership::keys::random_id());
            headers.insert("lambda-runtime-aws-request-id", HeaderValue::from_str(&id).unwrap());
            let deadline =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() + 30_000;
            headers.insert("lambda-runtime-deadline-ms", HeaderValue::from_str(&deadline.to_string()).unwrap());
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                HeaderValue::from_static("arn:aws:lambda:ap-northeast-2:000000000000:function:mock"),
            );
            // A new trace per invocation, sampled, as Lambda hands an actively traced function.
            let hex = |n: usize| {
                membership::keys::random_id().chars().filter(char::is_ascii_hexdigit).take(n).collect::<String>()
            };
            let trace = format!("Root=1-{}-{};Parent={};Sampled=1", hex(8), hex(24), hex(16));
            headers.insert("lambda-runtime-trace-id", HeaderValue::from_str(&trace).unwrap());
            shared.invocations.lock().unwrap().push((id, trace));
            return (StatusCode::OK, headers, event.to_string());
        }
        notified.await;
    }
}

async fn response(State(shared): State<Arc<Shared>>, Path(_id): Path<String>, body: String) -> impl IntoResponse {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    shared.responses.lock().unwrap().push((Instant::now(), value));
    shared.answered.notify_waiters();
    StatusCode::ACCEPTED
}

async fn error(State(shared): State<Arc<Shared>>, body: String) -> impl IntoResponse {
    shared.errors.lock().unwrap().push(body);
    shared.answered.notify_waiters();
    StatusCode::ACCEPTED
}
