//! The API Gateway events in events/ (HTTP API, payload 2.0), one per route and three for the
//! catch-all, each parsed by lambda_http and run through its function's router on an in-memory
//! service, as `cargo lambda invoke <function> --data-file events/<file>` would run it. Every route
//! needs an event, every event an expected answer, and the answer must be one the OpenAPI document
//! lists for that operation, so none of them can rot. The scheduled functions have an EventBridge
//! event each (`<function>.scheduled.json`), run through the purge on an in-memory table.

use std::collections::BTreeMap;

use axum::body::Body;
use lambda_http::request::RequestContext;
use membership::app::purge::Purge;
use membership::http::{function_router, Auth, Function, CATCH_ALL, ROUTES};
use membership_local::local::{LocalApp, LocalOptions};
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::sources;

/// What each event answers on a fresh store: (status, problem code); an authenticated route's event
/// needs a line only when it answers other than [`expected`] says. The sign-up steps name a
/// sign-up that does not exist; the member routes carry a made-up access token; the recovery
/// routes a made-up identity result; the sign-in a member that does not exist. An identity request
/// names an origin the fresh server does not allow; the return page an unknown request (its page
/// says so, in HTML).
const EXPECTED: [(&str, u16, Option<&str>); 35] = [
    ("start-signup.get-healthz", 200, None),
    ("start-signup.get-terms", 200, None),
    ("start-signup.get-libraries", 200, None),
    ("start-signup.get-usernames", 200, None),
    ("start-signup.post-signups", 201, None),
    ("record-consent.post-signups-consents", 404, Some("signup.not_found")),
    ("verify-identity.post-signups-identity", 404, Some("signup.not_found")),
    ("verify-identity.post-identity-requests", 422, Some("validation.failed")),
    ("verify-identity.post-identity-return", 200, None),
    ("complete-signup.post-signups-member", 404, Some("signup.not_found")),
    ("start-signup.default-unknown-path", 404, Some("not_found")),
    ("start-signup.default-wrong-method", 405, Some("method_not_allowed")),
    // A method no route has on a path another function serves also reaches the catch-all.
    ("start-signup.default-get-consents", 405, Some("method_not_allowed")),
    ("start-signup.default-put-members-me", 405, Some("method_not_allowed")),
    ("sign-in.post-sessions", 401, Some("auth.invalid_credentials")),
    ("sign-in.post-sessions-refresh", 401, Some("auth.refresh_invalid")),
    ("sign-in.delete-sessions-current", 401, Some("auth.token_invalid")),
    ("member-profile.get-members-me", 401, Some("auth.token_invalid")),
    ("member-profile.patch-members-me", 401, Some("auth.token_invalid")),
    ("member-profile.delete-members-me", 401, Some("auth.token_invalid")),
    ("member-profile.post-members-me-password", 401, Some("auth.token_invalid")),
    ("member-profile.post-members-me-consents-renewal", 401, Some("auth.token_invalid")),
    ("member-profile.get-members-me-export", 401, Some("auth.token_invalid")),
    ("member-profile.post-members-me-upgrade", 401, Some("auth.token_invalid")),
    ("recover-account.post-recovery-username", 422, Some("identity.result_invalid")),
    ("recover-account.post-recovery-password", 422, Some("identity.result_invalid")),
    ("certify-citizen.post-members-me-certifications-citizen", 401, Some("auth.token_invalid")),
    ("certify-student.post-members-me-certifications-student", 401, Some("auth.token_invalid")),
    // Single sign-on: OAuth's own errors (RFC 6749 §5.2, RFC 6750 §3) are JSON without a `code`;
    // the logout names a post-logout URI no client registered.
    ("single-sign-on.get-.well-known-openid-configuration", 200, None),
    ("single-sign-on.get-oauth2-jwks", 200, None),
    ("single-sign-on.post-oauth2-token", 400, None),
    ("single-sign-on.get-oauth2-userinfo", 401, None),
    ("single-sign-on.get-oauth2-logout", 422, Some("sso.invalid_client")),
    ("single-sign-on.get-oauth2-clients", 200, None),
    ("single-sign-on.post-oauth2-authorizations", 401, Some("auth.token_invalid")),
];

