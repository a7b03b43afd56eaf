//! Store faults (throttling, timeouts, transaction conflicts) at every store call a request makes:
//! each request either completes, or answers 503 with Retry-After and leaves every item as it was.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use api_tests::{adult, general_member, spawn_app_wrapped, Person, Step, TestApp, TestResponse, PASSWORD};
use async_trait::async_trait;
use membership::store::{Item, Key, StoreError, Table, Write};
use membership_local::local::LocalOptions;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Throttled,
    TimedOut,
    Conflict,
}

/// The table, failing the `armed`-th call from when it was armed, once.
struct Faulty {
    inner: Arc<dyn Table>,
    calls: AtomicUsize,
    /// Of `calls`, those of the local server's notifier, which sends what a request put in the
    /// outbox before its answer goes out (in the deployed service, a function of its own).
    notifier_calls: AtomicUsize,
    armed: Mutex<Option<(usize, Fault)>>,
}

fn is_outbox(key: &Key) -> bool {
    key.pk.starts_with("OUTBOX#")
}

impl Faulty {
    fn arm(&self, nth: usize, fault: Fault) {
        self.calls.store(0, Ordering::SeqCst);
        *self.armed.lock().unwrap() = Some((nth, fault));
    }

    fn count_from_now(&self) {
        self.calls.store(0, Ordering::SeqCst);
        self.notifier_calls.store(0, Ordering::SeqCst);
        *self.armed.lock().unwrap() = None;
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn notifier_calls(&self) -> usize {
        self.notifier_calls.load(Ordering::SeqCst)
    }

    fn by_notifier(&self, yes: bool) {
        if yes {
            self.notifier_calls.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn trip(&self, is_write: bool) -> Result<(), StoreError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let mut armed = self.armed.lock().unwrap();
        match *armed {
            Some((nth, fault)) if nth == n => {
                *armed = None;
                Err(match fault {
                    Fault::Throttled => {
                        StoreError::Unavailable("ProvisionedThroughputExceededException (injected)".into())
                    }
                    Fault::TimedOut => StoreError::Unavailable("operation timed out (injected)".into()),
                    Fault::Conflict if is_write => StoreError::Conflict,
                    Fault::Conflict => StoreError::Unavailable("throttled read (injected)".into()),
                })
            }
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl Table for Faulty {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.by_notifier(is_outbox(key));
        self.trip(false)?;
        self.inner.get(key).await
    }
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Item>>, StoreError> {
        self.trip(false)?;
        self.inner.get_many(keys).await
    }
    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.by_notifier(writes.iter().all(|write| write.key().is_some_and(|key| is_outbox(&key))));
        self.trip(true)?;
        self.inner.write(writes).await
    }
    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.trip(false)?;
        self.inner.query(pk, sk_prefix).await
    }
    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        self.by_notifier(true);
        self.trip(false)?;
        self.inner.query_due(due_pk, from, to, limit).await
    }
    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        self.trip(true)?;
        self.inner.delete_batch(keys).await
    }
    async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.trip(true)?;
        self.inner.put_batch(items).await
    }
}

/// A request ready to be sent against a prepared app.
struct Prepared {
    method: reqwest::Method,
    path: String,
    bearer: Option<String>,
    body: Option<Value>,
}

impl Prepared {
    async fn send(&self, app: &TestApp) -> TestResponse {
        let mut call = app.request(self.method.clone(), &self.path);
        if let Some(token) = &self.bearer {
            call = call.bearer(token);
        }
        if let Some(body) = &self.body {
            call = call.json(body);
        }
        call.send().await
    }
}

async fn faulty_app() -> (TestApp, Arc<Faulty>) {
    let slot: Arc<Mutex<Option<Arc<Faulty>>>> = Arc::default();
    let captured = slot.clone();
    let app = spawn_app_wrapped(LocalOptions::default(), move |inner| {
        let faulty = Arc::new(Faulty {
            inner,
            calls: AtomicUsize::new(0),
            notifier_calls: AtomicUsize::new(0),
            armed: Mutex::new(None),
        });
        *captured.lock().unwrap() = Some(faulty.clone());
        faulty
    })
    .await;
    let faulty = slot.lock().unwrap().clone().expect("wrapped");
    (app, faulty)
}

/// Everything stored, in a form that compares.
async fn state(app: &TestApp) -> Vec<String> {
    let mut items: Vec<String> = app.dump().await.iter().map(|i| serde_json::to_string(&i.0).unwrap()).collect();
    items.sort();
    items
}

