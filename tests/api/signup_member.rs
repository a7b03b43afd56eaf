//! API.md, "Sign-up session", step 4 (정보입력): the body's rules, the same person or child already a
//! member, the username, in that order, and what a refusal leaves behind (nothing).

use api_tests::{adult, born_years_before, child_member, general_member, spawn_app, Person, Signup, Step, TestApp};
use membership_domain::calendar::full_age;
use serde_json::{json, Value};
use time::macros::date;

fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

/// The member step of a general sign-up for someone nobody else in the test is.
async fn general_at_profile(app: &TestApp) -> Signup {
    app.signup_at("general", Step::Profile, &adult()).await
}

async fn child_at_profile(app: &TestApp, guardian: &Person) -> Signup {
    app.signup_at("child", Step::Profile, guardian).await
}

fn guardian() -> Person {
    Person::new("이보호", "1980-03-03")
}

// --- Passwords -----------------------------------------------------------------------------------

#[tokio::test]
async fn each_weak_password_has_its_reason() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;
    let too_long = format!("{}x", "Ab1!".repeat(16));

    for (password, reason) in [
        ("Ab1!xyz", "too_short"),
        (too_long.as_str(), "too_long"),
        ("abcdefg1", "too_few_classes"),
        ("abcdefghij", "too_few_classes"),
        ("ABCDEFG!!", "too_few_classes"),
        ("xxREADER01!!", "contains_username"),
        ("Reader01-library", "contains_username"),
    ] {
        let body = with(general_member("Reader01"), "password", json!(password));

        let response = app.complete_signup(&signup, &body).await;

        response.assert_problem(422, "password.weak");
        assert_eq!(
            response.field_errors(),
            [("/password".to_owned(), reason.to_owned())],
            "{password}: {}",
            response.text
        );
        assert!(!response.text.contains(password), "{}", response.text);
    }

    let created = app.complete_signup(&signup, &general_member("Reader01")).await;
    assert_eq!(created.status, 201, "{}", created.text);
}

#[tokio::test]
async fn a_password_may_break_several_rules_at_once() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;
    let body = with(general_member("abcd"), "password", json!("abcd1"));

    let response = app.complete_signup(&signup, &body).await;

    response.assert_problem(422, "password.weak");
    let mut reasons: Vec<String> = response
        .field_errors()
        .into_iter()
        .map(|(field, code)| {
            assert_eq!(field, "/password");
            code
        })
        .collect();
    reasons.sort();
    assert_eq!(reasons, ["contains_username", "too_short"]);
}

#[tokio::test]
async fn passwords_at_the_edges_of_the_rule_are_accepted() {
    let app = spawn_app().await;
    // 8 with three classes, 10 with two, a space as the symbol, and 64 characters that are not
    // 64 bytes: the rule counts Unicode characters.
    let passwords = [
        "Abcdefg1".to_owned(),
        "abcdefgh12".to_owned(),
        "abc defg1".to_owned(),
        format!("{}ab1!", "도서관".repeat(20)),
    ];

    for (n, password) in passwords.iter().enumerate() {
        let person = Person::new(&format!("경계{n}"), "1990-01-01");
        let body = with(general_member(&format!("edge{n:02}")), "password", json!(password));

        let created = app.sign_up("general", &person, &body).await;

        assert_eq!(created.status, 201, "{password}: {}", created.text);
    }
}

#[tokio::test]
async fn sixty_five_unicode_characters_are_too_long() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;
    let password = format!("{}ab1!x", "도서관".repeat(20));

    let response = app.complete_signup(&signup, &with(general_member("reader01"), "password", json!(password))).await;

    response.assert_field_error(422, "password.weak", "/password", "too_long");
}

// --- The other fields ----------------------------------------------------------------------------

