//! Figures of the notices: the purge's index reads with the dated notices' milestones in the due
//! index (20,000 members, 200 of them at a milestone: still about one read per due item), and the
//! notifier's rate against the local simulators (`-- --nocapture` prints both).

use api_tests::{adult, spawn_app};
use membership::app::purge::Purge;
use membership::notices::{Notice, NoticeChannel, NoticeLanguage, NoticeParams};
use membership::records::{due_keys, outbox_item_of, MemberRecord, OutboxMessage, OutboxStatus, Records};
use membership::store::{Item, Key};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// A copy of `template` (a member item) as member `id`, last renewed at `renewed`, in the due index
/// at its next milestone.
fn member_like(template: &Item, id: &str, renewed: OffsetDateTime) -> Item {
    let mut attrs = template.0.clone();
    attrs.insert("pk".into(), json!(format!("MEMBER#{id}")));
    attrs.insert("memberId".into(), json!(id));
    attrs.insert("username".into(), json!(format!("u{}", id.replace('-', ""))));
    attrs.insert("consentRenewedAt".into(), json!(renewed.format(&Rfc3339).expect("format")));
    let member: MemberRecord = serde_json::from_value(Value::Object(attrs.clone())).expect("a member");
    let (due_pk, due_sk) = due_keys(&Key::new(format!("MEMBER#{id}"), "PROFILE"), member.next_due());
    attrs.insert("duePk".into(), json!(due_pk));
    attrs.insert("dueSk".into(), json!(due_sk));
    Item(attrs)
}

#[tokio::test]
async fn with_the_dated_notices_a_purge_still_reads_about_one_index_item_per_due_item() {
    let app = spawn_app().await;
    // moto copies tables for every transaction (tools/dynamodb_server.py): 200 transactions over
    // thousands of full member items take minutes there, long enough for the SDK to time out and
    // retry one that had applied. DynamoDB runs the same test on 60 due among 500.
    let (live, due): (usize, usize) = if app.store.is_dynamodb() { (500, 60) } else { (20_000, 200) };
    let created = app.register_general(&adult(), "template01").await;
    let member_id = created["memberId"].as_str().expect("memberId").to_owned();
    let template = app
        .dump()
        .await
        .into_iter()
        .find(|i| i.0["pk"] == json!(format!("MEMBER#{member_id}")) && i.0["sk"] == "PROFILE")
        .expect("the member item");
    let now = app.now().await;
    let two_years_ago = membership_domain::calendar::add_seoul_years(now, -2);
    // Live members renewed over the last year; due ones at each dated milestone before withdrawal.
    let mut items: Vec<Item> = (0..live)
        .map(|n| member_like(&template, &format!("live-{n:05}"), now - Duration::hours(n as i64 % 8000)))
        .collect();
    let due_at = [Duration::days(20), Duration::days(5), -Duration::days(2)];
    items.extend((0..due).map(|n| member_like(&template, &format!("due-{n:03}"), two_years_ago + due_at[n % 3])));
    app.store.table().put_batch(items).await.expect("members stored");
    let records = Records::new(app.store.table());
    let purge = Purge::new(records, app.app.service.clock.clone());

    let started = std::time::Instant::now();
    let counts = purge.run(None).await.expect("purge");
    let elapsed = started.elapsed();

    let outbox: Vec<Item> = app
        .dump()
        .await
        .into_iter()
        .filter(|i| i.0["pk"].as_str().is_some_and(|pk| pk.starts_with("OUTBOX#")))
        .collect();
    let ratio = counts.scanned as f64 / due as f64;
    println!(
        "purge with dated notices on {}: {due} members at a milestone among {live} live: read {} index items \
         (ratio {ratio:.2}), {} notices written, {} made dormant, {elapsed:?}",
        if app.store.is_dynamodb() { "DynamoDB" } else { "the embedded store" },
        counts.scanned,
        outbox.len(),
        counts.made_dormant,
    );
    assert!((1.0..=1.1).contains(&ratio), "read {} for {due} due members", counts.scanned);
    // A third at 30 days (e-mail), a third at 7 days (e-mail and text), a third made dormant (e-mail).
    let at = |k: usize| (0..due).filter(|n| n % 3 == k).count();
    assert_eq!(counts.made_dormant as usize, at(2));
    assert_eq!(outbox.len(), at(0) + 2 * at(1) + at(2));
    let second = purge.run(None).await.expect("purge");
    assert_eq!(second.scanned, 0, "each due member moved on to its next milestone");
}

#[tokio::test]
async fn the_notifier_sends_through_the_simulators_at_a_measured_rate() {
    const MESSAGES: usize = 300;
    let app = spawn_app().await;
    let now = app.now().await;
    let items: Vec<Item> = (0..MESSAGES)
        .map(|n| {
            let message = OutboxMessage {
                message_id: format!("rate-{n:04}"),
                notice: Notice::PasswordChanged,
                channel: if n % 2 == 0 { NoticeChannel::Email } else { NoticeChannel::Sms },
                to: if n % 2 == 0 { format!("reader{n}@example.kr") } else { "010-1234-5678".to_owned() },
                language: NoticeLanguage::Ko,
                params: NoticeParams::time(now),
                member_id: format!("member-{n}"),
                created_at: now,
                status: OutboxStatus::Pending,
                attempts: 0,
                next_attempt_at: now,
                parked_because: None,
                version: 0,
            };
            outbox_item_of(&message).expect("an item")
        })
        .collect();
    app.store.table().put_batch(items).await.expect("outbox stored");

    let started = std::time::Instant::now();
    let counts = app.app.notifier.run(None).await.expect("notifier run");
    let elapsed = started.elapsed();

    println!(
        "notifier on {} against the local simulators: {} messages (half e-mail through the SES adapter, half SMS) \
         in {elapsed:?}: {:.0} notices per second",
        if app.store.is_dynamodb() { "DynamoDB" } else { "the embedded store" },
        counts.sent,
        counts.sent as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(counts.sent, MESSAGES as u64);
    let sent = app.get("/_sim/messages").send().await.body["messages"].as_array().map_or(0, Vec::len);
    assert_eq!(sent, MESSAGES);
}
