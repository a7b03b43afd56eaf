//! The files the route declarations (`membership::http::ROUTES`) imply, written by
//! `cargo run -p local-api --bin generate`: the `cargo lambda watch` router in Cargo.toml, each
//! function's `HttpApi` events in template.yaml, and an event skeleton in events/ for a route that
//! has none. tests/routes compares the first two with the files, so drift is fixed by running it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use membership::http::{Auth, Function, Route, CATCH_ALL, ROUTES};

/// The header of the watch router's table in Cargo.toml; the generator owns it up to the next table.
const WATCH_ROUTER: &str = "[workspace.metadata.lambda.watch.router]";

/// The catch-all's event in template.yaml, after the routes of [`CATCH_ALL`].
const CATCH_ALL_EVENT: &str =
    "        # Whatever no route above matches: the function answers problem+json 404 / 405 itself.
        CatchAll:
          Type: HttpApi
          Properties:
            ApiId: !Ref HttpApi
            Method: ANY
            Path: $default
";

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot read or write {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}")]
    Missing(String),
}

/// One file's text as the declarations say it should read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Relative to the repository.
    pub path: PathBuf,
    pub text: String,
}

/// Cargo.toml and template.yaml as generated from the files under `repo`, with the generated
/// parts replaced and every other line kept.
pub fn generated(repo: &Path) -> Result<Vec<File>, GenerateError> {
    let cargo = read(repo, "Cargo.toml")?;
    let template = read(repo, "template.yaml")?;
    Ok(vec![
        File { path: "Cargo.toml".into(), text: with_watch_router(&cargo)? },
        File { path: "template.yaml".into(), text: with_http_api_events(&template)? },
    ])
}

/// The event skeletons of the routes that have no event in events/ yet: a request as API Gateway
/// sends it, to be completed by hand (a body, a token) before its expected answer is known.
pub fn missing_events(repo: &Path) -> Vec<File> {
    ROUTES
        .iter()
        .map(|route| (route, PathBuf::from("events").join(format!("{}.json", event_name(route)))))
        .filter(|(_, path)| !repo.join(path).exists())
        .map(|(route, path)| File { path, text: event_skeleton(route) })
        .collect()
}

/// Writes what [`generated`] and [`missing_events`] give; answers the files it changed.
pub fn write(repo: &Path) -> Result<Vec<PathBuf>, GenerateError> {
    let mut changed = Vec::new();
    for file in generated(repo)?.into_iter().chain(missing_events(repo)) {
        let path = repo.join(&file.path);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(file.text.as_str()) {
            std::fs::write(&path, &file.text).map_err(|e| GenerateError::Io(path.clone(), e))?;
            changed.push(file.path);
        }
    }
    Ok(changed)
}

fn read(repo: &Path, relative: &str) -> Result<String, GenerateError> {
    let path = repo.join(relative);
    std::fs::read_to_string(&path).map_err(|e| GenerateError::Io(path, e))
}

/// The name of a route's event in events/: `<function>.<method>-<path segments without /v1 and
/// parameters>`, e.g. `record-consent.post-signups-consents`.
pub fn event_name(route: &Route) -> String {
    let segments: Vec<&str> =
        route.path.split('/').filter(|s| !s.is_empty() && *s != "v1" && !s.starts_with('{')).collect();
    format!("{}.{}-{}", route.function.name(), route.method.as_str().to_ascii_lowercase(), segments.join("-"))
}

/// Cargo.toml with its watch router table rewritten: each path once, in declaration order, with
/// the methods declared on it, then the catch-all to [`CATCH_ALL`].
pub fn with_watch_router(cargo: &str) -> Result<String, GenerateError> {
    let start = cargo
        .find(WATCH_ROUTER)
        .ok_or_else(|| GenerateError::Missing(format!("Cargo.toml has no {WATCH_ROUTER} table")))?;
    let end =
        cargo[start + WATCH_ROUTER.len()..].find("\n[").map_or(cargo.len(), |i| start + WATCH_ROUTER.len() + i + 1);
    let mut table = format!("{WATCH_ROUTER}\n");
    let mut paths: Vec<&str> = Vec::new();
    for route in ROUTES.iter() {
        if !paths.contains(&route.path) {
            paths.push(route.path);
        }
    }
    for path in paths {
        let entries: Vec<String> = ROUTES
            .iter()
            .filter(|route| route.path == path)
            .map(|route| format!("{{ method = \"{}\", function = \"{}\" }}", route.method, route.function.name()))
            .collect();
        match entries.as_slice() {
            [one] => writeln!(table, "\"{path}\" = [{one}]"),
            many => {
                writeln!(table, "\"{path}\" = [\n{}]", many.iter().map(|e| format!("    {e},\n")).collect::<String>())
            }
        }
        .expect("writing to a String");
    }
    writeln!(table, "\"/{{*path}}\" = \"{}\"\n", CATCH_ALL.name()).expect("writing to a String");
    Ok(format!("{}{table}{}", &cargo[..start], &cargo[end..]))
}