#[tokio::test]
async fn each_broken_field_is_pointed_at() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;
    let long_email = format!("{}@example.kr", "a".repeat(244));

    for (field, value, code) in [
        ("email", json!("not-an-email"), "invalid_format"),
        ("email", json!("reader@localhost"), "invalid_format"),
        ("email", json!("a@b@example.kr"), "invalid_format"),
        ("email", json!("@example.kr"), "invalid_format"),
        ("email", json!(long_email), "too_long"),
        ("phone", json!("012-1234-5678"), "invalid_format"),
        ("phone", json!("02-123-4567"), "invalid_format"),
        ("phone", json!("010-1234-56789"), "invalid_format"),
        ("phone", json!("010-123456"), "invalid_format"),
        ("phone", json!("call me"), "invalid_format"),
        ("homeLibrary", json!("integrated-e-library"), "unknown_library"),
        ("homeLibrary", json!("Seogu"), "unknown_library"),
        ("homeLibrary", json!("인천광역시교육청서구도서관"), "unknown_library"),
        ("username", json!("1reader"), "invalid_format"),
        ("username", json!("rdr"), "too_short"),
        ("username", json!("reader-01"), "invalid_format"),
    ] {
        let body = with(general_member("reader01"), field, value);

        let response = app.complete_signup(&signup, &body).await;

        response.assert_field_error(422, "validation.failed", &format!("/{field}"), code);
    }

    let created = app.complete_signup(&signup, &general_member("reader01")).await;
    assert_eq!(created.status, 201, "{}", created.text);
}

#[tokio::test]
async fn a_missing_field_is_required() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;

    for field in ["username", "password", "email", "phone", "homeLibrary"] {
        let mut body = general_member("reader01");
        body.as_object_mut().expect("object").remove(field);

        let response = app.complete_signup(&signup, &body).await;

        response.assert_field_error(422, "validation.failed", &format!("/{field}"), "required");
    }
}

#[tokio::test]
async fn every_broken_field_is_reported_at_once() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;
    let body = json!({
        "username": "1x", "password": api_tests::PASSWORD, "email": "nowhere",
        "phone": "123", "homeLibrary": "mars",
    });

    let response = app.complete_signup(&signup, &body).await;

    response.assert_problem(422, "validation.failed");
    let fields: Vec<String> = response.field_errors().into_iter().map(|(field, _)| field).collect();
    for field in ["/username", "/email", "/phone", "/homeLibrary"] {
        assert!(fields.iter().any(|f| f == field), "{field}: {}", response.text);
    }
}

#[tokio::test]
async fn other_forms_of_a_valid_phone_and_every_library_are_accepted() {
    let app = spawn_app().await;
    let libraries = app.get("/v1/libraries").send().await;
    let codes: Vec<String> = libraries.body["libraries"]
        .as_array()
        .expect("libraries")
        .iter()
        .map(|lib| lib["code"].as_str().expect("code").to_owned())
        .collect();
    let phones = ["01012345678", "011-123-4567", "0169876543", "019-9876-5432"];

    for (n, code) in codes.iter().enumerate() {
        let person = Person::new(&format!("기관{n}"), "1990-01-01");
        let mut body = general_member(&format!("branch{n:02}"));
        body["homeLibrary"] = json!(code);
        body["phone"] = json!(phones[n % phones.len()]);

        let created = app.sign_up("general", &person, &body).await;

        assert_eq!(created.status, 201, "{code}: {}", created.text);
    }
}

#[tokio::test]
async fn a_general_sign_up_refuses_a_child() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;

    let response = app.complete_signup(&signup, &child_member("reader01", "김아기", "2019-01-01")).await;

    response.assert_field_error(422, "validation.failed", "/child", "not_allowed");
}

#[tokio::test]
async fn a_child_sign_up_needs_the_child() {
    let app = spawn_app().await;
    let signup = child_at_profile(&app, &guardian()).await;

    let response = app.complete_signup(&signup, &general_member("junior01")).await;

    response.assert_field_error(422, "validation.failed", "/child", "required");
}

#[tokio::test]
async fn the_child_needs_a_name_and_a_real_birth_date() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let signup = child_at_profile(&app, &guardian()).await;
    let tomorrow = today.next_day().expect("tomorrow").to_string();
    let long_name = "가".repeat(31);

    for (name, birth_date, field, code) in [
        ("", "2019-01-01", "/child/name", "required"),
        ("   ", "2019-01-01", "/child/name", "required"),
        (long_name.as_str(), "2019-01-01", "/child/name", "too_long"),
        ("이아이", "2019-02-29", "/child/birthDate", "invalid_date"),
        ("이아이", "2019/01/01", "/child/birthDate", "invalid_date"),
        ("이아이", "2019-1-1", "/child/birthDate", "invalid_date"),
        ("이아이", tomorrow.as_str(), "/child/birthDate", "future_date"),
    ] {
        let body = child_member("junior01", name, birth_date);

        let response = app.complete_signup(&signup, &body).await;

        response.assert_field_error(422, "validation.failed", field, code);
    }

    let missing = with(general_member("junior01"), "child", json!({ "name": "이아이" }));
    app.complete_signup(&signup, &missing).await.assert_field_error(
        422,
        "validation.failed",
        "/child/birthDate",
        "required",
    );
}

