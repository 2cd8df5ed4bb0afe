"""One permission table (kernel.auth.PERMISSIONS) for the API and the pages alike.

Every route's gate comes from the table, so a page cannot let in someone its API keeps out;
the cases a security pass found (operators and inspectors reading the appraisal, downloading
exports, acknowledging 约谈 alerts through the pages) are tried on both sides.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from admin.access import page_user
from huifang.app import create_app
from kernel.audit import AuditAction, AuditEvent
from kernel.auth import PERMISSIONS, Capability, Role, User, can, current_user
from tests.conftest import Bind, make_user

# Routes anyone may reach, each for a reason; a new one must be added here on purpose.
PUBLIC = {
    "/api/auth/token": "the sign-in itself",
    "/login": "the sign-in form",
    "/logout": "signing out needs no sign-in: a stale cookie is simply forgotten",
    "/openapi.json": "the API description (signed-in only in production: a middleware)",
    "/docs": "the API description (signed-in only in production: a middleware)",
    "/docs/oauth2-redirect": "part of /docs",
    "/redoc": "the API description (signed-in only in production: a middleware)",
    "/admin/rq": "a mounted app that checks Capability.run_jobs itself (huifang.dashboard)",
    "/static": "the pages' own scripts and styles (ECharts), nothing personal",
    "/s/{token:path}": "the web survey: the unguessable link sent by SMS is the gate (ivr.web)",
    "/s/survey.css": "the web survey's style sheet",
    "/healthz": "a liveness probe: says nothing but that the process answers (huifang.ops)",
    "/readyz": "a readiness probe for the load balancer (huifang.ops)",
    "/metrics": "Prometheus counts, no person; HUIFANG_METRICS_TOKEN gates it (huifang.ops)",
}
# Routes open to anyone signed in, whatever their role.
SIGNED_IN = {"/", "/home", "/api/auth/logout"}


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _gates() -> list[tuple[str, str, list[Callable[..., Any]]]]:
    found = []
    for route in iter_route_contexts(create_app().routes):
        dependant = getattr(route, "dependant", None)
        calls = list(_calls(dependant)) if dependant is not None else []
        methods = ",".join(sorted(route.methods or ()))
        found.append((methods, route.path or "", calls))
    return found


def test_every_capability_has_its_roles_named() -> None:
    assert set(PERMISSIONS) == set(Capability)
    for capability, roles in PERMISSIONS.items():
        assert Role.admin not in roles, f"{capability}: admins pass every check without being named"


def test_every_route_is_gated_by_the_table_a_signature_or_is_public_on_purpose() -> None:
    unexplained = []
    for methods, path, calls in _gates():
        capabilities = [c.capability for c in calls if hasattr(c, "capability")]
        if capabilities:
            assert all(c in PERMISSIONS for c in capabilities)
        elif path.startswith("/twilio/"):
            # Twilio's webhooks: no person signs in; the request's signature is the gate.
            assert any(c.__name__ == "signed_form" for c in calls), path
        elif path in SIGNED_IN:
            assert page_user in calls or current_user in calls, path
        elif path not in PUBLIC:
            unexplained.append(f"{methods} {path}")
    assert unexplained == [], "routes without a capability from kernel.auth.PERMISSIONS"


def test_admins_may_do_everything_and_a_disabled_account_nothing() -> None:
    admin = User(username="root", role=Role.admin, password_hash="x")
    gone = User(username="old", role=Role.manager, password_hash="x", is_active=False)
    assert all(can(admin, c) for c in Capability)
    assert not any(can(gone, c) for c in Capability)
    assert not can(None, Capability.read_rankings)


@pytest.mark.parametrize(
    ("capability", "role", "allowed"),
    [
        (Capability.read_appraisal, Role.operator, False),
        (Capability.read_appraisal, Role.inspector, False),
        (Capability.export_reports, Role.operator, False),
        (Capability.export_reports, Role.inspector, False),
        (Capability.manage_alerts, Role.operator, False),
        (Capability.manage_alerts, Role.inspector, False),
        (Capability.manage_org, Role.teller, False),
        (Capability.manage_org, Role.manager, False),
        (Capability.manage_users, Role.manager, False),
        (Capability.read_appraisal, Role.manager, True),
        (Capability.work_cases, Role.operator, True),
        (Capability.read_own_results, Role.teller, True),
        (Capability.read_own_results, Role.outlet_head, True),
        (Capability.file_appeal, Role.outlet_head, True),
        (Capability.settle_payments, Role.teller, False),
        (Capability.settle_payments, Role.finance, True),
        (Capability.run_interest, Role.teller, False),
        (Capability.run_interest, Role.supervisor, True),
    ],
)
def test_the_table_says(capability: Capability, role: Role, allowed: bool) -> None:
    assert can(User(username="x", role=role, password_hash="x"), capability) is allowed


def _token(client: TestClient, engine: Bind, role: str, name: str = "") -> dict[str, str]:
    name = name or f"api-{role}"
    password = make_user(engine, username=name, role=role)
    answer = client.post("/api/auth/token", data={"username": name, "password": password})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _sign_in(client: TestClient, engine: Bind, role: str) -> None:
    client.cookies.delete("huifang_token")
    password = make_user(engine, username=f"page-{role}", role=role)
    form = {"username": f"page-{role}", "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


@pytest.mark.parametrize("role", ["operator", "inspector"])
def test_operators_and_inspectors_are_kept_from_appraisal_exports_and_alerts_on_both_sides(
    client: TestClient, engine: Bind, role: str
) -> None:
    headers = _token(client, engine, role)
    api = client.get("/api/rankings/appraisal", params={"period": "2026-02"}, headers=headers)
    assert api.status_code == 403 and "无权" in api.json()["detail"]
    _sign_in(client, engine, role)
    assert client.get("/rankings?period=2026-02").status_code == 200
    for path in ("/rankings/appraisal?period=2026-02", "/rankings/export.xlsx?period=2026-02"):
        page = client.get(path)
        assert page.status_code == 403 and "无权查看此页面" in page.text, path
    acknowledged = client.post("/rankings/alerts/1", data={"note": "已约谈"})
    checked = client.post("/rankings/alerts/check", data={"period": "2026-02"})
    assert acknowledged.status_code == checked.status_code == 403
    alerts = client.get("/rankings/alerts?period=2026-02")
    assert alerts.status_code == 200 and "登记约谈" not in alerts.text
    assert "是否有应约谈的网点" not in alerts.text
    assert "/rankings/appraisal" not in client.get("/rankings?period=2026-02").text
    assert "导出 Excel" not in client.get("/rankings?period=2026-02").text


def test_a_manager_reads_the_appraisal_and_downloads_the_export(
    client: TestClient, engine: Bind
) -> None:
    headers = _token(client, engine, "manager")
    assert client.get("/api/rankings/appraisal", params={"period": "2026-02"}, headers=headers)
    _sign_in(client, engine, "manager")
    page = client.get("/rankings?period=2026-02")
    assert "/rankings/appraisal" in page.text and "导出 Excel" in page.text
    assert client.get("/rankings/appraisal?period=2026-02").status_code == 200
    export = client.get("/rankings/export.xlsx?period=2026-02")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    with Session(engine) as session:  # every export is in the audit log
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == AuditAction.export)
        ).one()
    assert (event.actor, event.subject) == ("page-manager", "ranking:outlet:2026-02")


def test_only_an_admin_creates_outlets_and_staff(client: TestClient, engine: Bind) -> None:
    outlet = {"code": "WD01", "name": "城东网点"}
    for role in ("teller", "manager"):
        headers = _token(client, engine, role)
        answer = client.post("/api/ledger/outlets", json=outlet, headers=headers)
        assert answer.status_code == 403, role
    staff = {"code": "T01", "name": "李娜", "outlet_code": "WD01", "phone": "13900001111"}
    teller = _token(client, engine, "teller", name="api-teller-2")
    assert client.post("/api/ledger/staff", json=staff, headers=teller).status_code == 403
    admin = _token(client, engine, "admin")
    assert client.post("/api/ledger/outlets", json=outlet, headers=admin).status_code == 201
    assert client.post("/api/ledger/staff", json=staff, headers=admin).status_code == 201
    assert client.get("/api/ledger/outlets", headers=teller).status_code == 200
