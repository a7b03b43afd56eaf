//! API.md, "Local server": the web client at `/`, its files under `/web/`, embedded in the binary and
//! served with their content types; not part of the deployed route table.

use api_tests::spawn_app;
use membership_local::web::ASSETS;

/// The content type a browser needs for a file, by its name.
fn expected_content_type(path: &str) -> &'static str {
    // The page, also where single sign-on's authorization request lands.
    if path == "/" || path == "/oauth2/authorize" {
        "text/html; charset=utf-8"
    } else if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if path.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else {
        panic!("no expected content type for {path}")
    }
}

/// The relative modules a JavaScript file imports (`from './api.js'`), as served paths.
fn imports_of(source: &str) -> Vec<String> {
    source
        .split("from './")
        .skip(1)
        .filter_map(|rest| rest.split('\'').next())
        .map(|file| format!("/web/{file}"))
        .collect()
}

#[tokio::test]
async fn the_page_is_served_at_the_root_as_html() {
    let app = spawn_app().await;

    let response = app.get("/").send().await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(response.text.starts_with("<!doctype html>"), "{}", response.text);
    assert!(response.text.contains(r#"<html lang="ko">"#), "Korean by default");
    assert!(response.text.contains(r#"<script type="module" src="/web/app.js">"#));
    assert!(response.text.contains(r#"<link rel="stylesheet" href="/web/app.css">"#));
    let policy = response.header("content-security-policy").unwrap_or("");
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(response.header("x-request-id").is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn the_authorization_page_is_the_same_document_and_cannot_be_framed() {
    let app = spawn_app().await;
    let root = app.get("/").send().await;

    let response = app
        .get("/oauth2/authorize?response_type=code&client_id=library-app&redirect_uri=http%3A%2F%2F127.0.0.1%3A8401%2Fcallback")
        .send()
        .await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.text, root.text, "the web client's document, which routes by its address");
    assert!(response.text.contains(r#"<script type="module" src="/web/app.js">"#));
    // A consent button in someone else's frame could be clicked by a trick: no frame may hold it.
    let policy = response.header("content-security-policy").unwrap_or("");
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("script-src 'self'"), "{policy}");
    assert_eq!(response.header("cache-control"), Some("no-store"));
    assert_eq!(response.header("referrer-policy"), Some("no-referrer"), "the request's state stays in this page");
}

#[tokio::test]
async fn every_asset_answers_with_its_content_type() {
    let app = spawn_app().await;

    for asset in &ASSETS {
        let response = app.get(asset.path).send().await;

        assert_eq!(response.status, 200, "{}: {}", asset.path, response.text);
        assert_eq!(response.header("content-type"), Some(expected_content_type(asset.path)), "{}", asset.path);
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"), "{}", asset.path);
        // API.md: everything under `/oauth2` is `no-store`, the authorization page included.
        let cache = if asset.path.starts_with("/oauth2/") { "no-store" } else { "no-cache" };
        assert_eq!(response.header("cache-control"), Some(cache), "{}", asset.path);
        assert_eq!(response.text, asset.body, "{} is served as embedded", asset.path);
    }
    let stylesheet = app.get("/web/app.css").send().await;
    assert_eq!(stylesheet.header("content-type"), Some("text/css; charset=utf-8"));
    let module = app.get("/web/app.js").send().await;
    assert_eq!(module.header("content-type"), Some("text/javascript; charset=utf-8"));
}

#[tokio::test]
async fn every_module_the_page_imports_is_served() {
    let app = spawn_app().await;
    let served: Vec<&str> = ASSETS.iter().map(|asset| asset.path).collect();

    for asset in ASSETS.iter().filter(|asset| asset.path.ends_with(".js")) {
        for import in imports_of(asset.body) {
            assert!(served.contains(&import.as_str()), "{} imports {import}, which is not served", asset.path);
            let response = app.get(&import).send().await;
            assert_eq!(response.status, 200, "{import}");
        }
    }
    // Every served module is reached from the entry point, so none is dead weight in the binary.
    let mut reached = vec!["/web/app.js".to_owned()];
    let mut index = 0;
    while index < reached.len() {
        let body = ASSETS.iter().find(|a| a.path == reached[index]).map(|a| a.body).unwrap_or("");
        for import in imports_of(body) {
            if !reached.contains(&import) {
                reached.push(import);
            }
        }
        index += 1;
    }
    for asset in ASSETS.iter().filter(|asset| asset.path.ends_with(".js")) {
        assert!(reached.iter().any(|r| r == asset.path), "{} is served but never imported", asset.path);
    }
}

#[tokio::test]
async fn an_unknown_asset_is_a_problem_404() {
    let app = spawn_app().await;

    let response = app.get("/web/missing.js").send().await;

    response.assert_problem(404, "not_found");
}

#[test]
fn the_web_client_is_not_in_the_deployed_route_table() {
    for route in membership::http::ROUTES.iter() {
        assert!(route.path != "/" && !route.path.starts_with("/web/"), "{} is deployed", route.path);
    }
}
