//! The function binaries as Lambda runs them: each started against a mock Runtime API with only
//! the configuration its `membership::lambda` constant reads, on the DynamoDB / Secrets Manager test
//! server, its keys read in one call, answering an event of `events/`. Runs when
//! `DYNAMODB_ENDPOINT` names that server (the test command's second run), on the debug binaries
//! `scripts/test` builds before it.

use std::path::PathBuf;

use api_tests::mock_runtime::MockRuntime;
use membership::lambda::Lambda;
use serde_json::{json, Value};

/// Where the function binaries are: beside this test's own directory (`target/debug`).
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let path = exe.parent().and_then(|deps| deps.parent()).expect("target/debug").join(name);
    assert!(path.exists(), "{} is missing: build the functions first (scripts/test does)", path.display());
    path
}

fn event(file: &str) -> Value {
    let path = api_tests::repo_path(&format!("events/{file}"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("event file")).expect("event JSON")
}

/// A table made from template.yaml and the seven secrets of the template, with fresh names; the
/// environment each function gets: what its constant reads, nothing more.
struct Stack {
    table: String,
    secrets: Vec<(&'static str, String)>,
}

impl Stack {
    async fn create(endpoint: &str) -> Self {
        let run = membership::keys::random_id();
        let table = format!("functions-{run}");
        membership_local::local::dynamodb_table(endpoint, &table).await.expect("table created");
        let config = membership::aws::sdk_config(Some(endpoint), membership::aws::Patience::LocalServer).await;
        let client = aws_sdk_secretsmanager::Client::new(&config);
        let key = || "k".repeat(48);
        let upstream = json!({ "baseUrl": "https://upstream.example.kr/api", "apiKey": "key-1" });
        let mut secrets = Vec::new();
        for (variable, value) in [
            ("IDENTITY_SECRET_ID", json!({ "clientId": "client-1", "clientSecret": "secret-1" })),
            ("PEPPER_SECRET_ID", json!({ "pepper": key() })),
            ("IDEMPOTENCY_SECRET_ID", json!({ "key": key() })),
            ("TOKEN_SECRET_ID", json!({ "signingKey": key() })),
            ("RESIDENCY_SECRET_ID", upstream.clone()),
            ("DLS_SECRET_ID", upstream.clone()),
            ("OIDC_CLIENTS_SECRET_ID", json!([])),
        ] {
            let name = format!("functions/{run}/{variable}");
            let created = client.create_secret().name(name).secret_string(value.to_string()).send().await;
            secrets.push((variable, created.expect("secret created").arn.expect("an ARN")));
        }
        Self { table, secrets }
    }

    fn environment(&self, lambda: Lambda) -> Vec<(String, String)> {
        let upstream = |variable: &str| Lambda::ALL.iter().any(|l| l.upstream_secret_variable() == Some(variable));
        let reads = |variable: &str| match variable {
            "IDENTITY_SECRET_ID" => lambda.opens_identity_requests(),
            "OIDC_CLIENTS_SECRET_ID" => lambda.single_sign_on(),
            _ => !upstream(variable) || lambda.upstream_secret_variable() == Some(variable),
        };
        let mut environment = vec![("TABLE_NAME".to_owned(), self.table.clone())];
        environment
            .extend(self.secrets.iter().filter(|(v, _)| reads(v)).map(|(v, arn)| ((*v).to_owned(), arn.clone())));
        if lambda.opens_identity_requests() {
            // Not the events' origin, and no provider to reach: an identity request is refused
            // before any call leaves the machine.
            environment.push(("ALLOWED_ORIGINS".to_owned(), "https://other.example.kr".to_owned()));
            environment.push(("IDENTITY_API_BASE".to_owned(), "http://127.0.0.1:9".to_owned()));
        }
        if lambda.single_sign_on() {
            // No client registered, and a key the event's answer never needs to reach.
            environment.push(("ISSUER".to_owned(), "https://api.example.kr".to_owned()));
            environment
                .push(("OIDC_AUTHORIZATION_ENDPOINT".to_owned(), "https://lib.example.kr/oauth2/authorize".to_owned()));
            environment.push(("OIDC_SIGNING_KEY_ID".to_owned(), "alias/id-tokens".to_owned()));
        }
        environment
    }
}

/// Starts `name` with `environment` and one event; its answer, or why there is none.
async fn invoke(name: &str, environment: &[(String, String)], event: Value) -> Result<Value, String> {
    let inherited: Vec<String> = std::env::vars().map(|(k, _)| k).filter(|k| k.ends_with("_SECRET_ID")).collect();
    assert!(inherited.is_empty(), "the functions would inherit {inherited:?} from this shell");
    let runtime = MockRuntime::start().await;
    runtime.push(event);
    let mut child = runtime.spawn(&binary(name), name, environment);
    let answered = tokio::select! {
        answered = runtime.wait_for_responses(1) => answered,
        status = child.wait() => Err(format!("exited before answering: {}", status.expect("exit status"))),
    };
    let _ = child.kill().await;
    answered.map(|()| runtime.responses()[0].1.clone())
}

#[tokio::test]
async fn every_function_starts_on_its_configuration_and_answers_an_event() {
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") else { return };
    let stack = Stack::create(&endpoint).await;
    // (function, event, status): with made-up ids and tokens, each answer needs the function's
    // handlers, its keys and, for the sign-up steps, a read of the table.
    let expected = [
        ("start-signup", "start-signup.post-signups.json", 201),
        ("start-signup", "start-signup.default-unknown-path.json", 404),
        ("record-consent", "record-consent.post-signups-consents.json", 404),
        ("verify-identity", "verify-identity.post-signups-identity.json", 404),
        ("verify-identity", "verify-identity.post-identity-requests.json", 422),
        ("verify-identity", "verify-identity.post-identity-return.json", 200),
        ("complete-signup", "complete-signup.post-signups-member.json", 404),
        ("sign-in", "sign-in.post-sessions-refresh.json", 401),
        ("member-profile", "member-profile.get-members-me.json", 401),
        ("recover-account", "recover-account.post-recovery-username.json", 422),
        ("certify-citizen", "certify-citizen.post-members-me-certifications-citizen.json", 401),
        ("certify-student", "certify-student.post-members-me-certifications-student.json", 401),
        ("single-sign-on", "single-sign-on.get-oauth2-clients.json", 404),
    ];
    for lambda in Lambda::ALL {
        assert!(
            expected.iter().any(|(name, ..)| *name == lambda.function.name()),
            "{} is tested",
            lambda.function.name()
        );
    }
    for (name, file, status) in expected {
        let lambda = Lambda::ALL.into_iter().find(|l| l.function.name() == name).expect("a function");
        let answer =
            invoke(name, &stack.environment(lambda), event(file)).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(answer["statusCode"], status, "{name} {file}: {answer}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap_or("{}")).unwrap_or(Value::Null);
        if status >= 400 {
            assert!(body["code"].is_string(), "{name}: a problem with a code: {answer}");
        }
    }
    let purged = invoke(
        "purge-expired",
        &[("TABLE_NAME".to_owned(), stack.table.clone())],
        event("purge-expired.scheduled.json"),
    )
    .await
    .expect("purge-expired answers");
    assert_eq!(purged["signupsPurged"], 0, "a new table holds nothing due: {purged}");
    assert!(purged["scanned"].is_u64(), "the purge's counts: {purged}");

    // The notifier: the table, the SES sender and the SMS provider's secret.
    let config = membership::aws::sdk_config(Some(&endpoint), membership::aws::Patience::LocalServer).await;
    let sms = json!({ "baseUrl": "https://sms.example.kr/api", "apiKey": "key-1" });
    let created = aws_sdk_secretsmanager::Client::new(&config)
        .create_secret()
        .name(format!("functions/{}/SMS_SECRET_ID", stack.table))
        .secret_string(sms.to_string())
        .send()
        .await
        .expect("SMS secret created");
    let environment = [
        ("TABLE_NAME".to_owned(), stack.table.clone()),
        ("SES_SENDER".to_owned(), "no-reply@lib.example.kr".to_owned()),
        ("SMS_SECRET_ID".to_owned(), created.arn.expect("an ARN")),
    ];
    let notified = invoke("notifier", &environment, event("notifier.scheduled.json")).await.expect("notifier answers");
    assert_eq!((&notified["sent"], &notified["parkedTotal"]), (&json!(0), &json!(0)), "nothing to send: {notified}");
    let missing = invoke("notifier", &environment[..2], event("notifier.scheduled.json")).await;
    assert!(missing.is_err(), "without its SMS secret the notifier does not start: {missing:?}");
}

#[tokio::test]
async fn a_function_whose_secret_is_missing_or_unusable_does_not_start() {
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") else { return };
    let stack = Stack::create(&endpoint).await;
    let event = event("certify-citizen.post-members-me-certifications-citizen.json");
    let with = |variable: &str, value: &str| {
        let mut environment = stack.environment(membership::lambda::CERTIFY_CITIZEN);
        environment.retain(|(v, _)| v != variable);
        environment.push((variable.to_owned(), value.to_owned()));
        environment
    };
    let missing = with("RESIDENCY_SECRET_ID", "functions/none/such-secret");
    let error =
        invoke("certify-citizen", &missing, event.clone()).await.expect_err("no start without its upstream secret");
    assert!(error.starts_with("exited before answering"), "{error}");
    // A key secret that holds another secret's field.
    let pepper = stack.secrets.iter().find(|(v, _)| *v == "PEPPER_SECRET_ID").map(|(_, arn)| arn.clone()).unwrap();
    let unusable = with("TOKEN_SECRET_ID", &pepper);
    let error = invoke("certify-citizen", &unusable, event.clone()).await.expect_err("no start with an unusable key");
    assert!(error.starts_with("exited before answering"), "{error}");
    let mut no_variable = stack.environment(membership::lambda::CERTIFY_CITIZEN);
    no_variable.retain(|(v, _)| v != "RESIDENCY_SECRET_ID");
    let error = invoke("certify-citizen", &no_variable, event).await.expect_err("no start without the variable");
    assert!(error.starts_with("exited before answering"), "{error}");

    // verify-identity needs the provider's client credentials and the allowed origins.
    let identity_event = self::event("verify-identity.post-identity-requests.json");
    let pepper_arn = pepper.clone();
    for (variable, value) in [("IDENTITY_SECRET_ID", Some(pepper_arn.as_str())), ("ALLOWED_ORIGINS", None)] {
        let mut environment = stack.environment(membership::lambda::VERIFY_IDENTITY);
        environment.retain(|(v, _)| v != variable);
        environment.extend(value.map(|value| (variable.to_owned(), value.to_owned())));
        let error = invoke("verify-identity", &environment, identity_event.clone())
            .await
            .expect_err("no start without the provider's configuration");
        assert!(error.starts_with("exited before answering"), "{variable}: {error}");
    }
}

/// A stand-in for the X-Ray daemon: the segment documents a function sends it over UDP.
struct Daemon {
    socket: tokio::net::UdpSocket,
}

impl Daemon {
    async fn start() -> Self {
        Self { socket: tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("bind a UDP port") }
    }

    fn address(&self) -> String {
        self.socket.local_addr().expect("address").to_string()
    }

    /// The segment documents received so far (each datagram: a header line, then the document).
    fn received(&self) -> Vec<Value> {
        let mut documents = Vec::new();
        let mut buffer = vec![0; 64 * 1024];
        while let Ok(length) = self.socket.try_recv(&mut buffer) {
            let text = String::from_utf8_lossy(&buffer[..length]).into_owned();
            let (header, document) = text.split_once('\n').expect("a header line, then the document");
            assert_eq!(serde_json::from_str::<Value>(header).expect("header"), json!({"format": "json", "version": 1}));
            documents.push(serde_json::from_str(document).expect("a JSON segment document"));
        }
        documents
    }
}

/// A pass-through to the DynamoDB / Secrets Manager test server that notes each request's trace
/// header, as the AWS endpoints read it.
async fn recording_proxy(target: String) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let client = reqwest::Client::new();
    let noted = seen.clone();
    let forward = move |headers: HeaderMap, body: Bytes| {
        let (client, target, noted) = (client.clone(), target.clone(), noted.clone());
        async move {
            if let Some(trace) = headers.get("x-amzn-trace-id").and_then(|v| v.to_str().ok()) {
                noted.lock().unwrap().push(trace.to_owned());
            }
            let mut request = client.post(&target).body(body);
            for (name, value) in headers.iter().filter(|(name, _)| *name != "host" && *name != "content-length") {
                request = request.header(name, value);
            }
            let answer = request.send().await.expect("the test server answers");
            let status = StatusCode::from_u16(answer.status().as_u16()).expect("a status");
            let mut headers = HeaderMap::new();
            for (name, value) in answer.headers().iter().filter(|(name, _)| *name != "content-length") {
                headers.insert(name, value.clone());
            }
            (status, headers, answer.bytes().await.expect("the answer's body"))
        }
    };
    let router = axum::Router::new().route("/", axum::routing::post(forward));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, router).await.expect("proxy") });
    (address, seen)
}