#[tokio::test]
async fn child_names_of_one_and_thirty_characters_are_accepted() {
    let app = spawn_app().await;

    for (n, name) in ["솔".to_owned(), "가".repeat(30)].iter().enumerate() {
        let created =
            app.sign_up("child", &guardian(), &child_member(&format!("junior{n:02}"), name, "2019-01-01")).await;

        assert_eq!(created.status, 201, "{name}: {}", created.text);
    }
}

// --- The child's age -----------------------------------------------------------------------------

#[tokio::test]
async fn a_child_whose_fourteenth_birthday_is_today_signs_up_as_general() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let signup = child_at_profile(&app, &guardian()).await;
    let birth = born_years_before(today, 14).to_string();

    let response = app.complete_signup(&signup, &child_member("junior01", "이열넷", &birth)).await;

    response.assert_problem(422, "age.requires_general_signup");
}

#[tokio::test]
async fn a_child_whose_fourteenth_birthday_is_tomorrow_is_a_child() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let signup = child_at_profile(&app, &guardian()).await;
    let tomorrow = today.next_day().expect("tomorrow");
    let birth = born_years_before(tomorrow, 14).to_string();

    let response = app.complete_signup(&signup, &child_member("junior01", "이열셋", &birth)).await;

    assert_eq!(response.status, 201, "{}", response.text);
    assert_eq!(response.body["memberType"], "child");
}

#[tokio::test]
async fn a_child_born_on_29_february_is_aged_by_the_civil_act() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let signup = child_at_profile(&app, &guardian()).await;

    let response = app.complete_signup(&signup, &child_member("junior01", "윤이월", "2012-02-29")).await;

    // Civil Act art. 160(3): 14 on 1 March 2026, not on 28 February.
    if full_age(date!(2012 - 02 - 29), today) >= 14 {
        response.assert_problem(422, "age.requires_general_signup");
    } else {
        assert_eq!(response.status, 201, "{}", response.text);
    }
}

// --- Already a member ---------------------------------------------------------------------------

#[tokio::test]
async fn the_same_person_completing_a_second_sign_up_is_already_a_member() {
    let app = spawn_app().await;
    // Both sign-ups pass identity before either completes.
    let first = general_at_profile(&app).await;
    let second = general_at_profile(&app).await;
    let created = app.complete_signup(&first, &general_member("haneul01")).await;
    assert_eq!(created.status, 201, "{}", created.text);

    let response = app.complete_signup(&second, &general_member("skyblue7")).await;

    response.assert_problem(409, "member.already_exists");
    assert_eq!(response.body["maskedUsername"], "han***", "{}", response.text);
    let free = app.get("/v1/usernames/skyblue7").send().await;
    assert_eq!(free.body["available"], true, "nothing partial: {}", free.text);
}

#[tokio::test]
async fn the_same_di_completing_a_second_sign_up_is_already_a_member() {
    let app = spawn_app().await;
    let one = Person::new("김하늘", "1990-05-17").with_di("DI-SAME");
    let renamed = Person::new("김하늬", "1991-06-18").with_di("DI-SAME");
    let first = app.signup_at("general", Step::Profile, &one).await;
    let second = app.signup_at("general", Step::Profile, &renamed).await;
    let created = app.complete_signup(&first, &general_member("abcde")).await;
    assert_eq!(created.status, 201, "{}", created.text);

    let response = app.complete_signup(&second, &general_member("other01")).await;

    response.assert_problem(409, "member.already_exists");
    assert_eq!(response.body["maskedUsername"], "abc***", "{}", response.text);
}

#[tokio::test]
async fn the_same_guardian_signing_the_same_child_up_again_is_already_a_member() {
    let app = spawn_app().await;
    app.register_child(&guardian(), "junior01", "이아이", "2018-07-07").await;
    let signup = child_at_profile(&app, &guardian()).await;

    let response = app.complete_signup(&signup, &child_member("junior02", "이아이", "2018-07-07")).await;

    response.assert_problem(409, "member.already_exists");
    assert_eq!(response.body["maskedUsername"], "jun***", "{}", response.text);
}

#[tokio::test]
async fn the_same_child_name_written_decomposed_is_the_same_child() {
    let app = spawn_app().await;
    app.register_child(&guardian(), "junior01", "한", "2018-07-07").await;
    let signup = child_at_profile(&app, &guardian()).await;
    // "한" as separate jamo (NFD).
    let decomposed = "\u{1112}\u{1161}\u{11AB}";

    let response = app.complete_signup(&signup, &child_member("junior02", decomposed, "2018-07-07")).await;

    response.assert_problem(409, "member.already_exists");
}

