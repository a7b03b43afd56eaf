//! The four places that name the public routes, each read into the same shape: the `ROUTES` table,
//! template.yaml's HTTP API events, Cargo.toml's `cargo lambda watch` router and the OpenAPI
//! document; and the function packages under functions/.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use membership::http::ROUTES;
use membership::lambda::{self, Lambda};
use serde_json::Value as Json;
use serde_norway::Value as Yaml;

/// `(METHOD, path)`, the path as API Gateway and axum write it (`/v1/signups/{signupId}/member`).
pub type Endpoint = (String, String);

/// Where the repository is: the tests crate lives one level below it.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate has a parent").to_owned()
}

pub fn read(relative: &str) -> String {
    let path = repo().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The functions without a route: (package, the `membership::lambda` entry its `main` runs, the
/// configuration it requires). An EventBridge schedule invokes them; everything else about them is
/// checked as for the others.
pub const SCHEDULED: [(&str, &str, &[&str]); 2] = [
    ("purge-expired", "run_purge", &lambda::PURGE_CONFIGURATION),
    ("notifier", "run_notifier", &lambda::NOTIFIER_CONFIGURATION),
];

/// The environment variables each function requires, as shared/service/src/lambda.rs declares them
/// (the same constants its `required(..)` calls read).
pub struct LambdaSource;

impl LambdaSource {
    pub fn load() -> Self {
        Self
    }

    /// What a deployed function requires: the shared service's configuration and its upstream
    /// system's secret for an HTTP function (`membership::lambda::Lambda`), or its scheduled entry's.
    pub fn requires_for(&self, package: &str) -> BTreeSet<String> {
        if let Some((.., configuration)) = SCHEDULED.iter().find(|(name, ..)| *name == package) {
            return configuration.iter().map(|v| (*v).to_owned()).collect();
        }
        let lambda = Lambda::ALL
            .into_iter()
            .find(|lambda| lambda.function.name() == package)
            .unwrap_or_else(|| panic!("{package} is neither a Function nor scheduled"));
        lambda.configuration().into_iter().map(str::to_owned).collect()
    }

    /// Every variable lambda.rs requires anywhere.
    pub fn all_required(&self) -> BTreeSet<String> {
        let mut all: BTreeSet<String> =
            SCHEDULED.iter().flat_map(|(.., configuration)| configuration.iter()).map(|v| (*v).to_owned()).collect();
        all.extend(Lambda::ALL.into_iter().flat_map(Lambda::configuration).map(str::to_owned));
        all
    }

    /// The variables naming an upstream system's endpoint secret.
    pub fn upstream_variables(&self) -> BTreeSet<String> {
        Lambda::ALL.into_iter().filter_map(Lambda::upstream_secret_variable).map(str::to_owned).collect()
    }
}

/// The route table: each endpoint and the function (package name) that serves it.
pub fn table() -> BTreeMap<Endpoint, String> {
    let mut routes = BTreeMap::new();
    for route in ROUTES.iter() {
        let endpoint = (route.method.as_str().to_owned(), route.path.to_owned());
        let previous = routes.insert(endpoint.clone(), route.function.name().to_owned());
        assert!(previous.is_none(), "ROUTES names {endpoint:?} twice");
    }
    routes
}

/// A CloudFormation reference as written in the template: `!Ref X` or `!GetAtt X.Attr` (short
/// form), `{ Ref: X }` or `{ Fn::GetAtt: [X, Attr] }` (long form). `Fn::Sub` strings are returned
/// as they are written; `!Join [",", !Ref X]` (a list parameter as one value) is a reference to `X`.
pub fn reference(value: &Yaml) -> Option<String> {
    match value {
        Yaml::Tagged(tagged) => match tagged.tag.to_string().as_str() {
            "!Ref" | "!GetAtt" | "!Sub" => tagged.value.as_str().map(str::to_owned),
            "!Join" => match tagged.value.as_sequence()?.as_slice() {
                [separator, list] if separator.as_str() == Some(",") => reference(list),
                _ => None,
            },
            _ => None,
        },
        Yaml::Mapping(map) if map.len() == 1 => {
            let (key, inner) = map.iter().next()?;
            match key.as_str()? {
                "Ref" | "Fn::Sub" => inner.as_str().map(str::to_owned),
                "Fn::GetAtt" => {
                    let parts: Vec<&str> = inner.as_sequence()?.iter().filter_map(Yaml::as_str).collect();
                    Some(parts.join("."))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// One `AWS::Serverless::Function` of template.yaml.
#[derive(Debug)]
pub struct TemplateFunction {
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary`: the package cargo lambda builds.
    pub binary: String,
    pub build_method: String,
    pub properties: Yaml,
    /// HTTP API events by name: (method, path, ApiId reference).
    pub http_events: BTreeMap<String, (String, String, Option<String>)>,
}

pub struct Template {
    pub document: Yaml,
}

impl Template {
    pub fn load() -> Self {
        let document = serde_norway::from_str(&read("template.yaml")).expect("template.yaml is YAML");
        Self { document }
    }

    pub fn resources(&self) -> impl Iterator<Item = (&str, &Yaml)> {
        self.document["Resources"]
            .as_mapping()
            .expect("template.yaml has Resources")
            .iter()
            .map(|(name, resource)| (name.as_str().expect("resource names are strings"), resource))
    }

    pub fn resources_of(&self, kind: &str) -> Vec<&str> {
        self.resources().filter(|(_, r)| r["Type"].as_str() == Some(kind)).map(|(name, _)| name).collect()
    }

    pub fn functions(&self) -> Vec<TemplateFunction> {
        self.resources()
            .filter(|(_, resource)| resource["Type"].as_str() == Some("AWS::Serverless::Function"))
            .map(|(logical_id, resource)| {
                let metadata = &resource["Metadata"];
                let binary = metadata["BuildProperties"]["Binary"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{logical_id} has no Metadata.BuildProperties.Binary (its package)"))
                    .to_owned();
                let build_method = metadata["BuildMethod"].as_str().unwrap_or("").to_owned();
                let mut http_events = BTreeMap::new();
                if let Some(events) = resource["Properties"]["Events"].as_mapping() {
                    for (name, event) in events {
                        if event["Type"].as_str() != Some("HttpApi") {
                            continue;
                        }
                        let properties = &event["Properties"];
                        let method = properties["Method"].as_str().unwrap_or("ANY").to_ascii_uppercase();
                        let path = properties["Path"].as_str().unwrap_or("$default").to_owned();
                        let api = reference(&properties["ApiId"]);
                        http_events.insert(name.as_str().unwrap_or("").to_owned(), (method, path, api));
                    }
                }
                TemplateFunction {
                    logical_id: logical_id.to_owned(),
                    binary,
                    build_method,
                    properties: resource["Properties"].clone(),
                    http_events,
                }
            })
            .collect()
    }

    /// The environment a function runs with: `Globals.Function` and its own, its own winning.
    pub fn environment(&self, function: &TemplateFunction) -> BTreeMap<String, Yaml> {
        let mut variables = BTreeMap::new();
        for source in [&self.document["Globals"]["Function"], &function.properties] {
            if let Some(map) = source["Environment"]["Variables"].as_mapping() {
                for (name, value) in map {
                    variables.insert(name.as_str().unwrap_or("").to_owned(), value.clone());
                }
            }
        }
        variables
    }
}

/// Routes of template.yaml's HTTP API, with the package each reaches, and its catch-all routes.
pub struct TemplateRoutes {
    pub routes: BTreeMap<Endpoint, String>,
    pub catch_all: Vec<(String, String)>,
    pub problems: Vec<String>,
}

pub fn template_routes(template: &Template) -> TemplateRoutes {
    let apis = template.resources_of("AWS::Serverless::HttpApi");
    let mut routes = BTreeMap::new();
    let mut catch_all = Vec::new();
    let mut problems = Vec::new();
    for function in template.functions() {
        for (name, (method, path, api)) in &function.http_events {
            if !api.as_deref().is_some_and(|api| apis.contains(&api)) {
                problems.push(format!(
                    "{}.{name}: ApiId {api:?} is not one of the HttpApi resources {apis:?}",
                    function.logical_id
                ));
            }
            if path == "$default" || path == "/{proxy+}" {
                catch_all.push((format!("{method} {path}"), function.binary.clone()));
                continue;
            }
            if let Some(other) = routes.insert((method.clone(), path.clone()), function.binary.clone()) {
                problems.push(format!("{method} {path} is an event of both {other} and {}", function.binary));
            }
        }
    }
    TemplateRoutes { routes, catch_all, problems }
}

/// `[workspace.metadata.lambda.watch.router]` of Cargo.toml: routes with one method each, and the
/// paths routed whatever the method (the catch-all).
pub struct WatchRouter {
    pub routes: BTreeMap<Endpoint, String>,
    pub any_method: BTreeMap<String, String>,
}

pub fn watch_router() -> WatchRouter {
    let manifest: toml_edit::DocumentMut = read("Cargo.toml").parse().expect("Cargo.toml is TOML");
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table_like()
        .expect("Cargo.toml has [workspace.metadata.lambda.watch.router]");
    let mut routes = BTreeMap::new();
    let mut any_method = BTreeMap::new();
    for (path, target) in router.iter() {
        if let Some(function) = target.as_str() {
            any_method.insert(path.to_owned(), function.to_owned());
            continue;
        }
        let entries = target.as_array().unwrap_or_else(|| panic!("watch route {path}: neither a function nor a list"));
        for entry in entries.iter() {
            let entry = entry.as_inline_table().unwrap_or_else(|| panic!("watch route {path}: {entry:?} is no table"));
            let method = entry.get("method").and_then(|m| m.as_str()).expect("watch route entry has a method");
            let function = entry.get("function").and_then(|f| f.as_str()).expect("watch route entry has a function");
            routes.insert((method.to_ascii_uppercase(), path.to_owned()), function.to_owned());
        }
    }
    WatchRouter { routes, any_method }
}

/// The operations of an OpenAPI document.
pub fn openapi_endpoints(document: &Json) -> BTreeSet<Endpoint> {
    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    let paths = document["paths"].as_object().expect("the OpenAPI document has paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(move |method| (method.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

/// The packages under functions/ (directory name = package name = binary name).
pub fn function_packages() -> BTreeSet<String> {
    std::fs::read_dir(repo().join("functions"))
        .expect("functions/ exists")
        .map(|entry| entry.expect("functions/ entry").path())
        .filter(|path| path.join("Cargo.toml").is_file())
        .map(|path| path.file_name().expect("a directory name").to_string_lossy().into_owned())
        .collect()
}

/// What two sources disagree on, for a message that says which side lacks what.
pub fn differences<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    left_name: &str,
    left: &BTreeMap<K, V>,
    right_name: &str,
    right: &BTreeMap<K, V>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (key, value) in left {
        match right.get(key) {
            None => out.push(format!("{key:?} ({value:?}) is in {left_name} but not in {right_name}")),
            Some(other) if other != value => {
                out.push(format!("{key:?} is served by {value:?} in {left_name} but by {other:?} in {right_name}"))
            }
            Some(_) => {}
        }
    }
    for (key, value) in right {
        if !left.contains_key(key) {
            out.push(format!("{key:?} ({value:?}) is in {right_name} but not in {left_name}"));
        }
    }
    out
}
