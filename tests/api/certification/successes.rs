//! Each way to a certification: citizen → full, student → light, light → full, a child under 14
//! with the guardian's fresh identity result, and the RRNs of foreign residents and of the 1800s.

use api_tests::{born_years_before, spawn_app, Person, TestApp, TestResponse};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{
    certify, child, citizen_body, e_library_only, me, member, nothing, rrn_of, student_body, with_guardian, CITIZEN,
    STUDENT,
};

/// Asserts a 200 of the certification `method` to `grade`, made now; its `certifiedAt`.
async fn assert_certified(app: &TestApp, response: &TestResponse, grade: &str, method: &str) -> String {
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["grade"], grade, "{}", response.text);
    assert_eq!(response.body["certification"]["method"], method, "{}", response.text);
    let certified_at = response.body["certification"]["certifiedAt"].as_str().expect("certifiedAt").to_owned();
    assert!(certified_at.ends_with('Z'), "an instant in UTC: {certified_at}");
    let at = OffsetDateTime::parse(&certified_at, &Rfc3339).expect("certifiedAt is RFC 3339");
    let now = app.now().await;
    assert!(at <= now && now - at < time::Duration::seconds(30), "certified at {at}, now {now}");
    certified_at
}

#[tokio::test]
async fn an_incheon_resident_becomes_a_full_member_with_the_e_library_only() {
    // Given an associate member whom the registry knows, living in Incheon
    let app = spawn_app().await;
    let token = member(&app, &Person::new("김시민", "1990-05-17"), "citizen01").await;
    app.add_resident("900517-1234567", "김시민", "incheon").await;
    let before = me(&app, &token).await;
    assert_eq!((&before["grade"], &before["entitlements"]), (&json!("associate"), &nothing()));
    assert_eq!(before["certifications"], json!([]));

    // When the member certifies as a citizen, the RRN without hyphen
    let response = certify(&app, &token, CITIZEN, &citizen_body(&app, "김시민", "9005171234567").await).await;

    // Then the member is full, may use the e-library only, and the certification is shown
    let certified_at = assert_certified(&app, &response, "full", "incheon-citizen").await;
    let after = me(&app, &token).await;
    assert_eq!(after["grade"], "full");
    assert_eq!(after["entitlements"], e_library_only());
    assert_eq!(after["certifications"], json!([{ "method": "incheon-citizen", "certifiedAt": certified_at }]));
}

#[tokio::test]
async fn a_student_with_a_dls_account_becomes_a_light_member() {
    // Given an associate member with a DLS account opened years before signing up
    let app = spawn_app().await;
    let token = member(&app, &Person::new("이학생", "2008-03-02"), "student01").await;
    app.add_dls_account("이학생", "lee2008", "Reading-Owl-12", "2015-03-02").await;

    // When the member certifies as a student
    let response =
        certify(&app, &token, STUDENT, &student_body(&app, "이학생", "lee2008", "Reading-Owl-12").await).await;

    // Then the member is light, with the e-library only
    let certified_at = assert_certified(&app, &response, "light", "incheon-student").await;
    let after = me(&app, &token).await;
    assert_eq!(after["grade"], "light");
    assert_eq!(after["entitlements"], e_library_only());
    assert_eq!(after["certifications"], json!([{ "method": "incheon-student", "certifiedAt": certified_at }]));
}

#[tokio::test]
async fn a_light_member_becomes_full_by_citizen_certification() {
    // Given a light member (a student certified), who also lives in Incheon
    let app = spawn_app().await;
    let token = member(&app, &Person::new("정둘다", "2006-11-30"), "both01").await;
    app.add_dls_account("정둘다", "jung2006", "Two-Ways-2026", "2019-03-04").await;
    app.add_resident("061130-3456789", "정둘다", "incheon").await;
    let student =
        certify(&app, &token, STUDENT, &student_body(&app, "정둘다", "jung2006", "Two-Ways-2026").await).await;
    let as_student = assert_certified(&app, &student, "light", "incheon-student").await;
    app.advance_clock(60).await;

    // When the member certifies as a citizen
    let response = certify(&app, &token, CITIZEN, &citizen_body(&app, "정둘다", "061130-3456789").await).await;

    // Then the member is full, and both certifications are shown, oldest first
    let as_citizen = assert_certified(&app, &response, "full", "incheon-citizen").await;
    let after = me(&app, &token).await;
    assert_eq!(after["grade"], "full");
    assert_eq!(after["entitlements"], e_library_only());
    assert_eq!(
        after["certifications"],
        json!([
            { "method": "incheon-student", "certifiedAt": as_student },
            { "method": "incheon-citizen", "certifiedAt": as_citizen },
        ])
    );
}

#[tokio::test]
async fn a_child_under_14_born_in_the_2000s_is_certified_with_the_guardians_fresh_result() {
    // Given two children under 14 (7th digits 3 and 4) signed up by one guardian
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("박보호", "1982-04-04");
    for (n, (name, seventh)) in [("박첫째", '3'), ("박둘째", '4')].into_iter().enumerate() {
        let birth = born_years_before(today, 9 + n as i32);
        let token = child(&app, &guardian, &format!("kid0{n}"), name, birth).await;
        let rrn = rrn_of(birth, seventh, "123456");
        app.add_resident(&rrn, name, "incheon").await;

        // When the child certifies as a citizen with the guardian's fresh identity result
        let result = app.member_result("guardian", &token, &guardian, "phone").await;
        let body = with_guardian(citizen_body(&app, name, &rrn).await, &result);
        let response = certify(&app, &token, CITIZEN, &body).await;

        // Then the child is a full member
        let certified_at = assert_certified(&app, &response, "full", "incheon-citizen").await;
        let after = me(&app, &token).await;
        assert_eq!((&after["memberType"], &after["grade"]), (&json!("child"), &json!("full")), "{after}");
        assert_eq!(after["guardian"]["name"], "박보호");
        assert_eq!(after["entitlements"], e_library_only());
        assert_eq!(after["certifications"], json!([{ "method": "incheon-citizen", "certifiedAt": certified_at }]));
    }
}

