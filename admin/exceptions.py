"""The operators' exception queue (异常工单) as web pages; phones masked unless revealed.

The case page plays the call's recordings beside their transcripts through an authenticated
route of ours (every listen is in the audit log), and every value it shows is a Chinese word.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from admin.access import render_form, require_page, templates
from callbacks import cases
from callbacks.casequeue import (
    AGE_LABELS,
    SLA_STATE_LABELS,
    QueueFilter,
    parse_filter,
    queue_page,
)
from callbacks.history import history, note_event
from callbacks.labels import (
    ATTEMPT_STATUS_LABELS,
    BUSINESS_KIND_LABELS,
    EXCEPTION_STATUS_LABELS,
    TASK_KIND_LABELS,
    TASK_STATUS_LABELS,
    actor_label,
    label,
)
from callbacks.models import ExceptionStatus
from callbacks.pause import CHANNEL_LABELS as PAUSE_CHANNEL_LABELS
from callbacks.pause import alerts as channel_alerts
from callbacks.service import answers_for, attempts_of, get_task, questions_for
from callbacks.triage import REASON_LABELS
from core_ledger.org.models import Outlet
from ivr.voice.playback import (
    PURPOSE_LABELS,
    TRANSCRIPT_STATUS_LABELS,
    audio_of,
    byte_range,
    recording_of_task,
)
from ivr.voice.service import recordings_for
from kernel.audit import AuditAction, record_audit
from kernel.auth import Capability, User
from kernel.clock import centre_tz
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid, NotFound
from kernel.vocabulary import CHANNEL_LABELS, QUESTION_LABELS, Question, answer_label, answers_to
from scoring.exclusions.models import FINDING_LABELS

router = APIRouter(prefix="/exceptions", include_in_schema=False)
WorkCasesUser = Annotated[User, Depends(require_page(Capability.work_cases))]

# What every case page may show, in Chinese.
WORDS = {
    "reasons": REASON_LABELS,
    "findings": FINDING_LABELS,
    "case_states": EXCEPTION_STATUS_LABELS,
    "task_states": TASK_STATUS_LABELS,
    "task_kinds": TASK_KIND_LABELS,
    "attempt_states": ATTEMPT_STATUS_LABELS,
    "business_kinds": BUSINESS_KIND_LABELS,
    "channels": CHANNEL_LABELS,
    "purposes": PURPOSE_LABELS,
    "transcript_states": TRANSCRIPT_STATUS_LABELS,
    "question_labels": QUESTION_LABELS,
    "sla_states": SLA_STATE_LABELS,
    "ages": AGE_LABELS,
    "label": label,
    "actor": actor_label,
}


# The queue's state filter: every case not closed (the default), one state, or all of them.
STATE_FILTER_LABELS: dict[str, str] = {
    "open": "未关闭",
    **{str(k): v for k, v in EXCEPTION_STATUS_LABELS.items()},
    "all": "全部",
}


@router.get("", response_class=HTMLResponse)
def queue_list(
    request: Request,
    session: SessionDep,
    user: WorkCasesUser,
    reason: str | None = None,
    outlet: str | None = None,
    age: str | None = None,
    sla: str | None = None,
    state: str | None = None,
    page: int = 1,
) -> Response:
    """The cases, favour-asking reports first, filtered and paged, breaches counted at a glance."""
    args = {"reason": reason, "outlet": outlet, "age": age, "sla": sla, "state": state}
    error: str | None = None
    try:
        chosen = parse_filter(reason=reason, outlet_id=outlet, age=age, sla=sla, state=state)
    except Invalid as problem:
        error, chosen = problem.message, QueueFilter()
    result = queue_page(session, chosen=chosen, page=page)
    outlets = session.exec(select(Outlet).order_by(col(Outlet.code))).all()
    context = {
        **WORDS,
        "user": user,
        "result": result,
        "args": {k: v or "" for k, v in args.items()},
        "outlets": outlets,
        "states": STATE_FILTER_LABELS,
        "error": error,
        # A channel paused by an account or configuration error: the alert names what to fix.
        "pauses": [
            (PAUSE_CHANNEL_LABELS.get(p.channel, "其他"), p) for p in channel_alerts(session)
        ],
    }
    status_code = 422 if error else 200
    return templates.TemplateResponse(request, "exceptions.html", context, status_code=status_code)


def _detail(
    request: Request,
    session: Session,
    user: User,
    case_id: int,
    *,
    phone: str | None = None,
    error: DomainError | None = None,
) -> Response:
    case = cases.get_case(session, case_id=case_id)
    task = get_task(session, task_id=case.task_id)
    context = {
        **WORDS,
        "user": user,
        "item": cases.view(case, task),
        "answers": answers_for(session, task_id=task.id or 0),
        "attempts": attempts_of(session, task_id=task.id or 0),
        "events": history(session, task_id=task.id or 0),
        "recordings": recordings_for(session, task_id=task.id or 0),
        "phone": phone,
        "error": error.message if error else None,
        "questions": questions_for(task),
        "answers_to": answers_to,
        "answer_label": answer_label,
        "needs_finding": case.reason in cases.NEEDS_FINDING,
    }
    return render_form(request, "exceptions_detail.html", context, error=error)


@router.get("/{case_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, case_id: int, session: SessionDep, user: WorkCasesUser
) -> Response:
    """One case: the task, its answers and recordings, attempts and history, and the actions."""
    return _detail(request, session, user, case_id)


@router.get("/{case_id}/recordings/{recording_id}")
def recording(
    request: Request, case_id: int, recording_id: int, session: SessionDep, user: WorkCasesUser
) -> Response:
    """A recording of the case's call, as audio; who listened is written in the audit log.

    A player seeking within it asks for byte ranges: a listen is audited once, when it starts
    from the first byte, not once per range.
    """
    case = cases.get_case(session, case_id=case_id)
    found = recording_of_task(session, task_id=case.task_id, recording_id=recording_id)
    audio = audio_of(found)
    wanted = byte_range(request.headers.get("range"), len(audio))
    if wanted is None or wanted[0] == 0:
        record_audit(
            session,
            actor=user.username,
            action=AuditAction.play_recording,
            subject=f"voice_recording:{found.id}",
            reason=f"异常工单 {case_id}",
        )
    headers = {
        "Cache-Control": "no-store, private",
        "Content-Disposition": "inline",
        "Accept-Ranges": "bytes",
    }
    if wanted is None:
        return Response(audio, media_type="audio/wav", headers=headers)
    first, last = wanted
    headers["Content-Range"] = f"bytes {first}-{last}/{len(audio)}"
    return Response(
        audio[first : last + 1], status_code=206, media_type="audio/wav", headers=headers
    )


@router.post("/{case_id}/reveal", response_class=HTMLResponse)
def reveal(request: Request, case_id: int, session: SessionDep, user: WorkCasesUser) -> Response:
    """Show the whole number for a manual call; the look is in the task's history and the log."""
    task = get_task(session, task_id=cases.get_case(session, case_id=case_id).task_id)
    note_event(session, task, actor=user.username, note="查看完整号码（人工回访）")
    record_audit(
        session,
        actor=user.username,
        action=AuditAction.reveal_phone,
        subject=f"callback_task:{task.id}",
        reason=f"异常工单 {case_id} 人工回访",
    )
    return _detail(request, session, user, case_id, phone=task.phone)


