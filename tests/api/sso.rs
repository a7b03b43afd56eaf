//! API.md, "Single sign-on for the libraries' services": the authorization code flow with PKCE as a
//! relying party drives it, the ID token verified here against the JWKS (signature, issuer,
//! audience, nonce, expiry), and every refusal of the list.

use api_tests::{adult, spawn_app, Person, TestApp, TestResponse, PASSWORD};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::certification::{certify, citizen_body, CITIZEN};

const APP: &str = "library-app";
const APP_CALLBACK: &str = "http://127.0.0.1:8401/callback";
const LIBRARY: &str = "e-library";
const LIBRARY_CALLBACK: &str = "http://127.0.0.1:8400/callback";
const LIBRARY_SECRET: &str = "e-library-local-secret";

/// A PKCE pair: a fresh verifier and its S256 challenge (RFC 7636 §4.1, §4.2).
fn pkce() -> (String, String) {
    let verifier = membership::keys::random_token();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// What a relying party asks for, as the authorization page posts it.
fn request_body(client: &str, redirect: &str, challenge: &str) -> Value {
    json!({
        "responseType": "code",
        "clientId": client,
        "redirectUri": redirect,
        "scope": "openid profile library",
        "state": "st-1",
        "nonce": "nonce-1",
        "codeChallenge": challenge,
        "codeChallengeMethod": "S256",
    })
}

async fn authorize(app: &TestApp, access: &str, body: &Value) -> TestResponse {
    app.post("/v1/oauth2/authorizations").bearer(access).json(body).send().await
}

/// The query parameters of the URI the browser is sent to.
fn redirect_params(response: &TestResponse) -> Vec<(String, String)> {
    let target = response.body["redirectTo"].as_str().unwrap_or_else(|| panic!("a redirect: {}", response.text));
    let url = reqwest::Url::parse(target).expect("an absolute URI");
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// A code issued for `client` at `redirect`, with the challenge of `verifier`.
async fn code_for(app: &TestApp, access: &str, client: &str, redirect: &str, challenge: &str) -> String {
    let response = authorize(app, access, &request_body(client, redirect, challenge)).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let params = redirect_params(&response);
    assert!(response.body["redirectTo"].as_str().unwrap().starts_with(&format!("{redirect}?")), "{}", response.text);
    assert_eq!(param(&params, "state").as_deref(), Some("st-1"));
    assert_eq!(param(&params, "iss").as_deref(), Some(app.base.as_str()));
    param(&params, "code").expect("a code")
}

/// `POST /oauth2/token` with a form, as `client` authenticates (Basic for the confidential one).
async fn token(app: &TestApp, client: &str, form: &[(&str, &str)]) -> TestResponse {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    let mut call = app.post("/oauth2/token");
    if client == LIBRARY {
        call = call.header("authorization", &basic(LIBRARY, LIBRARY_SECRET));
    } else {
        form.push(("client_id", client));
    }
    let body = serde_urlencoded::to_string(&form).expect("a form");
    call.raw("application/x-www-form-urlencoded", body).send().await
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
}

async fn exchange(app: &TestApp, client: &str, redirect: &str, code: &str, verifier: &str) -> TestResponse {
    let form =
        [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirect), ("code_verifier", verifier)];
    token(app, client, &form).await
}

async fn refresh(app: &TestApp, client: &str, refresh_token: &str) -> TestResponse {
    token(app, client, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
}

async fn userinfo(app: &TestApp, access: &str) -> TestResponse {
    app.get("/oauth2/userinfo").bearer(access).send().await
}

fn assert_oauth_error(response: &TestResponse, status: u16, error: &str) {
    assert_eq!((response.status, response.body["error"].as_str()), (status, Some(error)), "{}", response.text);
    assert_eq!(response.header("cache-control"), Some("no-store"), "RFC 6749 §5.2: {:?}", response.headers);
}

/// The tokens of a full code flow of `client` for the member holding `access`.
async fn tokens_for(app: &TestApp, access: &str, client: &str, redirect: &str) -> Value {
    let (verifier, challenge) = pkce();
    let code = code_for(app, access, client, redirect, &challenge).await;
    let response = exchange(app, client, redirect, &code, &verifier).await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("cache-control"), Some("no-store"));
    response.body
}

/// The ID token's claims after checking it as a relying party must (OIDC Core §3.1.3.7): the
/// ES256 signature under the JWKS key its `kid` names, the issuer, the audience, the nonce and
/// the expiry against the service's clock.
async fn verified_claims(app: &TestApp, id_token: &str, audience: &str) -> Value {
    let discovery = app.get("/.well-known/openid-configuration").send().await;
    assert_eq!(discovery.status, 200, "{}", discovery.text);
    let jwks = app.get("/oauth2/jwks").send().await;
    assert_eq!(jwks.status, 200, "{}", jwks.text);
    let (signing_input, signature) = id_token.rsplit_once('.').expect("a compact JWS");
    let (header, payload) = signing_input.split_once('.').expect("header and payload");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let key = jwks.body["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("the JWKS holds the key {}: {}", header["kid"], jwks.text));
    assert_eq!((&key["kty"], &key["crv"], &key["alg"]), (&json!("EC"), &json!("P-256"), &json!("ES256")));
    let mut point = vec![0x04];
    point.extend(URL_SAFE_NO_PAD.decode(key["x"].as_str().unwrap()).unwrap());
    point.extend(URL_SAFE_NO_PAD.decode(key["y"].as_str().unwrap()).unwrap());
    let key = VerifyingKey::from_sec1_bytes(&point).expect("a P-256 public key");
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).expect("r || s");
    key.verify(signing_input.as_bytes(), &signature).expect("the signature verifies");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["iss"], discovery.body["issuer"]);
    assert_eq!(claims["iss"].as_str(), Some(app.base.as_str()));
    assert_eq!(claims["aud"], audience);
    assert_eq!(claims["nonce"], "nonce-1");
    let now = app.now().await.unix_timestamp();
    assert!(claims["exp"].as_i64().expect("exp") > now, "not expired: {claims}");
    assert!(claims["iat"].as_i64().expect("iat") <= now && claims["auth_time"].is_i64(), "{claims}");
    claims
}

