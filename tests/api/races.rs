//! Racing requests that would create the same member: exactly one wins, nothing partial is left.

use std::collections::HashSet;
use std::sync::Arc;

use api_tests::{general_member, spawn_app, Person, Signup, Step, TestApp};
use serde_json::Value;
use tokio::sync::Barrier;

const RACERS: usize = 50;

/// Sends every body to its sign-up's member step at once (released together by a barrier).
async fn race(app: &Arc<TestApp>, entries: Vec<(Signup, Value)>) -> Vec<(u16, String)> {
    let barrier = Arc::new(Barrier::new(entries.len()));
    let tasks: Vec<_> = entries
        .into_iter()
        .map(|(signup, body)| {
            let (app, barrier) = (app.clone(), barrier.clone());
            tokio::spawn(async move {
                let call = app.signup_step(&signup, "member").json(&body);
                barrier.wait().await;
                let response = call.send().await;
                (response.status, response.code().to_owned())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("racer"));
    }
    outcomes
}

/// Every claim names an existing member, every member holds its claims, and no item is half-made.
async fn assert_no_orphans(app: &TestApp, members_expected: usize) {
    let items = app.dump().await;
    let pk = |item: &membership::store::Item| item.0["pk"].as_str().unwrap_or("").to_owned();
    let members: HashSet<String> = items
        .iter()
        .filter(|item| item.0["sk"] == "PROFILE")
        .map(|item| item.0["memberId"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(members.len(), members_expected, "members");
    for item in items.iter().filter(|item| item.0["sk"] == "CLAIM") {
        let owner = item.0["memberId"].as_str().unwrap_or("");
        assert!(members.contains(owner), "claim {} names no member", pk(item));
    }
    for member in &members {
        let claims = items.iter().filter(|i| i.0["sk"] == "CLAIM" && i.0["memberId"] == member.as_str()).count();
        assert_eq!(claims, 3, "member {member} holds its username, person and card claims");
        let consents = items
            .iter()
            .filter(|i| {
                pk(i) == format!("MEMBER#{member}") && i.0["sk"].as_str().is_some_and(|s| s.starts_with("CONSENT#"))
            })
            .count();
        assert!(consents >= 2, "member {member} has its consent history");
    }
}

#[tokio::test]
async fn fifty_sign_ups_of_one_person_make_one_member() {
    let app = Arc::new(spawn_app().await);
    let person = Person::new("최동시", "1985-03-03").with_di("di-race-person");
    let mut entries = Vec::new();
    for n in 0..RACERS {
        let signup = app.signup_at("general", Step::Profile, &person).await;
        entries.push((signup, general_member(&format!("racer{n:02}"))));
    }
    let signup_ids: Vec<String> = entries.iter().map(|(s, _)| s.id.clone()).collect();

    let outcomes = race(&app, entries).await;

    let created = outcomes.iter().filter(|(status, _)| *status == 201).count();
    let refused = outcomes.iter().filter(|(status, code)| *status == 409 && code == "member.already_exists").count();
    assert_eq!((created, refused), (1, RACERS - 1), "{outcomes:?}");
    assert_no_orphans(&app, 1).await;
    let items = app.dump().await;
    let open_sessions =
        signup_ids.iter().filter(|id| items.iter().any(|i| i.0["pk"] == format!("SIGNUP#{id}").as_str())).count();
    assert_eq!(open_sessions, RACERS - 1, "the winner's session ended; the others are untouched");
}

#[tokio::test]
async fn fifty_sign_ups_of_one_username_make_one_member() {
    let app = Arc::new(spawn_app().await);
    let mut entries = Vec::new();
    for n in 0..RACERS {
        let person = Person::new("경쟁자", "1980-01-01").with_di(&format!("di-race-username-{n}"));
        let signup = app.signup_at("general", Step::Profile, &person).await;
        entries.push((signup, general_member("samename")));
    }

    let outcomes = race(&app, entries).await;

    let created = outcomes.iter().filter(|(status, _)| *status == 201).count();
    let refused = outcomes.iter().filter(|(status, code)| *status == 409 && code == "username.taken").count();
    assert_eq!((created, refused), (1, RACERS - 1), "{outcomes:?}");
    assert_no_orphans(&app, 1).await;
}
