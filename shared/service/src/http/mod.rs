//! The HTTP API: one declaration per route (`routes.rs`), from which every Lambda function,
//! `cargo lambda watch` and the local server build their routers, so nothing about a route is
//! written twice.

mod answer;
mod certification;
pub mod codes;
mod declare;
pub mod extract;
mod idempotency;
mod identity;
mod members;
pub mod messages;
mod oauth;
pub mod problem;
mod reference;
mod routes;
mod signup;

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use tracing::Instrument;

use self::codes::ProblemCode;
pub(crate) use self::declare::declare_lambdas;
use self::messages::Lang;
use self::problem::Problem;
pub(crate) use self::routes::route_declarations;
pub use self::routes::{handlers, Function, ROUTES};
use crate::app::Service;

/// One route of [`ROUTES`], as [`routes`] declares it.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub function: Function,
    /// The name of its `HttpApi` event in template.yaml.
    pub event: &'static str,
    /// The caller the route authenticates.
    pub auth: Auth,
    /// Whether an `Idempotency-Key` is honoured, and for which caller (API.md, Conventions).
    pub idempotency: Idempotency,
    /// Whether a cache may store its answers: only reference data, which holds no token or
    /// personal data (API.md, Conventions); every other answer carries `Cache-Control: no-store`.
    pub cacheable: bool,
}

/// The caller a route authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone (the route checks what the body proves, if anything).
    Public,
    /// The sign-up session whose token the request bears.
    Signup,
    /// The member whose access token the request bears.
    Member,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Honoured for the sign-up session whose token the request bears.
    PerSignup,
    /// Honoured for the member whose access token the request bears.
    PerMember,
    /// The header is not even read.
    Ignored,
}

impl Idempotency {
    /// The policy of a route authenticating `auth`: a key is honoured only for a known caller, so
    /// declaring an idempotent public route does not compile.
    pub const fn of(auth: Auth, idempotent: bool) -> Self {
        match (auth, idempotent) {
            (_, false) => Idempotency::Ignored,
            (Auth::Signup, true) => Idempotency::PerSignup,
            (Auth::Member, true) => Idempotency::PerMember,
            (Auth::Public, true) => panic!("an Idempotency-Key is honoured only for an authenticated caller"),
        }
    }
}

impl Route {
    /// The route of the table that serves `method` on the matched path `path`.
    pub fn find(method: &Method, path: &str) -> Option<&'static Route> {
        ROUTES.iter().find(|route| route.method == *method && route.path == path)
    }
}

/// The function behind API Gateway's catch-all route (`$default`): what matches no route of the
/// table reaches it, and its router answers problem+json 404 / 405 like every other.
pub const CATCH_ALL: Function = Function::StartSignup;

/// A function's handlers: the handler of each of its routes in the table.
pub type Handlers = fn(&Route) -> MethodRouter<Service>;

/// The routes of `functions` on `service`, with `Idempotency-Key` honoured on their POSTs.
pub fn routes(service: Service, functions: &[Function]) -> Router {
    routes_with(service, functions, handlers::all)
}

fn routes_with(service: Service, functions: &[Function], handlers: Handlers) -> Router {
    ROUTES
        .iter()
        .filter(|route| functions.contains(&route.function))
        .fold(Router::new(), |router, route| router.route(route.path, handlers(route)))
        .route_layer(from_fn_with_state(service.clone(), idempotency::idempotency))
        .with_state(service)
}

/// The router one Lambda function runs.
pub fn function_router(service: Service, function: Function) -> Router {
    function_router_with(service, function, handlers::all)
}

/// The router one Lambda function runs, from its own handlers.
pub fn function_router_with(service: Service, function: Function, handlers: Handlers) -> Router {
    let mut router = routes_with(service, &[function], handlers);
    if function == CATCH_ALL {
        // Behind API Gateway a method no route has reaches the catch-all even on another function's
        // path: holding those routes too, it answers 405 there (with their methods in `Allow`) and
        // 404 elsewhere. API Gateway sends it nothing those routes match.
        for route in ROUTES.iter().filter(|r| r.function != function) {
            let Ok(filter) = MethodFilter::try_from(route.method.clone()) else { continue };
            router = router.route(route.path, on(filter, served_elsewhere));
        }
    }
    finish(router)
}