/// `reader01`, an associate member, signed in at the membership site.
async fn associate(app: &TestApp) -> String {
    app.register_general(&adult(), "reader01").await;
    app.signed_in("reader01", PASSWORD).await.access
}

/// A full member (certified as an Incheon citizen), signed in.
async fn certified(app: &TestApp) -> String {
    let person = Person::new("김시민", "1990-05-17");
    app.register_general(&person, "citizen01").await;
    let access = app.signed_in("citizen01", PASSWORD).await.access;
    app.add_resident("900517-1234567", "김시민", "incheon").await;
    let response = certify(app, &access, CITIZEN, &citizen_body(app, "김시민", "9005171234567").await).await;
    assert_eq!(response.status, 200, "{}", response.text);
    access
}

#[tokio::test]
async fn a_relying_party_gets_a_verified_id_token_reads_userinfo_and_refreshes() {
    // Given an associate member signed in at the membership site, and the libraries' app
    let app = spawn_app().await;
    let access = associate(&app).await;

    // When the app runs the code flow with PKCE
    let tokens = tokens_for(&app, &access, APP, APP_CALLBACK).await;

    // Then its ID token verifies and carries the claims of the scopes asked for
    assert_eq!((&tokens["token_type"], &tokens["scope"]), (&json!("Bearer"), &json!("openid profile library")));
    assert!(tokens["expires_in"].as_i64().is_some_and(|s| s > 0), "{tokens}");
    let claims = verified_claims(&app, tokens["id_token"].as_str().unwrap(), APP).await;
    assert_eq!((&claims["name"], &claims["preferred_username"]), (&json!("김하늘"), &json!("reader01")));
    assert_eq!((&claims["grade"], &claims["member_type"]), (&json!("associate"), &json!("general")));
    assert_eq!(claims["entitlements"]["eLibrary"], false);
    assert_eq!(claims["home_library"], "seogu");
    assert!(claims["loan_card_number"].is_string(), "{claims}");
    let sub = claims["sub"].as_str().expect("sub").to_owned();
    let member_id = app.me(&access).await.body["memberId"].as_str().unwrap().to_owned();
    assert_ne!(sub, member_id, "pairwise: never the member id");

    // And userinfo answers the same subject and claims
    let info = userinfo(&app, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info.status, 200, "{}", info.text);
    assert_eq!(info.header("cache-control"), Some("no-store"));
    assert_eq!((&info.body["sub"], &info.body["preferred_username"]), (&json!(sub), &json!("reader01")));

    // And a refresh rotates the refresh token; the new tokens name the same subject
    let refreshed = refresh(&app, APP, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert_ne!(refreshed.body["refresh_token"], tokens["refresh_token"]);
    let info = userinfo(&app, refreshed.body["access_token"].as_str().unwrap()).await;
    assert_eq!(info.body["sub"], json!(sub), "{}", info.text);
}

#[tokio::test]
async fn scopes_limit_the_claims_and_the_sub_is_pairwise_and_stable() {
    // Given a full member, signed in once at the membership site
    let app = spawn_app().await;
    let access = certified(&app).await;

    // When the e-library and the app each sign the member in, with that one sign-in
    let library = tokens_for(&app, &access, LIBRARY, LIBRARY_CALLBACK).await;
    let again = tokens_for(&app, &access, LIBRARY, LIBRARY_CALLBACK).await;
    let (verifier, challenge) = pkce();
    let mut body = request_body(APP, APP_CALLBACK, &challenge);
    body["scope"] = json!("openid");
    let response = authorize(&app, &access, &body).await;
    assert_eq!(response.status, 201, "{}", response.text);
    let code = param(&redirect_params(&response), "code").unwrap();
    let app_tokens = exchange(&app, APP, APP_CALLBACK, &code, &verifier).await;
    assert_eq!(app_tokens.status, 200, "{}", app_tokens.text);

    // Then the e-library sees the entitlement; each client its own stable sub
    let library_claims = verified_claims(&app, library["id_token"].as_str().unwrap(), LIBRARY).await;
    assert_eq!((&library_claims["grade"], &library_claims["entitlements"]["eLibrary"]), (&json!("full"), &json!(true)));
    let again_claims = verified_claims(&app, again["id_token"].as_str().unwrap(), LIBRARY).await;
    let app_claims = verified_claims(&app, app_tokens.body["id_token"].as_str().unwrap(), APP).await;
    assert_eq!(library_claims["sub"], again_claims["sub"]);
    assert_ne!(library_claims["sub"], app_claims["sub"]);
    // `openid` alone: no profile or library claims
    for claim in ["name", "preferred_username", "grade", "entitlements", "loan_card_number"] {
        assert!(app_claims.get(claim).is_none(), "{claim} without its scope: {app_claims}");
    }
    assert_eq!(app_tokens.body["scope"], "openid");
}

#[tokio::test]
async fn an_unknown_client_or_unregistered_redirect_uri_is_refused_without_a_redirect() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let (_, challenge) = pkce();
    for (client, redirect) in [
        ("unknown", APP_CALLBACK),
        (APP, "http://127.0.0.1:8401/callback/"),
        (APP, "http://127.0.0.1:8401/callback?x=1"),
        (APP, LIBRARY_CALLBACK),
    ] {
        let response = authorize(&app, &access, &request_body(client, redirect, &challenge)).await;
        response.assert_problem(422, "sso.invalid_client");
        assert!(response.body.get("redirectTo").is_none(), "{}", response.text);
    }
    let public = app.get("/v1/oauth2/clients/e-library").send().await;
    assert_eq!(public.status, 200, "{}", public.text);
    assert_eq!(
        (&public.body["requires"], &public.body["name"]["ko"]),
        (&json!(["eLibrary"]), &json!("인천광역시교육청 통합전자도서관"))
    );
    assert!(public.body.get("redirectUris").is_none() && public.body.get("secretHash").is_none());
    app.get("/v1/oauth2/clients/nobody").send().await.assert_problem(404, "not_found");
}

