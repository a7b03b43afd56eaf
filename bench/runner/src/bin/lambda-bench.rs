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

use std::time::Duration;

use api_tests::mock_runtime::MockRuntime;
use bench::{millis, percentile};
use serde_json::{json, Value};

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
    let binary = std::path::Path::new(binary);
    for _ in 0..runs {
        let runtime = MockRuntime::start().await;
        runtime.push(event.clone());
        let started = std::time::Instant::now();
        let mut child = runtime.spawn(binary, name, &[]);
        let answered = tokio::select! {
            answered = runtime.wait_for_responses(1) => answered,
            exited = child.wait() => Err(format!("exited before answering: {exited:?}")),
        };
        if let Err(error) = answered {
            eprintln!("{name}: {error}");
            std::process::exit(1);
        }
        let first_next = runtime.first_next().expect("asked for work");
        let (answered_at, answer) = runtime.responses()[0].clone();
        inits.push(first_next - started);
        colds.push(answered_at - started);
        let answered_status = answer.get("statusCode").cloned().unwrap_or(Value::Null);
        // A failing function would be timed as if it were healthy: the bench stops instead.
        if answered_status.as_u64().is_some_and(|code| code >= 500) || (!status.is_null() && answered_status != status)
        {
            eprintln!("{name}: answered {answered_status} (earlier runs {status}): {answer}");
            std::process::exit(1);
        }
        status = answered_status;
        let _ = child.kill().await;
    }

    // Memory: idle after the first request, then peak after a run of warm requests.
    let runtime = MockRuntime::start().await;
    runtime.push(event.clone());
    let mut child = runtime.spawn(binary, name, &[]);
    runtime.wait_for_responses(1).await.expect("first response");
    let pid = child.id().expect("pid");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let idle_rss = rss_kib(pid, "VmRSS:");
    let warm_started = std::time::Instant::now();
    for n in 0..load {
        runtime.push(event.clone());
        runtime.wait_for_responses(n + 2).await.expect("warm response");
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