@router.post("/{case_id}/{action}", response_class=HTMLResponse)
def act(
    request: Request,
    case_id: int,
    action: str,
    session: SessionDep,
    user: WorkCasesUser,
    note: Annotated[str, Form()] = "",
    finding: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
    attitude: Annotated[str, Form()] = "",
    efficiency: Annotated[str, Form()] = "",
    repeat_trip: Annotated[str, Form()] = "",
    favour_asked: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "",
) -> Response:
    """Claim, record a manual call or a finding, reschedule, close or escalate; back to the case."""
    given: dict[str, str] = {
        Question.attitude: attitude,
        Question.efficiency: efficiency,
        Question.repeat_trip: repeat_trip,
        Question.favour_asked: favour_asked,
        Question.resolution: resolution,
    }
    try:
        _apply(
            session, case_id, action, user.username, note=note, finding=finding, at=at, given=given
        )
        closed = cases.get_case(session, case_id=case_id)
        if action != "claim" and closed.status == ExceptionStatus.closed:
            reason = (closed.note or "")[-500:] or None
            subject = f"callback_exception:{case_id}"
            record_audit(
                session,
                actor=user.username,
                action=AuditAction.case_close,
                subject=subject,
                reason=reason,
            )
    except DomainError as error:
        session.rollback()
        return _detail(request, session, user, case_id, error=error)
    if action == "claim" and request.query_params.get("back") == "queue":
        return RedirectResponse("/exceptions", status_code=303)
    return RedirectResponse(f"/exceptions/{case_id}", status_code=303)


def _apply(
    session: Session,
    case_id: int,
    action: str,
    actor: str,
    *,
    note: str,
    finding: str,
    at: str,
    given: dict[str, str],
) -> None:
    if action == "claim":
        cases.claim(session, case_id=case_id, actor=actor)
    elif action == "verify":
        if not finding:
            raise Invalid("请选择核实结论")
        cases.verify(session, case_id=case_id, actor=actor, finding=finding, note=note)
    elif action == "close":
        cases.close(session, case_id=case_id, actor=actor, note=note)
    elif action == "escalate":
        cases.escalate(session, case_id=case_id, actor=actor, note=note)
    elif action == "reschedule":
        try:
            moment = datetime.fromisoformat(at).replace(tzinfo=centre_tz())
        except ValueError as error:
            raise Invalid("请选择重新回访的日期和时间") from error
        cases.reschedule_case(session, case_id=case_id, actor=actor, at=moment)
    elif action == "result":
        answers: dict[str, str | None] = {
            q: (None if v == "unclear" else v) for q, v in given.items() if v
        }
        if not answers:
            raise Invalid("请至少选择一项回答")
        cases.record_manual_result(
            session, case_id=case_id, actor=actor, answers=answers, suggestion=note or None
        )
    else:
        raise NotFound(f"未知操作 {action!r}")