#[tokio::test]
async fn missing_or_plain_pkce_and_other_refusals_go_back_to_the_client_as_errors() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let (_, challenge) = pkce();
    let base = request_body(APP, APP_CALLBACK, &challenge);
    let mut without = base.clone();
    without.as_object_mut().unwrap().remove("codeChallenge");
    without.as_object_mut().unwrap().remove("codeChallengeMethod");
    let mut plain = base.clone();
    plain["codeChallengeMethod"] = json!("plain");
    let mut bad_scope = base.clone();
    bad_scope["scope"] = json!("openid email");
    let mut no_openid = base.clone();
    no_openid["scope"] = json!("profile");
    let mut token_type = base.clone();
    token_type["responseType"] = json!("token");
    let mut declined = base.clone();
    declined["decision"] = json!("decline");
    for (body, error) in [
        (&without, "invalid_request"),
        (&plain, "invalid_request"),
        (&bad_scope, "invalid_scope"),
        (&no_openid, "invalid_scope"),
        (&token_type, "unsupported_response_type"),
        (&declined, "access_denied"),
    ] {
        let response = authorize(&app, &access, body).await;
        assert_eq!(response.status, 200, "{error}: {}", response.text);
        let params = redirect_params(&response);
        assert_eq!(param(&params, "error").as_deref(), Some(error), "{}", response.text);
        assert_eq!(param(&params, "state").as_deref(), Some("st-1"));
        assert!(param(&params, "code").is_none(), "{}", response.text);
    }
    // Declining needs no sign-in; approving does.
    let anonymous = app.post("/v1/oauth2/authorizations").json(&declined).send().await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.text);
    app.post("/v1/oauth2/authorizations").json(&base).send().await.assert_problem(401, "auth.token_invalid");
    // `prompt=none` while not signed in: the client hears `login_required`.
    let mut silent = base.clone();
    silent["prompt"] = json!("none");
    let response = app.post("/v1/oauth2/authorizations").json(&silent).send().await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(param(&redirect_params(&response), "error").as_deref(), Some("login_required"));
    // Nothing was issued for any refusal.
    assert!(!app.dump().await.iter().any(|item| item.0["pk"].as_str().is_some_and(|pk| pk.starts_with("OAUTHCODE#"))));
}

