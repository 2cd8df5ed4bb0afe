"""Quarterly third-party inspections: a score per outlet, findings in words and photographs."""

import hashlib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet, Staff
from kernel.audit import AuditAction, record_audit
from kernel.clock import local_date, utcnow
from kernel.config import get_kernel_settings
from kernel.errors import Conflict, Invalid, NotFound
from kernel.periods import Period, parse_quarter
from scoring.config import get_scoring_settings
from scoring.models import (
    AREA_NAMES,
    METHOD_NAMES,
    FindingPhoto,
    FindingState,
    Inspection,
    InspectionArea,
    InspectionAreaScore,
    InspectionFinding,
    InspectionMethod,
    IssueLetter,
)

PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
# The first bytes of each accepted format, so a renamed document is not stored as a photo.
PHOTO_MAGIC = {
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/webp": b"RIFF",
}


@dataclass(frozen=True)
class FindingIn:
    """A finding as the inspector reports it: what was wrong, and who was responsible."""

    text: str
    staff_code: str | None = None
    area: str | None = None  # an InspectionArea value: the finding's category
    method: str | None = None  # an InspectionMethod value: how it was found


def _outlet(session: Session, code: str) -> Outlet:
    outlet = session.exec(select(Outlet).where(Outlet.code == code)).first()
    if outlet is None:
        raise NotFound(f"找不到网点 {code!r}")
    return outlet


def _staff(session: Session, code: str, outlet: Outlet) -> Staff:
    staff = session.exec(select(Staff).where(Staff.code == code)).first()
    if staff is None:
        raise NotFound(f"找不到工作人员 {code!r}")
    if staff.outlet_id != outlet.id:
        raise Invalid(f"工作人员 {staff.name}（{code}）不属于网点 {outlet.name}")
    return staff


def _area(value: str | None) -> InspectionArea | None:
    if value is None or value == "":
        return None
    if value not in InspectionArea.__members__:
        names = "、".join(f"{a.value}（{n}）" for a, n in AREA_NAMES.items())
        raise Invalid(f"问题类别应为 {names} 之一，收到 {value!r}")
    return InspectionArea(value)


def _method(value: str | None) -> InspectionMethod | None:
    if value is None or value == "":
        return None
    if value not in InspectionMethod.__members__:
        names = "、".join(f"{m.value}（{n}）" for m, n in METHOD_NAMES.items())
        raise Invalid(f"检查方法应为 {names} 之一，收到 {value!r}")
    return InspectionMethod(value)


def _methods(values: Sequence[str]) -> str:
    chosen = {_method(v) for v in values if v}
    return ",".join(m.value for m in InspectionMethod if m in chosen)


def _area_scores(scores: Mapping[str, float]) -> dict[InspectionArea, float]:
    """Every one of the five areas scored on 0..100, else Invalid naming what is wrong."""
    for name in scores:
        _area(name)
    missing = [n for a, n in AREA_NAMES.items() if a.value not in scores]
    if missing:
        raise Invalid(f"请为每个方面打分，缺少：{'、'.join(missing)}")
    checked = {}
    for area, name in AREA_NAMES.items():
        value = scores[area.value]
        if not (math.isfinite(value) and 0 <= value <= 100):
            raise Invalid(f"{name}的得分应在 0 到 100 之间，收到 {value:g}")
        checked[area] = float(value)
    return checked