#[tokio::test]
async fn a_child_under_14_becomes_a_light_member_with_the_guardians_fresh_result() {
    // Given a child under 14 with a DLS account from school, signed up by a guardian
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("한보호", "1979-09-09");
    let token = child(&app, &guardian, "kidstudent", "한아이", born_years_before(today, 11)).await;
    app.add_dls_account("한아이", "han-kid", "Picture-Book-3", "2020-03-02").await;

    // When the child certifies as a student, with the guardian verifying by I-PIN
    let result = app.member_result("guardian", &token, &guardian, "ipin").await;
    let mut body = student_body(&app, "한아이", "han-kid", "Picture-Book-3").await;
    body["guardian"] = result;
    let response = certify(&app, &token, STUDENT, &body).await;

    // Then the child is a light member
    assert_certified(&app, &response, "light", "incheon-student").await;
    assert_eq!(me(&app, &token).await["grade"], "light");
}

#[tokio::test]
async fn foreign_residents_numbers_are_read_with_their_century() {
    // Given foreign residents born in the 1900s (7th digits 5, 6) and a child born in the 2000s
    // (7th digits 7, 8), every one registered in Incheon
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    for (n, seventh) in ['5', '6'].into_iter().enumerate() {
        let name = ["마이클", "안나"][n];
        let token = member(&app, &Person::new(name, "1985-12-31"), &format!("foreign0{n}")).await;
        let rrn = format!("851231-{seventh}012345");
        app.add_resident(&rrn, name, "incheon").await;

        // When each certifies as a citizen
        let response = certify(&app, &token, CITIZEN, &citizen_body(&app, name, &rrn).await).await;

        // Then each is full
        assert_certified(&app, &response, "full", "incheon-citizen").await;
    }
    let guardian = Person::new("엘레나", "1988-07-07");
    for (n, seventh) in ['7', '8'].into_iter().enumerate() {
        let name = ["루카", "소피아"][n];
        let birth = born_years_before(today, 6 + n as i32);
        let token = child(&app, &guardian, &format!("foreignkid{n}"), name, birth).await;
        let rrn = rrn_of(birth, seventh, "654321");
        app.add_resident(&rrn, name, "incheon").await;
        let result = app.member_result("guardian", &token, &guardian, "phone").await;

        let response =
            certify(&app, &token, CITIZEN, &with_guardian(citizen_body(&app, name, &rrn).await, &result)).await;

        assert_certified(&app, &response, "full", "incheon-citizen").await;
    }
}

#[tokio::test]
async fn a_seventh_digit_of_9_or_0_is_a_birth_in_the_1800s() {
    // Given a member born on 1990-05-17 (no one born before 1900 can sign up)
    let app = spawn_app().await;
    let token = member(&app, &Person::new("고백년", "1990-05-17"), "century01").await;
    app.add_resident("900517-1234567", "고백년", "incheon").await;

    // When the member sends the same six digits with a 7th digit of 9 or 0
    for seventh in ['9', '0'] {
        let rrn = format!("900517-{seventh}234567");
        let response = certify(&app, &token, CITIZEN, &citizen_body(&app, "고백년", &rrn).await).await;

        // Then the number is well formed, but names 1890-05-17: not the member's birth date
        response.assert_problem(422, "certification.identity_mismatch");
    }
    // and 29 February 1800 never was (1800 was no leap year), while 29 February 2000 was
    let no_such_day = certify(&app, &token, CITIZEN, &citizen_body(&app, "고백년", "000229-9234567").await).await;
    no_such_day.assert_field_error(422, "validation.failed", "/rrn", "invalid_date");
    let leap_day = certify(&app, &token, CITIZEN, &citizen_body(&app, "고백년", "000229-3234567").await).await;
    leap_day.assert_problem(422, "certification.identity_mismatch");
    // while with a 1, the same six digits are the member's birth date
    let response = certify(&app, &token, CITIZEN, &citizen_body(&app, "고백년", "900517-1234567").await).await;
    assert_certified(&app, &response, "full", "incheon-citizen").await;
}

#[tokio::test]
async fn a_child_member_who_has_turned_14_certifies_without_a_guardian() {
    // Given a child member who turns 14 tomorrow
    let app = spawn_app().await;
    let today = app.seoul_today().await;
    let guardian = Person::new("전보호", "1978-12-24");
    let birth = born_years_before(today, 14).next_day().unwrap();
    let token = child(&app, &guardian, "kidnearly14", "전아이", birth).await;
    let rrn = rrn_of(birth, '3', "000111");
    app.add_resident(&rrn, "전아이", "incheon").await;
    let body = citizen_body(&app, "전아이", &rrn).await;
    certify(&app, &token, CITIZEN, &body).await.assert_problem(422, "guardian.required");

    // When the child, 14 from today, certifies alone
    app.advance_clock(super::DAY).await;
    let token = super::sign_in(&app, "kidnearly14").await;
    let response = certify(&app, &token, CITIZEN, &body).await;

    // Then no guardian is needed any more (PIPA art. 22-2 covers those under 14)
    assert_certified(&app, &response, "full", "incheon-citizen").await;
}