async fn served_elsewhere() -> Problem {
    Problem::new(StatusCode::NOT_FOUND, ProblemCode::NotFound)
}

/// Adds what every response needs, whoever serves it: problem+json 404/405 for what matched no
/// route, `x-request-id`, the language of problems, and one log line per request.
pub fn finish(router: Router) -> Router {
    router
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, ProblemCode::NotFound) })
        .method_not_allowed_fallback(|| async {
            Problem::new(StatusCode::METHOD_NOT_ALLOWED, ProblemCode::MethodNotAllowed)
        })
        .layer(from_fn(observe))
}

/// API.md: every answer but the reference data may carry a token or personal data, and is never
/// stored by a cache (`Cache-Control: no-store`). A route of the table says so in its declaration;
/// what no route of the table answers (a 404, a local-only page) is private unless it says otherwise.
fn cache_policy(method: &Method, matched: Option<&MatchedPath>) -> CachePolicy {
    // axum answers HEAD with the GET route.
    let method = if method == Method::HEAD { &Method::GET } else { method };
    match matched.and_then(|path| Route::find(method, path.as_str())) {
        Some(route) if route.cacheable => CachePolicy::Cacheable,
        Some(_) => CachePolicy::NoStore,
        None => CachePolicy::NoStoreUnlessSet,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CachePolicy {
    Cacheable,
    NoStore,
    NoStoreUnlessSet,
}

async fn observe(request: Request, next: Next) -> Response {
    let request_id = match request.extensions().get::<lambda_http::request::RequestContext>() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
            context.request_id.clone().unwrap_or_else(crate::keys::random_id)
        }
        _ => crate::keys::random_id(),
    };
    let lang = Lang::from_accept_language(
        request.headers().get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    );
    let method = request.method().clone();
    let matched = request.extensions().get::<MatchedPath>();
    let cache = cache_policy(&method, matched);
    let route = matched.map(|p| p.as_str().to_owned());
    let invocation = crate::telemetry::Invocation::of(request.extensions());
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = route.as_deref().unwrap_or("-"),
        requestId = invocation.request_id,
        xrayTraceId = invocation.trace_id,
    );
    let started = Instant::now();
    let context = crate::audit::RequestContext {
        request_id: request_id.clone(),
        source_ip: extract::source_ip(request.extensions()),
    };
    let mut response =
        lang.scope(crate::audit::with_request(context, next.run(request))).instrument(span.clone()).await;
    let problem = response.extensions().get::<Arc<Problem>>().cloned();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let no_store = HeaderValue::from_static("no-store");
    match cache {
        CachePolicy::Cacheable => {}
        CachePolicy::NoStore => {
            response.headers_mut().insert(axum::http::header::CACHE_CONTROL, no_store);
        }
        CachePolicy::NoStoreUnlessSet => {
            response.headers_mut().entry(axum::http::header::CACHE_CONTROL).or_insert(no_store);
        }
    }
    // API.md: JSON out is `application/json; charset=utf-8`; axum's `Json` names no charset.
    let content_type = response.headers().get(axum::http::header::CONTENT_TYPE);
    if content_type.is_some_and(|value| value == "application/json") {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    }
    let replayed = response.headers().contains_key("idempotent-replayed");
    let code = problem.as_ref().map(|p| p.code.as_str()).unwrap_or("");
    crate::metrics::request_finished(method.as_str(), route.as_deref(), response.status().as_u16(), code, replayed);
    tracing::info!(
        parent: &span,
        status = response.status().as_u16(),
        code,
        latency_us = started.elapsed().as_micros() as u64,
        "request completed"
    );
    response
}
