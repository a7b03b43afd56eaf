use api_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn a_general_member_signs_up_end_to_end() {
    let app = spawn_app().await;
    let health = app.get("/healthz").send().await;
    assert_eq!(health.status, 200);

    let started = app.post("/v1/signups").json(&json!({ "memberType": "general" })).send().await;
    assert_eq!(started.status, 201, "{}", started.text);
    let id = started.body["signupId"].as_str().unwrap().to_owned();
    let token = started.body["signupToken"].as_str().unwrap().to_owned();

    let consents = json!({ "consents": [
        { "document": "terms-of-use", "version": "2026-11-01", "agreed": true },
        { "document": "privacy-collection", "version": "2026-11-01", "agreed": true },
    ]});
    let consented = app.post(&format!("/v1/signups/{id}/consents")).bearer(&token).json(&consents).send().await;
    assert_eq!(consented.status, 200, "{}", consented.text);
    assert_eq!(consented.body["step"], "identity");

    let request = app.request_identity("signup", "phone", Some(&token)).await;
    let result = app.verify_at_provider(&request, &api_tests::Person::new("김하늘", "1990-05-17")).await;
    let verified = app
        .post(&format!("/v1/signups/{id}/identity"))
        .bearer(&token)
        .json(&json!({ "identity": result }))
        .send()
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert_eq!(verified.body["verified"]["role"], "self");

    let member = json!({
        "username": "Haneul01", "password": "Library-2026!", "email": "haneul@example.kr",
        "phone": "010-1234-5678", "homeLibrary": "seogu",
    });
    let created = app.post(&format!("/v1/signups/{id}/member")).bearer(&token).json(&member).send().await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.body["username"], "haneul01");
    assert_eq!(created.body["grade"], "associate");
    let card = created.body["loanCardNumber"].as_str().unwrap();
    assert!(membership_domain::loan_card::LoanCardNumber::parse(card).is_ok(), "{card}");
}
