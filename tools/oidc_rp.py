"""A relying party of the service's single sign-on (API.md, "Single sign-on for the libraries'
services"), written with Authlib, a real OpenID Connect client library, against a running local-api.

It does what a library's service does, the browser's part by plain HTTP calls as the web client's
authorization page makes them (sign in with POST /v1/sessions, consent with
POST /v1/oauth2/authorizations): discovery; the authorization code flow with PKCE (S256) for the
confidential e-library (client_secret_basic) and the public library app (client_id); the ID token
validated as Authlib's own OpenID client validates it (joserfc, Authlib's JOSE implementation, for
the signature against the JWKS that discovery names; Authlib's `CodeIDToken` for issuer, audience,
nonce, expiry); userinfo; refresh with rotation; RP-initiated logout. And it checks that what is
wrong is refused: a tampered or foreign-signed ID token, the wrong audience or nonce, an expired
token, a wrong verifier, a reused code or refresh token, a wrong client secret, an unregistered
redirect URI, a member without the e-library's entitlement.

Usage: oidc_rp.py BASE_URL   (e.g. http://127.0.0.1:3000; the issuer is that URL)
Prints one line per check and `N passed, N failed`; exits non-zero when a check fails.
"""

import base64
import json
import secrets
import sys
import time
import traceback
import urllib.parse

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jws import JWSRegistry

# The demo clients local-api registers (API.md).
E_LIBRARY = {
    "client_id": "e-library",
    "client_secret": "e-library-local-secret",
    "redirect_uri": "http://127.0.0.1:8400/callback",
    "post_logout_redirect_uri": "http://127.0.0.1:8400/signed-out",
}
LIBRARY_APP = {
    "client_id": "library-app",
    "redirect_uri": "http://127.0.0.1:8401/callback",
    "post_logout_redirect_uri": "http://127.0.0.1:8401/signed-out",
}
SCOPE = "openid profile library"
PASSWORD = "Library-2026!"
TIMEOUT = 30

# Only the algorithm the provider announces; "none" and HMAC with the public key are never accepted.
ID_TOKEN_ALGORITHMS = JWSRegistry(algorithms=["ES256"])


class Failed(Exception):
    pass


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, step):
        try:
            step()
        except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
            self.failed += 1
            print(f"not ok - {name}: {error!r}")
            traceback.print_exc(limit=3)
        else:
            self.passed += 1
            print(f"ok - {name}")


def expect(condition, message):
    if not condition:
        raise Failed(message)


def refused(call, error_class, what):
    """Runs `call`, which must raise `error_class`; answers the error."""
    try:
        call()
    except error_class as error:
        return error
    raise Failed(f"{what} was accepted")


