"""Schemathesis hooks for the contract run of scripts/test (SCHEMATHESIS_HOOKS=tools.schemathesis_hooks).

Generated data alone rarely gets past a sign-up's first step: the later steps need the sign-up's token,
an identity result of a request made for them (verified at the simulated provider), and the member
routes an access token. These hooks, most of
the time (not always: the unauthorised and unknown cases are tested too), give a generated case what it
needs to reach the code behind those checks:

- a sign-up step on a sign-up id the run never created gets a fresh sign-up brought to that step (the
  consents of GET /v1/terms, an identity result for a new person: a request from POST /v1/identity/requests,
  its window at /_sim/nice and the encrypted result of /_sim/nice/complete);
  a case on a sign-up the run did create (by a link from POST /v1/signups) gets that sign-up's token;
- POST .../identity gets a fresh result of a new adult person, of a request for that sign-up;
- POST /v1/identity/requests gets the server's own origin, and the token its purpose needs;
- the member routes get the access token of a member of a small pool (created through the API, replaced
  when a case withdraws it, changes its password or signs its session out);
- POST /v1/sessions, /v1/sessions/refresh and /v1/recovery/* sometimes get a real member's credentials,
  refresh token or identity result.

after_call counts every answer; at exit the counts go to $SCHEMATHESIS_STATS (JSON) for scripts/test.
"""

from __future__ import annotations

import atexit
import collections
import itertools
import json
import os
import random
import threading
import uuid

import requests
import schemathesis

API = os.environ.get("MEMBERSHIP_API", "http://127.0.0.1:3000").rstrip("/")
STATS_PATH = os.environ.get("SCHEMATHESIS_STATS")
PASSWORD = "Library-2026!"

_lock = threading.RLock()
_rng = random.Random(int(os.environ.get("SCHEMATHESIS_HOOK_SEED", "20261122")))
_counter = itertools.count(1)
_http = requests.Session()

signups: dict[str, str] = {}  # signupId -> signupToken, every sign-up the run created
signup_types: dict[str, str] = {}  # signupId -> memberType, of the sign-ups the hooks started
members: list[dict] = []  # {"username", "password", "person", "access", "refresh"}
stats = {"calls": 0, "by_status": collections.Counter(), "server_errors": [], "assisted": collections.Counter()}
_terms: list[dict] | None = None
_case_member: dict[int, dict] = {}  # id(case) -> the pool member before_call gave it


