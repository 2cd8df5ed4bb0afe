"""Drill: every route, every role, really asked (issue 18).

tests/kernel/test_permissions.py proves statically that each route declares a capability from
kernel.auth.PERMISSIONS; here each route is called as nobody, and as a person of every role,
and the answer is checked against the table: a role without the right is refused (401 or a
redirect to /login when nobody signed in, 403 when the role may not), a role with it is not.
Twilio's webhooks are tried unsigned (403). A new route without a declared permission fails.

Reduced by default (nobody, admin, and for each route one role allowed and every role
refused); HUIFANG_DRILL_FULL=1 asks as every role.
"""

import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from admin.access import page_user
from huifang.app import create_app
from ivr.config import get_ivr_settings
from kernel.auth import PERMISSIONS, TOKEN_COOKIE, Capability, Role, current_user
from tests.conftest import Bind, make_user
from tests.kernel.test_permissions import PUBLIC, SIGNED_IN, _calls

FULL = os.environ.get("HUIFANG_DRILL_FULL", "") not in ("", "0")
# Public routes asked anyway: each must answer nobody with something other than a server error.
PUBLIC_ASKED = {"/healthz", "/readyz", "/login", "/s/{token:path}", "/s/survey.css"}
# Routes that need more than the role: the person's own unit or ballot seat. An account of the
# right role without one is refused for that (403, saying so), never for its role.
SEAT_NEEDED = {
    "/api/ledger/self-service/remittances": "a unit administrator's own unit",
    "/api/ledger/self-service/arrears": "a unit administrator's own unit",
    "/ballots": "a rater's seat (an outlet, a department, a manager in their own name)",
}
ROLE_REFUSALS = ("无权执行此操作", "无权查看此页面", "仅管理员可查看任务队列")
SIGN_OUT = {"/logout", "/api/auth/logout"}
# Mounted apps that check a capability themselves (answering nobody with a plain 401).
MOUNTS = {"/admin/rq": Capability.run_jobs}


@dataclass(frozen=True)
class Gate:
    method: str
    path: str  # as declared, e.g. /api/ledger/loans/{loan_id}
    url: str  # with every path parameter filled
    capabilities: frozenset[Capability]
    kind: str  # "capability", "signed_in", "twilio", "public"

    @property
    def is_page(self) -> bool:
        return not self.path.startswith("/api/")


