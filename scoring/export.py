"""A ranking as a manager takes it away: the rows of any kind and period, and an Excel workbook."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from sqlmodel import Session

from kernel.periods import Period, PeriodKind
from kernel.spreadsheet import append_row
from scoring.alerts import RULE_TEXT, alert_rows
from scoring.config import get_scoring_settings
from scoring.evaluations import evaluation_ranking
from scoring.rankings import KIND_NAMES, RankedSubject, as_callback_kind, callback_ranking

KINDS = tuple(KIND_NAMES)
HEADERS = (
    "名次", "名称", "编码", "所属/职务", "得分", "排名分", "区间下限", "区间上限",
    "满意率", "人次", "非常满意", "满意", "不满意", "小样本",
)  # fmt: skip


def ranking_rows(session: Session, *, kind: str, period: Period) -> list[RankedSubject]:
    """Every subject of a kind, ranked for the period (callbacks or evaluations), unrated too."""
    if kind in ("outlet", "teller"):
        return callback_ranking(
            session, kind=as_callback_kind(kind), period=period, include_unrated=True
        )
    return evaluation_ranking(session, kind=kind, period=period, include_unrated=True)


def alerted(session: Session, *, period: Period) -> dict[str, str]:
    """Outlets the 约谈 rule flags for this month, each with its sentence; none for a quarter."""
    if period.kind is not PeriodKind.month:
        return {}
    rule = RULE_TEXT[get_scoring_settings().ALERT_RULE]
    return {
        code: f"{code} {'、'.join(m.label for m, _ in months)}均{rule}"
        for code, months in sorted(alert_rows(session, period=period).items())
    }


def ranking_cells(row: RankedSubject) -> list[object]:
    """One row of the table, in HEADERS order."""
    s = row.summary
    low, high = s.interval if s.interval else (None, None)
    return [
        row.rank, row.subject.name, row.subject.code, row.subject.group, s.score, s.rank_score,
        low, high, s.satisfaction_rate, row.responses, s.counts.very_satisfied,
        s.counts.satisfied, s.counts.unsatisfied, "是" if s.small_sample and s.people else "",
    ]  # fmt: skip


def sample_name(kind: str) -> str:
    """What the 人次 column counts: people called back, or raters (one ballot each)."""
    return "回访人次" if kind in ("outlet", "teller") else "测评人次"


def method_lines(kind: str) -> tuple[str, ...]:
    """How the numbers were made, sentence by sentence, for the workbook's second sheet."""
    settings = get_scoring_settings()
    person = "每次回访（一人次）" if kind in ("outlet", "teller") else "每张测评票（一名测评人）"
    items = "服务态度、办事效率两项" if kind in ("outlet", "teller") else "三项测评内容"
    return (
        f"计分：每项评价按档次计分——非常满意 {settings.POINTS_VERY_SATISFIED:g} 分、"
        f"满意 {settings.POINTS_SATISFIED:g} 分、不满意 {settings.POINTS_UNSATISFIED:g} 分；"
        f"{person}的得分是其{items}得分的平均（只答一项的取该项）。",
        "得分 = 各人次得分的平均；人次、小样本、区间、排名分都按人次计算，不按回答项数。",
        "非常满意、满意、不满意三列按人次分档：各项都非常满意的计“非常满意”，"
        "有一项不满意的计“不满意”，其余计“满意”。",
        "满意率 = (非常满意 + 满意) ÷ 人次，即没有任何不满意的人次所占比例。",
        f"区间：{settings.INTERVAL_LEVEL:.0%} 可信区间（以每人次得分为一个观测，"
        "先验为三档各一个虚拟人次的 Dirichlet 分布），人次越少区间越宽。",
        f"小样本：少于 {settings.MIN_PEOPLE} 人次。",
        (
            f"排名分：向全中心平均分收缩（相当于加入 {settings.SHRINK_STRENGTH:g} 个"
            "按中心平均计分的人次），并列者名次相同，下一名次顺延。"
            if settings.SHRINK_SMALL_SAMPLES
            else "排名分即得分（未启用小样本收缩），并列者名次相同，下一名次顺延。"
        ),
        "回访评价中被标记为异常号码（工作人员号码、多人共用号码）的，在人工核实前不计入。",
    )


def ranking_workbook(*, kind: str, period: Period, rows: list[RankedSubject]) -> bytes:
    """The ranking as an .xlsx file: the table, then a sheet that explains the method."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{KIND_NAMES[kind]}排名"
    append_row(sheet, [f"{KIND_NAMES[kind]}满意度排名 · {period.label}"])
    sheet["A1"].font = Font(bold=True, size=14)
    append_row(sheet, [sample_name(kind) if h == "人次" else h for h in HEADERS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        append_row(sheet, ranking_cells(row))
        for column in (5, 6, 7, 8):
            sheet.cell(row=sheet.max_row, column=column).number_format = "0.0"
        sheet.cell(row=sheet.max_row, column=9).number_format = "0.0%"
    for letter, width in zip("ABCDEFGHIJKLMN", (6, 18, 10, 16) + (9,) * 10, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    notes = book.create_sheet("评分方法")
    for line in method_lines(kind):
        append_row(notes, [line])
    notes.column_dimensions["A"].width = 110
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