/// template.yaml with each function's `Events:` rewritten: one `HttpApi` event per declared route,
/// named as declared, and the catch-all on [`CATCH_ALL`].
pub fn with_http_api_events(template: &str) -> Result<String, GenerateError> {
    let mut lines: Vec<String> = template.lines().map(str::to_owned).collect();
    for function in Function::ALL {
        let resource = format!("  {}Function:", function.resource());
        let at = lines.iter().position(|line| *line == resource).ok_or_else(|| {
            GenerateError::Missing(format!(
                "template.yaml has no resource {}Function for {}: add it (with its log group and alarms) like the others",
                function.resource(),
                function.name()
            ))
        })?;
        let events = (at + 1..lines.len())
            .take_while(|&i| lines[i].is_empty() || lines[i].starts_with("    "))
            .find(|&i| lines[i] == "      Events:")
            .ok_or_else(|| GenerateError::Missing(format!("{}Function has no Events:", function.resource())))?;
        let end = (events + 1..lines.len())
            .find(|&i| lines[i].is_empty() || !lines[i].starts_with("        "))
            .unwrap_or(lines.len());
        let mut block = String::new();
        for route in ROUTES.iter().filter(|route| route.function == function) {
            write!(
                block,
                "        {}:\n          Type: HttpApi\n          Properties:\n            ApiId: !Ref HttpApi\n            Method: {}\n            Path: {}\n",
                route.event, route.method, route.path
            )
            .expect("writing to a String");
        }
        if function == CATCH_ALL {
            block.push_str(CATCH_ALL_EVENT);
        }
        lines.splice(events + 1..end, block.lines().map(str::to_owned));
    }
    let mut text = lines.join("\n");
    if template.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// A request to `route` as API Gateway's HTTP API (payload 2.0) sends it: path parameters named
/// `example`, an empty JSON body on a POST or PATCH, a made-up bearer token on an authenticated route.
pub fn event_skeleton(route: &Route) -> String {
    let method = route.method.as_str();
    let mut parameters = serde_json::Map::new();
    let raw_path: Vec<String> = route
        .path
        .split('/')
        .map(|segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                parameters.insert(name.to_owned(), "example".into());
                "example".to_owned()
            }
            None => segment.to_owned(),
        })
        .collect();
    let raw_path = raw_path.join("/");
    let mut headers = serde_json::json!({
        "accept": "application/json",
        "accept-language": "ko-KR,ko;q=0.9,en;q=0.8",
        "host": "k7x2m9q4p1.execute-api.ap-northeast-2.amazonaws.com",
        "x-forwarded-for": "203.0.113.24",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https"
    });
    let with_body = matches!(method, "POST" | "PATCH" | "PUT");
    if with_body {
        headers["content-type"] = "application/json; charset=utf-8".into();
    }
    if route.auth != Auth::Public {
        headers["authorization"] = "Bearer example-token".into();
    }
    let route_key = format!("{method} {}", route.path);
    let mut event = serde_json::json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "k7x2m9q4p1",
            "domainName": "k7x2m9q4p1.execute-api.ap-northeast-2.amazonaws.com",
            "domainPrefix": "k7x2m9q4p1",
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.24",
                "userAgent": "curl/8.5.0"
            },
            "requestId": "Qw12eHjKoE0EJ7g=",
            "routeKey": route_key,
            "stage": "$default",
            "time": "22/Nov/2026:06:00:00 +0000",
            "timeEpoch": 1795327200012u64
        },
        "isBase64Encoded": false
    });
    if !parameters.is_empty() {
        event["pathParameters"] = parameters.into();
    }
    if with_body {
        event["body"] = "{}".into();
    }
    serde_json::to_string_pretty(&event).expect("JSON") + "\n"
}
