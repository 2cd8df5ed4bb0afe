"""The bulk tables' keys hold as foreign keys do, checked once per statement on PostgreSQL.

journal_line and remittance_line name their posting, remittance and fund account; a row that
names a missing one is refused with the whole statement, and a referenced parent cannot be
deleted or given a new id. On SQLite (the demo) the declared keys do the same.
"""

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, func, select

from core_ledger.journal.books import check_books
from core_ledger.journal.models import FundAccount, JournalLine
from core_ledger.remittance.models import Remittance, RemittanceLine
from kernel.periods import current_month, shift
from tests.conftest import Bind
from tests.core_ledger.conftest import Centre, make_centre

pytestmark = pytest.mark.sqlite_too

MISSING = 2_000_000_000


def _ids(session: Session) -> tuple[int, int, int]:
    """(a posting, a remittance, a fund account) that exist."""
    remittance = session.exec(select(Remittance)).first()
    posting = session.exec(select(JournalLine.posting_id)).first()
    assert remittance is not None and posting is not None
    account = session.exec(select(FundAccount).order_by(col(FundAccount.id))).first()
    assert account is not None and account.id is not None
    return posting, remittance.id or 0, account.id


def _refused(
    session: Session, statement: str, *, error: type[Exception] = IntegrityError, **values: int
) -> None:
    """The statement is refused, and rolled back to before it."""
    savepoint = session.begin_nested()
    with pytest.raises(error):
        session.execute(text(statement), values)
    savepoint.rollback()


JOURNAL = (
    "INSERT INTO journal_line (posting_id, gl_account, fund_account_id, amount_fen) "
    "VALUES (:posting, 'deposits', :account, -1), (:posting2, 'deposits', :account2, 1)"
)
ROSTER = (
    "INSERT INTO remittance_line "
    "(remittance_id, fund_account_id, wage_base_fen, unit_fen, employee_fen) "
    "VALUES (:remittance, :account, 1, 1, 1), (:remittance2, :account2, 1, 1, 1)"
)


def test_a_line_naming_a_missing_row_is_refused_with_its_whole_statement(
    centre: Centre,
) -> None:
    centre.remit(shift(current_month(), -1))
    centre.session.flush()
    session = centre.session
    posting, remittance, account = _ids(session)
    lines = session.exec(select(func.count()).select_from(JournalLine)).one()
    roster = session.exec(select(func.count()).select_from(RemittanceLine)).one()
    # One good row and one bad in each statement: neither is written.
    _refused(session, JOURNAL, posting=posting, posting2=MISSING, account=account, account2=account)
    _refused(session, JOURNAL, posting=posting, posting2=posting, account=account, account2=MISSING)
    _refused(
        session,
        ROSTER,
        remittance=remittance,
        remittance2=MISSING,
        account=account,
        account2=account,
    )
    _refused(
        session,
        ROSTER,
        remittance=remittance,
        remittance2=remittance,
        account=account,
        account2=MISSING,
    )
    _refused(session, "UPDATE remittance_line SET fund_account_id = :missing", missing=MISSING)
    assert session.exec(select(func.count()).select_from(JournalLine)).one() == lines
    assert session.exec(select(func.count()).select_from(RemittanceLine)).one() == roster
    # Rows that name existing parents go in (a journal line without an account is allowed).
    session.execute(
        text(
            "INSERT INTO journal_line (posting_id, gl_account, fund_account_id, amount_fen) "
            "VALUES (:posting, 'bank', NULL, 0)"
        ),
        {"posting": posting},
    )
    assert session.exec(select(func.count()).select_from(JournalLine)).one() == lines + 1


def test_a_referenced_account_or_remittance_cannot_be_deleted_or_renumbered(
    centre: Centre,
) -> None:
    centre.remit(shift(current_month(), -1))
    centre.session.flush()
    session = centre.session
    _, remittance, account = _ids(session)
    for statement in (
        "DELETE FROM fund_account WHERE id = :account",
        "UPDATE fund_account SET id = :missing WHERE id = :account",
        "DELETE FROM remittance WHERE id = :remittance",
        "UPDATE remittance SET id = :missing WHERE id = :remittance",
    ):
        ids = {"account": account, "remittance": remittance, "missing": MISSING}
        _refused(session, statement, error=DBAPIError, **ids)
    assert check_books(session) == []


@pytest.mark.committed
def test_a_delete_waits_for_the_lines_being_written_then_is_refused(engine: Bind) -> None:
    """A delete waits for transactions writing lines (its SHARE lock), as a foreign key does."""
    if engine.dialect.name != "postgresql":
        pytest.skip("two connections at once: PostgreSQL")
    with Session(engine) as session:
        centre = make_centre(session)
        centre.remit(shift(current_month(), -1))
        session.flush()
        _, remittance, _ = _ids(session)
        spare = session.exec(
            select(FundAccount.id).where(
                col(FundAccount.id).not_in(select(RemittanceLine.fund_account_id))
            )
        ).first()
        if spare is None:  # every account is on the roster: open one more
            centre.add_depositor()
            session.flush()
            spare = session.exec(select(func.max(FundAccount.id))).one()
        session.commit()
    assert isinstance(engine, Engine)
    writer, deleter = engine.connect(), engine.connect()
    try:
        with writer.begin():
            writer.execute(
                text(ROSTER),
                {
                    "remittance": remittance,
                    "remittance2": remittance,
                    "account": spare,
                    "account2": spare,
                },
            )
            # The writer has not committed: the delete waits for its lock, and gives up here.
            deleter.execute(text("SET lock_timeout = '300ms'"))
            with pytest.raises(DBAPIError, match="lock timeout"):
                deleter.execute(text("DELETE FROM fund_account WHERE id = :id"), {"id": spare})
            deleter.rollback()
        # Committed now: the delete sees the line and is refused.
        with pytest.raises(DBAPIError, match="still referenced|FOREIGN KEY|foreign key"):
            deleter.execute(text("DELETE FROM fund_account WHERE id = :id"), {"id": spare})
        deleter.rollback()
    finally:
        writer.close()
        deleter.close()
