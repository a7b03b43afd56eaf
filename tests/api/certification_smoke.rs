use api_tests::{spawn_app, Person, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn an_incheon_resident_becomes_a_full_member() {
    let app = spawn_app().await;
    let person = Person::new("김시민", "1990-05-17");
    app.register_general(&person, "citizen01").await;
    app.add_resident("900517-1234567", "김시민", "incheon").await;
    let token =
        app.post("/v1/sessions").json(&json!({ "username": "citizen01", "password": PASSWORD })).send().await.body
            ["accessToken"]
            .as_str()
            .unwrap()
            .to_owned();
    let body = json!({
        "consent": { "document": "citizen-third-party", "version": "2026-11-01", "agreed": true },
        "name": "김시민", "rrn": "900517-1234567",
    });

    let response = app.post("/v1/members/me/certifications/citizen").bearer(&token).json(&body).send().await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["grade"], "full");
    let me = app.get("/v1/members/me").bearer(&token).send().await;
    assert_eq!(me.body["entitlements"]["eLibrary"], true);
    assert_eq!(me.body["certifications"][0]["method"], "incheon-citizen");
    let stored = serde_json::to_string(&app.dump().await.iter().map(|i| &i.0).collect::<Vec<_>>()).unwrap();
    assert!(!stored.contains("1234567") && !stored.contains("9005171234567"));
}
