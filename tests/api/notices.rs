//! API.md, "Notices": what members are told, when, through which channel, and once. The simulated
//! mail sender and SMS provider record what reaches them (`GET /_sim/messages`); the clock and the
//! purge (`/_sim/clock`, `/_sim/purge`) bring the dated notices due.

use api_tests::{adult, child_member, spawn_app, Person, TestApp, PASSWORD};
use membership_domain::calendar::add_seoul_years;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::certification::{certify, citizen_body, CITIZEN};

const EMAIL: &str = "reader@example.kr";
const PHONE: &str = "010-1234-5678";
/// Past a due time by this much: the purge acts on what fell due before now.
const PAST: i64 = 60;

/// Every message sent so far, in order.
async fn messages(app: &TestApp) -> Vec<Value> {
    let response = app.get("/_sim/messages").send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body["messages"].as_array().expect("messages").clone()
}

/// `(notice, channel, to)` of every message sent so far, in order.
async fn sent(app: &TestApp) -> Vec<(String, String, String)> {
    messages(app)
        .await
        .iter()
        .map(|m| {
            let text = |field: &str| m[field].as_str().unwrap_or_default().to_owned();
            (text("notice"), text("channel"), text("to"))
        })
        .collect()
}

/// The channels of one notice go in no particular order: lists compared as sets.
fn sorted<const N: usize>(
    list: impl Into<Vec<(String, String, String)>>,
    expected: [(String, String, String); N],
) -> bool {
    let mut list = list.into();
    let mut expected = expected.to_vec();
    list.sort();
    expected.sort();
    list == expected
}

fn email(notice: &str, to: &str) -> (String, String, String) {
    (notice.to_owned(), "email".to_owned(), to.to_owned())
}

fn sms(notice: &str, to: &str) -> (String, String, String) {
    (notice.to_owned(), "sms".to_owned(), to.to_owned())
}

async fn purge(app: &TestApp) {
    let response = app.post("/_sim/purge").send().await;
    assert_eq!(response.status, 200, "{}", response.text);
}

/// The purge (and the notifier after it) run twice at `at` plus a minute: what it sends, once.
async fn purge_twice_at(app: &TestApp, at: OffsetDateTime) -> Vec<(String, String, String)> {
    let before = sent(app).await.len();
    app.advance_clock_to(at, PAST).await;
    purge(app).await;
    let after_one = sent(app).await;
    purge(app).await;
    assert_eq!(sent(app).await, after_one, "a second run sends nothing again");
    app.app.notifier.run(None).await.expect("notifier run");
    assert_eq!(sent(app).await, after_one, "nor does the notifier alone");
    // The channels of one notice go in no particular order.
    let mut new = after_one[before..].to_vec();
    new.sort();
    new
}

fn instant(value: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(value.as_str().expect("an instant"), &Rfc3339).expect("RFC 3339")
}

