//! Lifecycle (API.md, "Lifecycle", "Scheduled job"): the 2-year consent cycle, dormancy, automatic
//! withdrawal, the purge, upgrade at 14, and the member's export.

use api_tests::{adult, born_years_before, spawn_app, Person, Step, TestApp, PASSWORD};
use membership::app::purge::{Purge, PurgeCounts};
use serde_json::{json, Value};

const DAY: i64 = 24 * 60 * 60;
const YEAR: i64 = 365 * DAY;

async fn purge(app: &TestApp) -> Value {
    let response = app.post("/_sim/purge").send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    response.body
}

async fn sign_in(app: &TestApp, username: &str) -> api_tests::TestResponse {
    app.post("/v1/sessions").json(&json!({ "username": username, "password": PASSWORD })).send().await
}

fn count(counts: &Value, name: &str) -> u64 {
    counts[name].as_u64().unwrap_or_else(|| panic!("{name} in {counts}"))
}

#[tokio::test]
async fn a_member_two_years_without_renewal_is_recorded_dormant_and_renewal_lifts_it() {
    let app = spawn_app().await;
    app.register_general(&adult(), "sleeper01").await;
    app.advance_clock(2 * YEAR + 2 * DAY).await;

    let counts = purge(&app).await;

    assert_eq!(count(&counts, "madeDormant"), 1, "{counts}");
    let dormant = sign_in(&app, "sleeper01").await;
    dormant.assert_problem(403, "member.dormant");
    let token = dormant.body["accessToken"].as_str().unwrap().to_owned();
    let outbox =
        app.dump().await.into_iter().filter(|i| i.0["pk"].as_str().is_some_and(|pk| pk.starts_with("OUTBOX#"))).count();
    assert_eq!(outbox, 0, "the dormancy notice left the outbox once sent");
    let sent = app.get("/_sim/messages").send().await.body["messages"].clone();
    let notices: Vec<&str> = sent.as_array().expect("messages").iter().filter_map(|m| m["notice"].as_str()).collect();
    assert_eq!(notices, ["dormant"], "the member was told, once: {sent}");

    let consents = app.signup_consents().await;
    let renewed = app.post("/v1/members/me/consents/renewal").bearer(&token).json(&consents).send().await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    assert_eq!(sign_in(&app, "sleeper01").await.status, 200);
    let again = purge(&app).await;
    assert_eq!((count(&again, "madeDormant"), count(&again, "withdrawn")), (0, 0), "{again}");
}

#[tokio::test]
async fn a_year_dormant_means_withdrawn_with_data_gone_and_tombstones_kept() {
    let app = spawn_app().await;
    let person = Person::new("이휴면", "1970-01-01");
    let created = app.register_general(&person, "gone01").await;
    let member_id = created["memberId"].as_str().unwrap().to_owned();
    let card = created["loanCardNumber"].as_str().unwrap().to_owned();
    app.advance_clock(2 * YEAR + 2 * DAY).await;
    assert_eq!(count(&purge(&app).await, "madeDormant"), 1);

    app.advance_clock(YEAR + DAY).await;
    let counts = purge(&app).await;

    assert_eq!(count(&counts, "withdrawn"), 1, "{counts}");
    sign_in(&app, "gone01").await.assert_problem(401, "auth.invalid_credentials");
    assert_eq!(app.get("/v1/usernames/gone01").send().await.body["available"], false);
    let items = app.dump().await;
    let pk = |i: &membership::store::Item| i.0["pk"].as_str().unwrap_or("").to_owned();
    assert!(!items.iter().any(|i| pk(i) == format!("MEMBER#{member_id}")), "profile and consent history deleted");
    assert!(!items.iter().any(|i| pk(i).starts_with("PERSON#")), "the person claim is gone");
    for tombstone in ["USERNAME#gone01".to_owned(), format!("CARD#{card}")] {
        let claim = items.iter().find(|i| pk(i) == tombstone).unwrap_or_else(|| panic!("{tombstone} kept"));
        assert_eq!(claim.0["retired"], true);
    }
    assert!(items.iter().any(|i| pk(i) == format!("AUDIT#{member_id}")), "audit records outlive the member");
    let second = purge(&app).await;
    assert_eq!(
        [count(&second, "signupsPurged"), count(&second, "madeDormant"), count(&second, "withdrawn")],
        [0, 0, 0],
        "{second}"
    );
    app.register_general(&person, "back01").await;
}

#[tokio::test]
async fn dormancy_and_withdrawal_hold_before_any_purge() {
    let app = spawn_app().await;
    app.register_general(&adult(), "early01").await;
    app.advance_clock(2 * YEAR + 2 * DAY).await;
    sign_in(&app, "early01").await.assert_problem(403, "member.dormant");
    app.advance_clock(YEAR).await;
    sign_in(&app, "early01").await.assert_problem(401, "auth.invalid_credentials");
    assert_eq!(app.get("/v1/usernames/early01").send().await.body["available"], false);
}

