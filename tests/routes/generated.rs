//! What `cargo run -p local-api --bin generate` writes from the route declarations is what the
//! repository holds: a route added, moved or removed without running it fails here.

use membership_local::generate;

use crate::sources;

#[test]
fn the_watch_router_and_template_events_are_as_generated() {
    let repo = sources::repo();
    for file in generate::generated(&repo).expect("the generator reads the files") {
        let on_disk = sources::read(&file.path.to_string_lossy());
        let differing: Vec<String> = on_disk
            .lines()
            .zip(file.text.lines())
            .enumerate()
            .filter(|(_, (disk, generated))| disk != generated)
            .take(3)
            .map(|(i, (disk, generated))| format!("line {}: has {disk:?}, generated {generated:?}", i + 1))
            .collect();
        assert!(
            on_disk == file.text,
            "{} differs from what the route declarations generate (run `cargo run -p local-api --bin generate`):\n{}",
            file.path.display(),
            differing.join("\n")
        );
    }
}

#[test]
fn every_route_has_an_event_file() {
    let missing: Vec<String> =
        generate::missing_events(&sources::repo()).iter().map(|file| file.path.display().to_string()).collect();
    assert!(missing.is_empty(), "routes without an event (run `cargo run -p local-api --bin generate`): {missing:?}");
}

#[test]
fn an_event_skeleton_is_a_request_to_its_route_as_lambda_http_reads_it() {
    for route in membership::http::ROUTES.iter() {
        let text = generate::event_skeleton(route);
        let request = lambda_http::request::from_str(&text).expect("an HTTP API event");
        assert_eq!(request.method(), route.method, "{}", route.path);
        assert_eq!(
            request.uri().path().split('/').count(),
            route.path.split('/').count(),
            "{}: {}",
            route.path,
            request.uri().path()
        );
    }
}
