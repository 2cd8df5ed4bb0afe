"""The demo's outlet accounts: a teller and the head of the first outlet, linked to their staff."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core_ledger.org.models import Outlet, Staff
from huifang.demo.run import _outlet_accounts
from kernel.auth import User
from tests.conftest import Bind


def test_the_demo_signs_in_a_teller_and_an_outlet_head_to_their_own_pages(
    client: TestClient, engine: Bind
) -> None:
    with Session(engine) as session:
        assert _outlet_accounts(session, password="demo-pass-1") == []  # nobody to link yet
        for code in ("WD01", "WD02"):
            outlet = Outlet(code=code, name=f"{code}网点")
            session.add(outlet)
            session.flush()
            for n in (1, 2, 3):
                session.add(
                    Staff(code=f"{code}-{n}", name=f"员工{n}", outlet_id=outlet.id, phone="+86139")
                )
        session.flush()
        assert _outlet_accounts(session, password="demo-pass-1") == ["my-teller", "my-head"]
        session.commit()
        linked = session.exec(select(User.username, User.role, Staff.code).join(Staff)).all()
    assert sorted(linked) == [
        ("my-head", "outlet_head", "WD01-3"),
        ("my-teller", "teller", "WD01-1"),
    ]
    for username, heading in (("my-teller", "我的评价"), ("my-head", "本网点评价")):
        client.cookies.delete("huifang_token")
        client.post("/login", data={"username": username, "password": "demo-pass-1"})
        page = client.get("/my/results")
        assert page.status_code == 200 and heading in page.text
