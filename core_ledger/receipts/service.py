"""票据: the receipt of a posting, by the number printed on it — who, what, where, how much."""

from sqlmodel import Session, select

from core_ledger.accounts.models import Depositor, Unit
from core_ledger.identity import mask_id_number
from core_ledger.journal.books import posting_by_receipt
from core_ledger.journal.models import FundAccount, Posting
from core_ledger.org.models import Outlet, Staff
from core_ledger.receipts.printing import Receipt
from core_ledger.remittance.models import Remittance
from kernel.clock import local

KIND_ZH = {
    "remittance.regular": "单位汇缴",
    "remittance.supplementary": "单位补缴",
    "remittance.individual": "个人缴存",
    "withdrawal": "住房公积金提取",
    "payment.paid": "网银支付",
    "payment.failed": "支付失败退回",
    "loan": "公积金贷款放款",
    "loan.repayment": "公积金贷款还款",
    "interest": "结息",
}


def receipt_for(session: Session, *, receipt_no: str) -> Receipt:
    """The receipt of a posting, by the number printed on it."""
    posting = posting_by_receipt(session, receipt_no=receipt_no)
    account = session.get(FundAccount, posting.fund_account_id) if posting.fund_account_id else None
    depositor = session.get(Depositor, account.depositor_id) if account else None
    outlet = session.get(Outlet, posting.outlet_id) if posting.outlet_id else None
    teller = session.get(Staff, posting.teller_id) if posting.teller_id else None
    remittance = session.exec(select(Remittance).where(Remittance.posting_id == posting.id)).first()
    unit = session.get(Unit, remittance.unit_id) if remittance else None
    original = session.get(Posting, posting.reverses_id) if posting.reverses_id else None
    base_kind = original.kind if original else posting.kind
    business = KIND_ZH.get(base_kind, base_kind) + ("冲正" if original else "")
    return Receipt(
        receipt_no=posting.receipt_no,
        business=business,
        occurred_at=f"{local(posting.occurred_at):%Y-%m-%d %H:%M}",
        amount_fen=posting.amount_fen,
        payer_or_payee=depositor.name if depositor else unit.name if unit else "住房公积金中心",
        account_no=account.account_no if account else unit.code if unit else "",
        id_number_masked=mask_id_number(depositor.id_number) if depositor else "",
        outlet=f"{outlet.name}（{outlet.code}）" if outlet else "网上业务",
        teller=teller.code if teller else "",
        memo=posting.memo,
        reverses=original.receipt_no if original else None,
    )
