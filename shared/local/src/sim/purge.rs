//! `POST /_sim/purge`: the scheduled `purge-expired` job, run now on the local server, and the
//! notifier after it.

use std::sync::Arc;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};

use membership::app::notifier::Notifier;
use membership::app::purge::Purge;
use membership::app::{Failure, Service};

pub fn routes(service: Service, notifier: Arc<Notifier>) -> Router {
    Router::new().route("/_sim/purge", post(purge)).with_state((service, notifier))
}

/// The purge, then the notifier (API.md, "Notices"): what the purge put in the outbox, and what
/// was waiting for a retry, goes out before the answer.
async fn purge(State((service, notifier)): State<(Service, Arc<Notifier>)>) -> Result<impl IntoResponse, Failure> {
    let counts = Purge::new(service.records.clone(), service.clock.clone()).run(None).await?;
    notifier.run(None).await?;
    Ok(Json(counts))
}
