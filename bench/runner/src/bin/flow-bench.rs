//! Throughput of complete sign-up flows (create → consent → identity → member → sign-in) against a
//! running local-api with N concurrent clients, beside the argon2id floor measured in the same run:
//! hashes per second with the production parameters on as many threads as there are cores. A flow
//! hashes twice (sign-up stores a hash, sign-in verifies one), so the floor is hashes/s ÷ 2 flows/s.
//!
//! Usage: flow-bench BASE_URL [CLIENTS] [FLOWS]; prints one JSON line.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde_json::{json, Value};

async fn post(client: &reqwest::Client, url: String, token: Option<&str>, body: Value) -> Value {
    let mut request = client.post(url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn flow(client: &reqwest::Client, base: &str, n: usize) {
    let started = post(client, format!("{base}/v1/signups"), None, json!({ "memberType": "general" })).await;
    let (id, token) = (started["signupId"].as_str().unwrap(), started["signupToken"].as_str().unwrap());
    let consents = json!({ "consents": [
        { "document": "terms-of-use", "version": "2026-11-01", "agreed": true },
        { "document": "privacy-collection", "version": "2026-11-01", "agreed": true },
    ]});
    post(client, format!("{base}/v1/signups/{id}/consents"), Some(token), consents).await;
    let run = std::process::id();
    // 본인확인 at the simulated provider: the request, its window, the person verifying there.
    let opened = post(
        client,
        format!("{base}/v1/identity/requests"),
        Some(token),
        json!({ "purpose": "signup", "method": "phone", "origin": base }),
    )
    .await;
    let fields = &opened["provider"]["fields"];
    let form: Vec<(String, String)> =
        fields.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
    let window = client.post(opened["provider"]["url"].as_str().unwrap()).form(&form).send().await.expect("window");
    assert!(window.status().is_success(), "the provider's window: {}", window.status());
    let completed = client
        .post(format!("{base}/_sim/nice/complete"))
        .header("accept", "application/json")
        .json(&json!({ "tokenVersionId": fields["token_version_id"], "name": "김하늘", "birthDate": "1990-05-17",
            "di": format!("flow-{run}-{n}") }))
        .send()
        .await
        .expect("complete");
    let result: Value = completed.json().await.expect("the provider's result");
    let result = &result["fields"];
    post(
        client,
        format!("{base}/v1/signups/{id}/identity"),
        Some(token),
        json!({ "identity": { "tokenVersionId": result["token_version_id"], "encData": result["enc_data"],
            "integrityValue": result["integrity_value"] } }),
    )
    .await;
    let username = format!("f{run}x{n}");
    let member = json!({ "username": username, "password": "Flow-Bench-2026!", "email": "f@example.kr",
        "phone": "010-1111-2222", "homeLibrary": "central" });
    post(client, format!("{base}/v1/signups/{id}/member"), Some(token), member).await;
    post(client, format!("{base}/v1/sessions"), None, json!({ "username": username, "password": "Flow-Bench-2026!" }))
        .await;
}

fn argon2_floor(threads: usize, per_thread: usize) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19_456, 2, 1, None).unwrap());
                for _ in 0..per_thread {
                    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
                    argon2.hash_password(b"Flow-Bench-2026!", &salt).unwrap();
                }
            });
        }
    });
    (threads * per_thread) as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let clients: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(8);
    let flows: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(200);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);

    let hashes_per_second = tokio::task::spawn_blocking(move || argon2_floor(cores, 20)).await.unwrap();

    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, base, next) = (client.clone(), base.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= flows {
                        return;
                    }
                    flow(&client, &base, n).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("client");
    }
    let flows_per_second = flows as f64 / started.elapsed().as_secs_f64();
    let floor = hashes_per_second / 2.0;
    println!(
        "{}",
        json!({
            "clients": clients, "flows": flows, "cores": cores,
            "flowsPerSecond": flows_per_second,
            "argon2HashesPerSecond": hashes_per_second,
            "floorFlowsPerSecond": floor,
            "ratioToFloor": flows_per_second / floor,
        })
    );
}
