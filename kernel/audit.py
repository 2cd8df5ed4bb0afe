"""The audit log: who looked at or changed what, when, and why.

Every reveal of a whole phone or ID number, every recording played, every export of personal
data, every case closed, every role changed and every appeal decided writes one row through
`record_audit`, in the same transaction as the act itself (an act that rolls back leaves no
record, and a record never exists without its act). Admins read the log; nobody edits it.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, String
from sqlmodel import Field, Session, SQLModel, col, func, select

from kernel.clock import utcnow


class AuditAction(StrEnum):
    """What was done; the labels are what the audit log page shows."""

    reveal_phone = "reveal_phone"
    reveal_id_number = "reveal_id_number"
    play_recording = "play_recording"
    export = "export"
    export_person = "export_person"
    erase_person = "erase_person"
    case_close = "case_close"
    user_create = "user_create"
    role_change = "role_change"
    user_disable = "user_disable"
    user_enable = "user_enable"
    staff_link = "staff_link"
    password_reset = "password_reset"
    appeal_decide = "appeal_decide"
    sign_in_failed = "sign_in_failed"
    feed_batch = "feed_batch"
    business_on_behalf = "business_on_behalf"
    attendance_import = "attendance_import"  # 集中考勤: an input of the appraisal
    inspection_record = "inspection_record"  # 第三方检查: an input of the appraisal


AUDIT_ACTION_LABELS = {
    AuditAction.reveal_phone: "查看完整电话号码",
    AuditAction.reveal_id_number: "查看完整身份证号",
    AuditAction.play_recording: "播放录音",
    AuditAction.export: "导出报表",
    AuditAction.export_person: "导出个人信息",
    AuditAction.erase_person: "删除（去标识化）个人信息",
    AuditAction.case_close: "结案",
    AuditAction.user_create: "创建账号",
    AuditAction.role_change: "变更角色",
    AuditAction.user_disable: "停用账号",
    AuditAction.user_enable: "启用账号",
    AuditAction.staff_link: "关联员工档案",
    AuditAction.password_reset: "重置密码",
    AuditAction.appeal_decide: "申诉复核",
    AuditAction.sign_in_failed: "登录失败",
    AuditAction.feed_batch: "接收核心业务系统数据",
    AuditAction.business_on_behalf: "代柜员补录业务",
    AuditAction.attendance_import: "导入集中考勤",
    AuditAction.inspection_record: "录入第三方检查",
}


class AuditEvent(SQLModel, table=True):
    """One audited act. `subject` names what it was about (e.g. "callback_task:42")."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)
    actor: str = Field(max_length=64, index=True)  # a username, or "system" / "cli"
    action: AuditAction = Field(sa_type=String(32), index=True)
    subject: str = Field(max_length=120, index=True)
    reason: str | None = Field(default=None, max_length=500)


def record_audit(
    session: Session,
    *,
    actor: str,
    action: AuditAction,
    subject: str,
    reason: str | None = None,
) -> AuditEvent:
    """Add one audit record to the session's transaction (committed with the act it records)."""
    event = AuditEvent(actor=actor[:64], action=action, subject=subject[:120], reason=reason)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditQuery:
    """What the audit log page filters by; every field optional."""

    action: AuditAction | None = None
    actor: str = ""
    subject: str = ""
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC


def find_audit(
    session: Session, *, query: AuditQuery, limit: int = 50, offset: int = 0
) -> tuple[list[AuditEvent], int]:
    """The matching records, newest first, one page of them, and how many match in all."""
    where = []
    if query.action is not None:
        where.append(col(AuditEvent.action) == query.action)
    if query.actor.strip():
        where.append(col(AuditEvent.actor) == query.actor.strip())
    if query.subject.strip():
        where.append(col(AuditEvent.subject).contains(query.subject.strip()))
    if query.since is not None:
        where.append(col(AuditEvent.at) >= query.since)
    if query.until is not None:
        where.append(col(AuditEvent.at) < query.until)
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*where)).one()
    rows = session.exec(
        select(AuditEvent)
        .where(*where)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)
