"""A person's data request finds them as an heir and in fed records, by their blind index."""

import pytest
from sqlmodel import Session, select

from core_ledger.feed.models import FeedRecord
from core_ledger.feed.service import accept_records
from core_ledger.withdrawals.models import WithdrawalParty
from core_ledger.withdrawals.service import post_withdrawal
from huifang.person import export_person, find_person
from kernel.crypto import id_number_index, phone_index
from kernel.errors import NotFound
from kernel.periods import current_month, shift
from tests.core_ledger.conftest import HEIR, documents_for, make_centre
from tests.core_ledger.feed.support import ID_2, record


def test_heirs_and_fed_records_carry_their_indexes_and_are_found(session: Session) -> None:
    centre = make_centre(session)
    centre.remit(shift(current_month(), -1))
    post_withdrawal(
        centre.session,
        account_no=centre.accounts[0],
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="death",
        reason="death",
        documents=documents_for("death"),
        heir=HEIR,
    )
    accept_records(
        centre.session,
        source="core",
        rows=[(2, record(id_number=ID_2, phone="13655550044", name="刘芳"))],
        channel="api",
        received_by="core",
    )
    party = centre.session.exec(select(WithdrawalParty)).one()
    fed = centre.session.exec(select(FeedRecord)).one()
    assert party.id_number_index == id_number_index(HEIR.id_number)
    assert party.phone_index == phone_index("+8613655550001")
    assert fed.id_number_index == id_number_index(ID_2)
    assert fed.phone_index == phone_index("+8613655550044")
    heir = find_person(centre.session, id_number=HEIR.id_number)
    assert heir.phones == {"+8613655550001"} and heir.names == {"王继承"}
    person = find_person(centre.session, id_number=ID_2)
    assert person.phones == {"+8613655550044"} and person.names == {"刘芳"}
    document = export_person(centre.session, id_number=HEIR.id_number, actor="t", reason="本人申请")
    assert [(w["role"], w["relationship"]) for w in document["withdrawals_for_others"]] == [
        ("heir", "子女")
    ]
    fed_document = export_person(centre.session, id_number=ID_2, actor="t", reason="本人申请")
    assert [r["business_no"] for r in fed_document["core_system_records"]] == ["WD-1"]
    with pytest.raises(NotFound):
        find_person(centre.session, id_number="11010519491231002X")