/// The name of a scheduled function's event.
const SCHEDULED_EVENT: &str = "scheduled";

/// The name an event of `method path` has: `<function>.<method>-<path segments without /v1 and
/// parameters>`, e.g. `record-consent.post-signups-consents`.
fn event_name(function: &str, method: &str, path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != "v1" && !s.starts_with('{')).collect();
    format!("{function}.{}-{}", method.to_ascii_lowercase(), segments.join("-"))
}

/// Every event file, by name.
fn all_events() -> BTreeMap<String, String> {
    let dir = sources::repo().join("events");
    std::fs::read_dir(&dir)
        .expect("events/ exists")
        .map(|entry| entry.expect("events/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path.file_stem().expect("a file name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("event file"))
        })
        .collect()
}

fn is_scheduled(name: &str) -> bool {
    sources::SCHEDULED.iter().any(|(function, ..)| name == format!("{function}.{SCHEDULED_EVENT}"))
}

/// The API Gateway events: every file but the scheduled functions' events.
fn events() -> BTreeMap<String, String> {
    all_events().into_iter().filter(|(name, _)| !is_scheduled(name)).collect()
}

/// Whether `path` is an instance of the route pattern `pattern` (`{parameter}` matches a segment).
fn path_matches(pattern: &str, path: &str) -> bool {
    let (pattern, path): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    pattern.len() == path.len()
        && pattern.iter().zip(&path).all(|(expected, actual)| expected.starts_with('{') || expected == actual)
}

fn function_named(name: &str) -> Function {
    *Function::ALL.iter().find(|f| f.name() == name).unwrap_or_else(|| panic!("no function {name}"))
}

/// What the event `name` answers: its line of `EXPECTED`, or for an authenticated route without
/// one, what a made-up credential gets (a member's token refused, a sign-up that does not exist).
fn expected(name: &str) -> Option<(u16, Option<&'static str>)> {
    if let Some((_, status, code)) = EXPECTED.iter().find(|(expected, ..)| *expected == name) {
        return Some((*status, *code));
    }
    let route =
        ROUTES.iter().find(|route| event_name(route.function.name(), route.method.as_str(), route.path) == name)?;
    match route.auth {
        Auth::Member => Some((401, Some("auth.token_invalid"))),
        Auth::Signup => Some((404, Some("signup.not_found"))),
        Auth::Public => None,
    }
}

#[test]
fn every_route_has_an_event_and_every_event_an_expected_answer() {
    let events = events();
    for route in ROUTES.iter() {
        let name = event_name(route.function.name(), route.method.as_str(), route.path);
        assert!(events.contains_key(&name), "{} {} has no event: add events/{name}.json", route.method, route.path);
    }
    for name in events.keys() {
        assert!(expected(name).is_some(), "events/{name}.json has no expected answer in EXPECTED");
    }
    for (name, ..) in EXPECTED {
        assert!(events.contains_key(name), "EXPECTED names events/{name}.json, which does not exist");
    }
    for (function, ..) in sources::SCHEDULED {
        let name = format!("{function}.{SCHEDULED_EVENT}");
        assert!(all_events().contains_key(&name), "{function} has no event: add events/{name}.json");
    }
}

/// The fields of an EventBridge "Scheduled Event", as EventBridge sends it to the function.
const SCHEDULED_EVENT_FIELDS: [&str; 9] =
    ["account", "detail", "detail-type", "id", "region", "resources", "source", "time", "version"];

