"""Callback cases: who is called, when, every attempt, every answer, every state change."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import PHONE, blind_index_field, encrypted, keep_blind_index
from kernel.vocabulary import Channel
from scoring.exclusions.models import Finding


class TaskStatus(StrEnum):
    scheduled = "scheduled"  # waiting for its next attempt
    calling = "calling"  # a voice attempt is under way
    sms_sent = "sms_sent"  # waiting for an SMS reply
    completed = "completed"  # survey answered
    exception = "exception"  # in front of an operator
    closed = "closed"  # ended without a survey (opted out, closed by an operator)


class TaskKind(StrEnum):
    survey = "survey"  # the four questions about the business
    rectification = "rectification"  # 整改回访: only "are you satisfied with how it was handled?"
    # 签约楼盘负责人: how the outlet served the project's buyers; one call per contact, outlet
    # and local month, covering that month's loans.
    project_contact = "project_contact"


class CallbackTask(SQLModel, table=True):
    """回访任务 — one callback owed to one person for one business."""

    __tablename__ = "callback_task"
    __table_args__ = (
        UniqueConstraint("event_id", "audience"),
        # One project-contact callback per phone, outlet and local month (NULL for the others).
        UniqueConstraint(
            "phone_index", "outlet_id", "contact_month", name="uq_callback_task_contact"
        ),
        Index("ix_callback_task_due", "status", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="outbox_event.id")
    # depositor | project_contact; a rectification callback: rectify_depositor | rectify_project
    audience: str = Field(max_length=20)
    kind: TaskKind = Field(default=TaskKind.survey, sa_type=String(16))
    parent_task_id: int | None = Field(default=None, foreign_key="callback_task.id", index=True)
    business_kind: str = Field(max_length=20)  # withdrawal | loan
    business_id: int
    business_at: datetime = utc_timestamp()
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    teller_id: int | None = Field(default=None, foreign_key="staff.id")
    outlet_name: str = Field(max_length=100)
    person_name: str = Field(max_length=100)
    # From the resident ID when the ledger has one (male | female): 王先生 or 王女士 on the phone.
    person_gender: str | None = Field(default=None, max_length=8)
    phone: str = encrypted("callback_task.phone")  # sealed; looked up by phone_index
    phone_index: str = blind_index_field(default="")
    status: TaskStatus = Field(default=TaskStatus.scheduled, sa_type=String(12), index=True)
    due_at: datetime | None = utc_timestamp(default=None)
    attempts_made: int = 0
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    completed_at: datetime | None = utc_timestamp(default=None)
    close_reason: str | None = Field(default=None, max_length=20)  # opted_out, do_not_call, …
    suggestion: str | None = Field(default=None, max_length=2000)  # 意见建议, in their words
    # A project contact's callback: the local month (YYYY-MM) it covers, the project it names
    # and how many of that month's loans at the outlet it covers.
    contact_month: str | None = Field(default=None, max_length=7)
    project_name: str | None = Field(default=None, max_length=100)
    loans_covered: int = Field(default=1, sa_column_kwargs={"server_default": "1"})


class AttemptStatus(StrEnum):
    placing = "placing"
    queued = "queued"
    initiated = "initiated"
    ringing = "ringing"
    in_progress = "in-progress"
    completed = "completed"
    busy = "busy"
    no_answer = "no-answer"
    failed = "failed"
    canceled = "canceled"
    # SMS attempts (Twilio message statuses)
    sent = "sent"
    delivered = "delivered"
    undelivered = "undelivered"
    # Never reached a phone: the account was refused, the provider was busy (rate limit), or
    # the calling window closed before the call could start. Not counted against the person.
    not_placed = "not_placed"


class CallAttempt(SQLModel, table=True):
    """One try to reach the person: a phone call or an SMS."""

    __tablename__ = "call_attempt"
    __table_args__ = (UniqueConstraint("task_id", "attempt_no"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="callback_task.id", index=True)
    attempt_no: int
    channel: str = Field(default=Channel.voice, max_length=8)
    provider_sid: str | None = Field(default=None, max_length=64, unique=True)
    status: str = Field(default=AttemptStatus.placing, max_length=16)
    answered_by: str | None = Field(default=None, max_length=24)
    duration_s: int | None = None  # how long the call lasted, as the provider reports it
    last_sequence: int = -1
    started_at: datetime = utc_timestamp(default_factory=utcnow)
    ended_at: datetime | None = utc_timestamp(default=None)
    # SMS survey: when it stops waiting, and the one follow-up / clarification it may send
    deadline_at: datetime | None = utc_timestamp(default=None)
    follow_ups_sent: int = 0
    clarifications_sent: int = 0
    error_code: str | None = Field(default=None, max_length=16)


class SurveyAnswer(SQLModel, table=True):
    """One answer to one question of a task's survey; the first answer stands."""

    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("task_id", "question"),)
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="callback_task.id", index=True)
    attempt_id: int | None = Field(default=None, foreign_key="call_attempt.id")
    question: str = Field(max_length=20)
    value: str | None = Field(default=None, max_length=20)  # None: unclear
    source: str = Field(max_length=10)  # dtmf | speech | sms | operator
    raw: str | None = Field(default=None, max_length=2000)
    # A grave answer (索拿卡要 = 有) heard but not yet confirmed by the person. Until it is, the
    # value stays None (unclear), so a call or text that ends here goes to an operator as
    # unclear, never as a favour-asking report.
    unconfirmed: str | None = Field(default=None, max_length=20)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class TaskEvent(SQLModel, table=True):
    """The history of a task: every state change, who made it and why."""

    __tablename__ = "task_event"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="callback_task.id", index=True)
    at: datetime = utc_timestamp(default_factory=utcnow)
    actor: str = Field(max_length=64)  # system, worker, twilio, or a username
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    note: str | None = Field(default=None, max_length=500)