def record_inspection(
    session: Session,
    *,
    outlet_code: str,
    quarter: str,
    score: float | None = None,
    area_scores: Mapping[str, float] | None = None,
    methods: Sequence[str] = (),
    inspected_on: date,
    firm: str,
    summary: str = "",
    findings: list[FindingIn] | None = None,
    recorded_by: str,
) -> Inspection:
    """Record one outlet's inspection for a quarter (once), with its findings.

    With a score per area the inspection's score is their mean; without, `score` as given.
    """
    period = parse_quarter(quarter)
    areas = _area_scores(area_scores) if area_scores is not None else None
    if areas is not None:
        mean = round(sum(areas.values()) / len(areas), 2)
        if score is not None and abs(score - mean) > 0.005:
            raise Invalid(f"总分由五个方面的得分平均得出（{mean:g}），与填写的 {score:g} 不符")
        score = mean
    if score is None:
        raise Invalid("请填写检查得分，或为五个方面分别打分")
    if not (math.isfinite(score) and 0 <= score <= 100):
        raise Invalid(f"检查得分应在 0 到 100 之间，收到 {score}")
    if not period.contains(inspected_on):
        raise Invalid(
            f"检查日期 {inspected_on} 不在{period.label}"
            f"（{period.first_day} 至 {period.last_day}）内"
        )
    if inspected_on > local_date(utcnow()):
        raise Invalid(f"检查日期 {inspected_on} 晚于今天")
    if not firm.strip():
        raise Invalid("请填写第三方监督机构名称")
    outlet = _outlet(session, outlet_code)
    taken = session.exec(
        select(Inspection).where(
            Inspection.outlet_id == outlet.id, Inspection.quarter == period.key
        )
    ).first()
    if taken is not None:
        raise Conflict(f"{outlet.name}{period.label}的检查结果已录入（#{taken.id}），每季度一次")
    inspection = Inspection(
        outlet_id=outlet.id or 0,
        quarter=period.key,
        score=float(score),
        inspected_on=inspected_on,
        firm=firm.strip(),
        summary=summary.strip(),
        recorded_by=recorded_by,
        methods=_methods(methods),
    )
    session.add(inspection)
    session.flush()
    for area, value in (areas or {}).items():
        session.add(InspectionAreaScore(inspection_id=inspection.id or 0, area=area, score=value))
    for finding in findings or []:
        add_finding(session, inspection=inspection, finding=finding)
    record_audit(
        session,
        actor=recorded_by,
        action=AuditAction.inspection_record,
        subject=f"inspection:{inspection.id}",
        reason=f"{outlet.name} {period.key}：{inspection.score:g} 分",
    )
    return inspection


def add_finding(
    session: Session, *, inspection: Inspection, finding: FindingIn
) -> InspectionFinding:
    """Add a problem found during an inspection."""
    if not finding.text.strip():
        raise Invalid("问题描述不能为空")
    outlet = session.get(Outlet, inspection.outlet_id)
    assert outlet is not None
    staff = _staff(session, finding.staff_code, outlet) if finding.staff_code else None
    row = InspectionFinding(
        inspection_id=inspection.id or 0,
        text=finding.text.strip(),
        staff_id=staff.id if staff else None,
        area=_area(finding.area),
        method=_method(finding.method),
    )
    session.add(row)
    session.flush()
    return row


def add_later_finding(
    session: Session, *, inspection_id: int, finding: FindingIn
) -> InspectionFinding:
    """A finding added after the inspection was recorded; not once its letter is issued."""
    inspection = get_inspection(session, inspection_id=inspection_id)
    letter = session.exec(
        select(IssueLetter).where(IssueLetter.inspection_id == inspection_id)
    ).first()
    if letter is not None:
        raise Conflict(f"问题交办函 {letter.number} 已下达，不能再补充问题；请在下次检查中记录")
    if not finding.area:
        raise Invalid("请选择问题类别（内外环境、功能设置、服务形象、服务行为、业务办理）")
    return add_finding(session, inspection=inspection, finding=finding)


def photo_dir() -> Path:
    """Where inspection photographs are kept."""
    return get_kernel_settings().var_dir / "inspection_photos"