/// Nothing a notice must never carry: the password, the loan-card number, a token, an RRN, a DLS
/// credential, the member's name or username.
#[track_caller]
fn assert_clean(message: &Value, forbidden: &[&str]) {
    let text = message.to_string();
    for value in forbidden.iter().filter(|v| !v.is_empty()) {
        assert!(!text.contains(value), "a notice holds {value}: {text}");
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    assert!(!digits.contains("9005171234567"), "a notice holds an RRN: {text}");
}

#[tokio::test]
async fn the_purge_sends_each_dated_notice_once_as_it_passes_its_due_time() {
    // Given a member who signed up now (and signed in, in English)
    let app = spawn_app().await;
    let created = app.register_general(&adult(), "reader01").await;
    let signed_in = app
        .post("/v1/sessions")
        .header("accept-language", "en")
        .json(&json!({ "username": "reader01", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    let access = signed_in.body["accessToken"].as_str().expect("token").to_owned();
    let me = app.me(&access).await;
    let due = instant(&me.body["consentRenewalDue"]);
    let withdrawal = add_seoul_years(due, 1);
    assert!(sent(&app).await.is_empty(), "signing up and in sends nothing");

    // When the clock passes each due time and the purge runs (twice each time)
    let before_30 = purge_twice_at(&app, due - Duration::days(31)).await;
    let at_30 = purge_twice_at(&app, due - Duration::days(30)).await;
    let at_7 = purge_twice_at(&app, due - Duration::days(7)).await;
    let at_due = purge_twice_at(&app, due).await;
    let before_withdrawal_due = purge_twice_at(&app, withdrawal - Duration::days(31)).await;
    let at_withdrawal_due = purge_twice_at(&app, withdrawal - Duration::days(30)).await;
    let at_withdrawal = purge_twice_at(&app, withdrawal).await;
    let later = purge_twice_at(&app, withdrawal + Duration::days(400)).await;

    // Then each notice went once, by e-mail, and the urgent ones by text message too
    assert!(before_30.is_empty(), "{before_30:?}");
    assert_eq!(at_30, [email("renewal-due", EMAIL)]);
    assert_eq!(at_7, [email("renewal-due", EMAIL), sms("renewal-due", PHONE)]);
    assert_eq!(at_due, [email("dormant", EMAIL)]);
    assert!(before_withdrawal_due.is_empty(), "{before_withdrawal_due:?}");
    assert_eq!(at_withdrawal_due, [email("withdrawal-due", EMAIL), sms("withdrawal-due", PHONE)]);
    assert_eq!(at_withdrawal, [email("withdrawn", EMAIL)]);
    assert!(later.is_empty(), "{later:?}");

    // in Korean with the English line, showing the dates they announce and nothing sensitive
    let all = messages(&app).await;
    let due_date = membership_domain::calendar::seoul_date(due).to_string();
    let withdrawal_date = membership_domain::calendar::seoul_date(withdrawal).to_string();
    assert!(all[0]["subject"].as_str().is_some_and(|s| s.contains("개인정보 재동의 안내")), "{}", all[0]);
    assert!(all[0]["body"].as_str().is_some_and(|b| b.contains("30일") && b.contains(&due_date)), "{}", all[0]);
    assert!(all[0]["body"].as_str().is_some_and(|b| b.contains("Your consent")), "English line: {}", all[0]);
    assert!(all[1]["body"].as_str().is_some_and(|b| b.contains("7일")), "{}", all[1]);
    assert!(all[3]["body"].as_str().is_some_and(|b| b.contains(&withdrawal_date)), "{}", all[3]);
    assert!(all.iter().all(|m| m["sentAt"].as_str().is_some()));
    let card = created["loanCardNumber"].as_str().unwrap_or_default();
    for message in &all {
        assert_clean(message, &[PASSWORD, card, &access, "김하늘", "reader01"]);
    }
    // and the withdrawn member's address is kept nowhere once its notice went
    let items = serde_json::to_string(&app.dump().await.iter().map(|i| &i.0).collect::<Vec<_>>()).expect("json");
    assert!(!items.contains(EMAIL) && !items.contains(PHONE), "an address outlived its notice: {items}");
}

#[tokio::test]
async fn a_renewal_moves_the_reminders_to_the_new_cycle() {
    // Given a member reminded 30 days before renewal falls due
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let tokens = app.signed_in("reader01", PASSWORD).await;
    let due = instant(&app.me(&tokens.access).await.body["consentRenewalDue"]);
    assert_eq!(purge_twice_at(&app, due - Duration::days(30)).await, [email("renewal-due", EMAIL)]);

    // When the member renews consent
    let consents = app.signup_consents().await;
    let tokens = app.signed_in("reader01", PASSWORD).await;
    let renewed = app.post("/v1/members/me/consents/renewal").bearer(&tokens.access).json(&consents).send().await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    let new_due = instant(&renewed.body["consentRenewalDue"]);

    // Then the old cycle's 7-day reminder and dormancy never come; the new cycle's reminder does
    assert!(purge_twice_at(&app, due - Duration::days(7)).await.is_empty());
    assert!(purge_twice_at(&app, due).await.is_empty());
    assert_eq!(purge_twice_at(&app, new_due - Duration::days(30)).await, [email("renewal-due", EMAIL)]);
}

#[tokio::test]
async fn a_password_change_a_reset_and_a_certification_are_told_at_once() {
    // Given a member
    let app = spawn_app().await;
    let person = Person::new("김시민", "1990-05-17");
    app.register_general(&person, "citizen01").await;
    let tokens = app.signed_in("citizen01", PASSWORD).await;

    // When the member changes the password
    let body = json!({ "currentPassword": PASSWORD, "newPassword": "Another-Shelf-77" });
    let changed = app.post("/v1/members/me/password").bearer(&tokens.access).json(&body).send().await;
    assert_eq!(changed.status, 204, "{}", changed.text);

    // Then the notice went by e-mail and text message before the answer
    assert!(sorted(sent(&app).await, [email("password-changed", EMAIL), sms("password-changed", PHONE)]));

    // And a reset through recovery and a certification are told too
    let identity = app.recovery_result(&person, "phone").await;
    let reset = app
        .post("/v1/recovery/password")
        .json(&json!({ "identity": identity, "username": "citizen01", "newPassword": PASSWORD }))
        .send()
        .await;
    assert_eq!(reset.status, 204, "{}", reset.text);
    app.add_resident("900517-1234567", "김시민", "incheon").await;
    let tokens = app.signed_in("citizen01", PASSWORD).await;
    let certified = certify(&app, &tokens.access, CITIZEN, &citizen_body(&app, "김시민", "9005171234567").await).await;
    assert_eq!(certified.status, 200, "{}", certified.text);
    let after_the_change = sent(&app).await[2..].to_vec();
    assert!(sorted(
        after_the_change.clone(),
        [email("password-changed", EMAIL), sms("password-changed", PHONE), email("certified", EMAIL)]
    ));
    assert_eq!(after_the_change[2], email("certified", EMAIL), "in the order of the events");
    let all = messages(&app).await;
    assert!(all[4]["body"].as_str().is_some_and(|b| b.contains("인천시민")), "{}", all[4]);
    for message in &all {
        assert_clean(message, &[PASSWORD, "Another-Shelf-77", &tokens.access, &tokens.refresh, "김시민", "citizen01"]);
    }
}

#[tokio::test]
async fn a_failing_mail_provider_delays_the_notice_then_delivers_it_once() {
    // Given a mail provider that fails
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let tokens = app.signed_in("reader01", PASSWORD).await;
    app.set_fault("mail", "error").await;

    // When the member changes the password
    let body = json!({ "currentPassword": PASSWORD, "newPassword": "Another-Shelf-77" });
    let changed = app.post("/v1/members/me/password").bearer(&tokens.access).json(&body).send().await;

    // Then the change holds and the text message went; the e-mail waits
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert_eq!(sent(&app).await, [sms("password-changed", PHONE)]);

    // And once the provider is back, it goes at its next attempt, a minute later, and once only
    app.set_fault("mail", "ok").await;
    purge(&app).await;
    assert_eq!(sent(&app).await, [sms("password-changed", PHONE)], "not before its backoff");
    app.advance_clock(PAST).await;
    purge(&app).await;
    purge(&app).await;
    assert_eq!(sent(&app).await, [sms("password-changed", PHONE), email("password-changed", EMAIL)]);
}

#[tokio::test]
async fn a_message_refused_five_times_is_parked_and_never_sent_on_its_own() {
    // Given a mail provider that keeps failing
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let tokens = app.signed_in("reader01", PASSWORD).await;
    app.set_fault("mail", "error").await;
    let body = json!({ "currentPassword": PASSWORD, "newPassword": "Another-Shelf-77" });
    let changed = app.post("/v1/members/me/password").bearer(&tokens.access).json(&body).send().await;
    assert_eq!(changed.status, 204, "{}", changed.text);

    // When every retry fails (1, 2, 4 and 8 minutes later)
    for minutes in [1, 2, 4, 8] {
        app.advance_clock(minutes * 60).await;
        purge(&app).await;
    }

    // Then the e-mail is parked, counted for the alarm, and not sent even once the provider is back
    let parked = app.app.notifier.parked().await.expect("parked");
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].attempts, 5);
    app.set_fault("mail", "ok").await;
    app.advance_clock(24 * 60 * 60).await;
    purge(&app).await;
    let counts = app.app.notifier.run(None).await.expect("notifier run");
    assert_eq!((counts.sent, counts.parked_total), (0, 1));
    assert!(counts.oldest_unsent_seconds >= 24 * 60 * 60, "{counts:?}");
    assert_eq!(sent(&app).await, [sms("password-changed", PHONE)]);
}

#[tokio::test]
async fn a_childs_notices_reach_the_guardian() {
    // Given a child member signed up by a guardian with the guardian's contact
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let birth = api_tests::born_years_before(today, 8);
    let mut body = child_member("child01", "김아이", &birth.to_string());
    body["email"] = json!("guardian@example.kr");
    body["phone"] = json!("010-9876-5432");
    let created = app.sign_up("child", &adult(), &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let tokens = app.signed_in("child01", PASSWORD).await;

    // When the child's password changes and the child's membership is withdrawn
    let change = json!({ "currentPassword": PASSWORD, "newPassword": "Another-Shelf-77" });
    let changed = app.post("/v1/members/me/password").bearer(&tokens.access).json(&change).send().await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    let tokens = app.signed_in("child01", "Another-Shelf-77").await;
    let withdrawn = app.delete("/v1/members/me").bearer(&tokens.access).send().await;
    assert_eq!(withdrawn.status, 204, "{}", withdrawn.text);

    // Then every notice went to the guardian's e-mail and phone, naming neither child nor guardian
    assert!(sorted(
        sent(&app).await,
        [
            email("password-changed", "guardian@example.kr"),
            sms("password-changed", "010-9876-5432"),
            email("withdrawn", "guardian@example.kr"),
        ]
    ));
    for message in messages(&app).await {
        assert_clean(&message, &["김아이", "김하늘", "child01", PASSWORD, "Another-Shelf-77"]);
    }
    let items = serde_json::to_string(&app.dump().await.iter().map(|i| &i.0).collect::<Vec<_>>()).expect("json");
    assert!(!items.contains("guardian@example.kr"), "the withdrawal notice's address outlived it");
}
