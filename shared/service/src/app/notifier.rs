//! The notifier (API.md, "Notices"): sends what the outbox holds, each message once.
//!
//! Neither SES's `SendEmail` nor a plain SMS API takes an idempotency key the service could rely
//! on, so a message is claimed *before* it is sent: a conditional write (on its version) turns it
//! from `pending` to `sending`, and only the notifier whose write applied sends it. After the send,
//! the message is deleted (address and all); after a refusal, it goes back to `pending` with a
//! later attempt time (1, 2, 4, 8 minutes), and after [`MAX_ATTEMPTS`] refusals it is parked. A
//! notifier that dies between its claim and its delete leaves a `sending` message whose claim
//! lapses: nobody knows whether it went out, so it is parked too, never sent again on a guess.
//! Parked messages stay (in the index's `PARKED` partition) until a person looks; the alarms count
//! them. So a message is sent at most once and never lost.

use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::Clock;
use crate::notices::{MailSender, NoticeChannel, Outgoing, SendError, SmsSender, Templates};
use crate::records::{OutboxMessage, OutboxStatus, Records, FIRST_RETRY, MAX_ATTEMPTS, PARKED_PK, SEND_LEASE};
use crate::store::{Key, StoreError, DUE_SHARDS, DUE_SK};

/// What one run did, as it logs and returns it (and the deployed function reports as metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifierCounts {
    pub sent: u64,
    /// Attempts refused (each is retried later, or parked after the last).
    pub failed: u64,
    /// Messages parked by this run.
    pub parked: u64,
    /// Messages parked and still there, this run's included.
    pub parked_total: u64,
    /// Messages left to send later (waiting for their next attempt).
    pub unsent: u64,
    /// Age in seconds of the oldest message not yet sent, parked ones included (0 when none).
    pub oldest_unsent_seconds: i64,
    /// Items the index queries returned.
    pub scanned: u64,
}

/// Index items read per query.
const PAGE: usize = 100;

pub struct Notifier {
    records: Records,
    clock: Arc<dyn Clock>,
    mail: Arc<dyn MailSender>,
    sms: Arc<dyn SmsSender>,
    templates: Arc<Templates>,
    /// The least time between two sends: SES's sending rate (a throttled send would count as a
    /// refusal, and a burst could use up a message's attempts).
    pace: Option<std::time::Duration>,
}

impl Notifier {
    pub fn new(
        records: Records,
        clock: Arc<dyn Clock>,
        mail: Arc<dyn MailSender>,
        sms: Arc<dyn SmsSender>,
        templates: Arc<Templates>,
    ) -> Self {
        Self { records, clock, mail, sms, templates, pace: None }
    }

    /// Sends at most one message per `pace`.
    pub fn with_pace(mut self, pace: std::time::Duration) -> Self {
        self.pace = Some(pace);
        self
    }

    /// One run: every message whose attempt time has come, shard by shard. `budget` stops it after
    /// that many sends; the rest wait for the next run.
    pub async fn run(&self, budget: Option<u64>) -> Result<NotifierCounts, StoreError> {
        let now = self.clock.now();
        let mut counts = NotifierCounts::default();
        let mut oldest: Option<OffsetDateTime> = None;
        let budget = budget.unwrap_or(u64::MAX);
        // A message retried later moves further on in the index and may show again in this run.
        let mut seen = std::collections::HashSet::new();
        for shard in 0..DUE_SHARDS {
            let due_pk = format!("SEND#{shard}");
            let mut from = "0".to_owned();
            loop {
                let items = self.records.table().query_due(&due_pk, &from, "~", PAGE).await?;
                counts.scanned += items.len() as u64;
                for item in &items {
                    let Some(key) = item.key() else { continue };
                    if !seen.insert(key.clone()) {
                        continue;
                    }
                    let Some(message) = self.records.outbox_message(&key).await? else { continue };
                    let due = message.next_attempt_at <= now;
                    if due && counts.sent + counts.failed < budget {
                        let started = tokio::time::Instant::now();
                        self.attempt(message, now, &mut counts, &mut oldest).await?;
                        if let Some(pace) = self.pace {
                            tokio::time::sleep_until(started + pace).await;
                        }
                    } else if message.status != OutboxStatus::Parked {
                        counts.unsent += 1;
                        oldest = Some(oldest.map_or(message.created_at, |o| o.min(message.created_at)));
                    }
                }
                match items.last().and_then(|i| i.0.get(DUE_SK)).and_then(|v| v.as_str()) {
                    Some(last) if items.len() == PAGE => from = format!("{last}\u{1}"),
                    _ => break,
                }
            }
        }
        let parked = self.parked().await?;
        counts.parked_total = parked.len() as u64;
        for message in &parked {
            oldest = Some(oldest.map_or(message.created_at, |o| o.min(message.created_at)));
        }
        counts.oldest_unsent_seconds = oldest.map_or(0, |at| (now - at).whole_seconds().max(0));
        if counts.sent + counts.failed + counts.parked > 0 || counts.parked_total > 0 {
            tracing::info!(
                sent = counts.sent,
                failed = counts.failed,
                parked = counts.parked,
                parked_total = counts.parked_total,
                unsent = counts.unsent,
                oldest_unsent_seconds = counts.oldest_unsent_seconds,
                "notifier run"
            );
        }
        Ok(counts)
    }

