//! Expiry holds at its due time, whether or not the store has deleted the item yet: DynamoDB's TTL
//! deletes lazily (and the test server not at all), so reads treat an expired item as expired.

use api_tests::{adult, spawn_app, Step};
use serde_json::json;

/// A result the step never reads (the sign-up's own checks answer first).
fn unused_result() -> serde_json::Value {
    json!({ "tokenVersionId": "x", "encData": "x", "integrityValue": "x" })
}

#[tokio::test]
async fn an_expired_session_still_stored_is_refused_as_expired() {
    let app = spawn_app().await;
    let signup = app.signup_at("general", Step::Identity, &adult()).await;
    app.advance_clock(30 * 60 + 1).await;
    let now = app.now().await.unix_timestamp();

    let response = app.verify_identity(&signup, &unused_result()).await;

    response.assert_problem(410, "signup.expired");
    let items = app.dump().await;
    let session = items.iter().find(|i| i.0["pk"] == format!("SIGNUP#{}", signup.id).as_str()).expect("still stored");
    let ttl = session.0["ttl"].as_i64().expect("a TTL attribute in epoch seconds");
    assert!(ttl <= now, "the item is past its TTL ({ttl} <= {now}) but not deleted");
}

#[tokio::test]
async fn an_identity_request_past_its_ttl_is_unknown() {
    let app = spawn_app().await;
    let result = app.recovery_result(&adult(), "phone").await;
    let recover = || app.post("/v1/recovery/username").json(&json!({ "identity": result })).send();
    recover().await.assert_problem(404, "member.not_found");
    recover().await.assert_problem(409, "identity.result_replayed");

    // Past the request's 10 minutes and the hour it is kept after: it is gone, whatever the store
    // still holds until its TTL removes it.
    app.advance_clock(2 * 60 * 60).await;
    let response = recover().await;

    response.assert_problem(422, "identity.result_invalid");
    let kept =
        app.dump().await.into_iter().filter(|i| i.0["pk"].as_str().is_some_and(|pk| pk.starts_with("IDREQ#"))).count();
    assert_eq!(kept, 2, "the request and its marker are still stored, past their TTL");
}
