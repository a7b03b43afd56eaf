//! Expiry holds at its due time, whether or not the store has deleted the item yet: DynamoDB's TTL
//! deletes lazily (and the test server not at all), so reads treat an expired item as expired.

use api_tests::{adult, spawn_app, Step};

#[tokio::test]
async fn an_expired_session_still_stored_is_refused_as_expired() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    app.advance_clock(30 * 60 + 1).await;
    let now = app.now().await.unix_timestamp();

    let response = app.verify_identity(&signup, "phone", &app.result_for(&adult(), "phone").await).await;

    response.assert_problem(410, "signup.expired");
    let items = app.dump().await;
    let session = items.iter().find(|i| i.0["pk"] == format!("SIGNUP#{}", signup.id).as_str()).expect("still stored");
    let ttl = session.0["ttl"].as_i64().expect("a TTL attribute in epoch seconds");
    assert!(ttl <= now, "the item is past its TTL ({ttl} <= {now}) but not deleted");
}

#[tokio::test]
async fn a_used_result_marker_past_its_ttl_no_longer_blocks() {
    let app = spawn_app().await;
    let result = app.result_for(&adult(), "phone").await;
    let first = app.signup_at("general", Step::Identity, &adult()).await;
    assert_eq!(app.verify_identity(&first, "phone", &result).await.status, 200);

    // Past the result's 10 minutes and the marker's margin: the replay is now simply too old.
    app.advance_clock(2 * 60 * 60).await;
    let second = app.signup_at("general", Step::Identity, &adult()).await;
    let response = app.verify_identity(&second, "phone", &result).await;

    response.assert_problem(422, "identity.result_expired");
    let marker =
        app.dump().await.into_iter().find(|i| i.0["pk"].as_str().is_some_and(|pk| pk.starts_with("IDRESULT#")));
    assert!(marker.is_some(), "the marker is still stored, past its TTL");
}
