//! The SES adapter on the wire, against moto's SES v2 (the test command's second run, when
//! `DYNAMODB_ENDPOINT` names the test server): a message from the configured sender of a created
//! identity is accepted with the sender, recipient, subject and text sent; a sender whose identity
//! was never created is refused, and the adapter says the message did not go.

use membership::aws::{sdk_config, Patience};
use membership::notices::ses::SesMail;
use membership::notices::{MailSender, Notice, Outgoing, SendError};
use serde_json::Value;

/// The messages moto's SES holds, as its data view shows them.
async fn moto_messages(endpoint: &str) -> Vec<Value> {
    let data: Value = reqwest::get(format!("{endpoint}/moto-api/data.json"))
        .await
        .expect("moto's data view")
        .json()
        .await
        .expect("JSON");
    data["ses"]["Message"].as_array().cloned().unwrap_or_default()
}

fn outgoing<'a>(to: &'a str, reference: &'a str) -> Outgoing<'a> {
    Outgoing {
        notice: Notice::Dormant,
        to,
        subject: "[인천광역시교육청 공공도서관] 휴면 전환 안내",
        body: "회원님의 계정이 휴면 상태로 전환되었습니다.",
        reference,
    }
}

/// One test, its steps in turn: the test server answers one request at a time, and its data view
/// (every backend's state, the DynamoDB suite's tables included) can take long enough that a send
/// queued behind it in a parallel test would time out.
#[tokio::test]
async fn ses_sends_from_a_created_identity_only() {
    let Ok(endpoint) = std::env::var("DYNAMODB_ENDPOINT") else { return };
    let config = sdk_config(Some(&endpoint), Patience::LocalServer).await;

    // A sender whose identity was never created is refused, and the adapter says it did not go.
    let stranger = format!("reader-{}@example.kr", &membership::keys::random_id()[..8]);
    let unverified = SesMail::from_shared(&config, "no-reply@never-created.example", None);
    let refused = unverified.send(outgoing(&stranger, "m2")).await;
    assert!(matches!(refused, Err(SendError::NotSent(_))), "{refused:?}");
    let reason = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(!reason.contains(&stranger) && !reason.contains("never-created"), "no address in the reason: {reason}");

    // From the configured sender of a created identity, the message goes as sent.
    let domain = format!("lib-{}.example", membership::keys::random_id()[..8].to_lowercase());
    let client = aws_sdk_sesv2::Client::new(&config);
    client.create_email_identity().email_identity(&domain).send().await.expect("identity created");
    let sender = format!("no-reply@{domain}");
    let to = format!("reader-{}@example.kr", &membership::keys::random_id()[..8]);
    let mail = SesMail::from_shared(&config, &sender, None);
    mail.send(outgoing(&to, "m1")).await.expect("SES accepts the message");

    let messages = moto_messages(&endpoint).await;
    assert!(messages.iter().all(|m| m["destinations"]["ToAddresses"][0] != stranger), "the refused one never went");
    let sent: Vec<&Value> = messages.iter().filter(|m| m["destinations"]["ToAddresses"][0] == to).collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["source"], sender);
    assert_eq!(sent[0]["destinations"]["ToAddresses"], serde_json::json!([to]));
    assert_eq!(sent[0]["subject"], "[인천광역시교육청 공공도서관] 휴면 전환 안내");
    assert_eq!(sent[0]["body"], "회원님의 계정이 휴면 상태로 전환되었습니다.");
}