/// `events/purge-expired.scheduled.json` through the purge on an in-memory table: a sign-up left
/// unfinished (with its Idempotency-Key record) is due a day later; the run removes both, answers
/// the counts of API.md as the function's result, and a second run finds nothing.
#[tokio::test]
async fn the_scheduled_event_runs_the_purge_and_answers_its_counts() {
    let text = all_events().remove("purge-expired.scheduled").expect("events/purge-expired.scheduled.json");
    // What run_purge's handler receives: the event as JSON (LambdaEvent<serde_json::Value>).
    let event: Value = serde_json::from_str(&text).expect("events/purge-expired.scheduled.json is JSON");
    let fields: Vec<&str> = event.as_object().expect("an object").keys().map(String::as_str).collect();
    assert_eq!(fields, SCHEDULED_EVENT_FIELDS, "the fields of an EventBridge Scheduled Event");
    assert_eq!((event["version"].as_str(), event["source"].as_str()), (Some("0"), Some("aws.events")));
    assert_eq!(event["detail-type"], "Scheduled Event");
    assert_eq!(event["detail"], json!({}), "a scheduled event has no detail");
    let (region, account) = (event["region"].as_str().unwrap_or(""), event["account"].as_str().unwrap_or(""));
    let rule = format!("arn:aws:events:{region}:{account}:rule/");
    let resources = event["resources"].as_array().expect("resources");
    assert!(
        resources.len() == 1 && resources[0].as_str().is_some_and(|arn| arn.starts_with(&rule)),
        "the event names the rule that sent it: {resources:?}"
    );
    time::OffsetDateTime::parse(event["time"].as_str().unwrap_or(""), &time::format_description::well_known::Rfc3339)
        .expect("time is RFC 3339");

    let app = LocalApp::new(LocalOptions::default());
    let signup = all_events().remove("start-signup.post-signups").expect("the sign-up event");
    let request = lambda_http::request::from_str(&signup).expect("an HTTP API event");
    assert!(!request.headers().contains_key("idempotency-key"), "version 2: the header means nothing on a new sign-up");
    let response = function_router(app.service.clone(), Function::StartSignup)
        .oneshot(request.map(|body| Body::from(body.to_vec())))
        .await
        .expect("routers do not fail");
    assert_eq!(response.status().as_u16(), 201);
    let purge = Purge::new(app.service.records.clone(), app.service.clock.clone());

    let counts = serde_json::to_value(purge.run(None).await.expect("a run")).expect("counts are JSON");
    let nothing = json!({ "signupsPurged": 0, "markersPurged": 0, "madeDormant": 0, "withdrawn": 0, "scanned": 0 });
    assert_eq!(counts, nothing, "nothing is due yet");

    app.clock.advance(25 * 60 * 60).expect("a day is in range");
    let counts = serde_json::to_value(purge.run(None).await.expect("a run")).expect("counts are JSON");
    assert_eq!(
        counts,
        json!({ "signupsPurged": 1, "markersPurged": 0, "madeDormant": 0, "withdrawn": 0, "scanned": 1 }),
        "the expired sign-up"
    );
    let again = serde_json::to_value(purge.run(None).await.expect("a run")).expect("counts are JSON");
    assert_eq!(again, nothing, "API.md: running it twice in a row changes nothing the second time");
}

