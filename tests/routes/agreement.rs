//! One set of routes: the `ROUTES` table is the source of truth, and template.yaml, the
//! `cargo lambda watch` router and the OpenAPI document must say the same. A route added to the
//! table and not to the others (or the other way round) fails here, naming what is missing where.

use std::collections::BTreeMap;

use membership::http::{Function, CATCH_ALL, ROUTES};

use crate::sources::{self, differences, Template};

#[test]
fn template_http_api_serves_exactly_the_route_table() {
    let routes = sources::template_routes(&Template::load());

    let mut problems = routes.problems;
    problems.extend(differences("ROUTES", &sources::table(), "template.yaml", &routes.routes));

    assert!(problems.is_empty(), "template.yaml's HttpApi events disagree with ROUTES:\n{}", problems.join("\n"));
}

#[test]
fn template_sends_what_no_route_matches_to_the_catch_all_function() {
    let routes = sources::template_routes(&Template::load());

    // API.md, "Behind API Gateway": unmatched paths and methods answer problem+json 404 / 405.
    assert_eq!(
        routes.catch_all,
        [("ANY $default".to_owned(), CATCH_ALL.name().to_owned())],
        "template.yaml needs exactly one catch-all event (Method ANY, Path $default) on {}",
        CATCH_ALL.name()
    );
}

#[test]
fn watch_router_serves_exactly_the_route_table() {
    let watch = sources::watch_router();

    let problems = differences("ROUTES", &sources::table(), "Cargo.toml's watch router", &watch.routes);

    assert!(
        problems.is_empty(),
        "[workspace.metadata.lambda.watch.router] disagrees with ROUTES:\n{}",
        problems.join("\n")
    );
    let catch_all: Vec<_> = watch.any_method.iter().collect();
    assert_eq!(
        catch_all,
        [(&"/{*path}".to_owned(), &CATCH_ALL.name().to_owned())],
        "the watch router's only any-method route is the catch-all to {}",
        CATCH_ALL.name()
    );
}

/// cargo lambda watch loads its router into matchit 0.8; a path it cannot insert, or one that
/// matches another route's function, would fail there only at run time.
#[test]
fn watch_router_matches_each_route_to_its_function_as_cargo_lambda_does() {
    let watch = sources::watch_router();
    let mut by_path: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for ((method, path), function) in &watch.routes {
        by_path.entry(path).or_default().insert(method, function);
    }
    let mut router = matchit::Router::new();
    for (path, methods) in &by_path {
        router.insert(*path, Some(methods.clone())).unwrap_or_else(|e| panic!("watch route {path}: {e}"));
    }
    for path in watch.any_method.keys() {
        router.insert(path.as_str(), None).unwrap_or_else(|e| panic!("watch route {path}: {e}"));
    }

    for route in ROUTES.iter() {
        let concrete = route.path.replace('{', "x-").replace('}', "");
        let matched = router.at(&concrete).unwrap_or_else(|_| panic!("{concrete} matches no watch route"));
        let function = matched.value.as_ref().and_then(|methods| methods.get(route.method.as_str()).copied());
        assert_eq!(function, Some(route.function.name()), "{} {concrete} in the watch router", route.method);
        for (name, value) in matched.params.iter() {
            assert_eq!(format!("x-{name}"), value, "path parameter {name} of {}", route.path);
        }
    }
    let unknown = router.at("/v1/nothing/here").expect("the catch-all matches unknown paths");
    assert!(unknown.value.is_none(), "unknown paths reach the catch-all");
}

#[test]
fn openapi_documents_exactly_the_route_table() {
    let document: serde_json::Value =
        serde_json::from_str(membership_local::openapi::PUBLIC).expect("openapi/membership.json is JSON");
    let documented: BTreeMap<_, _> = sources::openapi_endpoints(&document).into_iter().map(|e| (e, ())).collect();
    let table: BTreeMap<_, _> = sources::table().into_keys().map(|e| (e, ())).collect();

    let problems = differences("ROUTES", &table, "openapi/membership.json", &documented);

    assert!(problems.is_empty(), "the OpenAPI document disagrees with ROUTES:\n{}", problems.join("\n"));
}

#[test]
fn every_function_package_is_one_template_function_and_one_variant() {
    let packages = sources::function_packages();
    let template: Vec<_> = Template::load().functions().into_iter().map(|f| f.binary).collect();
    let variants: Vec<_> = Function::ALL.iter().map(|f| f.name().to_owned()).collect();

    let mut sorted_template = template.clone();
    sorted_template.sort();
    sorted_template.dedup();
    assert_eq!(sorted_template.len(), template.len(), "a package is built by two template functions: {template:?}");
    assert_eq!(
        packages.iter().collect::<Vec<_>>(),
        sorted_template.iter().collect::<Vec<_>>(),
        "packages under functions/ (left) and template.yaml's functions (right) differ"
    );
    let mut sorted_variants = variants.clone();
    sorted_variants.extend(sources::SCHEDULED.iter().map(|(name, ..)| (*name).to_owned()));
    sorted_variants.sort();
    assert_eq!(
        packages.iter().collect::<Vec<_>>(),
        sorted_variants.iter().collect::<Vec<_>>(),
        "packages under functions/ (left) and Function::ALL with the scheduled functions (right) differ"
    );
    for route in ROUTES.iter() {
        assert!(
            Function::ALL.contains(&route.function),
            "{:?} serves {} but is not in Function::ALL",
            route.function,
            route.path
        );
    }
}

#[test]
fn every_function_package_runs_its_own_function() {
    for (function, lambda) in Function::ALL.into_iter().zip(membership::lambda::Lambda::ALL) {
        assert_eq!(lambda.function, function, "Lambda::ALL follows Function::ALL");
        let name = function.name();
        let manifest: toml_edit::DocumentMut =
            sources::read(&format!("functions/{name}/Cargo.toml")).parse().expect("a TOML manifest");
        assert_eq!(manifest["package"]["name"].as_str(), Some(name), "functions/{name}/Cargo.toml names its package");
        let main = sources::read(&format!("functions/{name}/src/main.rs"));
        let constant = name.to_uppercase().replace('-', "_");
        let call = format!("membership::lambda::run(membership::lambda::{constant})");
        assert!(main.contains(&call), "functions/{name}/src/main.rs should call {call}");
    }
    for (name, entry, _) in sources::SCHEDULED {
        let manifest: toml_edit::DocumentMut =
            sources::read(&format!("functions/{name}/Cargo.toml")).parse().expect("a TOML manifest");
        assert_eq!(manifest["package"]["name"].as_str(), Some(name), "functions/{name}/Cargo.toml names its package");
        let main = sources::read(&format!("functions/{name}/src/main.rs"));
        let call = format!("membership::lambda::{entry}()");
        assert!(main.contains(&call), "functions/{name}/src/main.rs should call {call}");
    }
}
