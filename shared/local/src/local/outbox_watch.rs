//! The local server's table and middleware that send a request's notices before its answer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use membership::app::notifier::Notifier;
use membership::store::{Item, Key, StoreError, Table, Write};

/// The table as the local server uses it, noting when a write put a message in the outbox.
pub(super) struct OutboxWatch {
    pub(super) inner: Arc<dyn Table>,
    pub(super) written: Arc<AtomicBool>,
}

fn puts_pending_message(write: &Write) -> bool {
    matches!(write, Write::Put { item, .. }
        if item.0.get(membership::store::PK).and_then(|v| v.as_str()).is_some_and(|pk| pk.starts_with("OUTBOX#"))
            && item.0.get("status").and_then(|v| v.as_str()) == Some("pending"))
}

#[async_trait]
impl Table for OutboxWatch {
    async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.inner.get(key).await
    }

    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let outbox = writes.iter().any(puts_pending_message);
        self.inner.write(writes).await?;
        if outbox {
            self.written.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    async fn query(&self, pk: &str, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.inner.query(pk, sk_prefix).await
    }

    async fn query_due(&self, due_pk: &str, from: &str, to: &str, limit: usize) -> Result<Vec<Item>, StoreError> {
        self.inner.query_due(due_pk, from, to, limit).await
    }

    async fn delete_batch(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        self.inner.delete_batch(keys).await
    }

    async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.put_batch(items).await
    }
}

#[derive(Clone)]
pub(super) struct AfterOutbox {
    pub(super) notifier: Arc<Notifier>,
    pub(super) written: Arc<AtomicBool>,
}

/// API.md, "Notices": locally, what a request put in the outbox is sent before its answer goes
/// out, so it shows in `GET /_sim/messages` at once.
pub(super) async fn notify_after_outbox_writes(
    axum::extract::State(after): axum::extract::State<AfterOutbox>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    if after.written.swap(false, Ordering::SeqCst) {
        if let Err(error) = after.notifier.run(None).await {
            tracing::warn!(error = %error, "notifier run failed; the messages wait in the outbox");
        }
    }
    response
}