#[tokio::test]
async fn a_wrong_verifier_a_late_code_and_a_wrong_redirect_uri_are_invalid_grants() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let (verifier, challenge) = pkce();
    let code = code_for(&app, &access, APP, APP_CALLBACK, &challenge).await;
    let (other_verifier, _) = pkce();
    assert_oauth_error(&exchange(&app, APP, APP_CALLBACK, &code, &other_verifier).await, 400, "invalid_grant");
    let no_verifier = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", APP_CALLBACK)];
    assert_oauth_error(&token(&app, APP, &no_verifier).await, 400, "invalid_grant");
    assert_oauth_error(
        &exchange(&app, APP, "http://127.0.0.1:8401/other", &code, &verifier).await,
        400,
        "invalid_grant",
    );
    // The code is not the confidential client's.
    assert_oauth_error(&exchange(&app, LIBRARY, APP_CALLBACK, &code, &verifier).await, 400, "invalid_grant");

    // A code is good for 60 seconds by the service's clock.
    let (verifier, challenge) = pkce();
    let late = code_for(&app, &access, APP, APP_CALLBACK, &challenge).await;
    app.advance_clock(61).await;
    assert_oauth_error(&exchange(&app, APP, APP_CALLBACK, &late, &verifier).await, 400, "invalid_grant");
    let unsupported = token(&app, APP, &[("grant_type", "password"), ("username", "reader01")]).await;
    assert_oauth_error(&unsupported, 400, "unsupported_grant_type");
}

