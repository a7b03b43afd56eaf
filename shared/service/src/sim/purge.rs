//! `POST /_sim/purge`: the scheduled `purge-expired` job, run now on the local server.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};

use crate::app::purge::Purge;
use crate::app::{Failure, Service};

pub fn routes(service: Service) -> Router {
    Router::new().route("/_sim/purge", post(purge)).with_state(service)
}

async fn purge(State(service): State<Service>) -> Result<impl IntoResponse, Failure> {
    let counts = Purge::new(service.records.clone(), service.clock.clone()).run(None).await?;
    Ok(Json(counts))
}