#[tokio::test]
async fn the_purge_removes_expired_transient_items_once() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    assert_eq!(app.verify_identity(&signup, &app.signup_result(&signup, &adult(), "phone").await).await.status, 200);
    let child = app.start_signup("child").await;
    let consents = app.signup_consents().await;
    let consented = app.signup_step(&child, "consents").header("Idempotency-Key", "k1").json(&consents).send().await;
    assert_eq!(consented.status, 200, "{}", consented.text);
    app.advance_clock(2 * DAY).await;

    let counts = purge(&app).await;

    assert_eq!(count(&counts, "signupsPurged"), 2, "{counts}");
    assert!(count(&counts, "markersPurged") >= 2, "the identity request, its use and the idempotency record: {counts}");
    let left: Vec<String> = app.dump().await.iter().map(|i| i.0["pk"].as_str().unwrap_or("").to_owned()).collect();
    for prefix in ["SIGNUP#", "IDREQ#", "IDEMPOTENCY#"] {
        assert!(!left.iter().any(|pk| pk.starts_with(prefix)), "{prefix} left: {left:?}");
    }
    let again = purge(&app).await;
    assert_eq!((count(&again, "signupsPurged"), count(&again, "markersPurged")), (0, 0), "{again}");
}

#[tokio::test]
async fn a_purge_cut_off_half_way_is_finished_by_the_next_with_nothing_done_twice() {
    let app = spawn_app().await;
    for _ in 0..30 {
        app.start_signup("general").await;
    }
    app.advance_clock(DAY).await;
    let service = &app.app.service;
    let purge = || Purge::new(service.records.clone(), service.clock.clone());

    let first = purge().run(Some(12)).await.unwrap();
    let second = purge().run(None).await.unwrap();
    let third = purge().run(None).await.unwrap();

    assert_eq!(first.signups_purged, 12);
    assert!(first.scanned <= 12);
    assert_eq!(second.signups_purged + first.signups_purged, 30, "{first:?} {second:?}");
    assert_eq!(third, PurgeCounts::default());
    assert!(!app.dump().await.iter().any(|i| i.0["pk"].as_str().is_some_and(|pk| pk.starts_with("SIGNUP#"))));
}

#[tokio::test]
async fn a_child_member_becomes_general_at_fourteen_not_before() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    // The 14th birthday is in 3 days.
    let birth = born_years_before(today + time::Duration::days(3), 14);
    let child = Person::new("박어린", birth);
    app.register_child(&adult(), "young01", &child.name, &child.birth_date).await;
    let token = sign_in(&app, "young01").await.body["accessToken"].as_str().unwrap().to_owned();
    let upgrade = |result: serde_json::Value| json!({ "identity": result });

    let early = app
        .post("/v1/members/me/upgrade")
        .bearer(&token)
        .json(&upgrade(app.member_result("upgrade", &token, &child, "phone").await))
        .send()
        .await;
    early.assert_problem(422, "age.requires_child_signup");
    let stranger = Person::new("남남", birth);
    let wrong = app
        .post("/v1/members/me/upgrade")
        .bearer(&token)
        .json(&upgrade(app.member_result("upgrade", &token, &stranger, "phone").await))
        .send()
        .await;
    wrong.assert_problem(422, "certification.identity_mismatch");

    app.advance_clock(3 * DAY + 60).await;
    let token = sign_in(&app, "young01").await.body["accessToken"].as_str().unwrap().to_owned();
    let by_ipin = upgrade(app.member_result("upgrade", &token, &child, "ipin").await);
    let upgraded = app.post("/v1/members/me/upgrade").bearer(&token).json(&by_ipin).send().await;

    assert_eq!(upgraded.status, 200, "{}", upgraded.text);
    assert_eq!(upgraded.body["memberType"], "general");
    assert!(upgraded.body.get("guardian").is_none());
    // The same person cannot now start a general sign-up of their own.
    let signup = app.signup_at("general", Step::Identity, &child).await;
    let duplicate = app.verify_identity(&signup, &app.signup_result(&signup, &child, "phone").await).await;
    duplicate.assert_problem(409, "member.already_exists");
    assert_eq!(duplicate.body["maskedUsername"], "you***");
}

#[tokio::test]
async fn the_export_holds_everything_about_the_member_and_nothing_else() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    app.register_general(&Person::new("다른사람", "1980-02-02"), "other01").await;
    let token = sign_in(&app, "reader01").await.body["accessToken"].as_str().unwrap().to_owned();

    let export = app.get("/v1/members/me/export").bearer(&token).send().await;

    assert_eq!(export.status, 200, "{}", export.text);
    assert_eq!(export.body["member"]["username"], "reader01");
    let consents = export.body["consents"].as_array().unwrap();
    assert!(consents
        .iter()
        .any(|c| c["document"] == "terms-of-use" && c["version"].is_string() && c["agreed"] == true));
    let events: Vec<&str> =
        export.body["auditEvents"].as_array().unwrap().iter().filter_map(|e| e["event"].as_str()).collect();
    for event in ["signup.started", "consent.recorded", "identity.verified", "member.created", "signin.succeeded"] {
        assert!(events.contains(&event), "{event} in {events:?}");
    }
    assert!(!export.text.contains("other01") && !export.text.contains("다른사람"), "nothing of anyone else");
    assert!(!export.text.contains(PASSWORD) && !export.text.contains("argon2"), "no secret");
}