#[tokio::test]
async fn a_code_used_twice_revokes_the_grant_its_first_use_made() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let (verifier, challenge) = pkce();
    let code = code_for(&app, &access, APP, APP_CALLBACK, &challenge).await;
    let first = exchange(&app, APP, APP_CALLBACK, &code, &verifier).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let first_access = first.body["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, first_access).await.status, 200);

    assert_oauth_error(&exchange(&app, APP, APP_CALLBACK, &code, &verifier).await, 400, "invalid_grant");

    assert_oauth_error(&refresh(&app, APP, first.body["refresh_token"].as_str().unwrap()).await, 400, "invalid_grant");
    let info = userinfo(&app, first_access).await;
    assert_eq!((info.status, info.body["error"].as_str()), (401, Some("invalid_token")), "{}", info.text);
    assert!(info.header("www-authenticate").is_some_and(|h| h.starts_with("Bearer")));
}

#[tokio::test]
async fn a_confidential_client_must_authenticate_with_its_secret() {
    let app = spawn_app().await;
    let access = certified(&app).await;
    let (verifier, challenge) = pkce();
    let code = code_for(&app, &access, LIBRARY, LIBRARY_CALLBACK, &challenge).await;
    let form = serde_urlencoded::to_string([
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", LIBRARY_CALLBACK),
        ("code_verifier", verifier.as_str()),
    ])
    .unwrap();
    let with_client_id = format!("{form}&client_id={LIBRARY}");
    let unauthenticated = [
        app.post("/oauth2/token").raw("application/x-www-form-urlencoded", with_client_id.clone()),
        app.post("/oauth2/token")
            .header("authorization", &basic(LIBRARY, "wrong-secret"))
            .raw("application/x-www-form-urlencoded", form.clone()),
        app.post("/oauth2/token")
            .header("authorization", &basic(APP, ""))
            .raw("application/x-www-form-urlencoded", form.clone()),
    ];
    for call in unauthenticated {
        let response = call.send().await;
        assert_oauth_error(&response, 401, "invalid_client");
        assert!(response.header("www-authenticate").is_some_and(|h| h.starts_with("Basic")), "{:?}", response.headers);
    }
    // None of them used the code up.
    let response = exchange(&app, LIBRARY, LIBRARY_CALLBACK, &code, &verifier).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_refresh_token_presented_again_revokes_the_grant() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let tokens = tokens_for(&app, &access, APP, APP_CALLBACK).await;
    let first = tokens["refresh_token"].as_str().unwrap();
    let rotated = refresh(&app, APP, first).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);

    assert_oauth_error(&refresh(&app, APP, first).await, 400, "invalid_grant");

    assert_oauth_error(
        &refresh(&app, APP, rotated.body["refresh_token"].as_str().unwrap()).await,
        400,
        "invalid_grant",
    );
    assert_eq!(userinfo(&app, rotated.body["access_token"].as_str().unwrap()).await.status, 401);
    // A made-up token of the same grant changes nothing and is refused.
    let forged = format!("{}.9.AAAA", first.split('.').next().unwrap());
    assert_oauth_error(&refresh(&app, APP, &forged).await, 400, "invalid_grant");
}

#[tokio::test]
async fn a_password_change_withdrawal_or_dormancy_ends_every_grant() {
    let app = spawn_app().await;
    let access = associate(&app).await;

    // A password change: the grant made before it stops working.
    let before = tokens_for(&app, &access, APP, APP_CALLBACK).await;
    let body = json!({ "currentPassword": PASSWORD, "newPassword": "Another-Shelf-77" });
    let changed = app.post("/v1/members/me/password").bearer(&access).json(&body).send().await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert_oauth_error(&refresh(&app, APP, before["refresh_token"].as_str().unwrap()).await, 400, "invalid_grant");
    assert_eq!(userinfo(&app, before["access_token"].as_str().unwrap()).await.status, 401);

    // Dormancy: from the moment consent renewal falls due.
    let access = app.signed_in("reader01", "Another-Shelf-77").await.access;
    let tokens = tokens_for(&app, &access, APP, APP_CALLBACK).await;
    let due = app.me(&access).await.body["consentRenewalDue"].as_str().unwrap().to_owned();
    let due = time::OffsetDateTime::parse(&due, &time::format_description::well_known::Rfc3339).unwrap();
    app.advance_clock_to(due, 60).await;
    assert_oauth_error(&refresh(&app, APP, tokens["refresh_token"].as_str().unwrap()).await, 400, "invalid_grant");
    assert_eq!(userinfo(&app, tokens["access_token"].as_str().unwrap()).await.status, 401);
    let signed_in = app.sign_in("reader01", "Another-Shelf-77").await;
    let dormant = signed_in.body["accessToken"].as_str().unwrap().to_owned();
    let (_, challenge) = pkce();
    authorize(&app, &dormant, &request_body(APP, APP_CALLBACK, &challenge)).await.assert_problem(403, "member.dormant");
}

