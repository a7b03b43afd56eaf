//! API.md, "Members", `DELETE /v1/members/me`, and DOMAIN.md's withdrawal: personal data deleted
//! without delay, username and loan-card number retired for good, every session revoked; the same
//! person may join again later under a new username.

use api_tests::{adult, born_years_before, general_member, spawn_app, Person, TestApp, PASSWORD};
use membership::store::Item;
use serde_json::json;

fn text(item: &Item) -> String {
    serde_json::Value::Object(item.0.clone()).to_string()
}

fn pk(item: &Item) -> &str {
    item.0["pk"].as_str().unwrap_or("")
}

async fn withdraw(app: &TestApp, access: &str) {
    let response = app.delete("/v1/members/me").bearer(access).send().await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert!(response.text.is_empty());
}

#[tokio::test]
async fn a_withdrawn_member_can_no_longer_sign_in_refresh_or_use_a_token() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let caller = app.signed_in("reader01", PASSWORD).await;
    let elsewhere = app.signed_in("reader01", PASSWORD).await;

    withdraw(&app, &caller.access).await;

    app.sign_in("reader01", PASSWORD).await.assert_problem(401, "auth.invalid_credentials");
    for tokens in [&caller, &elsewhere] {
        app.me(&tokens.access).await.assert_problem(401, "auth.token_invalid");
        app.refresh(&tokens.refresh).await.assert_problem(401, "auth.refresh_invalid");
    }
    app.delete("/v1/members/me").bearer(&elsewhere.access).send().await.assert_problem(401, "auth.token_invalid");
    assert!(!app.username_available("reader01").await, "the username is retired");
}

#[tokio::test]
async fn withdrawal_deletes_the_personal_data_and_keeps_username_and_card_retired() {
    let app = spawn_app().await;
    let created = app.register_general(&adult(), "reader01").await;
    let id = created["memberId"].as_str().expect("memberId").to_owned();
    let card = created["loanCardNumber"].as_str().expect("loanCardNumber").to_owned();
    let tokens = app.signed_in("reader01", PASSWORD).await;
    let consents = app.signup_consents().await;
    let renewed = app.post("/v1/members/me/consents/renewal").bearer(&tokens.access).json(&consents).send().await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    let before = app.dump().await;
    assert!(before.iter().any(|i| pk(i) == format!("MEMBER#{id}") && i.0["sk"] == "PROFILE"));
    assert!(before.iter().any(|i| pk(i).starts_with("PERSON#")));

    withdraw(&app, &tokens.access).await;

    let items = app.dump().await;
    assert!(!items.iter().any(|i| pk(i) == format!("MEMBER#{id}")), "no profile and no consent history left");
    assert!(!items.iter().any(|i| pk(i).starts_with("PERSON#")), "no person claim left");
    let username = items.iter().find(|i| pk(i) == "USERNAME#reader01").expect("the username claim stays");
    let card_claim = items.iter().find(|i| pk(i) == format!("CARD#{card}")).expect("the card claim stays");
    for claim in [username, card_claim] {
        assert_eq!((claim.0["retired"].as_bool(), claim.0["memberId"].as_str()), (Some(true), Some(id.as_str())));
    }
    for item in &items {
        let text = text(item);
        for personal in ["김하늘", "1990-05-17", "reader@example.kr", "010-1234-5678", "argon2"] {
            assert!(!text.contains(personal), "{personal} kept after withdrawal in {text}");
        }
    }
}

#[tokio::test]
async fn a_withdrawn_person_may_join_again_under_a_new_username() {
    let app = spawn_app().await;
    let first = app.register_general(&adult(), "reader01").await;
    let tokens = app.signed_in("reader01", PASSWORD).await;
    withdraw(&app, &tokens.access).await;

    let same_name = app.sign_up("general", &adult(), &general_member("reader01")).await;
    let second = app.sign_up("general", &adult(), &general_member("reader02")).await;

    same_name.assert_problem(409, "username.taken");
    assert_eq!(second.status, 201, "{}", second.text);
    assert_ne!(second.body["memberId"], first["memberId"]);
    assert_ne!(second.body["loanCardNumber"], first["loanCardNumber"]);
    let again = app.signed_in("reader02", PASSWORD).await;
    let me = app.me(&again.access).await;
    assert_eq!((me.body["username"].as_str(), me.body["name"].as_str()), (Some("reader02"), Some("김하늘")));
    app.sign_in("reader01", PASSWORD).await.assert_problem(401, "auth.invalid_credentials");
}

#[tokio::test]
async fn a_withdrawn_child_leaves_no_child_claim_and_no_guardian_link() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("이보호", "1980-03-03");
    let birth = born_years_before(today, 8).to_string();
    app.register_child(&guardian, "kid01", "이어린", &birth).await;
    let tokens = app.signed_in("kid01", PASSWORD).await;
    assert!(app.dump().await.iter().any(|i| pk(i).starts_with("GUARDIAN#")));

    withdraw(&app, &tokens.access).await;

    let items = app.dump().await;
    assert!(!items.iter().any(|i| pk(i).starts_with("CHILD#")), "no child claim left");
    assert!(!items.iter().any(|i| pk(i).starts_with("GUARDIAN#")), "no guardian link left");
    let result = app.recovery_result(&guardian, "phone").await;
    let recovered = app.post("/v1/recovery/username").json(&json!({ "identity": result })).send().await;
    recovered.assert_problem(404, "member.not_found");
    let again = app.sign_up("child", &guardian, &api_tests::child_member("kid02", "이어린", &birth)).await;
    assert_eq!(again.status, 201, "the guardian may sign the child up again: {}", again.text);
}
