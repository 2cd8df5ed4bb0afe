"""`huifang ledger …` against the test database."""

from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from core_ledger.accounts import service as accounts
from core_ledger.journal.models import Posting
from core_ledger.loans import service as loans
from core_ledger.remittance.models import Remittance
from huifang.cli import app
from kernel.auth import create_user
from kernel.clock import utcnow
from kernel.periods import current_month, shift
from tests.conftest import Bind
from tests.core_ledger.conftest import Centre

LAST = shift(current_month(), -1)
runner = CliRunner()


def _csv(tmp_path: Path, centre: Centre, base: str = "8000") -> Path:
    path = tmp_path / "清册.csv"
    rows = ["账号,缴存基数"] + [f"{a},{base}" for a in centre.accounts]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_remit_a_file_at_the_counter_then_print_its_receipt(
    engine: Bind, committed_centre: Centre, tmp_path: Path
) -> None:
    common = ["--unit", committed_centre.unit_code, "--month", LAST, "--outlet", "WD01"]
    args = ["ledger", "remit", str(_csv(tmp_path, committed_centre)), *common, "--teller", "T01"]
    result = runner.invoke(app, [*args, "--key", "cli-1"])
    assert result.exit_code == 0, result.output
    assert "5,760.00 元" in result.output and "票据号" in result.output
    again = runner.invoke(app, [*args, "--key", "cli-2"])
    assert again.exit_code == 1 and "已入账" in again.output
    with Session(engine) as session:
        posting = session.exec(select(Posting)).one()
    printed = runner.invoke(app, ["ledger", "receipt", posting.receipt_no])
    assert printed.exit_code == 0, printed.output
    assert (
        "人民币伍仟柒佰陆拾元整" in printed.output and committed_centre.unit_code in printed.output
    )
    unknown = runner.invoke(app, ["ledger", "receipt", "PJ" + "0" * 18])
    assert unknown.exit_code == 1 and "找不到票据" in unknown.output
    check = runner.invoke(app, ["ledger", "check"])
    assert check.exit_code == 0 and "账平" in check.output


def test_submit_review_confirm_through_the_cli(
    engine: Bind, committed_centre: Centre, tmp_path: Path
) -> None:
    with Session(engine) as session:
        create_user(session, username="hr1", role="unit_admin", password="secret-123")
        create_user(session, username="t1", role="teller", password="secret-123")
        accounts.link_administrator(session, unit_code=committed_centre.unit_code, username="hr1")
        session.commit()
    submitted = runner.invoke(
        app,
        ["ledger", "submit", str(_csv(tmp_path, committed_centre)), "--user", "hr1"]
        + ["--month", LAST, "--key", "web-1"],
    )
    assert submitted.exit_code == 0, submitted.output
    assert "等待柜员审核" in submitted.output
    with Session(engine) as session:
        remittance_id = session.exec(select(Remittance)).one().id
    rejected = runner.invoke(
        app, ["ledger", "review", str(remittance_id), "--user", "t1", "--reject"]
    )
    assert rejected.exit_code == 1 and "退回原因" in rejected.output
    approved = runner.invoke(app, ["ledger", "review", str(remittance_id), "--user", "t1"])
    assert approved.exit_code == 0, approved.output
    wrong = runner.invoke(
        app, ["ledger", "confirm", str(remittance_id), "--bank-ref", "B1", "--amount", "1.00"]
    )
    assert wrong.exit_code == 1 and "不符" in wrong.output
    confirmed = runner.invoke(
        app, ["ledger", "confirm", str(remittance_id), "--bank-ref", "B1", "--amount", "5,760.00"]
    )
    assert confirmed.exit_code == 0 and "posted" in confirmed.output
    owed = runner.invoke(app, ["ledger", "arrears", committed_centre.unit_code])
    assert owed.exit_code == 0 and LAST not in owed.output


def test_a_missing_file_and_a_bad_date_are_clear(committed_centre: Centre, tmp_path: Path) -> None:
    missing = runner.invoke(
        app,
        ["ledger", "remit", str(tmp_path / "none.xlsx"), "--unit", committed_centre.unit_code]
        + ["--month", LAST, "--outlet", "WD01", "--teller", "T01", "--key", "k"],
    )
    assert missing.exit_code == 2 and "找不到文件" in missing.output
    bad = runner.invoke(app, ["ledger", "repay", "--on", "2026-13-01"])
    assert bad.exit_code == 2 and "日期格式不正确" in bad.output


def test_arrears_show_in_the_books_check_and_their_own_listing(
    engine: Bind, committed_centre: Centre
) -> None:
    committed_centre.contribute(months=9)
    loan = loans.post_loan(
        committed_centre.session,
        account_no=committed_centre.accounts[0],
        project_code="LP01",
        amount_fen=10_000_000,
        term_months=120,
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="cli-loan",
        occurred_at=utcnow() - timedelta(days=70),
    )
    committed_centre.session.commit()
    none = runner.invoke(app, ["ledger", "loan-arrears"])
    assert none.exit_code == 0 and "没有逾期贷款" in none.output
    bad = runner.invoke(app, ["ledger", "repay", "--uncollected", "12,abc"])
    assert bad.exit_code == 2 and "贷款号应为逗号分隔的数字" in bad.output
    run = runner.invoke(app, ["ledger", "repay", "--uncollected", str(loan.id)])
    assert run.exit_code == 0 and "银行未扣回2期，转入逾期" in _flat(run.output), run.output
    listed = _flat(runner.invoke(app, ["ledger", "loan-arrears"]).output)
    assert f"逾期：贷款{loan.id}" in listed and "2期" in listed and "天" in listed
    check = runner.invoke(app, ["ledger", "check"])
    assert check.exit_code == 0 and f"逾期：贷款{loan.id}" in _flat(check.output)
    assert "账平" in check.output
    collected = runner.invoke(app, ["ledger", "repay"])
    assert collected.exit_code == 0 and "收回2期" in _flat(collected.output)
    assert "没有逾期贷款" in runner.invoke(app, ["ledger", "loan-arrears"]).output
    repriced = runner.invoke(app, ["ledger", "reprice"])
    assert repriced.exit_code == 0 and "重定价：0笔贷款" in _flat(repriced.output)


def _flat(output: str) -> str:
    """The CLI's words without the line breaks and spaces the terminal width puts in."""
    return "".join(output.split())
