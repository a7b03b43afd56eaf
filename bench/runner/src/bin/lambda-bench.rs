//! Cold starts of function binaries against a mock Lambda Runtime API on loopback.
//!
//! For each run: a fresh mock Runtime API, the binary spawned with `AWS_LAMBDA_RUNTIME_API` pointing
//! at it; init = spawn → first `GET /runtime/invocation/next` (everything the function does before
//! it asks for work, secret fetches included); cold request = spawn → first response posted for the
//! event. After the runs, one more process serves `--load` events in a row for the memory figures:
//! RSS when idle after its first request, and peak RSS after the load.
//!
//! Usage: lambda-bench NAME BINARY EVENT.json [--runs N] [--load N]
//! Prints one JSON line of figures.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use bench::{millis, percentile};
use serde_json::{json, Value};
use tokio::sync::Notify;

#[derive(Default)]
struct Runtime {
    events: Mutex<VecDeque<Value>>,
    arrived: Notify,
    first_next: Mutex<Option<Instant>>,
    responses: Mutex<Vec<(Instant, Value)>>,
    answered: Notify,
    errors: Mutex<Vec<String>>,
}

async fn next(State(runtime): State<Arc<Runtime>>) -> impl IntoResponse {
    runtime.first_next.lock().unwrap().get_or_insert_with(Instant::now);
    loop {
        let notified = runtime.arrived.notified();
        if let Some(event) = runtime.events.lock().unwrap().pop_front() {
            let mut headers = HeaderMap::new();
            let id = format!("bench-{}", Instant::now().elapsed().as_nanos());
            headers.insert("lambda-runtime-aws-request-id", HeaderValue::from_str(&id).unwrap());
            let deadline =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() + 30_000;
            headers.insert("lambda-runtime-deadline-ms", HeaderValue::from_str(&deadline.to_string()).unwrap());
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                HeaderValue::from_static("arn:aws:lambda:ap-northeast-2:000000000000:function:bench"),
            );
            headers.insert(
                "lambda-runtime-trace-id",
                HeaderValue::from_static("Root=1-00000000-000000000000000000000000"),
            );
            return (StatusCode::OK, headers, event.to_string());
        }
        notified.await;
    }
}

async fn response(State(runtime): State<Arc<Runtime>>, Path(_id): Path<String>, body: String) -> impl IntoResponse {
    let value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    runtime.responses.lock().unwrap().push((Instant::now(), value));
    runtime.answered.notify_waiters();
    StatusCode::ACCEPTED
}

async fn error(State(runtime): State<Arc<Runtime>>, body: String) -> impl IntoResponse {
    runtime.errors.lock().unwrap().push(body);
    runtime.answered.notify_waiters();
    StatusCode::ACCEPTED
}

async fn serve(runtime: Arc<Runtime>) -> std::net::SocketAddr {
    let router = Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(runtime);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("mock runtime") });
    address
}

fn spawn(binary: &str, name: &str, address: std::net::SocketAddr) -> tokio::process::Child {
    tokio::process::Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the function binary")
}

async fn wait_for_responses(runtime: &Runtime, count: usize) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answered = runtime.answered.notified();
        if let Some(error) = runtime.errors.lock().unwrap().first() {
            return Err(error.clone());
        }
        if runtime.responses.lock().unwrap().len() >= count {
            return Ok(());
        }
        if tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), answered).await.is_err() {
            return Err("no response within 20 s".into());
        }
    }
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (name, binary, event_path) = (&args[1], &args[2], &args[3]);
    let option = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (runs, load) = (option("--runs", 20), option("--load", 200));
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(event_path).expect("event file")).expect("event JSON");

    let (mut inits, mut colds) = (Vec::new(), Vec::new());
    let mut status = Value::Null;
    for _ in 0..runs {
        let runtime = Arc::new(Runtime::default());
        runtime.events.lock().unwrap().push_back(event.clone());
        let address = serve(runtime.clone()).await;
        let started = Instant::now();
        let mut child = spawn(binary, name, address);
        if let Err(error) = wait_for_responses(&runtime, 1).await {
            eprintln!("{name}: {error}");
            std::process::exit(1);
        }
        let first_next = runtime.first_next.lock().unwrap().expect("asked for work");
        let (answered_at, answer) = runtime.responses.lock().unwrap()[0].clone();
        inits.push(first_next - started);
        colds.push(answered_at - started);
        status = answer.get("statusCode").cloned().unwrap_or(Value::Null);
        let _ = child.kill().await;
    }

    // Memory: idle after the first request, then peak after a run of warm requests.
    let runtime = Arc::new(Runtime::default());
    runtime.events.lock().unwrap().push_back(event.clone());
    let address = serve(runtime.clone()).await;
    let mut child = spawn(binary, name, address);
    wait_for_responses(&runtime, 1).await.expect("first response");
    let pid = child.id().expect("pid");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let idle_rss = rss_kib(pid, "VmRSS:");
    let warm_started = Instant::now();
    for n in 0..load {
        runtime.events.lock().unwrap().push_back(event.clone());
        runtime.arrived.notify_waiters();
        wait_for_responses(&runtime, n + 2).await.expect("warm response");
    }
    let warm = warm_started.elapsed() / load.max(1) as u32;
    let peak_rss = rss_kib(pid, "VmHWM:");
    let _ = child.kill().await;

    println!(
        "{}",
        json!({
            "name": name,
            "status": status,
            "runs": runs,
            "initMedianMs": millis(percentile(&inits, 50.0)),
            "initP90Ms": millis(percentile(&inits, 90.0)),
            "coldMedianMs": millis(percentile(&colds, 50.0)),
            "coldP90Ms": millis(percentile(&colds, 90.0)),
            "warmMeanMs": millis(warm),
            "idleRssKiB": idle_rss,
            "peakRssKiB": peak_rss,
            "load": load,
        })
    );
}
