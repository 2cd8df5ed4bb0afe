"""One fed record, checked on its own (pydantic): fields, formats, ID check digit, E.164 phone.

What needs the database (outlet, teller, project, an earlier copy) or the clock (future, too
old) is the service's. Every problem becomes a `RowProblem` naming the row, the field and the
reason in Chinese, so a whole file's problems can be listed at once.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core_ledger.feed.models import FeedKind
from core_ledger.identity import validate_resident_id
from core_ledger.withdrawals.models import GROUND_ZH, WithdrawalGround
from kernel.clock import as_utc, centre_tz
from kernel.errors import DomainError
from kernel.phone import normalize

FIELD_ZH = {
    "business_no": "业务流水号",
    "kind": "业务类型",
    "ground": "提取原因",
    "occurred_at": "办理时间",
    "outlet_code": "网点编号",
    "teller_code": "柜员编号",
    "name": "姓名",
    "id_number": "身份证号码",
    "phone": "手机号码",
    "project_code": "楼盘编号",
    "record": "记录",
}
_KINDS = {
    "withdrawal": FeedKind.withdrawal,
    "提取": FeedKind.withdrawal,
    "loan": FeedKind.loan,
    "贷款": FeedKind.loan,
}
_GROUNDS = {g.value: g for g in WithdrawalGround} | {zh: g for g, zh in GROUND_ZH.items()}
# What a loan may be for (the ground of a fed loan); a purchase unless the record says.
LOAN_GROUNDS = (WithdrawalGround.purchase, WithdrawalGround.build, WithdrawalGround.repair)
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row: its number (the file's line, or the n-th JSON record)."""

    row: int
    field: str
    reason: str
    conflict: bool = False  # a business number already received with other content

    def as_dict(self) -> dict[str, object]:
        """The problem as the API returns it."""
        label = FIELD_ZH.get(self.field, self.field)
        return {"row": self.row, "field": self.field, "field_zh": label, "reason": self.reason}

    def __str__(self) -> str:
        return f"第 {self.row} 行 {FIELD_ZH.get(self.field, self.field)}：{self.reason}"


def _text(value: Any) -> Any:
    """Cells as text: Excel gives numbers for digit-only columns (phones, codes)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return value


class FeedRecordIn(BaseModel):
    """A record as the core system sends it: JSON keys, or a file's columns mapped onto them."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    business_no: str = Field(min_length=1, max_length=64)
    kind: FeedKind
    ground: WithdrawalGround | None = None
    occurred_at: datetime
    outlet_code: str = Field(min_length=1, max_length=32)
    teller_code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    id_number: str
    phone: str
    project_code: str = Field(default="", max_length=32)

    @field_validator(
        "business_no",
        "outlet_code",
        "teller_code",
        "name",
        "id_number",
        "phone",
        "project_code",
        mode="before",
    )
    @classmethod
    def _cells_as_text(cls, value: Any) -> Any:
        return _text(value)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> FeedKind:
        kind = _KINDS.get(str(_text(value)).strip().lower())
        if kind is None:
            raise ValueError(f"应为 提取（withdrawal）或 贷款（loan），收到 {value!r}")
        return kind

    @field_validator("ground", mode="before")
    @classmethod
    def _ground(cls, value: Any) -> WithdrawalGround | None:
        text = str(_text(value)).strip()
        if not text:
            return None
        ground = _GROUNDS.get(text)
        if ground is None:
            listed = "、".join(f"{g.value}（{zh}）" for g, zh in GROUND_ZH.items())
            raise ValueError(f"不认识的提取原因 {text!r}，可选：{listed}")
        return ground

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _moment(cls, value: Any) -> datetime:
        moment = value if isinstance(value, datetime) else _parse_time(str(_text(value)).strip())
        if moment.tzinfo is None:  # the core system's local time
            moment = moment.replace(tzinfo=centre_tz())
        return as_utc(moment)

    @field_validator("id_number")
    @classmethod
    def _resident_id(cls, value: str) -> str:
        return _checked(validate_resident_id, value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return _checked(normalize, value)


def _parse_time(text: str) -> datetime:
    if not text:
        raise ValueError("缺少办理时间")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for layout in _TIME_FORMATS:
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    raise ValueError(
        f"时间格式不正确：{text!r}（应为 2026-12-01 09:30:00，或带时区的 ISO 8601 时间；"
        "不带时区按北京时间）"
    )


def _checked(check: Any, value: str) -> str:
    try:
        return str(check(value))
    except DomainError as error:
        raise ValueError(error.message) from None


def _reason(error: Any) -> str:
    field = str(error["loc"][0]) if error["loc"] else ""
    label = FIELD_ZH.get(field, field)
    kind = error["type"]
    if kind == "missing" or (kind == "string_too_short" and error["input"] == ""):
        return f"缺少{label}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "string_too_long":
        return f"{label}过长（最多 {error['ctx']['max_length']} 个字符）"
    return f"{label}格式不正确"


def parse_record(row: int, raw: Any) -> tuple[FeedRecordIn | None, list[RowProblem]]:
    """The record, or every problem its fields have on their own."""
    if not isinstance(raw, dict):
        return None, [
            RowProblem(row, "", "每条记录应为一个 JSON 对象（键为 business_no、kind 等）")
        ]
    try:
        record = FeedRecordIn.model_validate(raw)
    except ValidationError as error:
        problems = [
            RowProblem(row, str(e["loc"][0]) if e["loc"] else "", _reason(e))
            for e in error.errors()
        ]
        return None, problems
    problems = []
    if record.kind == FeedKind.withdrawal:
        if record.ground is None:
            problems.append(RowProblem(row, "ground", "提取记录须填写提取原因"))
        if record.project_code:
            problems.append(RowProblem(row, "project_code", "提取记录不填楼盘编号（只有贷款填写）"))
    else:
        if not record.project_code:
            problems.append(RowProblem(row, "project_code", "贷款记录须填写签约楼盘编号"))
        if record.ground is not None and record.ground not in LOAN_GROUNDS:
            problems.append(
                RowProblem(row, "ground", "贷款用途只能是购买、建造或翻建大修自住住房（或不填）")
            )
    return (None if problems else record), problems
