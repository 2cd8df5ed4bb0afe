"""The core-system feed on PostgreSQL: all or nothing, every bad row named, re-sends idempotent."""

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from callbacks.models import CallbackTask
from callbacks.relay import relay_outbox
from core_ledger.feed.models import EVENT_KINDS, FeedKind, FeedRecord
from core_ledger.feed.service import FeedRefused, accept_records
from core_ledger.outbox.models import OutboxEvent
from core_ledger.withdrawals.service import post_withdrawal
from huifang.settings import clear_caches
from kernel.clock import as_utc, local, utcnow
from kernel.periods import current_month, shift
from tests.core_ledger.conftest import Centre, documents_for
from tests.core_ledger.feed.support import ID_1, ID_2, record

pytestmark = pytest.mark.sqlite_too


def _send(session: Session, records: list[dict[str, Any]], **options: Any) -> Any:
    rows = [(n, r) for n, r in enumerate(records, start=2)]
    return accept_records(
        session, source="core", rows=rows, channel="file", received_by="test.csv", **options
    )


def _count(session: Session, model: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_each_record_is_called_back_like_a_ledger_posting(centre: Centre) -> None:
    loan = record(no="LN-1", kind="loan", ground="", project_code="LP01", phone="13655550009")
    outcome = _send(centre.session, [record(), loan])
    assert (outcome.created, outcome.unchanged, outcome.written) == (2, 0, True)
    events = {e.kind: e for e in centre.session.exec(select(OutboxEvent))}
    assert set(events) == set(EVENT_KINDS.values())
    fed = events[EVENT_KINDS[FeedKind.withdrawal]].payload
    # The same shape as a posting's event, so the relay needs nothing new.
    centre.remit(shift(current_month(), -1))
    post_withdrawal(
        centre.session,
        account_no=centre.accounts[0],
        amount_fen=100,
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="wd",
        documents=documents_for("purchase"),
    )
    ledger = centre.session.exec(
        select(OutboxEvent).where(OutboxEvent.kind == "withdrawal.completed")
    ).one()
    assert set(ledger.payload) - {"amount_fen", "receipt_no"} <= set(fed)
    assert set(ledger.payload["person"]) - {"account_no"} <= set(fed["person"])
    assert fed["business_kind"] == "withdrawal" and fed["ground"] == "retirement"
    assert fed["person"]["phone"] == "+8613655550001" and fed["person"]["gender"] == "male"
    assert "id_number" not in str(fed) and ID_1 not in str(fed)
    assert fed["feed"] == {"source": "core", "business_no": "WD-1"}
    assert events[EVENT_KINDS[FeedKind.loan]].payload["project_contact"]["phone"] == (
        "+8613700000001"
    )
    relay_outbox(centre.session)
    fed_events = {e.id for e in events.values()}
    tasks = [
        t
        for t in centre.session.exec(select(CallbackTask).order_by(col(CallbackTask.id)))
        if t.event_id in fed_events
    ]
    assert [(t.audience, t.phone) for t in tasks] == [
        ("depositor", "+8613655550001"),
        ("depositor", "+8613655550009"),
        ("project_contact", "+8613700000001"),
    ]
    assert tasks[0].business_kind == "withdrawal" and tasks[1].business_kind == "loan"


def test_a_naive_time_is_the_centres_local_time(centre: Centre) -> None:
    when = local(utcnow() - timedelta(days=1)).replace(microsecond=0, tzinfo=None)
    _send(centre.session, [record(occurred_at=when.strftime("%Y-%m-%d %H:%M:%S"))])
    stored = centre.session.exec(select(FeedRecord)).one()
    assert local(as_utc(stored.occurred_at)).replace(tzinfo=None) == when


def test_every_bad_row_is_named_and_nothing_is_written(centre: Centre) -> None:
    future = (utcnow() + timedelta(days=2)).isoformat()
    old = (utcnow() - timedelta(days=400)).isoformat()
    bad_id = ID_2[:17] + ("0" if ID_2[17] != "0" else "1")
    records = [
        record(no="OK-1"),  # row 2, fine: still not written
        record(no="B-3", id_number=bad_id),  # row 3
        record(no="B-4", phone="12345"),  # row 4
        record(no="B-5", outlet_code="WD99"),  # row 5
        record(no="B-6", occurred_at=future),  # row 6
        record(no="B-7", occurred_at=old),  # row 7
        record(no="B-8", kind="transfer"),  # row 8
        record(no="B-9", kind="loan", ground="", project_code=""),  # row 9
        record(no="B-10", teller_code="T404", name=""),  # row 10: two problems
        record(no="B-11", ground="holiday"),  # row 11
    ]
    with pytest.raises(FeedRefused) as refused:
        _send(centre.session, records)
    found = [(p.row, p.field) for p in refused.value.problems]
    assert found == [
        (3, "id_number"),
        (4, "phone"),
        (5, "outlet_code"),
        (6, "occurred_at"),
        (7, "occurred_at"),
        (8, "kind"),
        (9, "project_code"),
        (10, "name"),
        (11, "ground"),
    ]
    reasons = {p.row: p.reason for p in refused.value.problems}
    assert "校验位不符" in reasons[3]
    assert "手机号码格式不正确" in reasons[4]
    assert "找不到网点 'WD99'" in reasons[5]
    assert "晚于当前时间" in reasons[6]
    assert "早于 30 天前" in reasons[7] and "HUIFANG_FEED_MAX_AGE_DAYS" in reasons[7]
    assert "贷款记录须填写签约楼盘编号" in reasons[9]
    assert refused.value.status_code == 422 and "整批未写入" in refused.value.message
    assert _count(centre.session, FeedRecord) == 0
    assert _count(centre.session, OutboxEvent) == 0


def test_a_teller_of_another_outlet_and_an_unknown_teller_are_refused(centre: Centre) -> None:
    from core_ledger.org import service as org

    org.create_outlet(centre.session, code="WD02", name="城西网点")
    org.create_staff(
        centre.session, code="T02", name="王强", outlet_code="WD02", phone="13900002222"
    )
    with pytest.raises(FeedRefused) as refused:
        _send(centre.session, [record(teller_code="T02"), record(no="X", teller_code="T404")])
    reasons = [p.reason for p in refused.value.problems]
    assert reasons == ["柜员 T02 不属于网点 WD01", "找不到柜员 'T404'"]


def test_the_age_limit_is_a_setting(centre: Centre, monkeypatch: pytest.MonkeyPatch) -> None:
    ten_days = (utcnow() - timedelta(days=10)).isoformat()
    monkeypatch.setenv("HUIFANG_FEED_MAX_AGE_DAYS", "7")
    clear_caches()
    try:
        with pytest.raises(FeedRefused, match="早于 7 天前"):
            _send(centre.session, [record(occurred_at=ten_days)])
    finally:
        monkeypatch.delenv("HUIFANG_FEED_MAX_AGE_DAYS")
        clear_caches()
    assert _send(centre.session, [record(occurred_at=ten_days)]).created == 1


def test_a_re_sent_batch_changes_nothing_and_says_so(centre: Centre) -> None:
    batch = [record(), record(no="WD-2", phone="13655550002", id_number=ID_2)]
    assert _send(centre.session, batch).created == 2
    again = _send(centre.session, batch)
    assert (again.created, again.unchanged, again.written) == (0, 2, False)
    assert again.message == "共 2 条，均已收到过，未作任何更改"
    assert _count(centre.session, FeedRecord) == 2
    assert _count(centre.session, OutboxEvent) == 2
    # A new record alongside old ones: only it is written.
    more = _send(centre.session, [*batch, record(no="WD-3")])
    assert (more.created, more.unchanged) == (1, 2)
    assert _count(centre.session, OutboxEvent) == 3


def test_a_conflicting_re_send_is_refused_naming_what_differs(centre: Centre) -> None:
    _send(centre.session, [record()])
    stored = centre.session.exec(select(FeedRecord)).one()
    with pytest.raises(FeedRefused) as refused:
        _send(centre.session, [record(phone="13655550077"), record(no="WD-NEW")])
    assert refused.value.status_code == 409
    [problem] = refused.value.problems
    assert problem.field == "business_no" and "手机号码不同" in problem.reason
    assert "13655550077" not in problem.reason  # names the field, never the number
    centre.session.refresh(stored)
    assert stored.phone == "+8613655550001"
    assert _count(centre.session, FeedRecord) == 1  # WD-NEW waits for a clean batch
    assert _count(centre.session, OutboxEvent) == 1


def test_the_same_number_twice_in_one_batch(centre: Centre) -> None:
    twice = _send(centre.session, [record(), record()])
    assert (twice.created, twice.unchanged) == (1, 1)
    with pytest.raises(FeedRefused, match="与第 2 行相同但内容不同") as refused:
        _send(centre.session, [record(no="D-1"), record(no="D-1", name="别人")])
    assert refused.value.status_code == 422  # a bad file, not a conflict with what we hold


def test_idempotency_is_per_source(centre: Centre) -> None:
    _send(centre.session, [record()])
    other = accept_records(
        centre.session, source="bank", rows=[(2, record())], channel="api", received_by="bank"
    )
    assert other.created == 1


def test_check_only_writes_nothing(centre: Centre) -> None:
    outcome = _send(centre.session, [record()], check_only=True)
    assert (outcome.created, outcome.written) == (1, False)
    assert _count(centre.session, FeedRecord) == 0