def _post(path: str, body: dict, token: str | None = None) -> dict:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = _http.post(API + path, json=body, headers=headers, timeout=30)
    if response.status_code >= 300:
        raise RuntimeError(f"hook set-up: POST {path} answered {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else {}


def _signup_consents() -> list[dict]:
    global _terms
    if _terms is None:
        documents = _http.get(API + "/v1/terms", timeout=30).json()["documents"]
        _terms = [
            {"document": d["id"], "version": d["version"], "agreed": True}
            for d in documents
            if d["step"] == "signup"
        ]
    return _terms


def _new_person() -> dict:
    n = next(_counter)
    return {
        "name": f"계약시험{n}",
        "birthDate": f"{1960 + n % 40}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "di": f"schemathesis-{uuid.uuid4()}",
    }


def _verified(purpose: str, person: dict, token: str | None = None, method: str = "phone") -> dict:
    """The result of a request of `purpose`, verified at the simulated provider, as a client sends it on."""
    request = _post("/v1/identity/requests", {"purpose": purpose, "method": method, "origin": API}, token)
    provider = request["provider"]
    window = _http.post(provider["url"], data=provider["fields"], timeout=30)
    if window.status_code != 200:
        raise RuntimeError(f"hook set-up: the provider's window answered {window.status_code}")
    completed = _http.post(
        API + "/_sim/nice/complete",
        json={"tokenVersionId": provider["fields"]["token_version_id"], **person},
        headers={"accept": "application/json"},
        timeout=30,
    )
    if completed.status_code != 200:
        raise RuntimeError(f"hook set-up: /_sim/nice/complete answered {completed.status_code}")
    fields = completed.json()["fields"]
    return {
        "tokenVersionId": fields["token_version_id"],
        "encData": fields["enc_data"],
        "integrityValue": fields["integrity_value"],
    }


def _new_signup(step: str, member_type: str = "general") -> tuple[str, str]:
    """A sign-up brought to `step` ("consent", "identity" or "profile")."""
    started = _post("/v1/signups", {"memberType": member_type})
    sid, token = started["signupId"], started["signupToken"]
    signups[sid] = token
    if step in ("identity", "profile"):
        _post(f"/v1/signups/{sid}/consents", {"consents": _signup_consents()}, token)
    if step == "profile":
        _post(f"/v1/signups/{sid}/identity", {"identity": _verified("signup", _new_person(), token)}, token)
    return sid, token


def _new_member() -> dict:
    person = _new_person()
    sid, token = _new_signup("identity")
    _post(f"/v1/signups/{sid}/identity", {"identity": _verified("signup", person, token)}, token)
    username = f"st{uuid.uuid4().hex[:12]}"
    _post(
        f"/v1/signups/{sid}/member",
        {"username": username, "password": PASSWORD, "email": f"{username}@example.kr",
         "phone": "010-1234-5678", "homeLibrary": "seogu"},
        token,
    )
    member = {"username": username, "password": PASSWORD, "person": person, "access": None, "refresh": None}
    _sign_in(member)
    return member


def _sign_in(member: dict) -> None:
    answer = _post("/v1/sessions", {"username": member["username"], "password": member["password"]})
    member["access"], member["refresh"] = answer["accessToken"], answer["refreshToken"]


def _pool_member() -> dict:
    while len(members) < 3:
        members.append(_new_member())
    member = _rng.choice(members)
    if member["access"] is None:
        try:
            _sign_in(member)
        except RuntimeError:  # locked out by generated wrong passwords: retire it
            members.remove(member)
            return _pool_member()
    return member


def _drop(member: dict) -> None:
    if member in members:
        members.remove(member)


def _has_auth(case) -> bool:
    return any(k.lower() == "authorization" for k in (case.headers or {}))


def _set_auth(case, token: str) -> None:
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    headers["Authorization"] = f"Bearer {token}"
    case.headers = headers


STEP_OF = {"consents": "consent", "identity": "identity", "member": "profile"}
MEMBER_PATHS = ("/v1/members/me", "/v1/sessions/current")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    path, method = case.operation.path, case.operation.method.upper()
    with _lock:
        if path.startswith("/v1/signups/{signupId}/"):
            _assist_signup_step(case, path.rsplit("/", 1)[1])
        elif path.startswith(MEMBER_PATHS):
            if _rng.random() < 0.85:
                member = _pool_member()
                _set_auth(case, member["access"])
                _case_member[id(case)] = member
                stats["assisted"]["member token"] += 1
                if isinstance(case.body, dict) and _rng.random() < 0.5:
                    if path == "/v1/members/me/password":
                        case.body = {**case.body, "currentPassword": member["password"]}
                        stats["assisted"]["current password"] += 1
                    elif path == "/v1/members/me/consents/renewal":
                        case.body = {**case.body, "consents": _signup_consents()}
                        stats["assisted"]["current consents"] += 1
        elif (path, method) == ("/v1/sessions", "POST") and isinstance(case.body, dict) and _rng.random() < 0.5:
            member = _pool_member()
            case.body = {**case.body, "username": member["username"], "password": member["password"]}
            _case_member[id(case)] = member
            stats["assisted"]["sign-in credentials"] += 1
        elif path == "/v1/sessions/refresh" and isinstance(case.body, dict) and _rng.random() < 0.5:
            member = _pool_member()
            if member["refresh"]:
                case.body = {**case.body, "refreshToken": member["refresh"]}
                _case_member[id(case)] = member
                stats["assisted"]["refresh token"] += 1
        elif path == "/v1/identity/requests" and isinstance(case.body, dict) and _rng.random() < 0.7:
            _assist_identity_request(case)
        elif path.startswith("/v1/recovery/") and isinstance(case.body, dict) and _rng.random() < 0.5:
            member = _pool_member()
            case.body = {**case.body, "identity": _verified("recovery", member["person"])}
            if path == "/v1/recovery/password":
                case.body["username"] = member["username"]
                _case_member[id(case)] = member
            stats["assisted"]["recovery identity result"] += 1


def _assist_identity_request(case) -> None:
    """An allowed origin, and the caller the purpose needs (a sign-up at its identity step, a member)."""
    case.body = {**case.body, "origin": API}
    purpose = case.body.get("purpose")
    if purpose == "signup" and _rng.random() < 0.8:
        _, token = _new_signup("identity")
        _set_auth(case, token)
    elif purpose in ("guardian", "upgrade") and _rng.random() < 0.8:
        member = _pool_member()
        _set_auth(case, member["access"])
        _case_member[id(case)] = member
    stats["assisted"]["identity request"] += 1


def _assist_signup_step(case, last_segment: str) -> None:
    step = STEP_OF.get(last_segment)
    sid = (case.path_parameters or {}).get("signupId")
    if sid in signups:
        if not _has_auth(case) or _rng.random() < 0.5:
            _set_auth(case, signups[sid])
            stats["assisted"]["signup token"] += 1
    elif step and _rng.random() < 0.8:
        member_type = "child" if step == "profile" and _rng.random() < 0.3 else "general"
        sid, token = _new_signup(step, member_type)
        signup_types[sid] = member_type
        case.path_parameters = {**(case.path_parameters or {}), "signupId": sid}
        _set_auth(case, token)
        stats["assisted"]["fresh sign-up"] += 1
    if step == "consent" and isinstance(case.body, dict) and _rng.random() < 0.5:
        case.body = {**case.body, "consents": _signup_consents()}
        stats["assisted"]["current consents"] += 1
    if step == "profile" and isinstance(case.body, dict) and _rng.random() < 0.5:
        username = f"st{uuid.uuid4().hex[:12]}"
        body = {"username": username, "password": PASSWORD, "email": f"{username}@example.kr",
                "phone": "010-1234-5678", "homeLibrary": "seogu"}
        if signup_types.get(sid) == "child":
            body["child"] = {"name": "계약아동", "birthDate": "2018-03-01"}
        case.body = body
        stats["assisted"]["valid member body"] += 1
    if step == "identity" and isinstance(case.body, dict) and sid in signups and _rng.random() < 0.7:
        method = _rng.choice(["phone", "ipin"])
        try:
            case.body = {**case.body, "identity": _verified("signup", _new_person(), signups[sid], method)}
            stats["assisted"]["identity result"] += 1
        except RuntimeError:  # a sign-up of the run no longer at its identity step: left as generated
            pass


@schemathesis.hook
def after_call(ctx, case, response):
    path, method = case.operation.path, case.operation.method.upper()
    status = response.status_code
    with _lock:
        stats["calls"] += 1
        stats["by_status"][str(status)] += 1
        if status >= 500:
            stats["server_errors"].append(f"{method} {path} -> {status}")
        if (path, method) == ("/v1/signups", "POST") and status == 201:
            try:
                body = json.loads(response.content)
                signups[body["signupId"]] = body["signupToken"]
                signup_types[body["signupId"]] = body.get("memberType", "general")
            except (ValueError, KeyError, TypeError):
                pass
        member = _case_member.pop(id(case), None)
        if member is None:
            return
        if path == "/v1/members/me" and method == "DELETE" and status == 204:
            _drop(member)  # withdrawn
        elif path in ("/v1/members/me/password", "/v1/recovery/password") and status == 204:
            _drop(member)  # password changed: the pool no longer knows it
        elif path == "/v1/sessions/current" and status == 204:
            member["access"] = None
        elif path.startswith(MEMBER_PATHS) and status == 401:
            member["access"] = None
        elif path == "/v1/sessions/refresh":
            if status == 200:
                body = json.loads(response.content)
                member["access"], member["refresh"] = body["accessToken"], body["refreshToken"]
            else:
                member["refresh"] = None
        elif path == "/v1/sessions" and method == "POST" and status == 429:
            _drop(member)  # locked out


def _write_stats() -> None:
    if STATS_PATH:
        with open(STATS_PATH, "w", encoding="utf-8") as f:
            json.dump({**stats, "by_status": dict(stats["by_status"]), "assisted": dict(stats["assisted"])}, f)


atexit.register(_write_stats)