    /// The parked messages, oldest first (at most a page: enough to count and alarm on).
    pub async fn parked(&self) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut parked = Vec::new();
        for item in self.records.table().query_due(PARKED_PK, "0", "~", 1000).await? {
            if let Some(message) = self.records.outbox_message(&outbox_key(&item)).await? {
                if message.status == OutboxStatus::Parked {
                    parked.push(message);
                }
            }
        }
        Ok(parked)
    }

    async fn attempt(
        &self,
        mut message: OutboxMessage,
        now: OffsetDateTime,
        counts: &mut NotifierCounts,
        oldest: &mut Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        let mut unsent = |message: &OutboxMessage, counts: &mut NotifierCounts| {
            counts.unsent += 1;
            *oldest = Some(oldest.map_or(message.created_at, |o| o.min(message.created_at)));
        };
        match message.status {
            OutboxStatus::Parked => return Ok(()),
            // A claim that lapsed: the notifier holding it stopped mid-send.
            OutboxStatus::Sending => {
                self.park(&mut message, "claim lapsed: outcome unknown", counts).await?;
                return Ok(());
            }
            OutboxStatus::Pending => {}
        }
        message.status = OutboxStatus::Sending;
        message.attempts += 1;
        message.next_attempt_at = now + SEND_LEASE;
        match self.records.save_outbox_message(&mut message).await {
            Ok(()) => {}
            // Another notifier claimed or finished it first.
            Err(StoreError::ConditionFailed { .. }) => return Ok(()),
            Err(error) => return Err(error),
        }
        match self.send(&message).await {
            Ok(()) => {
                counts.sent += 1;
                match self.records.delete_outbox_message(&message).await {
                    Ok(()) | Err(StoreError::ConditionFailed { .. }) => Ok(()),
                    // Sent but not deleted: the claim lapses and parks it, never sends it again.
                    Err(error) => Err(error),
                }
            }
            Err(SendError::NotSent(reason)) if message.attempts < MAX_ATTEMPTS => {
                counts.failed += 1;
                tracing::warn!(
                    reason = %reason,
                    notice = message.notice.as_str(),
                    channel = message.channel.as_str(),
                    attempts = message.attempts,
                    "notice not sent; retried later"
                );
                message.status = OutboxStatus::Pending;
                message.next_attempt_at = now + FIRST_RETRY * 2i32.pow(message.attempts - 1);
                unsent(&message, counts);
                self.save_ignoring_lost_claim(&mut message).await
            }
            Err(SendError::NotSent(reason)) => {
                counts.failed += 1;
                unsent(&message, counts);
                self.park(&mut message, &reason, counts).await
            }
            Err(SendError::Unknown(reason)) => {
                counts.failed += 1;
                unsent(&message, counts);
                self.park(&mut message, &reason, counts).await
            }
        }
    }

    async fn send(&self, message: &OutboxMessage) -> Result<(), SendError> {
        let rendered = self
            .templates
            .render(message.notice, message.channel, message.language, &message.params)
            .map_err(|error| SendError::NotSent(error.to_string()))?;
        let outgoing = Outgoing {
            notice: message.notice,
            to: &message.to,
            subject: rendered.subject.as_deref().unwrap_or_default(),
            body: &rendered.body,
            reference: &message.message_id,
        };
        match message.channel {
            NoticeChannel::Email => self.mail.send(outgoing).await,
            NoticeChannel::Sms => self.sms.send(outgoing).await,
        }
    }

    /// Parks a message: kept, never sent again on its own, counted by the alarm.
    async fn park(
        &self,
        message: &mut OutboxMessage,
        reason: &str,
        counts: &mut NotifierCounts,
    ) -> Result<(), StoreError> {
        tracing::error!(
            reason = %reason,
            notice = message.notice.as_str(),
            channel = message.channel.as_str(),
            attempts = message.attempts,
            "notice parked"
        );
        message.status = OutboxStatus::Parked;
        message.parked_because = Some(reason.to_owned());
        counts.parked += 1;
        self.save_ignoring_lost_claim(message).await
    }

    async fn save_ignoring_lost_claim(&self, message: &mut OutboxMessage) -> Result<(), StoreError> {
        match self.records.save_outbox_message(message).await {
            Ok(()) | Err(StoreError::ConditionFailed { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

fn outbox_key(item: &crate::store::Item) -> Key {
    item.key().unwrap_or_else(|| Key::new("", ""))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;

    use super::*;
    use crate::clock::AdjustableClock;
    use crate::notices::{Notice, NoticeLanguage, NoticeParams};
    use crate::records::{outbox_key_of, OutboxMessage};
    use crate::store::memory::MemoryTable;

    /// Counts the sends; refuses them when told to.
    #[derive(Default)]
    struct Counting {
        sends: AtomicUsize,
    }

    #[async_trait]
    impl MailSender for Counting {
        async fn send(&self, _message: Outgoing<'_>) -> Result<(), SendError> {
            self.sends.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[async_trait]
    impl SmsSender for Counting {
        async fn send(&self, _message: Outgoing<'_>) -> Result<(), SendError> {
            self.sends.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    fn message(status: OutboxStatus, now: OffsetDateTime) -> OutboxMessage {
        OutboxMessage {
            message_id: "m1".into(),
            notice: Notice::PasswordChanged,
            channel: NoticeChannel::Email,
            to: "reader@example.kr".into(),
            language: NoticeLanguage::Ko,
            params: NoticeParams::time(now),
            member_id: "member".into(),
            created_at: now,
            status,
            attempts: u32::from(status == OutboxStatus::Sending),
            next_attempt_at: now,
            parked_because: None,
            version: 0,
        }
    }

    async fn notifier_with(stored: OutboxMessage) -> (Notifier, Records, Arc<Counting>, Arc<AdjustableClock>) {
        let records = Records::new(Arc::new(MemoryTable::new()));
        let clock = Arc::new(AdjustableClock::default());
        let mut stored = stored;
        // Saved as version 0 → 1 through the same write the notifier makes.
        stored.version = 0;
        records
            .table()
            .write(vec![crate::store::Write::Put {
                item: crate::records::outbox_item_of(&stored).expect("item"),
                condition: crate::store::Condition::Absent,
            }])
            .await
            .expect("stored");
        let mail = Arc::new(Counting::default());
        let templates = Arc::new(Templates::new());
        let notifier = Notifier::new(records.clone(), clock.clone(), mail.clone(), mail.clone(), templates);
        (notifier, records, mail, clock)
    }

    #[tokio::test]
    async fn a_claim_that_lapsed_is_parked_not_sent_again() {
        // Given a message a notifier claimed and then died with, its lease now past
        let now = AdjustableClock::default().now();
        let (notifier, records, mail, clock) = notifier_with(message(OutboxStatus::Sending, now)).await;
        clock.advance((SEND_LEASE + time::Duration::seconds(1)).whole_seconds()).expect("advance");

        // When the notifier runs, twice
        let first = notifier.run(None).await.expect("run");
        let second = notifier.run(None).await.expect("run");

        // Then nothing is sent: the message is parked, kept, and counted
        assert_eq!(mail.sends.load(Ordering::SeqCst), 0);
        assert_eq!((first.parked, first.parked_total, second.parked_total), (1, 1, 1));
        let kept = records.outbox_message(&outbox_key_of("m1")).await.expect("read").expect("kept");
        assert_eq!(kept.status, OutboxStatus::Parked);
    }

    #[tokio::test]
    async fn a_pending_message_is_sent_once_and_leaves_nothing_behind() {
        let now = AdjustableClock::default().now();
        let (notifier, records, mail, _clock) = notifier_with(message(OutboxStatus::Pending, now)).await;

        let (first, second) = tokio::join!(notifier.run(None), notifier.run(None));

        assert_eq!(first.expect("run").sent + second.expect("run").sent, 1, "two runs at once: one send");
        assert_eq!(mail.sends.load(Ordering::SeqCst), 1);
        assert!(records.outbox_message(&outbox_key_of("m1")).await.expect("read").is_none(), "deleted once sent");
    }
}
