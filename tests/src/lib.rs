//! The API test harness: `spawn_app()` serves the local server's router (the one every Lambda
//! function builds from the same route table) on a loopback port, and a client that speaks HTTP to it.
#![forbid(unsafe_code)]

pub mod mock_runtime;

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use membership::store::dynamodb::DynamoTable;
use membership::store::memory::MemoryTable;
use membership::store::{Item, Table};
use membership_local::local::{LocalApp, LocalOptions};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, UtcOffset};

/// A file of the repository, by its path from the root (the tests crate lives one level below it).
pub fn repo_path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate has a parent").join(relative)
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub app: Arc<LocalApp>,
    pub store: TestStore,
}

/// The store a test runs on: the embedded one, or a fresh DynamoDB table when `DYNAMODB_ENDPOINT`
/// names a DynamoDB-compatible server (the test command starts one on loopback).
#[derive(Clone)]
pub enum TestStore {
    Memory(Arc<MemoryTable>),
    DynamoDb(Arc<DynamoTable>),
}

impl TestStore {
    pub async fn new() -> Self {
        match std::env::var("DYNAMODB_ENDPOINT") {
            Ok(endpoint) if !endpoint.is_empty() => {
                let name = format!("test-{}", membership::keys::random_id());
                let table =
                    membership_local::local::dynamodb_table(&endpoint, &name).await.expect("DynamoDB test table");
                TestStore::DynamoDb(Arc::new(table))
            }
            _ => TestStore::Memory(Arc::new(MemoryTable::new())),
        }
    }

    pub fn table(&self) -> Arc<dyn Table> {
        match self {
            TestStore::Memory(table) => table.clone(),
            TestStore::DynamoDb(table) => table.clone(),
        }
    }

    pub fn is_dynamodb(&self) -> bool {
        matches!(self, TestStore::DynamoDb(_))
    }

    /// Every item stored, however it is stored.
    pub async fn dump(&self) -> Vec<Item> {
        match self {
            TestStore::Memory(table) => table.dump(),
            TestStore::DynamoDb(table) => table.scan_all().await.expect("scan of the test table"),
        }
    }
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

    /// Asserts that this is the problem `code` with `status`, in RFC 9457 form.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "expected {status} {code}, got {}", self.text);
        let content_type = self.header("content-type").unwrap_or("");
        assert!(content_type.starts_with("application/problem+json"), "content-type {content_type:?} of {}", self.text);
        assert_eq!(self.body["status"], status, "{}", self.text);
        for member in ["type", "title", "detail"] {
            assert!(
                self.body[member].as_str().is_some_and(|s| !s.is_empty()),
                "problem without {member}: {}",
                self.text
            );
        }
        assert!(
            self.header("x-request-id").is_some_and(|id| !id.is_empty()),
            "problem without x-request-id: {}",
            self.text
        );
    }

    /// Asserts the problem `code` whose `errors` name `field` with `field_code`.
    #[track_caller]
    pub fn assert_field_error(&self, status: u16, code: &str, field: &str, field_code: &str) {
        self.assert_problem(status, code);
        let wanted = (field.to_owned(), field_code.to_owned());
        assert!(
            self.field_errors().contains(&wanted),
            "expected {field} {field_code} among the errors of {}",
            self.text
        );
    }

    /// The field pointers of a problem's `errors`, with their codes.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned())
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

    /// A header whose value may be anything, even what `header` would refuse.
    pub fn header_bytes(mut self, name: &str, value: &[u8]) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
        let value = HeaderValue::from_bytes(value).expect("header value bytes");
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
        let response = self.request.send().await.expect("request reaches the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        TestResponse { status, headers, body, text }
    }
}