/// The embedded-metric-format documents among a function's log lines, each checked against the
/// format: a namespace, dimension sets naming members of the document, and each metric's value
/// a number (or a list of numbers) under its name.
fn emf_documents(lines: &[Value]) -> Vec<Value> {
    let documents: Vec<Value> = lines.iter().filter(|line| line.get("_aws").is_some()).cloned().collect();
    for document in &documents {
        let aws = &document["_aws"];
        assert!(aws["Timestamp"].is_u64(), "a timestamp in milliseconds: {document}");
        for directive in aws["CloudWatchMetrics"].as_array().expect("CloudWatchMetrics") {
            assert!(directive["Namespace"].as_str().is_some_and(|n| !n.is_empty()), "{document}");
            for set in directive["Dimensions"].as_array().expect("dimension sets") {
                for dimension in set.as_array().expect("a dimension set") {
                    let name = dimension.as_str().expect("a dimension name");
                    assert!(document[name].is_string(), "dimension {name} is a member: {document}");
                }
            }
            for metric in directive["Metrics"].as_array().expect("metrics") {
                let name = metric["Name"].as_str().expect("a metric name");
                let value = &document[name];
                let numbers = value.is_number() || value.as_array().is_some_and(|v| v.iter().all(Value::is_number));
                assert!(numbers, "metric {name} has a numeric value: {document}");
            }
        }
    }
    documents
}

