//! Reference data routes and the health check.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::Json;
use membership_domain::consent::documents;
use membership_domain::library::Library;
use serde_json::json;

use super::extract::PathParam;
use crate::app::{Failure, Service};

pub async fn terms() -> impl IntoResponse {
    let documents: Vec<_> = documents()
        .map(|doc| {
            json!({
                "id": doc.id, "version": doc.version, "title": doc.title,
                "required": doc.required, "body": doc.body, "step": doc.step,
            })
        })
        .collect();
    Json(json!({ "documents": documents }))
}

pub async fn libraries() -> impl IntoResponse {
    let libraries: Vec<_> = Library::ALL.iter().map(|lib| json!({ "code": lib.code(), "name": lib.name() })).collect();
    Json(json!({ "libraries": libraries }))
}

pub async fn username_availability(
    State(service): State<Service>,
    PathParam(username): PathParam,
) -> Result<impl IntoResponse, Failure> {
    let (username, available) = service.username_available(&username).await?;
    Ok(Json(json!({ "username": username, "available": available })))
}

pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}
