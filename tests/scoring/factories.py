"""Small factories for ranking tests: outlets, tellers, depositors and rated callbacks."""

import itertools
from datetime import datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from sqlmodel import Session

from core_ledger.accounts.models import Depositor
from core_ledger.org.models import Outlet, Staff
from kernel.clock import centre_tz
from scoring.models import CallbackRating
from scoring.service import record_callback_rating

_task_ids = itertools.count(1)
_numbers = itertools.count(1)

V, S, U = "very_satisfied", "satisfied", "unsatisfied"


def outlet(session: Session, code: str, name: str | None = None) -> Outlet:
    row = Outlet(code=code, name=name or f"{code}网点")
    session.add(row)
    session.flush()
    return row


def teller(session: Session, at: Outlet, code: str, phone: str | None = None) -> Staff:
    number = phone or f"+86139{next(_numbers):08d}"
    row = Staff(code=code, name=f"柜员{code}", outlet_id=at.id, phone=number)
    session.add(row)
    session.flush()
    return row


def depositor(session: Session, phone: str) -> Depositor:
    n = next(_numbers)
    row = Depositor(id_number=f"43090219900101{n:04d}", name=f"职工{n}", phone=phone)
    session.add(row)
    session.flush()
    return row


def rate(
    session: Session,
    at: Outlet,
    attitude: str | None,
    efficiency: str | None,
    *,
    by: Staff | None = None,
    when: datetime = datetime(2026, 11, 10, 10, 0, tzinfo=centre_tz()),
    repeat_trip: str = "no",
    favour_asked: str = "no",
    phone: str | None = None,
    audience: str = "depositor",
) -> CallbackRating:
    answers = {"repeat_trip": repeat_trip, "favour_asked": favour_asked}
    if attitude:
        answers["attitude"] = attitude
    if efficiency:
        answers["efficiency"] = efficiency
    return record_callback_rating(
        session,
        task_id=next(_task_ids),
        audience=audience,
        outlet_id=at.id or 0,
        teller_id=by.id if by else None,
        business_at=when,
        answers=answers,
        phone=phone,
    )


# 集中考勤 workbooks
HEADER = (
    "工号",
    "姓名",
    "月份",
    "应出勤天数",
    "实际出勤天数",
    "请假天数",
    "旷工天数",
    "迟到早退次数",
)


def workbook(*rows: tuple[Any, ...], header: tuple[str, ...] = HEADER) -> bytes:
    """A 集中考勤 workbook: the header row, then the rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = (
    ("T01", "柜员T01", "2026-11", 21, 21, 0, 0, 0),
    ("T02", "柜员T02", "2026-11", 21, 18, 2, 1, 3),
    ("T03", None, None, 21, 20.5, 0.5, None, None),
)
