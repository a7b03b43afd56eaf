//! The OpenAPI documents local-api serves: the public API at `/openapi.json` and the simulators at
//! `/_sim/openapi.json`. Like the simulators they are no route of the table and no function serves
//! them; tests/routes checks the public document against the route table.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// The public API (API.md), as a client reads it.
pub const PUBLIC: &str = include_str!("../../../openapi/membership.json");

/// The simulated upstreams of the local server.
pub const SIMULATORS: &str = include_str!("../../../openapi/simulators.json");

pub fn routes() -> Router {
    Router::new()
        .route("/openapi.json", get(|| document(PUBLIC)))
        .route("/_sim/openapi.json", get(|| document(SIMULATORS)))
}

async fn document(text: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json; charset=utf-8")], text)
}