#[tokio::test]
async fn every_event_runs_through_its_functions_router() {
    let openapi: Value = serde_json::from_str(membership_local::openapi::PUBLIC).expect("the OpenAPI document");
    let app = LocalApp::new(LocalOptions::default());

    for (name, text) in events() {
        let (function, _) = name.split_once('.').expect("events are named <function>.<route>");
        let function = function_named(function);
        let event: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("events/{name}.json: {e}"));
        let route_key = event["routeKey"].as_str().expect("routeKey").to_owned();
        let raw_path = event["rawPath"].as_str().expect("rawPath").to_owned();
        let request = lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("events/{name}.json: {e}"));
        let method = request.method().as_str().to_owned();

        // The event is what API Gateway sends for this route to this function.
        match route_key.split_once(' ') {
            None => {
                assert_eq!(route_key, "$default", "events/{name}.json");
                assert_eq!(function, CATCH_ALL, "events/{name}.json: the catch-all reaches {}", CATCH_ALL.name());
            }
            Some((key_method, key_path)) => {
                let route = ROUTES
                    .iter()
                    .find(|r| r.method.as_str() == key_method && r.path == key_path)
                    .unwrap_or_else(|| panic!("events/{name}.json: routeKey {route_key} is no route"));
                assert_eq!(
                    route.function, function,
                    "events/{name}.json is named for the function serving {route_key}"
                );
                assert_eq!(method, key_method, "events/{name}.json: requestContext.http.method");
                assert_eq!(name, event_name(function.name(), key_method, key_path));
                let pattern: Vec<&str> = key_path.split('/').collect();
                let actual: Vec<&str> = raw_path.split('/').collect();
                assert_eq!(pattern.len(), actual.len(), "events/{name}.json: rawPath {raw_path} for {key_path}");
                for (expected, segment) in pattern.iter().zip(&actual) {
                    match expected.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                        Some(parameter) => assert_eq!(
                            event["pathParameters"][parameter].as_str(),
                            Some(*segment),
                            "events/{name}.json: pathParameters.{parameter}"
                        ),
                        None => assert_eq!(expected, segment, "events/{name}.json: rawPath {raw_path}"),
                    }
                }
            }
        }
        assert!(
            matches!(request.extensions().get::<RequestContext>(), Some(RequestContext::ApiGatewayV2(_))),
            "events/{name}.json is read as an HTTP API payload 2.0 event"
        );

        let response = function_router(app.service.clone(), function)
            .oneshot(request.map(|body| Body::from(body.to_vec())))
            .await
            .expect("routers do not fail");

        let status = response.status().as_u16();
        let allow = response.headers().get("allow").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let request_id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("the body");
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let (expected_status, expected_code) = expected(&name).expect("checked above");
        assert_eq!(
            (status, body["code"].as_str()),
            (expected_status, expected_code),
            "events/{name}.json: {}",
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(
            request_id.as_deref(),
            event["requestContext"]["requestId"].as_str(),
            "events/{name}.json: x-request-id is API Gateway's request id"
        );
        if status == 405 {
            // RFC 9110: a 405 names the methods the resource has, whichever function serves them.
            let mut methods: Vec<&str> =
                ROUTES.iter().filter(|r| path_matches(r.path, &raw_path)).map(|r| r.method.as_str()).collect();
            // axum answers HEAD wherever it answers GET, and names it (RFC 9110 lets GET imply HEAD).
            if methods.contains(&"GET") {
                methods.push("HEAD");
            }
            methods.sort_unstable();
            let mut allowed: Vec<&str> = allow.as_deref().unwrap_or("").split(',').map(str::trim).collect();
            allowed.sort_unstable();
            assert_eq!(allowed, methods, "events/{name}.json: Allow of the 405");
        }
        let expected_type = match expected_code {
            Some(_) => "application/problem+json",
            None if route_key == "POST /v1/identity/return" => "text/html",
            None => "application/json",
        };
        assert!(content_type.starts_with(expected_type), "events/{name}.json: content-type {content_type}");

        // The answer is one the OpenAPI document lists for the operation.
        if let Some((key_method, key_path)) = route_key.split_once(' ') {
            let operation = &openapi["paths"][key_path][key_method.to_ascii_lowercase()];
            let documented = &operation["responses"][status.to_string()];
            assert!(documented.is_object(), "openapi: {route_key} does not list {status}");
            if let Some(code) = expected_code {
                let codes = documented["content"]["application/problem+json"]["schema"]["allOf"][1]["properties"]
                    ["code"]["enum"]
                    .as_array()
                    .unwrap_or_else(|| panic!("openapi: {route_key} {status} lists no codes"));
                assert!(codes.iter().any(|c| c == code), "openapi: {route_key} {status} does not list {code}");
            }
        }
    }
}
