//! The web client of the sign-up guide's screens (`web/` at the repository root): plain HTML, CSS and
//! ES modules, embedded in the binary so that `local-api` serves them with no build step. The local
//! server merges these routes; they are not in the API's route table, so no Lambda function serves them.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// One file of the client and where it is served.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
    /// Files of the client are always revalidated (`no-cache`: a rebuilt binary serves the new
    /// client at once); a page under `/oauth2` is never stored (API.md, single sign-on).
    pub cache_control: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
// Browsers run a module only when it is served with a JavaScript MIME type.
const JS: &str = "text/javascript; charset=utf-8";

macro_rules! asset {
    ($path:literal, $content_type:expr, $file:literal) => {
        asset!($path, $content_type, $file, "no-cache")
    };
    ($path:literal, $content_type:expr, $file:literal, $cache_control:literal) => {
        Asset {
            path: $path,
            content_type: $content_type,
            body: include_str!(concat!("../../../web/", $file)),
            cache_control: $cache_control,
        }
    };
}

/// Every file of the client: the page at `/` (and at `/oauth2/authorize`), the rest under `/web/`.
pub static ASSETS: [Asset; 16] = [
    asset!("/", HTML, "index.html"),
    // Single sign-on's authorization page (API.md): the same client, which reads the request from
    // its query.
    asset!("/oauth2/authorize", HTML, "index.html", "no-store"),
    asset!("/web/app.css", CSS, "app.css"),
    asset!("/web/app.js", JS, "app.js"),
    asset!("/web/i18n.js", JS, "i18n.js"),
    asset!("/web/api.js", JS, "api.js"),
    asset!("/web/dom.js", JS, "dom.js"),
    asset!("/web/problems.js", JS, "problems.js"),
    asset!("/web/identity.js", JS, "identity.js"),
    asset!("/web/password.js", JS, "password.js"),
    asset!("/web/signup.js", JS, "signup.js"),
    asset!("/web/account.js", JS, "account.js"),
    asset!("/web/certification.js", JS, "certification.js"),
    asset!("/web/authorize.js", JS, "authorize.js"),
    asset!("/web/manage.js", JS, "manage.js"),
    asset!("/web/idle.js", JS, "idle.js"),
];

/// The page may run only its own scripts and styles and talk only to this origin; nothing may frame it.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn routes() -> Router {
    ASSETS
        .iter()
        .fold(Router::new(), |router, asset| router.route(asset.path, get(move || async move { serve(asset) })))
}

fn serve(asset: &'static Asset) -> Response {
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(asset.cache_control));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if asset.content_type == HTML {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    }
    response
}
