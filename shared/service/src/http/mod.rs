//! The HTTP API: one table of routes, from which every Lambda function, `cargo lambda watch` and
//! the local server build their routers, so nothing about a route is written twice.

mod certification;
pub mod extract;
mod idempotency;
mod identity;
mod members;
pub mod messages;
mod oauth;
pub mod problem;
mod reference;
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

use self::messages::Lang;
use self::problem::Problem;
use crate::app::Service;

/// The Lambda functions of the service; each serves the routes the table gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    StartSignup,
    RecordConsent,
    VerifyIdentity,
    CompleteSignup,
    SignIn,
    MemberProfile,
    RecoverAccount,
    CertifyCitizen,
    CertifyStudent,
    SingleSignOn,
}

impl Function {
    pub const ALL: [Function; 10] = [
        Function::StartSignup,
        Function::RecordConsent,
        Function::VerifyIdentity,
        Function::CompleteSignup,
        Function::SignIn,
        Function::MemberProfile,
        Function::RecoverAccount,
        Function::CertifyCitizen,
        Function::CertifyStudent,
        Function::SingleSignOn,
    ];

    /// The package and function name (`functions/<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Function::StartSignup => "start-signup",
            Function::RecordConsent => "record-consent",
            Function::VerifyIdentity => "verify-identity",
            Function::CompleteSignup => "complete-signup",
            Function::SignIn => "sign-in",
            Function::MemberProfile => "member-profile",
            Function::RecoverAccount => "recover-account",
            Function::CertifyCitizen => "certify-citizen",
            Function::CertifyStudent => "certify-student",
            Function::SingleSignOn => "single-sign-on",
        }
    }
}

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub function: Function,
    /// Whether an `Idempotency-Key` is honoured (API.md, Conventions): on the POSTs whose caller
    /// is known (a sign-up session or a member) and whose effect must not happen twice; never
    /// where a saved answer could hand a secret to whoever repeats the key (a new sign-up's
    /// token, sign-in, refresh, recovery).
    pub idempotency: Idempotency,
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

const fn route(method: Method, path: &'static str, function: Function) -> Route {
    Route { method, path, function, idempotency: Idempotency::Ignored }
}

