"""Factories for ledger tests: a centre with an outlet, a teller, a unit and its depositors."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import count

import pytest
from sqlmodel import Session

from core_ledger.accounts import service as accounts
from core_ledger.config import get_ledger_settings
from core_ledger.identity import make_credit_code, make_resident_id
from core_ledger.journal.models import FundAccount
from core_ledger.loans import service as loans
from core_ledger.org import service as org
from core_ledger.remittance import service as remittances
from core_ledger.withdrawals.models import AGENT_DOCUMENTS, REQUIRED_DOCUMENTS, WithdrawalGround
from core_ledger.withdrawals.schemas import DocumentIn, PartyIn
from kernel.periods import current_month, shift
from tests.conftest import Bind

_serial = count(1)


def documents_for(ground: str, *, agent: bool = False) -> list[DocumentIn]:
    """The supporting documents (要件) a ground needs, with made-up numbers."""
    kinds = REQUIRED_DOCUMENTS[WithdrawalGround(ground)] + (AGENT_DOCUMENTS if agent else ())
    return [
        DocumentIn(kind=kind.value, number=f"{kind.value[:4].upper()}-2026-0001") for kind in kinds
    ]


# An heir no depositor of the factories can be (born 1960, area 430902).
HEIR = PartyIn(
    name="王继承",
    id_number=make_resident_id(area="430902", birth=date(1960, 5, 1), sequence=11),
    phone="13655550001",
    relationship="子女",
    document_ref="(2026)湘岳证字第0001号",
)


def documents_json(ground: str = "purchase") -> list[dict[str, str]]:
    """The same, as an API body carries them."""
    return [document.model_dump() for document in documents_for(ground)]


@dataclass
class Centre:
    """What a ledger test starts from; helpers post through the real services."""

    session: Session
    unit_code: str = ""
    accounts: list[str] = field(default_factory=list)
    outlet: str = "WD01"
    teller: str = "T01"

    def add_unit(self, *, rate: str = "0.12", first_month: str | None = None) -> str:
        unit = accounts.register_unit(
            self.session,
            credit_code=make_credit_code(area="430902", serial=next(_serial)),
            name=f"测试单位{next(_serial)}",
            contact_name="张会计",
            contact_phone="13800000001",
            bank_name="中国建设银行",
            bank_account_no="43001234567890",
            unit_rate=rate,
            employee_rate=rate,
            first_month=first_month or shift(current_month(), -3),
        )
        return unit.code

    def add_depositor(self, *, unit_code: str | None = None, wage_base_fen: int = 800_000) -> str:
        serial = next(_serial)
        account = accounts.open_depositor(
            self.session,
            id_number=make_resident_id(
                area="110105", birth=date(1995, 1, 1 + serial % 28), sequence=serial % 999
            ),
            name=f"职工{serial}",
            phone=f"139{serial:08d}",
            unit_code=unit_code if unit_code is not None else self.unit_code,
            wage_base_fen=wage_base_fen,
        )
        return account.account_no

    def remit(self, month: str, *, key: str | None = None, unit_code: str | None = None) -> int:
        done = remittances.remit_at_counter(
            self.session,
            unit_code=unit_code or self.unit_code,
            month=month,
            idempotency_key=key or f"remit-{unit_code or self.unit_code}-{month}",
            outlet_code=self.outlet,
            teller_code=self.teller,
        )
        return done.id or 0

    def contribute(self, months: int = 6) -> None:
        """The unit pays the months before this one (补缴 before its first month): a history
        that makes its depositors eligible for a loan (6 months, 11,520.00 yuan each)."""
        unit = accounts.get_unit(self.session, code=self.unit_code)
        paid = remittances.list_remittances(self.session, unit_id=unit.id, status="posted")
        for back in range(months, 0, -1):
            month = shift(current_month(), -back)
            if month in {r.month for r in paid}:
                continue
            remittances.remit_at_counter(
                self.session,
                unit_code=self.unit_code,
                month=month,
                kind="regular" if month >= unit.first_month else "supplementary",
                idempotency_key=f"contribute-{self.unit_code}-{month}",
                outlet_code=self.outlet,
                teller_code=self.teller,
            )

    def balance(self, account_no: str) -> int:
        return accounts.get_account(self.session, account_no=account_no).balance_fen

    def account(self, account_no: str) -> FundAccount:
        return accounts.get_account(self.session, account_no=account_no)


def make_centre(session: Session, *, depositors: int = 3) -> Centre:
    """An outlet WD01 with teller T01, a contracted project LP01, one unit with depositors."""
    org.create_outlet(session, code="WD01", name="市民中心网点")
    org.create_staff(session, code="T01", name="李娜", outlet_code="WD01", phone="13900001111")
    loans.create_project(
        session,
        code="LP01",
        name="碧桂园·江南府",
        developer="碧桂园地产",
        contact_name="周经理",
        contact_phone="13700000001",
    )
    centre = Centre(session=session)
    centre.unit_code = centre.add_unit()
    centre.accounts = [centre.add_depositor() for _ in range(depositors)]
    session.flush()
    return centre


@pytest.fixture
def centre(session: Session) -> Iterator[Centre]:
    yield make_centre(session)


@pytest.fixture
def committed_centre(engine: Bind) -> Iterator[Centre]:
    """A centre committed to the database, for tests that use the HTTP app or several sessions."""
    with Session(engine, expire_on_commit=False) as session:
        built = make_centre(session)
        session.commit()
        yield built


@pytest.fixture
def ledger_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set HUIFANG_ ledger settings for one test: ledger_env(MINIMUM_WAGE="2024-01-01:1")."""

    def set_env(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(f"HUIFANG_{name}", value)
        get_ledger_settings.cache_clear()

    yield set_env
    get_ledger_settings.cache_clear()
