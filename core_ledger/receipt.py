"""票据: the printable receipt of a posting — amount in figures and in Chinese capitals (大写)."""

from dataclasses import dataclass
from html import escape

from sqlmodel import Session, select

from core_ledger.accounts.models import Depositor, Unit
from core_ledger.journal.books import posting_by_receipt
from core_ledger.journal.models import FundAccount, Posting
from core_ledger.money import FEN_PER_YUAN, yuan_str
from core_ledger.org.models import Outlet, Staff
from core_ledger.remittance.models import Remittance
from kernel.clock import local

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")

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


def _group_words(group: int) -> str:
    """Four digits (1–9999) in capitals, zeros inside collapsed to one 零."""
    words, pending_zero = "", False
    for place in (3, 2, 1, 0):
        digit = group // 10**place % 10
        if digit == 0:
            pending_zero = pending_zero or bool(words)
            continue
        if pending_zero:
            words += "零"
            pending_zero = False
        words += _DIGITS[digit] + _PLACES[place]
    return words


def _integer_words(number: int) -> str:
    groups = []
    while number:
        number, group = divmod(number, 10_000)
        groups.append(group)
    words, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = bool(words)
            continue
        if words and (gap or group < 1000):
            words += "零"
        words += _group_words(group) + _GROUPS[index]
        gap = False
    return words


def amount_in_words(fen: int) -> str:
    """人民币大写: 123456 -> '壹仟贰佰叁拾肆元伍角陆分'; 100000 -> '壹仟元整'."""
    if fen < 0:
        return "负" + amount_in_words(-fen)
    yuan, cents = divmod(fen, FEN_PER_YUAN)
    jiao, fen_part = divmod(cents, 10)
    words = _integer_words(yuan) + "元" if yuan else ""
    if not cents:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen_part:
        words += _DIGITS[fen_part] + "分"
    return words


@dataclass(frozen=True)
class Receipt:
    """Everything printed on a receipt, already in the words and zone a person reads."""

    receipt_no: str
    business: str
    occurred_at: str  # local, 'YYYY-MM-DD HH:MM'
    amount_fen: int
    payer_or_payee: str  # the depositor's name or the unit's name
    account_no: str
    id_number_masked: str
    outlet: str
    teller: str
    memo: str
    reverses: str | None = None

    @property
    def amount_words(self) -> str:
        return amount_in_words(self.amount_fen)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) in print order."""
        rows = [
            ("票据号", self.receipt_no),
            ("业务类型", self.business),
            ("业务时间", self.occurred_at),
            ("户名", self.payer_or_payee),
            ("账号", self.account_no),
            ("证件号码", self.id_number_masked),
            ("金额（小写）", f"¥{yuan_str(self.amount_fen)}"),
            ("金额（大写）", f"人民币{self.amount_words}"),
            ("办理网点", self.outlet),
            ("经办柜员", self.teller),
            ("摘要", self.memo),
        ]
        if self.reverses:
            rows.append(("冲正原票据", self.reverses))
        return [(label, value) for label, value in rows if value]


def receipt_text(receipt: Receipt) -> str:
    """The receipt as plain text (CLI, a receipt printer)."""
    width = max(len(label) for label, _ in receipt.rows())
    body = "\n".join(f"{label.ljust(width, '　')}：{value}" for label, value in receipt.rows())
    return f"住房公积金业务凭证\n{body}\n（本凭证由系统生成，票据号可在 12329 查询核验）"


def receipt_html(receipt: Receipt) -> str:
    """The receipt as a printable zh-CN page."""
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
        for label, value in receipt.rows()
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>住房公积金业务凭证 {escape(receipt.receipt_no)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "th,td{border:1px solid #333;padding:.4em .8em;text-align:left}"
        "@media print{button{display:none}}</style></head><body>"
        f"<h1>住房公积金业务凭证</h1><table>{rows}</table>"
        "<p>本凭证由系统生成，票据号可在 12329 查询核验。</p>"
        '<button onclick="window.print()">打印</button></body></html>'
    )


def mask_id_number(id_number: str) -> str:
    """110105********002X: area and the last four only."""
    return (
        f"{id_number[:6]}{'*' * 8}{id_number[-4:]}"
        if len(id_number) == 18
        else "*" * len(id_number)
    )


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
