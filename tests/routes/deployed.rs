//! What is never deployed stays out of the functions by the crate graph: no function depends on the
//! local crate or enables the test-only store calls of `membership` (its `test-support` feature).

use std::fs;

use crate::sources;

#[test]
fn no_function_links_the_local_crate_or_the_test_only_store_calls() {
    let functions = fs::read_dir(sources::repo().join("functions")).expect("functions/");
    let mut checked = 0;
    for entry in functions {
        let manifest = entry.expect("an entry of functions/").path().join("Cargo.toml");
        let text = fs::read_to_string(&manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let document: toml_edit::DocumentMut = text.parse().unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let dependencies = document["dependencies"].as_table_like().expect("[dependencies]");

        assert!(dependencies.get("membership-local").is_none(), "{} depends on membership-local", manifest.display());
        let features = dependencies.get("membership").and_then(|d| d.get("features"));
        let features =
            features.and_then(|f| f.as_array()).map(|f| f.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>());
        assert_eq!(
            features.unwrap_or_default(),
            Vec::<&str>::new(),
            "{} enables features of membership",
            manifest.display()
        );
        checked += 1;
    }
    assert!(checked >= 10, "every function package is checked, found {checked}");
}
