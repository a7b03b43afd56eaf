//! The web client keeps a copy of the service's problem and field texts (web/i18n.js) to rewrite a
//! problem on screen when its language changes: the copy says exactly what the service says.

use std::collections::BTreeMap;

use membership::http::codes::ProblemCode;
use membership::http::messages::{field_message, Lang, FIELD_CODES};
use serde_json::Value;

use crate::sources;

/// The object literal `const <name> = { ... };` of web/i18n.js, one member a line, read as JSON.
fn literal(name: &str) -> BTreeMap<String, Value> {
    let script = sources::read("web/i18n.js");
    let start = format!("const {name} = {{\n");
    let from = script.find(&start).unwrap_or_else(|| panic!("web/i18n.js declares {name}")) + start.len();
    let length = script[from..].find("\n};").unwrap_or_else(|| panic!("{name} ends with `}};`"));
    script[from..from + length]
        .lines()
        .map(|line| {
            let line = line.trim().trim_end_matches(',');
            let (key, value) = line.split_once(": ").unwrap_or_else(|| panic!("`key: value` in {line}"));
            let value = value.replacen("{ ko: ", "{ \"ko\": ", 1).replacen(", en: ", ", \"en\": ", 1);
            let value = serde_json::from_str(&value).unwrap_or_else(|e| panic!("{key} of {name}: {e}: {value}"));
            (key.trim_matches('\'').to_owned(), value)
        })
        .collect()
}

#[test]
fn the_web_clients_problem_texts_are_the_services() {
    let copy = literal("PROBLEM_TEXTS");

    let service: BTreeMap<String, Value> = ProblemCode::ALL
        .iter()
        .map(|code| {
            let (ko, en) = (code.text(Lang::Ko), code.text(Lang::En));
            (code.as_str().to_owned(), serde_json::json!({ "ko": [ko.0, ko.1], "en": [en.0, en.1] }))
        })
        .collect();
    assert_eq!(copy, service, "web/i18n.js PROBLEM_TEXTS differs from the service's problem texts");
}

#[test]
fn the_web_clients_field_messages_are_the_services() {
    let copy = literal("FIELD_TEXTS");

    let service: BTreeMap<String, Value> = FIELD_CODES
        .iter()
        .map(|code| {
            ((*code).to_owned(), serde_json::json!([field_message(code, Lang::Ko), field_message(code, Lang::En)]))
        })
        .collect();
    assert_eq!(copy, service, "web/i18n.js FIELD_TEXTS differs from the service's field messages");
}