class Service:
    """The HTTP calls a member's browser and the simulators make, as plain requests."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def call(self, method, path, body=None, token=None, headers=None):
        all_headers = {"accept": "application/json", **(headers or {})}
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        response = self.http.request(method, self.base + path, json=body, headers=all_headers, timeout=TIMEOUT, allow_redirects=False)
        return response

    def ok(self, method, path, body=None, token=None, status=(200, 201)):
        response = self.call(method, path, body, token)
        expect(response.status_code in status, f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def verified(self, purpose, token, name, birth_date):
        """An identity result, verified at the simulated provider as the web client's pop-up does."""
        opened = self.ok("POST", "/v1/identity/requests", {"purpose": purpose, "method": "phone", "origin": self.base}, token)
        provider = opened["provider"]
        window = self.http.post(provider["url"], data=provider["fields"], timeout=TIMEOUT)
        expect(window.status_code == 200, f"provider window: {window.status_code}")
        completed = self.ok(
            "POST",
            "/_sim/nice/complete",
            {"tokenVersionId": provider["fields"]["token_version_id"], "name": name, "birthDate": birth_date},
        )
        fields = completed["fields"]
        return {"tokenVersionId": fields["token_version_id"], "encData": fields["enc_data"], "integrityValue": fields["integrity_value"]}

    def new_member(self, birth_date="1990-05-17"):
        """A general member signed up through the API; answers (username, name, birth date)."""
        name = "".join(chr(0xAC00 + secrets.randbelow(11172)) for _ in range(3))
        username = "rp" + secrets.token_hex(6)
        started = self.ok("POST", "/v1/signups", {"memberType": "general"})
        token, signup = started["signupToken"], started["signupId"]
        documents = self.ok("GET", "/v1/terms")["documents"]
        consents = [{"document": d["id"], "version": d["version"], "agreed": True} for d in documents if d["step"] == "signup"]
        self.ok("POST", f"/v1/signups/{signup}/consents", {"consents": consents}, token)
        identity = self.verified("signup", token, name, birth_date)
        self.ok("POST", f"/v1/signups/{signup}/identity", {"identity": identity}, token)
        member = {
            "username": username,
            "password": PASSWORD,
            "email": f"{username}@example.kr",
            "phone": "010-1234-5678",
            "homeLibrary": "seogu",
        }
        self.ok("POST", f"/v1/signups/{signup}/member", member, token)
        return username, name, birth_date

    def sign_in(self, username):
        return self.ok("POST", "/v1/sessions", {"username": username, "password": PASSWORD})["accessToken"]

    def certify_citizen(self, access, name, birth_date):
        """인천시민인증: the simulated registry knows the person, then the member certifies."""
        year, month, day = birth_date.split("-")
        rrn = f"{year[2:]}{month}{day}-2{secrets.randbelow(10**6):06d}"
        self.ok("POST", "/_sim/residents", {"rrn": rrn, "name": name, "region": "incheon"})
        document = next(d for d in self.ok("GET", "/v1/terms")["documents"] if d["id"] == "citizen-third-party")
        consent = {"document": document["id"], "version": document["version"], "agreed": True}
        self.ok("POST", "/v1/members/me/certifications/citizen", {"consent": consent, "name": name, "rrn": rrn}, access)

    def authorize(self, access, authorization_url, decision=None):
        """The authorization page's request for the parameters of `authorization_url`."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorization_url).query))
        names = {
            "response_type": "responseType",
            "client_id": "clientId",
            "redirect_uri": "redirectUri",
            "scope": "scope",
            "state": "state",
            "nonce": "nonce",
            "code_challenge": "codeChallenge",
            "code_challenge_method": "codeChallengeMethod",
        }
        body = {field: query[param] for param, field in names.items() if param in query}
        if decision:
            body["decision"] = decision
        return self.call("POST", "/v1/oauth2/authorizations", body, access)


class Client:
    """One relying party: an Authlib session and the request it started."""

    def __init__(self, service, metadata, registration):
        self.service = service
        self.metadata = metadata
        self.registration = registration
        confidential = "client_secret" in registration
        self.session = OAuth2Session(
            client_id=registration["client_id"],
            client_secret=registration.get("client_secret"),
            token_endpoint_auth_method="client_secret_basic" if confidential else "none",
            scope=SCOPE,
            redirect_uri=registration["redirect_uri"],
            code_challenge_method="S256",
        )
        self.session.metadata["token_endpoint"] = metadata["token_endpoint"]

    def start(self):
        """A fresh authorization request: its URL, with state, nonce and the S256 challenge."""
        self.verifier = generate_token(64)
        self.nonce = generate_token(32)
        url, self.state = self.session.create_authorization_url(
            self.metadata["authorization_endpoint"], code_verifier=self.verifier, nonce=self.nonce
        )
        return url

    def code_flow(self, access):
        """Authorization and token exchange; answers the token response."""
        url = self.start()
        answer = self.service.authorize(access, url)
        expect(answer.status_code == 201, f"authorization: {answer.status_code} {answer.text}")
        redirect_to = answer.json()["redirectTo"]
        expect(redirect_to.startswith(self.registration["redirect_uri"] + "?"), f"redirect {redirect_to}")
        self.redirect_to = redirect_to
        return self.session.fetch_token(authorization_response=redirect_to, code_verifier=self.verifier)

    def claims(self, id_token, keys, *, client_id=None, nonce=True, now=None, access_token=None):
        """The ID token validated as Authlib's OpenID client does (`parse_id_token`): the signature
        against the JWKS, then `CodeIDToken` for iss, aud, exp, iat, nonce (the request's unless
        `nonce` says otherwise; `None` for a refreshed token, which need not carry it) and at_hash."""
        client_id = client_id or self.registration["client_id"]
        nonce = self.nonce if nonce is True else nonce
        token = jwt.decode(id_token, keys, registry=ID_TOKEN_ALGORITHMS)
        options = {
            "iss": {"essential": True, "value": self.metadata["issuer"]},
            "aud": {"essential": True, "value": client_id},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "sub": {"essential": True},
        }
        params = {"client_id": client_id}
        if nonce is not None:
            options["nonce"] = {"essential": True, "value": nonce}
            params["nonce"] = nonce
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(token.claims, token.header, options, params)
        claims.validate(now=now)
        return claims

    def userinfo(self, access_token):
        return requests.get(
            self.metadata["userinfo_endpoint"], headers={"authorization": f"Bearer {access_token}"}, timeout=TIMEOUT
        )


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def tampered(id_token):
    """The same token with its `sub` changed and the original signature kept."""
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = claims["sub"][::-1] + "x"
    return ".".join([header, b64url(json.dumps(claims).encode()), signature])


def foreign_signed(id_token):
    """The same claims and `kid`, signed by a P-256 key the provider never had."""
    head, payload, _ = id_token.split(".")
    protected = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    key = ECKey.generate_key("P-256")
    return jwt.encode({"alg": "ES256", "kid": protected.get("kid")}, claims, key, algorithms=["ES256"])


def unsigned(id_token):
    """The same claims with `alg: none` and no signature."""
    _, payload, _ = id_token.split(".")
    return ".".join([b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode()), payload, ""])


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    service = Service(sys.argv[1])
    checks = Checks()
    state = {}

    def discovery():
        metadata = service.ok("GET", "/.well-known/openid-configuration")
        expect(metadata["issuer"] == service.base, f"issuer {metadata['issuer']} is not {service.base}")
        for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"):
            expect(metadata.get(name, "").startswith(service.base + "/"), f"{name}: {metadata.get(name)}")
        expect("S256" in metadata.get("code_challenge_methods_supported", []), "S256 announced")
        expect("plain" not in metadata.get("code_challenge_methods_supported", []), "plain not announced")
        expect(metadata.get("id_token_signing_alg_values_supported") == ["ES256"], "ES256 only")
        expect(metadata.get("response_types_supported") == ["code"], "the code flow only")
        jwks = requests.get(metadata["jwks_uri"], timeout=TIMEOUT).json()
        expect(jwks["keys"] and all(k.get("kid") and k["kty"] == "EC" and k["crv"] == "P-256" for k in jwks["keys"]), f"JWKS {jwks}")
        expect(all("d" not in k for k in jwks["keys"]), "no private part in the JWKS")
        state["metadata"] = metadata
        state["keys"] = KeySet.import_key_set(jwks)

    checks.run("discovery names the issuer and endpoints; JWKS holds P-256 public keys with kid", discovery)
    if "metadata" not in state:
        print(f"{checks.passed} passed, {checks.failed} failed")
        return 1
    metadata, keys = state["metadata"], state["keys"]

    def members():
        username, name, birth_date = service.new_member()
        access = service.sign_in(username)
        service.certify_citizen(access, name, birth_date)
        state["full"] = {"username": username, "name": name, "access": access}
        associate, _, _ = service.new_member(birth_date="1992-03-04")
        state["associate"] = {"username": associate, "access": service.sign_in(associate)}

    checks.run("a certified (full) and an associate member signed up and signed in", members)
    full = state.get("full")
    if not full:
        print(f"{checks.passed} passed, {checks.failed} failed")
        return 1

    library = Client(service, metadata, E_LIBRARY)

    def e_library_flow():
        token = library.code_flow(full["access"])
        expect(token["token_type"].lower() == "bearer", f"token_type {token['token_type']}")
        expect(set(token["scope"].split()) == set(SCOPE.split()), f"scope {token['scope']}")
        expect(token.get("refresh_token") and token.get("id_token"), "refresh and ID tokens issued")
        claims = library.claims(token["id_token"], keys, access_token=token["access_token"])
        expect(claims["name"] == full["name"] and claims["preferred_username"] == full["username"], f"profile claims {dict(claims)}")
        expect(claims["entitlements"]["eLibrary"] is True, f"entitlements {claims['entitlements']}")
        expect(claims["grade"] == "full", f"grade {claims['grade']}")
        expect(isinstance(claims.get("auth_time"), int) and claims["auth_time"] <= claims["iat"], "auth_time")
        expect(claims["exp"] > time.time(), "not expired")
        state["library"] = token

    checks.run("e-library (confidential, client_secret_basic): code flow with PKCE; ID token valid (sig, iss, aud, nonce, exp)", e_library_flow)

    def id_token_refusals():
        id_token = state["library"]["id_token"]
        refused(lambda: library.claims(tampered(id_token), keys), BadSignatureError, "a tampered ID token")
        refused(lambda: library.claims(foreign_signed(id_token), keys), BadSignatureError, "an ID token signed by another key")
        refused(lambda: library.claims(unsigned(id_token), keys), JoseError, "an unsigned (alg none) ID token")
        refused(lambda: library.claims(id_token, keys, client_id="library-app"), InvalidClaimError, "an ID token for another audience")
        refused(lambda: library.claims(id_token, keys, nonce=generate_token(32)), InvalidClaimError, "an ID token with another nonce")
        exp = library.claims(id_token, keys)["exp"]
        refused(lambda: library.claims(id_token, keys, now=exp + 1), ExpiredTokenError, "an expired ID token")

    checks.run("Authlib refuses a tampered, foreign-signed or unsigned ID token, the wrong audience or nonce, and expiry", id_token_refusals)

    def userinfo():
        token = state["library"]
        answer = library.userinfo(token["access_token"])
        expect(answer.status_code == 200, f"userinfo {answer.status_code} {answer.text}")
        info = answer.json()
        claims = library.claims(token["id_token"], keys)
        expect(info["sub"] == claims["sub"], "userinfo sub is the ID token's")
        for name in ("name", "preferred_username", "grade", "entitlements", "loan_card_number", "home_library", "member_type"):
            expect(info.get(name) == claims.get(name), f"userinfo {name}: {info.get(name)} vs {claims.get(name)}")
        expect(library.userinfo(token["access_token"] + "x").status_code == 401, "a wrong access token is refused")

    checks.run("userinfo answers the ID token's sub and the scopes' claims; a wrong access token is refused", userinfo)

    def refresh():
        first = state["library"]
        second = library.session.refresh_token(refresh_token=first["refresh_token"])
        expect(second["refresh_token"] != first["refresh_token"], "the refresh token rotates")
        expect(library.userinfo(second["access_token"]).status_code == 200, "the new access token works")
        if second.get("id_token"):
            # OpenID Connect Core 12.2: the same iss, sub and aud, the original auth_time.
            before = library.claims(first["id_token"], keys)
            after = library.claims(second["id_token"], keys, nonce=None)
            for name in ("iss", "sub", "aud", "auth_time"):
                expect(after.get(name) == before.get(name), f"refreshed ID token {name}: {after.get(name)} vs {before.get(name)}")
        state["library"] = {**first, **second}
        state["library_first_refresh"] = first["refresh_token"]

    checks.run("refresh rotates the refresh token and the new access token reads userinfo", refresh)

    def wrong_secret():
        wrong = OAuth2Session(
            client_id="e-library",
            client_secret="not-the-secret",
            token_endpoint_auth_method="client_secret_basic",
            scope=SCOPE,
            redirect_uri=E_LIBRARY["redirect_uri"],
            code_challenge_method="S256",
        )
        verifier = generate_token(64)
        url, _ = wrong.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier, nonce=generate_token(16))
        answer = service.authorize(full["access"], url)
        expect(answer.status_code == 201, f"authorization {answer.status_code} {answer.text}")
        error = refused(
            lambda: wrong.fetch_token(metadata["token_endpoint"], authorization_response=answer.json()["redirectTo"], code_verifier=verifier),
            OAuthError,
            "a wrong client secret",
        )
        expect(error.error == "invalid_client", f"error {error.error}")

    checks.run("a wrong client secret is refused with invalid_client", wrong_secret)

    app = Client(service, metadata, LIBRARY_APP)

    def library_app_flow():
        token = app.code_flow(full["access"])
        claims = app.claims(token["id_token"], keys)
        library_sub = library.claims(state["library"]["id_token"], keys, nonce=None)["sub"]
        expect(claims["sub"] != library_sub, "sub is pairwise: another client sees another sub")
        again = app.code_flow(full["access"])
        expect(app.claims(again["id_token"], keys)["sub"] == claims["sub"], "sub is stable at one client")
        state["app"] = again

    checks.run("library-app (public, client_id): code flow with PKCE; pairwise, stable sub", library_app_flow)

    def wrong_verifier():
        url = app.start()
        answer = service.authorize(full["access"], url)
        expect(answer.status_code == 201, f"authorization {answer.status_code}")
        error = refused(
            lambda: app.session.fetch_token(authorization_response=answer.json()["redirectTo"], code_verifier=generate_token(64)),
            OAuthError,
            "a wrong code verifier",
        )
        expect(error.error == "invalid_grant", f"error {error.error}")

    checks.run("a wrong PKCE verifier is refused with invalid_grant", wrong_verifier)

    def code_reuse():
        token = app.code_flow(full["access"])
        error = refused(
            lambda: app.session.fetch_token(authorization_response=app.redirect_to, code_verifier=app.verifier),
            OAuthError,
            "a code used twice",
        )
        expect(error.error == "invalid_grant", f"error {error.error}")
        expect(app.userinfo(token["access_token"]).status_code == 401, "the first exchange's access token is revoked")
        refused(lambda: app.session.refresh_token(refresh_token=token["refresh_token"]), OAuthError, "the first exchange's refresh token")

    checks.run("a code used twice is refused and revokes what its first use issued", code_reuse)

    def refresh_reuse():
        first = app.code_flow(full["access"])
        second = app.session.refresh_token(refresh_token=first["refresh_token"])
        error = refused(lambda: app.session.refresh_token(refresh_token=first["refresh_token"]), OAuthError, "a reused refresh token")
        expect(error.error == "invalid_grant", f"error {error.error}")
        refused(lambda: app.session.refresh_token(refresh_token=second["refresh_token"]), OAuthError, "the rotated refresh token after reuse")

    checks.run("a reused refresh token is refused and revokes the grant", refresh_reuse)

    def unregistered_redirect():
        url = app.start().replace(urllib.parse.quote(LIBRARY_APP["redirect_uri"], safe=""), urllib.parse.quote("http://127.0.0.1:8401/elsewhere", safe=""))
        answer = service.authorize(full["access"], url)
        expect(answer.status_code == 422, f"status {answer.status_code}")
        expect(answer.json().get("code") == "sso.invalid_client", f"code {answer.text}")
        expect("redirectTo" not in answer.json(), "no redirect")

    checks.run("an unregistered redirect URI is refused without a redirect (sso.invalid_client)", unregistered_redirect)

    def associate_at_e_library():
        answer = service.authorize(state["associate"]["access"], library.start())
        expect(answer.status_code == 403, f"status {answer.status_code} {answer.text}")
        body = answer.json()
        expect(body.get("code") == "sso.entitlement_required" and body.get("entitlement") == "eLibrary", f"{body}")

    checks.run("an associate member at the e-library: 403 sso.entitlement_required (eLibrary)", associate_at_e_library)

    def decline():
        url = app.start()
        answer = service.authorize(None, url, decision="decline")
        expect(answer.status_code == 200, f"status {answer.status_code} {answer.text}")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(answer.json()["redirectTo"]).query))
        # `iss` (RFC 9207) may come along; when it does it names the issuer.
        expect(query.pop("iss", metadata["issuer"]) == metadata["issuer"], "iss is the issuer")
        expect(query == {"error": "access_denied", "state": app.state}, f"redirect query {query}")

    checks.run("a declined authorization redirects with access_denied and the state", decline)

    def logout():
        token = state["library"]
        end_session = metadata["end_session_endpoint"]
        elsewhere = requests.get(
            end_session,
            params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": "http://127.0.0.1:8400/elsewhere", "state": "s1"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        expect(elsewhere.status_code not in (301, 302, 303, 307, 308), f"an unregistered URI is not redirected to ({elsewhere.status_code})")
        logout_state = generate_token(16)
        answer = requests.get(
            end_session,
            params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": E_LIBRARY["post_logout_redirect_uri"], "state": logout_state},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        expect(answer.status_code in (302, 303), f"logout {answer.status_code} {answer.text}")
        location = urllib.parse.urlsplit(answer.headers["location"])
        expect(f"{location.scheme}://{location.netloc}{location.path}" == E_LIBRARY["post_logout_redirect_uri"], f"location {location}")
        expect(dict(urllib.parse.parse_qsl(location.query)).get("state") == logout_state, "the state comes back")
        expect(service.call("GET", "/v1/members/me", token=full["access"]).status_code == 401, "the membership sign-in has ended")
        refused(lambda: library.session.refresh_token(refresh_token=token["refresh_token"]), OAuthError, "a refresh after logout")

    checks.run("logout redirects only to the registered URI and ends the membership sign-in", logout)

    print(f"oidc relying party (Authlib): {checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