/// A POST whose `Idempotency-Key` is honoured for the caller `per` names.
const fn idempotent(path: &'static str, function: Function, per: Idempotency) -> Route {
    Route { method: Method::POST, path, function, idempotency: per }
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

/// Every public route of API.md and the function that serves it. `start-signup` also answers the
/// reference data and, behind API Gateway, the catch-all that turns unknown paths into problems.
pub static ROUTES: [Route; 31] = [
    route(Method::GET, "/healthz", Function::StartSignup),
    route(Method::GET, "/v1/terms", Function::StartSignup),
    route(Method::GET, "/v1/libraries", Function::StartSignup),
    route(Method::GET, "/v1/usernames/{username}", Function::StartSignup),
    route(Method::POST, "/v1/signups", Function::StartSignup),
    idempotent("/v1/signups/{signupId}/consents", Function::RecordConsent, Idempotency::PerSignup),
    idempotent("/v1/signups/{signupId}/identity", Function::VerifyIdentity, Idempotency::PerSignup),
    route(Method::POST, "/v1/identity/requests", Function::VerifyIdentity),
    route(Method::POST, "/v1/identity/return", Function::VerifyIdentity),
    idempotent("/v1/signups/{signupId}/member", Function::CompleteSignup, Idempotency::PerSignup),
    route(Method::POST, "/v1/sessions", Function::SignIn),
    route(Method::POST, "/v1/sessions/refresh", Function::SignIn),
    route(Method::DELETE, "/v1/sessions/current", Function::SignIn),
    route(Method::GET, "/v1/members/me", Function::MemberProfile),
    route(Method::PATCH, "/v1/members/me", Function::MemberProfile),
    route(Method::DELETE, "/v1/members/me", Function::MemberProfile),
    idempotent("/v1/members/me/password", Function::MemberProfile, Idempotency::PerMember),
    idempotent("/v1/members/me/consents/renewal", Function::MemberProfile, Idempotency::PerMember),
    route(Method::GET, "/v1/members/me/export", Function::MemberProfile),
    idempotent("/v1/members/me/upgrade", Function::MemberProfile, Idempotency::PerMember),
    route(Method::POST, "/v1/recovery/username", Function::RecoverAccount),
    route(Method::POST, "/v1/recovery/password", Function::RecoverAccount),
    idempotent("/v1/members/me/certifications/citizen", Function::CertifyCitizen, Idempotency::PerMember),
    idempotent("/v1/members/me/certifications/student", Function::CertifyStudent, Idempotency::PerMember),
    route(Method::GET, "/.well-known/openid-configuration", Function::SingleSignOn),
    route(Method::GET, "/oauth2/jwks", Function::SingleSignOn),
    route(Method::POST, "/oauth2/token", Function::SingleSignOn),
    route(Method::GET, "/oauth2/userinfo", Function::SingleSignOn),
    route(Method::GET, "/oauth2/logout", Function::SingleSignOn),
    route(Method::GET, "/v1/oauth2/clients/{clientId}", Function::SingleSignOn),
    route(Method::POST, "/v1/oauth2/authorizations", Function::SingleSignOn),
];

/// A function's handlers: the handler of each of its routes in the table.
pub type Handlers = fn(&Route) -> MethodRouter<Service>;

/// The handlers of every function, each function's in its own [`Handlers`]: a function's binary
/// names only its own (`lambda::Lambda`), so the linker keeps no other function's code.
pub mod handlers {
    use axum::routing::{delete, get, patch, post, MethodRouter};

    use super::{certification, identity, members, oauth, reference, signup, Function, Route};
    use crate::app::Service;

    /// Any route of the table (the local server and the tests serve them all).
    pub fn all(route: &Route) -> MethodRouter<Service> {
        let handlers: super::Handlers = match route.function {
            Function::StartSignup => start_signup,
            Function::RecordConsent => record_consent,
            Function::VerifyIdentity => verify_identity,
            Function::CompleteSignup => complete_signup,
            Function::SignIn => sign_in,
            Function::MemberProfile => member_profile,
            Function::RecoverAccount => recover_account,
            Function::CertifyCitizen => certify_citizen,
            Function::CertifyStudent => certify_student,
            Function::SingleSignOn => single_sign_on,
        };
        handlers(route)
    }

    fn missing(route: &Route) -> ! {
        unreachable!("route {} {} has no handler in {}", route.method, route.path, route.function.name())
    }

    pub fn start_signup(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("GET", "/healthz") => get(reference::healthz),
            ("GET", "/v1/terms") => get(reference::terms),
            ("GET", "/v1/libraries") => get(reference::libraries),
            ("GET", "/v1/usernames/{username}") => get(reference::username_availability),
            ("POST", "/v1/signups") => post(signup::start_signup),
            _ => missing(route),
        }
    }

    pub fn record_consent(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("POST", "/v1/signups/{signupId}/consents") => post(signup::record_consent),
            _ => missing(route),
        }
    }

    pub fn verify_identity(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("POST", "/v1/signups/{signupId}/identity") => post(signup::verify_identity),
            ("POST", "/v1/identity/requests") => post(identity::create_request),
            ("POST", "/v1/identity/return") => post(identity::return_page),
            _ => missing(route),
        }
    }

    pub fn complete_signup(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("POST", "/v1/signups/{signupId}/member") => post(signup::complete_signup),
            _ => missing(route),
        }
    }

    pub fn sign_in(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("POST", "/v1/sessions") => post(members::sign_in),
            ("POST", "/v1/sessions/refresh") => post(members::refresh),
            ("DELETE", "/v1/sessions/current") => delete(members::sign_out),
            _ => missing(route),
        }
    }

    pub fn member_profile(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("GET", "/v1/members/me") => get(members::me),
            ("PATCH", "/v1/members/me") => patch(members::change_contact),
            ("DELETE", "/v1/members/me") => delete(members::withdraw),
            ("POST", "/v1/members/me/password") => post(members::change_password),
            ("POST", "/v1/members/me/consents/renewal") => post(members::renew_consent),
            ("GET", "/v1/members/me/export") => get(members::export),
            ("POST", "/v1/members/me/upgrade") => post(members::upgrade),
            _ => missing(route),
        }
    }

    pub fn recover_account(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("POST", "/v1/recovery/username") => post(members::recover_username),
            ("POST", "/v1/recovery/password") => post(members::reset_password),
            _ => missing(route),
        }
    }

    pub fn certify_citizen(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("POST", "/v1/members/me/certifications/citizen") => post(certification::certify_citizen),
            _ => missing(route),
        }
    }

    pub fn certify_student(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("POST", "/v1/members/me/certifications/student") => post(certification::certify_student),
            _ => missing(route),
        }
    }

    pub fn single_sign_on(route: &Route) -> MethodRouter<Service> {
        match (route.method.as_str(), route.path) {
            ("GET", "/.well-known/openid-configuration") => get(oauth::discovery),
            ("GET", "/oauth2/jwks") => get(oauth::jwks),
            ("POST", "/oauth2/token") => post(oauth::token),
            ("GET", "/oauth2/userinfo") => get(oauth::userinfo),
            ("GET", "/oauth2/logout") => get(oauth::logout),
            ("GET", "/v1/oauth2/clients/{clientId}") => get(oauth::client),
            ("POST", "/v1/oauth2/authorizations") => post(oauth::authorize),
            _ => missing(route),
        }
    }
}

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
    Problem::new(StatusCode::NOT_FOUND, "not_found")
}

/// Adds what every response needs, whoever serves it: problem+json 404/405 for what matched no
/// route, `x-request-id`, the language of problems, and one log line per request.
pub fn finish(router: Router) -> Router {
    router
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "not_found") })
        .method_not_allowed_fallback(|| async { Problem::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed") })
        .layer(from_fn(observe))
}

/// API.md: every answer under `/v1` but the reference data, and everything under `/oauth2`, may
/// carry a token or personal data, and is never stored by a cache (`Cache-Control: no-store`).
fn holds_personal_data(path: &str) -> bool {
    const REFERENCE: [&str; 2] = ["/v1/terms", "/v1/libraries"];
    (path.starts_with("/v1/") && !REFERENCE.contains(&path)) || path.starts_with("/oauth2/")
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
    let private = holds_personal_data(request.uri().path());
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let span = tracing::info_span!("request", request_id = %request_id, method = %method, route = route.as_deref().unwrap_or("-"));
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
    if private {
        response.headers_mut().insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // API.md: JSON out is `application/json; charset=utf-8`; axum's `Json` names no charset.
    let content_type = response.headers().get(axum::http::header::CONTENT_TYPE);
    if content_type.is_some_and(|value| value == "application/json") {
        response
            .headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    }
    tracing::info!(
        parent: &span,
        status = response.status().as_u16(),
        code = problem.as_ref().map(|p| p.code).unwrap_or(""),
        latency_us = started.elapsed().as_micros() as u64,
        "request completed"
    );
    response
}