class SmsReply(SQLModel, table=True):
    """One inbound SMS, kept once by its MessageSid, with what we made of it."""

    __tablename__ = "sms_reply"
    id: int | None = Field(default=None, primary_key=True)
    message_sid: str = Field(max_length=64, unique=True)
    phone: str = encrypted("sms_reply.phone")
    phone_index: str = blind_index_field(default="")
    task_id: int | None = Field(default=None, foreign_key="callback_task.id", index=True)
    attempt_id: int | None = Field(default=None, foreign_key="call_attempt.id")
    kind: str = Field(max_length=12)  # complete | partial | nonsense | opt_out | empty
    action: str = Field(max_length=20)
    missing: str = Field(default="", max_length=100)  # comma-separated questions
    raw: str = encrypted("sms_reply.raw")  # their words may name anyone, or a number
    received_at: datetime = utc_timestamp(default_factory=utcnow)


class DoNotCall(SQLModel, table=True):
    """免打扰名单 — a number that is never called or texted again (退订 or by request)."""

    __tablename__ = "do_not_call"
    id: int | None = Field(default=None, primary_key=True)
    phone: str = encrypted("do_not_call.phone")
    phone_index: str = blind_index_field(default="", unique=True)
    reason: str = Field(max_length=20)  # opted_out | requested | complaint
    actor: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


keep_blind_index(CallbackTask, source="phone", target="phone_index", kind=PHONE)
keep_blind_index(SmsReply, source="phone", target="phone_index", kind=PHONE)
keep_blind_index(DoNotCall, source="phone", target="phone_index", kind=PHONE)


class ExceptionStatus(StrEnum):
    open = "open"
    claimed = "claimed"
    escalated = "escalated"
    verified = "verified"  # a 不满意 confirmed: waiting for the outlet's rectification
    rectified = "rectified"  # the outlet reported; the second callback runs
    closed = "closed"


class CallbackException(SQLModel, table=True):
    """An operator's case (异常工单): one reason on one task, with its SLA clock."""

    __tablename__ = "callback_exception"
    __table_args__ = (
        UniqueConstraint("task_id", "reason"),
        Index("ix_callback_exception_queue", "status", "priority"),
    )
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="callback_task.id", index=True)
    reason: str = Field(max_length=20)  # a key of callbacks.sla.PRIORITY
    priority: int
    status: ExceptionStatus = Field(default=ExceptionStatus.open, sa_type=String(12))
    opened_at: datetime = utc_timestamp(default_factory=utcnow)
    sla_due_at: datetime = utc_timestamp()
    rectify_due_at: datetime | None = utc_timestamp(default=None)
    assignee: str | None = Field(default=None, max_length=64)
    escalated: bool = False
    verified_at: datetime | None = utc_timestamp(default=None)  # when the finding was made
    # 核实结论 on a 不满意, repeat-trip or favour-asking case: needed before it can be closed.
    finding: Finding | None = Field(default=None, sa_type=String(12))
    found_by: str | None = Field(default=None, max_length=64)
    rectified_at: datetime | None = utc_timestamp(default=None)
    rectification: str | None = Field(default=None, max_length=2000)  # 整改情况
    closed_at: datetime | None = utc_timestamp(default=None)
    closed_by: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=2000)


class WebSurveyLink(SQLModel, table=True):
    """网页问卷链接 — the one link an SMS survey attempt carries (H5), kept by its token's hash.

    The token itself is never stored: it is derived from the attempt with a secret
    (callbacks.weblink.link_token), so a re-sent message carries the same link.
    """

    __tablename__ = "web_survey_link"
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="call_attempt.id", unique=True)
    task_id: int = Field(foreign_key="callback_task.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the token
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    expires_at: datetime = utc_timestamp()
    opened_at: datetime | None = utc_timestamp(default=None)  # first opened
    open_count: int = 0
    answered_at: datetime | None = utc_timestamp(default=None)


class ChannelPause(SQLModel, table=True):
    """A channel stopped because our provider account or settings are wrong (an operator alert).

    Sending on the channel waits until `resume_at` (then one attempt tries again) or until an
    operator resumes it after fixing `setting`; attempts it stops are not counted.
    """

    __tablename__ = "channel_pause"
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=8, index=True)  # voice | sms
    code: str | None = Field(default=None, max_length=16)  # the provider's error code
    setting: str = Field(max_length=200)  # what to fix, named as the operator sets it
    message: str = Field(max_length=500)
    paused_at: datetime = utc_timestamp(default_factory=utcnow)
    resume_at: datetime = utc_timestamp()
    resumed_at: datetime | None = utc_timestamp(default=None)
    resumed_by: str | None = Field(default=None, max_length=64)
    stopped: int = 0  # attempts held back while paused