def _sample(annotation: Any) -> str:
    """A value of the path parameter's type that passes validation."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return str(next(iter(annotation)).value)
    if annotation is int:
        return "1"
    return "x1"


def _url(path: str, dependant: Dependant) -> str:
    samples = {p.name: _sample(p.field_info.annotation) for p in dependant.path_params}
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: samples.get(m.group(1), "x1"), path)


def gates() -> list[Gate]:
    """Every route of the app with what it takes to pass; a route nobody explained fails."""
    found, unexplained = [], []
    for route in iter_route_contexts(create_app().routes):
        dependant = getattr(route, "dependant", None)
        path = route.path or ""
        if path in MOUNTS:
            found.append(Gate("GET", path, path + "/", frozenset({MOUNTS[path]}), "capability"))
            continue
        if not isinstance(route.original_route, APIRoute) or dependant is None:
            assert path in PUBLIC, f"{path}: a route nobody named public"
            continue
        calls = list(_calls(dependant))
        capabilities = frozenset(c.capability for c in calls if hasattr(c, "capability"))
        if capabilities:
            kind = "capability"
        elif path.startswith("/twilio/"):
            kind = "twilio"
        elif path in SIGNED_IN and (page_user in calls or current_user in calls):
            kind = "signed_in"
        elif path in PUBLIC:
            kind = "public"
        else:
            unexplained.append(path)
            continue
        for method in sorted(set(route.methods or ()) - {"HEAD"}):
            found.append(Gate(method, path, _url(path, dependant), capabilities, kind))
    assert unexplained == [], f"routes without a declared permission: {unexplained}"
    # Signing out revokes the token the drill signs in with: those routes go last.
    return sorted(found, key=lambda gate: gate.path in SIGN_OUT)


def _allowed(role: Role, gate: Gate) -> bool:
    return role == Role.admin or all(role in PERMISSIONS[c] for c in gate.capabilities)


def _roles_to_ask(gate: Gate) -> list[Role]:
    if FULL:
        return list(Role)
    allowed = [r for r in Role if r != Role.admin and _allowed(r, gate)]
    refused = [r for r in Role if not _allowed(r, gate)]
    return [Role.admin, *allowed[:1], *refused]


@pytest.fixture
def tokens(client: TestClient, engine: Bind) -> dict[Role, str]:
    """One signed-in account of every role."""
    found = {}
    for role in Role:
        name = f"drill-{role.value}"
        password = make_user(engine, username=name, role=role.value)
        answer = client.post("/api/auth/token", data={"username": name, "password": password})
        assert answer.status_code == 200, answer.text
        found[role] = answer.json()["access_token"]
    return found


def _ask(
    client: TestClient, gate: Gate, token: str | None, *, url: str | None = None
) -> tuple[int, str, str]:
    csrf = secrets.token_urlsafe(8)
    cookie = f"huifang_csrf={csrf}"
    headers = {"X-CSRF-Token": csrf}
    if token is not None:
        cookie += f"; {TOKEN_COOKIE}={token}"
        headers["Authorization"] = f"Bearer {token}"
    headers["Cookie"] = cookie
    body: dict[str, Any] = {} if gate.method == "GET" else {"data": {}}
    response = client.request(
        gate.method, url or gate.url, headers=headers, follow_redirects=False, **body
    )
    return response.status_code, response.headers.get("location", ""), response.text


def _refused_unsigned_in(status: int, location: str, gate: Gate) -> bool:
    if gate.path in MOUNTS:
        return status == 401
    if gate.is_page:
        return status == 303 and location.endswith("/login")
    return status == 401


def test_the_route_list_is_complete_and_every_route_is_asked() -> None:
    listed = gates()
    kinds = {g.kind for g in listed}
    assert kinds == {"capability", "signed_in", "twilio", "public"}
    # Every capability in the table guards at least one route: none is dead weight.
    guarded = set().union(*(g.capabilities for g in listed))
    assert guarded == set(Capability), set(Capability) - guarded


def _wrong(client: TestClient, tokens: dict[Role, str], gate: Gate) -> Iterator[str]:
    if gate.kind == "public":
        if gate.path in PUBLIC_ASKED:
            status, _, _ = _ask(client, gate, None)
            if status >= 500:
                yield f"{gate.method} {gate.url} nobody: {status}"
        return
    status, location, _ = _ask(client, gate, None)
    if gate.kind == "twilio":
        if status != 403:
            yield f"{gate.method} {gate.url} unsigned: {status}"
        return
    if not _refused_unsigned_in(status, location, gate):
        yield f"{gate.method} {gate.url} nobody: {status} {location}"
    roles = [Role.admin, Role.teller] if gate.kind == "signed_in" else _roles_to_ask(gate)
    for role in roles:
        status, location, text = _ask(client, gate, tokens[role])
        if status >= 500:
            yield f"{gate.method} {gate.url} {role}: server error {status}"
        elif gate.kind == "signed_in" or _allowed(role, gate):
            for_the_seat = gate.path in SEAT_NEEDED and not any(r in text for r in ROLE_REFUSALS)
            if status == 403 and for_the_seat:
                continue
            if status in (401, 403) or location.endswith("/login"):
                yield f"{gate.method} {gate.url} {role}: refused ({status}) though allowed"
        elif status != 403 or not any(r in text for r in ROLE_REFUSALS):
            yield f"{gate.method} {gate.url} {role}: {status}, not 403 for the role"


def test_every_route_refuses_every_role_without_the_right_and_admits_the_right_one(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    wrong: list[str] = []
    asked = 0
    for gate in gates():
        wrong.extend(_wrong(client, tokens, gate))
        asked += 1
    print(f"routes asked: {asked}, full={FULL}")
    assert wrong == [], "\n".join(wrong)


def test_an_id_past_32_bits_is_a_4xx_on_every_route_pages_and_signed_webhooks_included(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    """What a security pass found on about 20 id routes: 2^40 in an id was a 500."""
    huge = str(2**40)
    wrong = []
    asked = 0
    for gate in gates():
        if gate.kind not in ("capability", "signed_in") or gate.path in SIGN_OUT:
            continue
        url = re.sub(r"/1(?=/|$)", "/" + huge, gate.url)
        if url == gate.url:
            continue
        asked += 1
        status, _, text = _ask(client, gate, tokens[Role.admin], url=url)
        if not 400 <= status < 500:
            wrong.append(f"{gate.method} {url}: {status} {text[:80]}")
    for path in ("/twilio/voice/status", "/twilio/voice/answer", "/twilio/sms/status"):
        query = f"attempt={huge}&q=attitude&try=0"
        form = {"CallSid": "CA" + "0" * 32, "CallStatus": "completed", "Digits": "1"}
        signature = _signature(f"{path}?{query}", form)
        answer = client.post(
            f"{path}?{query}", data=form, headers={"X-Twilio-Signature": signature}
        )
        asked += 1
        if not 400 <= answer.status_code < 500 and answer.status_code not in (200, 204):
            wrong.append(f"POST {path}?{query} signed: {answer.status_code}")
    print(f"ids past 32 bits asked on {asked} routes")
    assert asked > 20 and wrong == [], "\n".join(wrong)


def _signature(path: str, form: dict[str, str]) -> str:
    settings = get_ivr_settings()
    validator = RequestValidator(settings.twilio_auth_token)
    return str(validator.compute_signature(settings.webhook_url(path), form))
