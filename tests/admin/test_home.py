"""Every role starts on a page it may open: / and /home follow the permission table."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from core_ledger.org import service as org
from kernel.auth import Role
from tests.conftest import Bind, make_user

STARTS = {
    Role.admin: "/dashboard",
    Role.manager: "/dashboard",
    Role.teller: "/my/results",
    Role.outlet_head: "/my/results",
    Role.operator: "/exceptions",
    Role.inspector: "/inspections",
    Role.department: "/ballots",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_own_page_and_that_page_lets_it_in(
    client: TestClient, engine: Bind, role: Role
) -> None:
    with Session(engine) as session:
        org.create_outlet(session, code="WD01", name="城东网点")
        org.create_staff(session, code="T01", name="李娜", outlet_code="WD01", phone="13900001111")
        session.commit()
    seated = {"staff_code": "T01"} if role in (Role.teller, Role.outlet_head) else {}
    password = make_user(engine, username="someone", role=role, **seated)
    client.post("/login", data={"username": "someone", "password": password})
    for path in ("/", "/home"):
        answer = client.get(path, follow_redirects=False)
        if role in STARTS:
            assert (answer.status_code, answer.headers["location"]) == (303, STARTS[role])
        else:  # unit administrators, finance, supervisors: their work is the API's
            assert answer.status_code == 200 and "网页端暂无您的工作台" in answer.text
    if role in STARTS:
        # Let in by the page gate (a page may still say what is missing, e.g. a rater's seat).
        page = client.get(STARTS[role])
        assert page.status_code < 500 and "无权查看此页面" not in page.text, page.text
