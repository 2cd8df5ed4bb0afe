"""Who may not be called: the do-not-call list (退订, 免打扰) and the suppression window."""

from datetime import timedelta

from sqlmodel import Session, col, select

from callbacks.config import CallbackSettings
from callbacks.models import CallbackTask, DoNotCall, TaskKind
from kernel.crypto import phone_index

# Reasons a task is closed before anyone is called.
DO_NOT_CALL = "do_not_call"
SUPPRESSED = "suppressed"


def is_do_not_call(session: Session, *, phone: str) -> bool:
    """Whether a number is on the do-not-call list."""
    return (
        session.exec(
            select(DoNotCall.id).where(DoNotCall.phone_index == phone_index(phone))
        ).first()
        is not None
    )


def add_do_not_call(
    session: Session, *, phone: str, reason: str, actor: str, note: str | None = None
) -> DoNotCall:
    """Put a number on the do-not-call list once; a repeat returns the existing entry."""
    existing = session.exec(
        select(DoNotCall).where(DoNotCall.phone_index == phone_index(phone))
    ).first()
    if existing is not None:
        return existing
    entry = DoNotCall(phone=phone, reason=reason, actor=actor, note=note)
    session.add(entry)
    session.flush()
    return entry


def remove_opt_out(session: Session, *, phone: str) -> bool:
    """The person opted back in (START): lift their own opt-out, never another kind of entry."""
    entry = session.exec(
        select(DoNotCall).where(DoNotCall.phone_index == phone_index(phone))
    ).first()
    if entry is None or entry.reason != "opted_out":
        return False
    session.delete(entry)
    session.flush()
    return True


def remove_do_not_call(session: Session, *, phone: str) -> bool:
    """Take a number off the list (the person asked to be called again); True if it was on."""
    entry = session.exec(
        select(DoNotCall).where(DoNotCall.phone_index == phone_index(phone))
    ).first()
    if entry is None:
        return False
    session.delete(entry)
    session.flush()
    return True


def _recently_called(session: Session, *, task: CallbackTask, days: int) -> bool:
    """Another survey task for the same number was opened within `days` before this one."""
    since = task.created_at - timedelta(days=days)
    query = (
        select(CallbackTask.id)
        .where(CallbackTask.phone_index == phone_index(task.phone), CallbackTask.id != task.id)
        .where(CallbackTask.kind == TaskKind.survey)
        .where(col(CallbackTask.created_at) >= since)
        .where(col(CallbackTask.close_reason).is_distinct_from(SUPPRESSED))
    )
    return session.exec(query).first() is not None


def close_reason_for(
    session: Session, *, task: CallbackTask, settings: CallbackSettings, new: bool = True
) -> str | None:
    """Why this task must not ring at all (do-not-call, suppression), or None if it may."""
    if is_do_not_call(session, phone=task.phone):
        return DO_NOT_CALL
    days = settings.suppression_days
    if (
        new
        and days
        and task.kind == TaskKind.survey
        and _recently_called(session, task=task, days=days)
    ):
        return SUPPRESSED
    return None