impl TestApp {
    pub fn get(&self, path: &str) -> Call<'_> {
        Call { app: self, request: self.client.get(format!("{}{path}", self.base)) }
    }

    pub fn post(&self, path: &str) -> Call<'_> {
        Call { app: self, request: self.client.post(format!("{}{path}", self.base)) }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> Call<'_> {
        Call { app: self, request: self.client.request(method, format!("{}{path}", self.base)) }
    }

    pub fn patch(&self, path: &str) -> Call<'_> {
        self.request(reqwest::Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Call<'_> {
        self.request(reqwest::Method::DELETE, path)
    }

    /// The web client's origin: the local server serves it, so it is the server's own.
    pub fn origin(&self) -> String {
        self.base.clone()
    }

    /// `POST /v1/identity/requests` for `purpose` by `method`, from the server's own origin, with
    /// `bearer` (the sign-up token, or a member's access token) when given.
    pub async fn identity_request(&self, purpose: &str, method: &str, bearer: Option<&str>) -> TestResponse {
        let body = json!({ "purpose": purpose, "method": method, "origin": self.origin() });
        let call = self.post("/v1/identity/requests").json(&body);
        match bearer {
            Some(token) => call.bearer(token).send().await,
            None => call.send().await,
        }
    }

    /// An identity request that must be opened.
    pub async fn request_identity(&self, purpose: &str, method: &str, bearer: Option<&str>) -> IdentityRequest {
        let response = self.identity_request(purpose, method, bearer).await;
        assert_eq!(response.status, 201, "{}", response.text);
        IdentityRequest::from_body(&response.body)
    }

    /// The client posts the request's form to the provider's window, as the web client does in its
    /// pop-up; the window must accept it.
    pub async fn open_window(&self, request: &IdentityRequest) {
        let response = self.client.post(&request.url).form(&request.fields).send().await.expect("the window answers");
        let status = response.status().as_u16();
        let page = response.text().await.unwrap_or_default();
        assert_eq!(status, 200, "{page}");
    }

    /// `POST /_sim/nice/complete` as JSON for the request (whose window must be open) with `body`'s
    /// fields besides `tokenVersionId`; the simulator's answer.
    pub async fn complete_at_provider(&self, request: &IdentityRequest, body: Value) -> TestResponse {
        let mut body = body;
        body["tokenVersionId"] = json!(request.token_version_id);
        self.post("/_sim/nice/complete").header("accept", "application/json").json(&body).send().await
    }

    /// `person` verifies in the request's window; the result as the client sends it on
    /// (`{ "tokenVersionId", "encData", "integrityValue" }`).
    pub async fn verify_at_provider(&self, request: &IdentityRequest, person: &Person) -> Value {
        self.open_window(request).await;
        let mut body = json!({ "name": person.name, "birthDate": person.birth_date });
        if let Some(di) = &person.di {
            body["di"] = json!(di);
        }
        let response = self.complete_at_provider(request, body).await;
        assert_eq!(response.status, 200, "{}", response.text);
        identity_value(&response.body["fields"])
    }

    /// The person cancels in the request's window; the (failed) result as the client sends it on.
    pub async fn cancel_at_provider(&self, request: &IdentityRequest) -> Value {
        self.open_window(request).await;
        let response = self.complete_at_provider(request, json!({ "outcome": "cancel" })).await;
        assert_eq!(response.status, 200, "{}", response.text);
        identity_value(&response.body["fields"])
    }

    /// A fresh result for `person` of a request of `purpose` made with `bearer`.
    pub async fn identity_for(&self, purpose: &str, bearer: Option<&str>, person: &Person, method: &str) -> Value {
        let request = self.request_identity(purpose, method, bearer).await;
        self.verify_at_provider(&request, person).await
    }

    /// A fresh result for `person` of a request made for `signup`.
    pub async fn signup_result(&self, signup: &Signup, person: &Person, method: &str) -> Value {
        self.identity_for("signup", Some(&signup.token), person, method).await
    }

    /// A fresh result for `person` of a recovery request.
    pub async fn recovery_result(&self, person: &Person, method: &str) -> Value {
        self.identity_for("recovery", None, person, method).await
    }

    /// A fresh result for `person` of a request of `purpose` (`guardian`, `upgrade`) made by the
    /// member holding `access_token`.
    pub async fn member_result(&self, purpose: &str, access_token: &str, person: &Person, method: &str) -> Value {
        self.identity_for(purpose, Some(access_token), person, method).await
    }

    pub async fn advance_clock(&self, seconds: i64) {
        let response = self.post("/_sim/clock").json(&json!({ "advanceSeconds": seconds })).send().await;
        assert_eq!(response.status, 200, "{}", response.text);
    }

    /// Moves the server's clock forward to `at` plus `seconds` (nothing if that is already past).
    pub async fn advance_clock_to(&self, at: OffsetDateTime, seconds: i64) {
        let step = (at - self.now().await).whole_seconds() + seconds;
        if step > 0 {
            self.advance_clock(step).await;
        }
    }

    /// The server's clock, read through the simulator without moving it.
    pub async fn now(&self) -> OffsetDateTime {
        let response = self.post("/_sim/clock").json(&json!({ "advanceSeconds": 0 })).send().await;
        assert_eq!(response.status, 200, "{}", response.text);
        let now = response.body["now"].as_str().expect("now");
        OffsetDateTime::parse(now, &Rfc3339).expect("now is RFC 3339")
    }

    /// Today on the Asia/Seoul calendar, as the server's age rules see it. Call it before starting
    /// a sign-up: when midnight is a few minutes away, or today or tomorrow is 29 February (no one
    /// has a 14th birthday on it), it first moves the clock on, so that dates derived from "today"
    /// and "tomorrow" exist and still hold when the server checks them.
    pub async fn seoul_today(&self) -> Date {
        loop {
            let now = self.now().await.to_offset(SEOUL);
            let today = now.date();
            let near_midnight = now.time() >= time::macros::time!(23:50);
            let is_leap_day = |d: Date| d.month() == Month::February && d.day() == 29;
            let tomorrow = today.next_day().expect("tomorrow");
            if near_midnight {
                self.advance_clock(15 * 60).await;
            } else if is_leap_day(today) || is_leap_day(tomorrow) {
                self.advance_clock(2 * 24 * 60 * 60).await;
            } else {
                return today;
            }
        }
    }

    /// Makes the simulated residency registry know `name` with `rrn`, living in `region`.
    pub async fn add_resident(&self, rrn: &str, name: &str, region: &str) {
        let body = json!({ "rrn": rrn, "name": name, "region": region });
        let response = self.post("/_sim/residents").json(&body).send().await;
        assert_eq!(response.status, 201, "{}", response.text);
    }

    /// Opens an account at the simulated DLS.
    pub async fn add_dls_account(&self, name: &str, id: &str, password: &str, created_on: &str) {
        let body = json!({ "dlsName": name, "dlsId": id, "dlsPassword": password, "createdOn": created_on });
        let response = self.post("/_sim/dls-accounts").json(&body).send().await;
        assert_eq!(response.status, 201, "{}", response.text);
    }

    /// Makes a simulated upstream (`residency`, `dls`) fail in `mode` (`timeout`, `error`), or
    /// answer again (`ok`).
    pub async fn set_fault(&self, system: &str, mode: &str) {
        let response = self.post("/_sim/faults").json(&json!({ "system": system, "mode": mode })).send().await;
        assert_eq!(response.status, 204, "{}", response.text);
    }

    /// The documents of `GET /v1/terms`.
    pub async fn terms(&self) -> Vec<Value> {
        let response = self.get("/v1/terms").send().await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.body["documents"].as_array().expect("documents").clone()
    }

    /// A consent body agreeing to every document of the sign-up step, at its current version.
    pub async fn signup_consents(&self) -> Value {
        let consents: Vec<Value> = self
            .terms()
            .await
            .into_iter()
            .filter(|doc| doc["step"] == "signup")
            .map(|doc| json!({ "document": doc["id"], "version": doc["version"], "agreed": true }))
            .collect();
        json!({ "consents": consents })
    }

    /// `POST /v1/signups`, which must succeed.
    pub async fn start_signup(&self, member_type: &str) -> Signup {
        let response = self.post("/v1/signups").json(&json!({ "memberType": member_type })).send().await;
        assert_eq!(response.status, 201, "{}", response.text);
        Signup {
            id: response.body["signupId"].as_str().expect("signupId").to_owned(),
            token: response.body["signupToken"].as_str().expect("signupToken").to_owned(),
        }
    }

    /// A request to a step of `signup` (`consents`, `identity`, `member`) with its token.
    pub fn signup_step(&self, signup: &Signup, step: &str) -> Call<'_> {
        self.post(&format!("/v1/signups/{}/{step}", signup.id)).bearer(&signup.token)
    }

    pub async fn consent(&self, signup: &Signup, body: &Value) -> TestResponse {
        self.signup_step(signup, "consents").json(body).send().await
    }

    /// The identity step with `identity` (`{ "tokenVersionId", "encData", "integrityValue" }`).
    pub async fn verify_identity(&self, signup: &Signup, identity: &Value) -> TestResponse {
        self.signup_step(signup, "identity").json(&json!({ "identity": identity })).send().await
    }

    pub async fn complete_signup(&self, signup: &Signup, body: &Value) -> TestResponse {
        self.signup_step(signup, "member").json(body).send().await
    }

    /// A sign-up of `member_type` waiting at `step`: consented from `Identity` on, and with
    /// `person` verified by phone for `Profile`.
    pub async fn signup_at(&self, member_type: &str, step: Step, person: &Person) -> Signup {
        let signup = self.start_signup(member_type).await;
        if step >= Step::Identity {
            let consents = self.signup_consents().await;
            let consented = self.consent(&signup, &consents).await;
            assert_eq!(consented.status, 200, "{}", consented.text);
        }
        if step >= Step::Profile {
            let result = self.signup_result(&signup, person, "phone").await;
            let verified = self.verify_identity(&signup, &result).await;
            assert_eq!(verified.status, 200, "{}", verified.text);
        }
        signup
    }

    /// A whole sign-up whose last step answers as it will; the member step's response.
    pub async fn sign_up(&self, member_type: &str, person: &Person, member: &Value) -> TestResponse {
        let signup = self.signup_at(member_type, Step::Profile, person).await;
        self.complete_signup(&signup, member).await
    }

    /// A general member `username` for `person`, which must be created.
    pub async fn register_general(&self, person: &Person, username: &str) -> Value {
        let created = self.sign_up("general", person, &general_member(username)).await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.body
    }

    /// A child member `username` signed up by `guardian`, which must be created.
    pub async fn register_child(
        &self,
        guardian: &Person,
        username: &str,
        child_name: &str,
        child_birth_date: &str,
    ) -> Value {
        let created = self.sign_up("child", guardian, &child_member(username, child_name, child_birth_date)).await;
        assert_eq!(created.status, 201, "{}", created.text);
        created.body
    }

    /// `POST /v1/sessions`.
    pub async fn sign_in(&self, username: &str, password: &str) -> TestResponse {
        self.post("/v1/sessions").json(&json!({ "username": username, "password": password })).send().await
    }

    /// A sign-in that must succeed; the client's tokens.
    pub async fn signed_in(&self, username: &str, password: &str) -> SignedIn {
        let response = self.sign_in(username, password).await;
        assert_eq!(response.status, 200, "{}", response.text);
        SignedIn::from_body(&response.body)
    }

    /// `POST /v1/sessions/refresh`.
    pub async fn refresh(&self, refresh_token: &str) -> TestResponse {
        self.post("/v1/sessions/refresh").json(&json!({ "refreshToken": refresh_token })).send().await
    }

    /// `GET /v1/members/me` with `access_token`.
    pub async fn me(&self, access_token: &str) -> TestResponse {
        self.get("/v1/members/me").bearer(access_token).send().await
    }

    /// Whether `GET /v1/usernames/{username}` calls the name available.
    pub async fn username_available(&self, username: &str) -> bool {
        let response = self.get(&format!("/v1/usernames/{username}")).send().await;
        assert_eq!(response.status, 200, "{}", response.text);
        response.body["available"].as_bool().expect("available")
    }

    /// Every item in the store, for tests that look at what was kept.
    pub async fn dump(&self) -> Vec<Item> {
        self.store.dump().await
    }
}

