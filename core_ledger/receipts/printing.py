"""票据 as printed: the amount in Chinese capitals (大写), the receipt as text and as a page."""

from dataclasses import dataclass
from html import escape

from core_ledger.money import FEN_PER_YUAN, yuan_str

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


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