#[tokio::test]
async fn a_guardian_may_sign_up_several_children() {
    let app = spawn_app().await;
    app.register_child(&guardian(), "junior01", "이아이", "2018-07-07").await;

    let sibling = app.sign_up("child", &guardian(), &child_member("junior02", "이동생", "2020-02-02")).await;
    let same_name_other_birthday =
        app.sign_up("child", &guardian(), &child_member("junior03", "이아이", "2019-07-07")).await;

    assert_eq!(sibling.status, 201, "{}", sibling.text);
    assert_eq!(same_name_other_birthday.status, 201, "{}", same_name_other_birthday.text);
}

// --- Usernames -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_username_held_by_a_member_is_taken() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let other = Person::new("박다른", "1985-05-05");
    let signup = app.signup_at("general", Step::Profile, &other).await;

    for username in ["reader01", "READER01", "Reader01"] {
        let response = app.complete_signup(&signup, &general_member(username)).await;

        response.assert_problem(409, "username.taken");
    }

    let created = app.complete_signup(&signup, &general_member("reader02")).await;
    assert_eq!(created.status, 201, "{}", created.text);
}

#[tokio::test]
async fn a_reserved_username_is_taken() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;

    for username in ["admin", "Root", "system", "library"] {
        let response = app.complete_signup(&signup, &general_member(username)).await;

        response.assert_problem(409, "username.taken");
    }
}

#[tokio::test]
async fn a_child_username_is_taken_like_any_other() {
    let app = spawn_app().await;
    app.register_child(&guardian(), "junior01", "이아이", "2018-07-07").await;

    let response = app.sign_up("general", &adult(), &general_member("junior01")).await;

    response.assert_problem(409, "username.taken");
}

// --- The order of the checks --------------------------------------------------------------------

#[tokio::test]
async fn field_rules_come_before_the_password() {
    let app = spawn_app().await;
    let signup = general_at_profile(&app).await;
    let body = with(with(general_member("reader01"), "email", json!("nowhere")), "password", json!("weak"));

    let response = app.complete_signup(&signup, &body).await;

    response.assert_field_error(422, "validation.failed", "/email", "invalid_format");
}

#[tokio::test]
async fn the_password_comes_before_the_childs_age() {
    let app = spawn_app().await;
    let signup = child_at_profile(&app, &guardian()).await;
    let body = with(child_member("junior01", "이아이", "2000-01-01"), "password", json!("weak"));

    let response = app.complete_signup(&signup, &body).await;

    response.assert_field_error(422, "password.weak", "/password", "too_short");
}

#[tokio::test]
async fn field_rules_come_before_the_childs_age() {
    let app = spawn_app().await;
    let signup = child_at_profile(&app, &guardian()).await;
    let body = with(child_member("junior01", "이아이", "2000-01-01"), "phone", json!("02-123-4567"));

    let response = app.complete_signup(&signup, &body).await;

    response.assert_field_error(422, "validation.failed", "/phone", "invalid_format");
}

#[tokio::test]
async fn the_body_rules_come_before_the_member_already_existing() {
    let app = spawn_app().await;
    let first = general_at_profile(&app).await;
    let second = general_at_profile(&app).await;
    let created = app.complete_signup(&first, &general_member("haneul01")).await;
    assert_eq!(created.status, 201, "{}", created.text);

    let bad_field = app.complete_signup(&second, &with(general_member("other01"), "homeLibrary", json!("mars"))).await;
    let weak = app.complete_signup(&second, &with(general_member("other01"), "password", json!("password"))).await;

    bad_field.assert_problem(422, "validation.failed");
    weak.assert_problem(422, "password.weak");
}

#[tokio::test]
async fn the_childs_age_comes_before_the_child_already_existing() {
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let tomorrow = today.next_day().expect("tomorrow");
    let birth = born_years_before(tomorrow, 14).to_string();
    app.register_child(&guardian(), "junior01", "이아이", &birth).await;

    // A day later the same child turns 14, and its guardian tries to sign it up again.
    app.advance_clock(24 * 60 * 60).await;
    let signup = child_at_profile(&app, &guardian()).await;
    let response = app.complete_signup(&signup, &child_member("junior02", "이아이", &birth)).await;

    response.assert_problem(422, "age.requires_general_signup");
}