/// An identity request as `POST /v1/identity/requests` answered it: where the client posts which fields.
#[derive(Debug, Clone)]
pub struct IdentityRequest {
    pub request_id: String,
    pub token_version_id: String,
    pub url: String,
    pub fields: Vec<(String, String)>,
}

impl IdentityRequest {
    pub fn from_body(body: &Value) -> Self {
        let fields = body["provider"]["fields"].as_object().expect("provider fields");
        Self {
            request_id: body["requestId"].as_str().expect("requestId").to_owned(),
            token_version_id: fields["token_version_id"].as_str().expect("token_version_id").to_owned(),
            url: body["provider"]["url"].as_str().expect("provider url").to_owned(),
            fields: fields.iter().map(|(k, v)| (k.clone(), v.as_str().expect("a string field").to_owned())).collect(),
        }
    }
}

/// The provider's three fields (`token_version_id`, `enc_data`, `integrity_value`) as the consuming
/// steps take them.
pub fn identity_value(fields: &Value) -> Value {
    json!({
        "tokenVersionId": fields["token_version_id"].as_str().expect("token_version_id"),
        "encData": fields["enc_data"].as_str().expect("enc_data"),
        "integrityValue": fields["integrity_value"].as_str().expect("integrity_value"),
    })
}

/// What a client keeps after signing in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub access: String,
    pub refresh: String,
}