def add_photo(
    session: Session, *, finding_id: int, filename: str, content_type: str, data: bytes
) -> FindingPhoto:
    """Keep a photograph of a finding as a file named by its hash; the same photo twice is one."""
    finding = session.get(InspectionFinding, finding_id)
    if finding is None:
        raise NotFound(f"找不到检查问题 #{finding_id}")
    if content_type not in PHOTO_TYPES:
        raise Invalid(f"照片格式应为 JPEG、PNG 或 WebP，收到 {content_type!r}")
    limit = get_scoring_settings().INSPECTION_PHOTO_MAX_BYTES
    if not data:
        raise Invalid("照片文件为空")
    if len(data) > limit:
        raise Invalid(f"照片过大（{len(data)} 字节），上限 {limit} 字节")
    if not data.startswith(PHOTO_MAGIC[content_type]):
        raise Invalid(f"文件内容不是 {content_type} 格式的图片")
    digest = hashlib.sha256(data).hexdigest()
    existing = session.exec(
        select(FindingPhoto).where(
            FindingPhoto.finding_id == finding_id, FindingPhoto.sha256 == digest
        )
    ).first()
    if existing is not None:
        return existing
    stored = digest + PHOTO_TYPES[content_type]
    target = photo_dir() / stored
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + f".{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a reader never sees half a photo
    photo = FindingPhoto(
        finding_id=finding_id,
        filename=Path(filename or stored).name[:200],
        stored_name=stored,
        content_type=content_type,
        size_bytes=len(data),
        sha256=digest,
    )
    session.add(photo)
    session.flush()
    return photo


def photo_path(session: Session, *, photo_id: int) -> tuple[FindingPhoto, Path]:
    """A stored photograph and its file."""
    photo = session.get(FindingPhoto, photo_id)
    if photo is None:
        raise NotFound(f"找不到照片 #{photo_id}")
    path = photo_dir() / photo.stored_name
    if not path.is_file():
        raise NotFound(f"照片 #{photo_id} 的文件已不在存储目录中")
    return photo, path


def get_inspection(session: Session, *, inspection_id: int) -> Inspection:
    """An inspection by id, or NotFound."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound(f"找不到检查记录 #{inspection_id}")
    return inspection


def findings_of(
    session: Session, *, inspection_id: int
) -> list[tuple[InspectionFinding, list[FindingPhoto]]]:
    """An inspection's findings with their photographs, in the order they were recorded."""
    findings = session.exec(
        select(InspectionFinding)
        .where(InspectionFinding.inspection_id == inspection_id)
        .order_by(col(InspectionFinding.id))
    ).all()
    photos: dict[int, list[FindingPhoto]] = {f.id or 0: [] for f in findings}
    for photo in session.exec(
        select(FindingPhoto)
        .where(col(FindingPhoto.finding_id).in_(list(photos)))
        .order_by(col(FindingPhoto.id))
    ):
        photos[photo.finding_id].append(photo)
    return [(f, photos[f.id or 0]) for f in findings]


def list_inspections(session: Session, *, period: Period) -> list[tuple[Inspection, Outlet]]:
    """Inspections whose quarter lies within a period, by quarter and outlet."""
    quarters = sorted({f"{period.year}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in period.months})
    return list(
        session.exec(
            select(Inspection, Outlet)
            .join(Outlet, col(Outlet.id) == col(Inspection.outlet_id))
            .where(col(Inspection.quarter).in_(quarters))
            .order_by(col(Inspection.quarter), col(Outlet.code))
        ).all()
    )


def area_scores_of(session: Session, *, inspection_id: int) -> dict[InspectionArea, float]:
    """An inspection's score per area, in the areas' order; empty when scored as a whole."""
    rows = session.exec(
        select(InspectionAreaScore).where(InspectionAreaScore.inspection_id == inspection_id)
    )
    found = {InspectionArea(r.area): r.score for r in rows}
    return {a: found[a] for a in InspectionArea if a in found}


def mark_rectified(
    session: Session, *, finding_id: int, by: str, note: str = ""
) -> InspectionFinding:
    """Record that a finding was seen put right (复查确认已整改); once."""
    finding = session.get(InspectionFinding, finding_id)
    if finding is None:
        raise NotFound(f"找不到检查问题 #{finding_id}")
    if finding.state == FindingState.rectified:
        raise Conflict(f"问题 #{finding_id} 已确认整改，无需重复确认")
    if not note.strip():
        raise Invalid("请写明整改情况（复查所见）")
    finding.state = FindingState.rectified
    finding.rectified_at = utcnow()
    finding.rectified_by = by
    finding.rectification_note = note.strip()[:500]
    session.add(finding)
    session.flush()
    return finding