#[tokio::test]
async fn a_withdrawn_members_grants_end() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let tokens = tokens_for(&app, &access, APP, APP_CALLBACK).await;
    let withdrawn = app.delete("/v1/members/me").bearer(&access).send().await;
    assert_eq!(withdrawn.status, 204, "{}", withdrawn.text);
    assert_oauth_error(&refresh(&app, APP, tokens["refresh_token"].as_str().unwrap()).await, 400, "invalid_grant");
    assert_eq!(userinfo(&app, tokens["access_token"].as_str().unwrap()).await.status, 401);
}

#[tokio::test]
async fn an_associate_member_needs_certification_for_the_e_library() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let (_, challenge) = pkce();
    let response = authorize(&app, &access, &request_body(LIBRARY, LIBRARY_CALLBACK, &challenge)).await;
    response.assert_problem(403, "sso.entitlement_required");
    assert_eq!(response.body["entitlement"], "eLibrary", "{}", response.text);
}

#[tokio::test]
async fn logout_ends_the_membership_sign_in_and_returns_only_to_a_registered_uri() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let tokens = tokens_for(&app, &access, APP, APP_CALLBACK).await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let logout = |query: String| {
        let client = no_redirects.clone();
        let url = format!("{}/oauth2/logout?{query}", app.base);
        async move { client.get(url).send().await.expect("an answer") }
    };

    // An unregistered post-logout URI: refused, nothing ended
    let query = serde_urlencoded::to_string([
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", "https://attacker.example/"),
    ])
    .unwrap();
    assert_eq!(logout(query).await.status(), 422);
    assert_eq!(app.me(&access).await.status, 200);

    // A registered one: back to the client with its state, the sign-in and the grant ended
    let query = serde_urlencoded::to_string([
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", "http://127.0.0.1:8401/signed-out"),
        ("state", "bye"),
    ])
    .unwrap();
    let response = logout(query).await;
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(location, "http://127.0.0.1:8401/signed-out?state=bye");
    app.me(&access).await.assert_problem(401, "auth.token_invalid");
    assert_oauth_error(&refresh(&app, APP, tokens["refresh_token"].as_str().unwrap()).await, 400, "invalid_grant");
    // Signed out, the page must sign the member in again before another client's code.
    let (_, challenge) = pkce();
    authorize(&app, &access, &request_body(APP, APP_CALLBACK, &challenge))
        .await
        .assert_problem(401, "auth.token_invalid");
}

#[tokio::test]
async fn nothing_stored_holds_a_code_or_a_token() {
    let app = spawn_app().await;
    let access = associate(&app).await;
    let (verifier, challenge) = pkce();
    let code = code_for(&app, &access, APP, APP_CALLBACK, &challenge).await;
    let tokens = exchange(&app, APP, APP_CALLBACK, &code, &verifier).await.body;
    let stored = serde_json::to_string(&app.dump().await.iter().map(|i| &i.0).collect::<Vec<_>>()).unwrap();
    for secret in [
        code.as_str(),
        verifier.as_str(),
        tokens["access_token"].as_str().unwrap(),
        tokens["refresh_token"].as_str().unwrap(),
        tokens["id_token"].as_str().unwrap(),
    ] {
        assert!(!stored.contains(secret), "the table holds a secret");
    }
    let logs = api_tests::captured_logs();
    assert!(
        !logs.contains(&code) && !logs.contains(tokens["refresh_token"].as_str().unwrap()),
        "the logs hold a secret"
    );
}