impl SignedIn {
    pub fn from_body(body: &Value) -> Self {
        Self {
            access: body["accessToken"].as_str().expect("accessToken").to_owned(),
            refresh: body["refreshToken"].as_str().expect("refreshToken").to_owned(),
        }
    }
}

/// Asia/Seoul: UTC+9 without daylight saving since 1988.
pub const SEOUL: UtcOffset = time::macros::offset!(+9);

/// The steps of a sign-up session, in the order API.md runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Consent,
    Identity,
    Profile,
}

/// A sign-up in progress, as a client holds it.
#[derive(Debug, Clone)]
pub struct Signup {
    pub id: String,
    pub token: String,
}

/// Someone the simulated identity provider vouches for.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub birth_date: String,
    /// Without one, the provider derives the DI from name and birth date.
    pub di: Option<String>,
}

impl Person {
    pub fn new(name: &str, birth_date: impl ToString) -> Self {
        Self { name: name.to_owned(), birth_date: birth_date.to_string(), di: None }
    }

    /// The same person to the provider as anyone else with this DI (or a namesake with another).
    pub fn with_di(mut self, di: &str) -> Self {
        self.di = Some(di.to_owned());
        self
    }
}

/// An adult applicant, nobody in particular.
pub fn adult() -> Person {
    Person::new("김하늘", "1990-05-17")
}