#[tokio::test]
async fn the_member_already_existing_comes_before_the_username() {
    let app = spawn_app().await;
    let first = general_at_profile(&app).await;
    let second = general_at_profile(&app).await;
    let created = app.complete_signup(&first, &general_member("haneul01")).await;
    assert_eq!(created.status, 201, "{}", created.text);

    // The same person, and the username just taken (by that very person).
    let response = app.complete_signup(&second, &general_member("haneul01")).await;

    response.assert_problem(409, "member.already_exists");
    assert_eq!(response.body["maskedUsername"], "han***");
}

#[tokio::test]
async fn the_child_already_existing_comes_before_the_username() {
    let app = spawn_app().await;
    app.register_child(&guardian(), "junior01", "이아이", "2018-07-07").await;
    let signup = child_at_profile(&app, &guardian()).await;

    let response = app.complete_signup(&signup, &child_member("admin", "이아이", "2018-07-07")).await;

    response.assert_problem(409, "member.already_exists");
}

#[tokio::test]
async fn the_body_rules_come_before_the_username() {
    let app = spawn_app().await;
    app.register_general(&adult(), "reader01").await;
    let signup = app.signup_at("general", Step::Profile, &Person::new("박다른", "1985-05-05")).await;

    let weak = app.complete_signup(&signup, &with(general_member("reader01"), "password", json!("short"))).await;
    let bad_email = app.complete_signup(&signup, &with(general_member("admin"), "email", json!("admin@"))).await;

    weak.assert_problem(422, "password.weak");
    bad_email.assert_problem(422, "validation.failed");
}

// --- A refusal changes nothing -------------------------------------------------------------------

#[tokio::test]
async fn a_refused_member_step_changes_nothing() {
    let app = spawn_app().await;
    app.register_general(&Person::new("박다른", "1985-05-05"), "taken01").await;
    let signup = general_at_profile(&app).await;
    let before = app.dump().await;

    let refusals = [
        app.complete_signup(&signup, &with(general_member("reader01"), "email", json!("x"))).await,
        app.complete_signup(&signup, &with(general_member("reader01"), "password", json!("x"))).await,
        app.complete_signup(&signup, &general_member("taken01")).await,
        app.complete_signup(&signup, &general_member("admin")).await,
    ];

    assert_eq!(refusals.iter().map(|r| r.status).collect::<Vec<_>>(), [422, 422, 409, 409]);
    assert!(app.dump().await == before, "a refusal wrote to the store");
    let created = app.complete_signup(&signup, &general_member("reader01")).await;
    assert_eq!(created.status, 201, "{}", created.text);
}

// --- Races ---------------------------------------------------------------------------------------

#[tokio::test]
async fn two_sign_ups_of_one_person_at_once_make_one_member() {
    let app = spawn_app().await;
    let first = general_at_profile(&app).await;
    let second = general_at_profile(&app).await;
    let (body_a, body_b) = (general_member("racer_a"), general_member("racer_b"));

    let (a, b) = tokio::join!(app.complete_signup(&first, &body_a), app.complete_signup(&second, &body_b),);

    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
    let (winner, loser) = if a.status == 201 { ("racer_a", &b) } else { ("racer_b", &a) };
    loser.assert_problem(409, "member.already_exists");
    let loser_name = if winner == "racer_a" { "racer_b" } else { "racer_a" };
    let taken = app.get(&format!("/v1/usernames/{winner}")).send().await;
    let free = app.get(&format!("/v1/usernames/{loser_name}")).send().await;
    assert_eq!(taken.body["available"], false);
    assert_eq!(free.body["available"], true, "nothing partial is left");
}

#[tokio::test]
async fn two_sign_ups_of_one_username_at_once_make_one_member() {
    let app = spawn_app().await;
    let first = app.signup_at("general", Step::Profile, &Person::new("가가가", "1990-01-01")).await;
    let second = app.signup_at("general", Step::Profile, &Person::new("나나나", "1990-01-01")).await;
    let body = general_member("popular");

    let (a, b) = tokio::join!(app.complete_signup(&first, &body), app.complete_signup(&second, &body),);

    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
    let (loser, loser_signup) = if a.status == 201 { (&b, &second) } else { (&a, &first) };
    loser.assert_problem(409, "username.taken");
    // Nothing of the loser was kept: the same person completes with another name.
    let retried = app.complete_signup(loser_signup, &general_member("popular2")).await;
    assert_eq!(retried.status, 201, "{}", retried.text);
}
