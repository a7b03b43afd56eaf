//! API.md, "Reference data": the consent documents, the nine institutions, and 아이디 중복확인.

use std::collections::BTreeMap;

use api_tests::{adult, spawn_app};

/// DOMAIN.md, "One membership for every institution".
const INSTITUTIONS: [(&str, &str); 9] = [
    ("gyeyang", "인천광역시교육청계양도서관"),
    ("juan", "인천광역시교육청주안도서관"),
    ("lifelong-learning", "인천광역시교육청평생학습관"),
    ("bupyeong", "인천광역시교육청부평도서관"),
    ("central", "인천광역시교육청중앙도서관"),
    ("hwadojin", "인천광역시교육청화도진도서관"),
    ("seogu", "인천광역시교육청서구도서관"),
    ("integrated-public", "인천광역시교육청통합공공도서관"),
    ("yeonsu", "인천광역시교육청연수도서관"),
];

#[tokio::test]
async fn the_health_check_answers_when_ready() {
    let app = spawn_app().await;

    let response = app.get("/healthz").send().await;

    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn terms_list_the_four_documents_with_their_steps() {
    let app = spawn_app().await;

    let response = app.get("/v1/terms").send().await;

    assert_eq!(response.status, 200, "{}", response.text);
    let documents = response.body["documents"].as_array().expect("documents");
    let steps: BTreeMap<&str, &str> =
        documents.iter().map(|doc| (doc["id"].as_str().expect("id"), doc["step"].as_str().expect("step"))).collect();
    assert_eq!(documents.len(), 4, "{}", response.text);
    assert_eq!(
        steps,
        BTreeMap::from([
            ("terms-of-use", "signup"),
            ("privacy-collection", "signup"),
            ("citizen-third-party", "certification"),
            ("student-collection", "certification"),
        ])
    );
    for doc in documents {
        for text in ["version", "title", "body"] {
            assert!(doc[text].as_str().is_some_and(|s| !s.trim().is_empty()), "{text} of {doc}");
        }
        assert!(doc["required"].is_boolean(), "{doc}");
        assert_eq!(doc.as_object().map(|o| o.len()), Some(6), "id, version, title, required, body, step: {doc}");
    }
}

#[tokio::test]
async fn both_sign_up_documents_are_required_and_in_korean() {
    let app = spawn_app().await;

    let documents = app.terms().await;

    let find = |id: &str| documents.iter().find(|doc| doc["id"] == id).cloned().expect(id);
    let terms = find("terms-of-use");
    let privacy = find("privacy-collection");
    assert_eq!(terms["required"], true);
    assert_eq!(privacy["required"], true);
    // The seed's screens: 이용약관 동의, 개인정보의 수집·이용 동의.
    assert!(terms["title"].as_str().unwrap_or("").contains("이용약관"), "{terms}");
    assert!(privacy["title"].as_str().unwrap_or("").contains("개인정보"), "{privacy}");
    assert!(terms["body"].as_str().unwrap_or("").contains("제1조"), "{terms}");
}

#[tokio::test]
async fn libraries_are_the_nine_institutions_by_their_full_names() {
    let app = spawn_app().await;

    let response = app.get("/v1/libraries").send().await;

    assert_eq!(response.status, 200, "{}", response.text);
    let libraries: Vec<(String, String)> = response.body["libraries"]
        .as_array()
        .expect("libraries")
        .iter()
        .map(|lib| {
            assert_eq!(lib.as_object().map(|o| o.len()), Some(2), "{lib}");
            (lib["code"].as_str().expect("code").to_owned(), lib["name"].as_str().expect("name").to_owned())
        })
        .collect();
    let expected: Vec<(String, String)> =
        INSTITUTIONS.iter().map(|(code, name)| (code.to_string(), name.to_string())).collect();
    assert_eq!(libraries, expected);
    assert!(libraries.iter().all(|(_, name)| name.starts_with("인천광역시교육청")));
    // The integrated e-library is a service, not a home library.
    assert!(!libraries.iter().any(|(_, name)| name.contains("전자도서관")));
}

#[tokio::test]
async fn a_free_username_is_available_and_answered_in_lower_case() {
    let app = spawn_app().await;

    let response = app.get("/v1/usernames/Reader_01").send().await;

    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body, serde_json::json!({ "username": "reader_01", "available": true }));
}

#[tokio::test]
async fn a_username_is_taken_once_a_member_holds_it() {
    let app = spawn_app().await;
    app.register_general(&adult(), "Haneul01").await;

    for asked in ["haneul01", "HANEUL01", "Haneul01"] {
        let response = app.get(&format!("/v1/usernames/{asked}")).send().await;

        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(response.body["username"], "haneul01");
        assert_eq!(response.body["available"], false, "{asked}");
    }
    let other = app.get("/v1/usernames/haneul02").send().await;
    assert_eq!(other.body["available"], true, "{}", other.text);
}

#[tokio::test]
async fn reserved_usernames_are_not_available() {
    let app = spawn_app().await;

    for reserved in ["admin", "ADMIN", "root", "system", "library"] {
        let response = app.get(&format!("/v1/usernames/{reserved}")).send().await;

        assert_eq!(response.status, 200, "{}", response.text);
        assert_eq!(response.body["username"], reserved.to_ascii_lowercase());
        assert_eq!(response.body["available"], false, "{reserved}");
    }
}

#[tokio::test]
async fn a_username_that_breaks_the_rule_fails_validation() {
    let app = spawn_app().await;

    for (name, code) in [
        ("abc", "too_short"),
        ("a23456789012345678901", "too_long"),
        ("1abc", "invalid_format"),
        ("_abc", "invalid_format"),
        ("ab-cd", "invalid_format"),
        ("ab.cd", "invalid_format"),
        ("%EA%B0%80%EB%82%98%EB%8B%A4%EB%9D%BC", "invalid_format"),
    ] {
        let response = app.get(&format!("/v1/usernames/{name}")).send().await;

        response.assert_problem(422, "validation.failed");
        assert_eq!(response.body["errors"][0]["code"], code, "{name}: {}", response.text);
    }
}

#[tokio::test]
async fn usernames_of_four_and_twenty_characters_are_within_the_rule() {
    let app = spawn_app().await;

    for name in ["abcd", "a2345678901234567890", "a___"] {
        let response = app.get(&format!("/v1/usernames/{name}")).send().await;

        assert_eq!(response.status, 200, "{name}: {}", response.text);
        assert_eq!(response.body["available"], true);
    }
}
