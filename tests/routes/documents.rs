//! local-api serves the OpenAPI documents (never deployed): the public API at /openapi.json and
//! the simulators at /_sim/openapi.json, and every simulator operation documented is served.

use axum::body::Body;
use axum::http::{Method, Request};
use membership_local::local::{LocalApp, LocalOptions};
use serde_json::Value;
use tower::ServiceExt;

use crate::sources;

async fn get(app: &LocalApp, path: &str) -> (u16, String, Value) {
    let request = Request::get(path).body(Body::empty()).expect("a request");
    let response = app.router.clone().oneshot(request).await.expect("routers do not fail");
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("the body");
    (status, content_type, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn local_api_serves_the_public_document_at_openapi_json() {
    let app = LocalApp::new(LocalOptions::default());

    let (status, content_type, body) = get(&app, "/openapi.json").await;

    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/json"), "{content_type}");
    assert_eq!(body["openapi"], "3.1.0");
    assert_eq!(body, serde_json::from_str::<Value>(membership_local::openapi::PUBLIC).expect("JSON"));
}

#[tokio::test]
async fn local_api_serves_the_simulators_document_and_every_operation_in_it() {
    let app = LocalApp::new(LocalOptions::default());

    let (status, _, body) = get(&app, "/_sim/openapi.json").await;

    assert_eq!(status, 200);
    assert_eq!(body["openapi"], "3.1.0");
    let operations = sources::openapi_endpoints(&body);
    assert!(!operations.is_empty());
    for (method, path) in operations {
        assert!(path.starts_with("/_sim/"), "the simulators' document holds only /_sim/ routes: {path}");
        let operation = &body["paths"][&path][method.to_ascii_lowercase()];
        let builder = Request::builder().method(Method::from_bytes(method.as_bytes()).expect("a method")).uri(&path);
        let request = if operation["requestBody"].is_object() {
            // An empty object is refused by every simulator that takes a body, but only by a route that exists.
            builder.header("content-type", "application/json").body(Body::from("{}")).expect("a request")
        } else {
            builder.body(Body::empty()).expect("a request")
        };
        let response = app.router.clone().oneshot(request).await.expect("routers do not fail");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("the body");
        if operation["requestBody"].is_object() {
            // The simulated identity provider answers an empty body as the provider does: a server
            // call without its credentials 401, a window without its form a page saying why.
            let refused = status == 422 || (400..500).contains(&status) && path.starts_with("/_sim/nice/");
            assert!(refused, "{method} {path} answered {status}: documented but not served as documented");
            assert!(
                operation["responses"][status.to_string()].is_object(),
                "{method} {path} does not document {status}"
            );
            continue;
        }
        // Without a body (POST /_sim/purge): the documented answer, with the fields its schema requires.
        let documented = &operation["responses"][status.to_string()];
        assert!(documented.is_object(), "{method} {path} answered {status}, which it does not document");
        let schema = &documented["content"]["application/json"]["schema"]["$ref"];
        let name = schema.as_str().and_then(|r| r.rsplit('/').next()).expect("a schema of components");
        let answer: Value = serde_json::from_slice(&bytes).expect("a JSON answer");
        for field in body["components"]["schemas"][name]["required"].as_array().expect("required fields") {
            let field = field.as_str().expect("a field name");
            assert!(answer.get(field).is_some(), "{method} {path}: {field} missing from {answer}");
        }
    }
}

#[test]
fn the_public_document_holds_no_simulator_or_local_route() {
    let document: Value = serde_json::from_str(membership_local::openapi::PUBLIC).expect("JSON");
    for (_, path) in sources::openapi_endpoints(&document) {
        assert!(!path.starts_with("/_sim/") && path != "/openapi.json", "{path} is not public");
    }
}