/// The valid password every helper body uses.
pub const PASSWORD: &str = "Bookshelf-2026!";

/// A valid member body for a general sign-up.
pub fn general_member(username: &str) -> Value {
    json!({
        "username": username,
        "password": PASSWORD,
        "email": "reader@example.kr",
        "phone": "010-1234-5678",
        "homeLibrary": "seogu",
    })
}

/// A valid member body for a child sign-up (contact details are the guardian's).
pub fn child_member(username: &str, child_name: &str, child_birth_date: &str) -> Value {
    let mut body = general_member(username);
    body["child"] = json!({ "name": child_name, "birthDate": child_birth_date });
    body
}

/// The birth date of someone whose `years`th birthday falls on `on` (`on` is not 29 February).
pub fn born_years_before(on: Date, years: i32) -> Date {
    on.replace_year(on.year() - years).expect("the same day exists that many years before")
}

/// Serves the local router on 127.0.0.1 with a free port.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(LocalOptions { table: Arc::new(MemoryTable::new()), ..LocalOptions::default() }).await
}

/// Every log line of this test binary so far: the service's JSON lines, as `telemetry::init` writes
/// them to stdout in production, captured here instead.
pub fn captured_logs() -> String {
    capture_logs();
    String::from_utf8_lossy(&log_buffer().lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

fn log_buffer() -> &'static Mutex<Vec<u8>> {
    static BUFFER: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();
    BUFFER.get_or_init(|| Mutex::new(Vec::new()))
}

/// Installs, once per test binary, the one global subscriber, writing into the buffer.
fn capture_logs() {
    static SUBSCRIBER: OnceLock<()> = OnceLock::new();
    SUBSCRIBER.get_or_init(|| {
        // The format of `membership::telemetry::init`, at its default level.
        let _ = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_target(false)
            // Every level the service and its HTTP stack log at (debug), but the AWS SDK's detail,
            // which writes out whole DynamoDB bodies: what `TestStore::dump` shows already.
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug,aws_smithy_runtime=info,aws_smithy_http_client=info,aws_sdk_dynamodb=info,aws_config=info,aws_runtime=info"))
            .with_writer(|| CapturedLog)
            .try_init();
    });
}

/// Appends what the subscriber writes (one whole line per write) to the buffer.
struct CapturedLog;

impl Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        log_buffer().lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serves the local router with `options`, its table replaced by the test store.
pub async fn spawn_app_with(options: LocalOptions) -> TestApp {
    spawn_app_wrapped(options, |table| table).await
}

/// Serves the local router with `options`, over the test store as `wrap` wraps it (to inject
/// faults, or to count calls); `dump()` still reads the store itself.
pub async fn spawn_app_wrapped(options: LocalOptions, wrap: impl FnOnce(Arc<dyn Table>) -> Arc<dyn Table>) -> TestApp {
    capture_logs();
    serve(options, TestStore::new().await, wrap).await
}

/// Serves the local router with `options` on the embedded store, whatever store the run tests:
/// for tests of the simulators and upstream adapters, which never touch the table. It installs no
/// log capture, so such a test binary may install its own subscriber.
pub async fn spawn_app_in_memory(options: LocalOptions) -> TestApp {
    serve(options, TestStore::Memory(Arc::new(MemoryTable::new())), |table| table).await
}

/// Binds a loopback port first, so the upstream adapters can be pointed at this server's own
/// simulators, then builds the app and serves it there.
async fn serve(
    options: LocalOptions,
    store: TestStore,
    wrap: impl FnOnce(Arc<dyn Table>) -> Arc<dyn Table>,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("bind");
    let address = listener.local_addr().expect("address");
    let upstream_base = options.upstream_base.clone().or_else(|| Some(format!("http://{address}")));
    // Tests run two at a time on two cores, some with fifty hashes at once: a turn to hash may take
    // longer to come than local-api's 5 s, and a 503 then would be the test run's load, not the
    // service's. Only a test that sets its own wait sees requests turned away.
    let hashing_wait = match options.hashing_wait {
        wait if wait == membership::passwords::MAX_HASHING_WAIT => std::time::Duration::from_secs(120),
        wait => wait,
    };
    let options = LocalOptions { table: wrap(store.table()), upstream_base, hashing_wait, ..options };
    let app = Arc::new(LocalApp::new(options));
    let router = app.router.clone();
    tokio::spawn(async move {
        membership_local::local::serve(listener, router, std::future::pending()).await.expect("serve");
    });
    TestApp { base: format!("http://{address}"), client: reqwest::Client::new(), app, store }
}