#[tokio::test]
async fn a_function_writes_emf_metrics_with_its_request_id_and_traces_its_calls() {
    use tokio::io::AsyncBufReadExt;
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") else { return };
    let stack = Stack::create(&endpoint).await;
    let daemon = Daemon::start().await;
    let (proxy, trace_headers) = recording_proxy(endpoint.clone()).await;
    let mut environment = stack.environment(membership::lambda::START_SIGNUP);
    environment.push(("DYNAMODB_ENDPOINT".to_owned(), proxy));
    environment.push(("AWS_XRAY_DAEMON_ADDRESS".to_owned(), daemon.address()));
    environment.push(("RUST_LOG".to_owned(), "info".to_owned()));

    let runtime = MockRuntime::start().await;
    runtime.push(event("start-signup.post-signups.json"));
    let mut child = runtime.spawn_logged(&binary("start-signup"), "start-signup", &environment);
    let answered = tokio::select! {
        answered = runtime.wait_for_responses(1) => answered,
        status = child.wait() => Err(format!("exited before answering: {}", status.expect("exit status"))),
    };
    answered.expect("start-signup answers");
    assert_eq!(runtime.responses()[0].1["statusCode"], 201);
    // The metrics are written after the response is posted: read the log until they are there.
    let mut log = tokio::io::BufReader::new(child.stdout.take().expect("the function's log")).lines();
    let mut lines = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Some(line) = log.next_line().await.expect("a log line") {
            let line: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("a JSON log line: {line}"));
            let metrics = line.get("_aws").is_some() && line.get("Signups").is_some();
            lines.push(line);
            if metrics {
                break;
            }
        }
    })
    .await;
    let _ = child.kill().await;
    assert!(read.is_ok(), "no metrics within 20 s; the log: {lines:?}");
    let (request_id, trace) = runtime.invocations()[0].clone();
    let root = trace.split(';').next().and_then(|r| r.strip_prefix("Root=")).expect("a trace root").to_owned();

    // EMF: the sign-up funnel's first step, with the invocation's request id and trace id.
    let documents = emf_documents(&lines);
    let funnel = documents.iter().find(|d| d.get("Signups").is_some()).expect("the funnel's document");
    assert_eq!(funnel["_aws"]["CloudWatchMetrics"][0]["Namespace"], "IncheonLibraryMembership");
    assert_eq!(
        (&funnel["Step"], &funnel["Function"], &funnel["Signups"]),
        (&json!("started"), &json!("start-signup"), &json!(1))
    );
    assert_eq!(funnel["requestId"], request_id.as_str(), "{funnel}");
    assert_eq!(funnel["xrayTraceId"], trace.as_str(), "{funnel}");

    // Logs: the request's line carries the Lambda request id and the trace id.
    let completed = lines.iter().find(|l| l["message"] == "request completed").expect("the request's log line");
    assert_eq!(
        (&completed["span"]["requestId"], &completed["span"]["xrayTraceId"]),
        (&json!(request_id), &json!(trace))
    );

    // Traces: the DynamoDB writes are subsegments of the invocation's trace, sent to the daemon,
    // and each call carried the trace header with its subsegment as the parent.
    let segments = daemon.received();
    let dynamodb: Vec<&Value> =
        segments.iter().filter(|s| s["name"] == "DynamoDB" && s["end_time"].is_number()).collect();
    assert!(!dynamodb.is_empty(), "DynamoDB subsegments: {segments:?}");
    for segment in &dynamodb {
        assert_eq!(segment["trace_id"], root.as_str(), "{segment}");
        assert_eq!(segment["type"], "subsegment");
        assert_eq!(segment["namespace"], "aws");
    }
    let headers = trace_headers.lock().unwrap().clone();
    let parents: Vec<String> = dynamodb.iter().filter_map(|s| s["id"].as_str().map(str::to_owned)).collect();
    assert!(
        headers
            .iter()
            .any(|h| h.contains(&format!("Root={root}")) && parents.iter().any(|p| h.contains(&format!("Parent={p}")))),
        "a DynamoDB call carried the trace header with its subsegment as parent: {headers:?} {parents:?}"
    );
}
