//! DOMAIN.md, "Personal information": a member's password in clear text is never persisted, logged,
//! returned or put into an error, whichever way it reaches the service.

use api_tests::{
    adult, born_years_before, captured_logs, child_member, general_member, spawn_app, Person, TestResponse,
};
use serde_json::{json, Value};

const SIGNED_UP: &str = "Privacy-First-101";
const WRONG_GUESS: &str = "Wrong-Guess-202";
const CHANGED: &str = "Changed-Later-303";
const BAD_CURRENT: &str = "Bad-Current-404";
const RESET: &str = "Reset-By-Id-505";
const CHILD: &str = "Child-Secret-606";
const WEAK: &str = "weakpw7";
const PASSWORDS: [&str; 7] = [SIGNED_UP, WRONG_GUESS, CHANGED, BAD_CURRENT, RESET, CHILD, WEAK];

#[tokio::test]
async fn clear_text_passwords_are_never_stored_logged_or_returned() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("이보호", "1980-03-03");
    let mut responses: Vec<TestResponse> = Vec::new();

    let mut member = general_member("private01");
    member["password"] = json!(SIGNED_UP);
    responses.push(app.sign_up("general", &adult(), &member).await);
    let mut child = child_member("private02", "이어린", &born_years_before(today, 9).to_string());
    child["password"] = json!(CHILD);
    responses.push(app.sign_up("child", &guardian, &child).await);
    let mut weak = general_member("private03");
    weak["password"] = json!(WEAK);
    responses.push(app.sign_up("general", &Person::new("박약함", "1992-02-02"), &weak).await);
    responses.push(app.sign_in("private01", WRONG_GUESS).await);
    responses.push(app.sign_in("nobody01", WRONG_GUESS).await);
    // A password typed into the username field, as happens.
    responses.push(app.sign_in(SIGNED_UP, SIGNED_UP).await);
    let signed_in = app.sign_in("PRIVATE01", SIGNED_UP).await;
    let access = signed_in.body["accessToken"].as_str().expect("accessToken").to_owned();
    responses.push(signed_in);
    let change = |current: &str, new: &str| {
        app.post("/v1/members/me/password")
            .bearer(&access)
            .json(&json!({ "currentPassword": current, "newPassword": new }))
    };
    responses.push(change(BAD_CURRENT, CHANGED).send().await);
    responses.push(change(SIGNED_UP, WEAK).send().await);
    responses.push(change(SIGNED_UP, CHANGED).header("idempotency-key", "privacy-change-1").send().await);
    let result = app.recovery_result(&adult(), "phone").await;
    let reset = json!({ "identity": result, "username": "private01", "newPassword": RESET });
    responses.push(app.post("/v1/recovery/password").json(&reset).send().await);
    responses.push(app.sign_in("private01", RESET).await);
    responses.push(app.sign_in("private02", CHILD).await);

    let statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [201, 201, 422, 401, 401, 401, 200, 401, 422, 204, 204, 200, 200], "the run went as planned");
    for response in &responses {
        assert_clean("a response", &response.text);
    }

    let items = app.dump().await;
    let profiles: Vec<&Value> = items.iter().filter_map(|i| i.0.get("passwordHash")).collect();
    assert_eq!(profiles.len(), 2, "two members");
    assert!(profiles.iter().all(|h| h.as_str().is_some_and(|h| h.starts_with("$argon2id$"))), "{profiles:?}");
    for item in &items {
        assert_clean("a stored item", &Value::Object(item.0.clone()).to_string());
    }

    let logs = captured_logs();
    assert!(logs.contains("request completed"), "the service logs its requests into the capture");
    let request_ids: Vec<&str> = responses.iter().filter_map(|r| r.header("x-request-id")).collect();
    assert_eq!(request_ids.len(), responses.len());
    for id in &request_ids {
        assert!(
            logs.lines().any(|line| line.contains(id) && line.contains("request completed")),
            "a request line for {id} among the captured logs"
        );
    }
    for line in logs.lines() {
        assert_clean("a log line", line);
    }
}

/// Not even folded to lower case, as a username would be.
#[track_caller]
fn assert_clean(what: &str, text: &str) {
    let folded = text.to_lowercase();
    for password in PASSWORDS {
        assert!(!folded.contains(&password.to_lowercase()), "{what} holds the password {password}: {text}");
    }
}