/// Runs `prepare` + the request once without faults to learn how many store calls it makes, then,
/// for every call and every kind of fault, on a fresh app: fault that call and check the outcome.
async fn at_every_call<F, Fut>(name: &str, prepare: F) -> (usize, usize)
where
    F: Fn(Arc<TestApp>) -> Fut,
    Fut: std::future::Future<Output = Prepared>,
{
    let (app, faulty) = faulty_app().await;
    let app = Arc::new(app);
    let request = prepare(app.clone()).await;
    faulty.count_from_now();
    let clean = request.send(&app).await;
    let calls = faulty.calls();
    let notifier_calls = faulty.notifier_calls();
    assert!(clean.status < 500, "{name} without faults: {}", clean.text);

    let (mut completed, mut refused) = (0, 0);
    for nth in 1..=calls {
        for fault in [Fault::Throttled, Fault::TimedOut, Fault::Conflict] {
            let (app, faulty) = faulty_app().await;
            let app = Arc::new(app);
            let request = prepare(app.clone()).await;
            let before = state(&app).await;
            faulty.arm(nth, fault);
            let response = request.send(&app).await;
            faulty.count_from_now();
            if response.status == clean.status {
                completed += 1;
                continue;
            }
            response.assert_problem(503, "upstream.unavailable");
            assert!(response.header("retry-after").is_some(), "{name}: 503 without Retry-After");
            let after = state(&app).await;
            let gone: Vec<&String> = before.iter().filter(|i| !after.contains(i)).collect();
            let added: Vec<&String> = after.iter().filter(|i| !before.contains(i)).collect();
            assert!(
                gone.is_empty() && added.is_empty(),
                "{name}: {fault:?} at call {nth} of {calls} answered 503 but changed the store:\n- {gone:#?}\n+ {added:#?}"
            );
            refused += 1;
        }
    }
    println!(
        "faults {name}: {calls} store calls ({} of the request, {notifier_calls} of the local notifier), {} faults: \
         {completed} completed, {refused} refused unchanged",
        calls - notifier_calls,
        calls * 3
    );
    (completed, refused)
}

fn post(path: &str, bearer: Option<&str>, body: Value) -> Prepared {
    Prepared {
        method: reqwest::Method::POST,
        path: path.to_owned(),
        bearer: bearer.map(str::to_owned),
        body: Some(body),
    }
}

async fn signed_in(app: &TestApp, username: &str) -> (String, String) {
    app.register_general(&Person::new("장애물", "1988-08-08"), username).await;
    let response = app.post("/v1/sessions").json(&json!({ "username": username, "password": PASSWORD })).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    (
        response.body["accessToken"].as_str().unwrap().to_owned(),
        response.body["refreshToken"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn sign_up_steps_complete_or_change_nothing() {
    at_every_call("start sign-up", |_| async { post("/v1/signups", None, json!({ "memberType": "general" })) }).await;
    at_every_call("consent", |app| async move {
        let signup = app.signup_at("general", Step::Consent, &adult()).await;
        let body = app.signup_consents().await;
        post(&format!("/v1/signups/{}/consents", signup.id), Some(&signup.token), body)
    })
    .await;
    at_every_call("identity", |app| async move {
        let signup = app.signup_at("general", Step::Identity, &adult()).await;
        let result = app.signup_result(&signup, &adult(), "phone").await;
        post(&format!("/v1/signups/{}/identity", signup.id), Some(&signup.token), json!({ "identity": result }))
    })
    .await;
    at_every_call("member", |app| async move {
        let signup = app.signup_at("general", Step::Profile, &adult()).await;
        post(&format!("/v1/signups/{}/member", signup.id), Some(&signup.token), general_member("faulty01"))
    })
    .await;
}

#[tokio::test]
async fn session_requests_complete_or_change_nothing() {
    at_every_call("sign-in", |app| async move {
        signed_in(&app, "session01").await;
        post("/v1/sessions", None, json!({ "username": "session01", "password": PASSWORD }))
    })
    .await;
    at_every_call("refresh", |app| async move {
        let (_, refresh) = signed_in(&app, "session02").await;
        post("/v1/sessions/refresh", None, json!({ "refreshToken": refresh }))
    })
    .await;
    at_every_call("sign-out", |app| async move {
        let (access, _) = signed_in(&app, "session03").await;
        Prepared {
            method: reqwest::Method::DELETE,
            path: "/v1/sessions/current".into(),
            bearer: Some(access),
            body: None,
        }
    })
    .await;
}

#[tokio::test]
async fn member_requests_complete_or_change_nothing() {
    at_every_call("contact change", |app| async move {
        let (access, _) = signed_in(&app, "member01").await;
        Prepared {
            method: reqwest::Method::PATCH,
            path: "/v1/members/me".into(),
            bearer: Some(access),
            body: Some(json!({ "email": "new@example.kr" })),
        }
    })
    .await;
    at_every_call("password change", |app| async move {
        let (access, _) = signed_in(&app, "member02").await;
        post(
            "/v1/members/me/password",
            Some(&access),
            json!({ "currentPassword": PASSWORD, "newPassword": "Another-Pass-2027" }),
        )
    })
    .await;
    at_every_call("consent renewal", |app| async move {
        let (access, _) = signed_in(&app, "member03").await;
        let body = app.signup_consents().await;
        post("/v1/members/me/consents/renewal", Some(&access), body)
    })
    .await;
    at_every_call("withdrawal", |app| async move {
        let (access, _) = signed_in(&app, "member04").await;
        Prepared { method: reqwest::Method::DELETE, path: "/v1/members/me".into(), bearer: Some(access), body: None }
    })
    .await;
    at_every_call("citizen certification", |app| async move {
        let (access, _) = signed_in(&app, "member06").await;
        app.add_resident("880808-1234567", "장애물", "incheon").await;
        let body = json!({
            "consent": { "document": "citizen-third-party", "version": "2026-11-01", "agreed": true },
            "name": "장애물", "rrn": "880808-1234567",
        });
        post("/v1/members/me/certifications/citizen", Some(&access), body)
    })
    .await;
    at_every_call("password reset", |app| async move {
        let person = Person::new("장애물", "1988-08-08");
        signed_in(&app, "member05").await;
        let result = app.recovery_result(&person, "phone").await;
        post(
            "/v1/recovery/password",
            None,
            json!({ "identity": result, "username": "member05", "newPassword": "Another-Pass-2027" }),
        )
    })
    .await;
}
