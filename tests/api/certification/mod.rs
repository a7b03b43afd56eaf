//! API.md, "Certification (비대면 자격확인)": Incheon citizen and Incheon student certification, every
//! status and `code` of the section, and the order of its checks where two of them apply.

mod attempts;
mod leaks;
mod refusals;
mod successes;
mod upstream;

use api_tests::{Person, TestApp, TestResponse, PASSWORD};
use serde_json::{json, Value};
use time::Date;

pub const CITIZEN: &str = "/v1/members/me/certifications/citizen";
pub const STUDENT: &str = "/v1/members/me/certifications/student";

pub const DAY: i64 = 24 * 60 * 60;

/// An access token for `username`, whose password is the helpers' `PASSWORD`.
pub async fn sign_in(app: &TestApp, username: &str) -> String {
    let response = app.post("/v1/sessions").json(&json!({ "username": username, "password": PASSWORD })).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["accessToken"].as_str().expect("accessToken").to_owned()
}

/// A general (associate) member for `person`, signed in.
pub async fn member(app: &TestApp, person: &Person, username: &str) -> String {
    app.register_general(person, username).await;
    sign_in(app, username).await
}

/// A child member signed up by `guardian`, signed in.
pub async fn child(app: &TestApp, guardian: &Person, username: &str, name: &str, birth_date: Date) -> String {
    app.register_child(guardian, username, name, &birth_date.to_string()).await;
    sign_in(app, username).await
}

/// An answer to a certification document at its current version.
pub async fn consent(app: &TestApp, document: &str, agreed: bool) -> Value {
    let terms = app.terms().await;
    let current = terms.iter().find(|doc| doc["id"] == document).unwrap_or_else(|| panic!("{document} in terms"));
    json!({ "document": document, "version": current["version"], "agreed": agreed })
}

/// A citizen certification body with the consent given.
pub async fn citizen_body(app: &TestApp, name: &str, rrn: &str) -> Value {
    json!({ "consent": consent(app, "citizen-third-party", true).await, "name": name, "rrn": rrn })
}

/// A student certification body with the consent given.
pub async fn student_body(app: &TestApp, dls_name: &str, dls_id: &str, dls_password: &str) -> Value {
    json!({
        "consent": consent(app, "student-collection", true).await,
        "dlsName": dls_name,
        "dlsId": dls_id,
        "dlsPassword": dls_password,
    })
}

/// `body` with the guardian's identity result.
pub fn with_guardian(mut body: Value, result: &Value) -> Value {
    body["guardian"] = result.clone();
    body
}

pub async fn certify(app: &TestApp, token: &str, path: &str, body: &Value) -> TestResponse {
    app.post(path).bearer(token).json(body).send().await
}

/// `GET /v1/members/me`, which must answer.
pub async fn me(app: &TestApp, token: &str) -> Value {
    let response = app.get("/v1/members/me").bearer(token).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

/// An RRN for someone born on `birth`: `YYMMDD-` then the 7th digit, then six more.
pub fn rrn_of(birth: Date, seventh: char, rest: &str) -> String {
    format!("{:02}{:02}{:02}-{seventh}{rest}", birth.year() % 100, birth.month() as u8, birth.day())
}

/// The entitlements of a non-face-to-face certified member: the e-library only.
pub fn e_library_only() -> Value {
    json!({ "eLibrary": true, "unmannedReservation": false, "smartLibrary": false, "deskLoans": false })
}

/// The entitlements of an associate member: nothing yet.
pub fn nothing() -> Value {
    json!({ "eLibrary": false, "unmannedReservation": false, "smartLibrary": false, "deskLoans": false })
}

fn is_attempt_counter(item: &Value) -> bool {
    item["sk"].as_str().is_some_and(|sk| sk.starts_with("ATTEMPTS#"))
}

/// Every stored item but the daily attempt counters, in a form that compares: a request that
/// changed nothing leaves this as it was.
pub async fn stored_except_attempts(app: &TestApp) -> Vec<String> {
    let mut items: Vec<String> = app
        .dump()
        .await
        .into_iter()
        .map(|item| Value::Object(item.0))
        .filter(|item| !is_attempt_counter(item))
        .map(|item| serde_json::to_string(&item).expect("an item as JSON"))
        .collect();
    items.sort();
    items
}

/// The attempts the store counts, every member and day together.
pub async fn attempts_counted(app: &TestApp) -> u64 {
    app.dump()
        .await
        .into_iter()
        .map(|item| Value::Object(item.0))
        .filter(is_attempt_counter)
        .map(|item| item["count"].as_u64().unwrap_or_else(|| panic!("a count in {item}")))
        .sum()
}

/// Asserts the `Retry-After` of `response`, in whole seconds, and returns it.
#[track_caller]
pub fn retry_after(response: &TestResponse) -> i64 {
    let value = response.header("retry-after").unwrap_or_else(|| panic!("no Retry-After on {}", response.text));
    let seconds: i64 = value.parse().unwrap_or_else(|_| panic!("Retry-After {value:?} is no number of seconds"));
    assert!(seconds > 0, "Retry-After {seconds}");
    seconds
}

/// Asserts that two `stored_except_attempts` readings hold the same items, naming the difference.
#[track_caller]
pub fn assert_same_items(before: &[String], after: &[String], context: &str) {
    let gone: Vec<&String> = before.iter().filter(|item| !after.contains(item)).collect();
    let added: Vec<&String> = after.iter().filter(|item| !before.contains(item)).collect();
    assert!(gone.is_empty() && added.is_empty(), "{context} changed the store:\n- {gone:#?}\n+ {added:#?}");
}
