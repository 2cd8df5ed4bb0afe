"""Data-subject requests (个人信息主体权利, PIPL arts. 45 and 47): what we hold on one person,
and erasing what we may erase.

A person is named by their resident ID number. Their callback data spans the ledger, the
callbacks, scoring and both channels, which only this wiring layer sees together, so the two
verbs live here. Erasure pseudonymises the callback data (name, number, words, voice) and keeps
the answers as anonymous counts; what the law makes the centre keep is kept, and the report
says what and why.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from callbacks.models import CallbackTask, DoNotCall, SmsReply, SurveyAnswer
from callbacks.service import OPEN_STATUSES, close_task
from core_ledger.accounts.models import Depositor
from core_ledger.feed.models import FeedRecord
from core_ledger.identity import validate_resident_id
from core_ledger.journal.models import FundAccount
from core_ledger.outbox.models import OutboxEvent
from core_ledger.withdrawals.models import WithdrawalParty
from ivr.sms.models import SmsMessage
from ivr.voice.models import VoiceRecording
from kernel.audit import AuditAction, record_audit
from kernel.clock import as_utc, utcnow
from kernel.columns import rowcount
from kernel.crypto import id_number_index, phone_index
from kernel.errors import NotFound
from scoring.models import CallbackRating

ERASED = "已删除"  # what a pseudonymised name reads
ERASED_REASON = "erased"  # CallbackTask.close_reason of a task closed by an erasure

# What erasure keeps, and the law or purpose that keeps it (shown to the person).
KEPT = [
    (
        "缴存职工档案与公积金账户（姓名、身份证号、联系电话、账户、余额）",
        "《住房公积金管理条例》要求管理中心为缴存职工建立并保存个人账户；账户存续期间不能删除",
    ),
    (
        "记账凭证、提取与贷款记录、票据",
        "《会计档案管理办法》规定会计凭证和账簿保存 30 年",
    ),
    (
        "免打扰名单中的号码",
        "为继续尊重本人“不再回访”的意愿：删除后将无从识别该号码",
    ),
    (
        "回访答案（满意程度等）与评分",
        "已与本人脱钩（不再含姓名、号码、原话），仅作为网点评价的匿名统计",
    ),
    (
        "审计日志（谁在何时查看或处理了哪条记录）",
        "《个人信息保护法》第五十四、五十五条：证明个人信息处理合规的记录",
    ),
]


@dataclass
class Person:
    """One person as the centre knows them: their depositor record and every number they gave."""

    id_number: str
    depositor: Depositor | None
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)


def find_person(session: Session, *, id_number: str) -> Person:
    """The person with this resident ID (depositor, heir/agent or fed record); NotFound if none."""
    id_number = validate_resident_id(id_number)
    depositor = session.exec(
        select(Depositor).where(Depositor.id_number_index == id_number_index(id_number))
    ).first()
    person = Person(id_number=id_number, depositor=depositor)
    if depositor is not None:
        person.phones.add(depositor.phone)
        person.names.add(depositor.name)
    index = id_number_index(id_number)
    for party in session.exec(
        select(WithdrawalParty).where(WithdrawalParty.id_number_index == index)
    ):
        person.phones.add(party.phone)
        person.names.add(party.name)
    for record in session.exec(select(FeedRecord).where(FeedRecord.id_number_index == index)):
        person.phones.add(record.phone)
        person.names.add(record.person_name)
    if depositor is None and not person.phones:
        raise NotFound("没有这个身份证号的个人信息")
    return person


def _tasks(session: Session, person: Person) -> list[CallbackTask]:
    indexes = [phone_index(phone) for phone in person.phones]
    query = select(CallbackTask).where(col(CallbackTask.phone_index).in_(indexes))
    return list(session.exec(query.order_by(col(CallbackTask.id))))


def _by_phone(session: Session, model: Any, person: Person) -> list[Any]:
    indexes = [phone_index(phone) for phone in person.phones]
    return list(session.exec(select(model).where(col(model.phone_index).in_(indexes))))


def export_person(session: Session, *, id_number: str, actor: str, reason: str) -> dict[str, Any]:
    """Everything we hold on one person, as a document for them; the export is audited."""
    person = find_person(session, id_number=id_number)
    depositor = person.depositor
    accounts = (
        session.exec(select(FundAccount).where(FundAccount.depositor_id == depositor.id)).all()
        if depositor
        else []
    )
    tasks = _tasks(session, person)
    document = {
        "exported_at": utcnow().isoformat(),
        "person": {
            "id_number": person.id_number,
            "names": sorted(person.names),
            "phones": sorted(person.phones),
        },
        "fund_accounts": [
            {"account_no": a.account_no, "status": a.status, "balance_fen": a.balance_fen}
            for a in accounts
        ],
        "callbacks": [_task_document(session, task) for task in tasks],
        **_claims_and_fed(session, person),
        "sms": [
            {"direction": m.direction, "body": m.body, "at": as_utc(m.created_at).isoformat()}
            for m in _by_phone(session, SmsMessage, person)
        ],
        "do_not_call": [
            {"reason": d.reason, "since": as_utc(d.created_at).isoformat()}
            for d in _by_phone(session, DoNotCall, person)
        ],
    }
    record_audit(
        session,
        actor=actor,
        action=AuditAction.export_person,
        subject=f"depositor:{depositor.id}" if depositor else "person",
        reason=reason,
    )
    return document


def _claims_and_fed(session: Session, person: Person) -> dict[str, Any]:
    """Withdrawals they came for as heir or agent, and the core system's records naming them."""
    index = id_number_index(person.id_number)
    parties = session.exec(
        select(WithdrawalParty).where(WithdrawalParty.id_number_index == index)
    ).all()
    fed = session.exec(select(FeedRecord).where(FeedRecord.id_number_index == index)).all()
    return {
        "withdrawals_for_others": [
            {
                "withdrawal_id": p.withdrawal_id,
                "role": p.role,
                "name": p.name,
                "phone": p.phone,
                "relationship": p.relationship,
                "document_ref": p.document_ref,
            }
            for p in parties
        ],
        "core_system_records": [
            {
                "source": r.source,
                "business_no": r.business_no,
                "kind": r.kind,
                "occurred_at": as_utc(r.occurred_at).isoformat(),
                "name": r.person_name,
                "phone": r.phone,
            }
            for r in fed
        ],
    }


def _task_document(session: Session, task: CallbackTask) -> dict[str, Any]:
    answers = session.exec(select(SurveyAnswer).where(SurveyAnswer.task_id == task.id)).all()
    recordings = session.exec(select(VoiceRecording).where(VoiceRecording.task_id == task.id)).all()
    return {
        "task_id": task.id,
        "business": task.business_kind,
        "business_at": as_utc(task.business_at).isoformat(),
        "outlet": task.outlet_name,
        "status": task.status,
        "name": task.person_name,
        "phone": task.phone,
        "suggestion": task.suggestion,
        "answers": [{"question": a.question, "value": a.value, "said": a.raw} for a in answers],
        "recordings": [
            {
                "id": r.id,
                "purpose": r.purpose,
                "at": as_utc(r.created_at).isoformat(),
                "transcript": r.transcript,
                "audio_held": r.audio is not None,
            }
            for r in recordings
        ],
    }


@dataclass
class Erasure:
    """What an erasure changed, counted, and what it kept with why."""

    tasks: int = 0
    closed: int = 0
    answers: int = 0
    recordings: int = 0
    sms: int = 0
    ratings: int = 0
    events: int = 0
    kept: list[tuple[str, str]] = field(default_factory=lambda: list(KEPT))


def erase_person(session: Session, *, id_number: str, actor: str, reason: str) -> Erasure:
    """Pseudonymise one person's callback data; keep what the ledger must keep. Idempotent."""
    person = find_person(session, id_number=id_number)
    done = Erasure()
    now = utcnow()
    for task in _tasks(session, person):
        done.tasks += 1
        if task.status in OPEN_STATUSES:
            close_task(
                session, task, reason=ERASED_REASON, actor=actor, note="本人要求删除个人信息"
            )
            done.closed += 1
        task.person_name, task.phone, task.suggestion = ERASED, "", None
        session.add(task)
        said = (
            update(SurveyAnswer)
            .where(col(SurveyAnswer.task_id) == task.id, col(SurveyAnswer.raw).is_not(None))
            .values(raw=None)
        )
        done.answers += rowcount(session.execute(said))
        done.recordings += _silence(session, task_id=task.id or 0, now=now)
        for rating in session.exec(select(CallbackRating).where(CallbackRating.task_id == task.id)):
            rating.phone = None
            session.add(rating)
            done.ratings += 1
        done.events += _pseudonymise_event(session, event_id=task.event_id)
    for message in _by_phone(session, SmsMessage, person):
        message.phone, message.body = "", ""
        session.add(message)
        done.sms += 1
    for reply in _by_phone(session, SmsReply, person):
        reply.phone, reply.raw = "", ""
        session.add(reply)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action=AuditAction.erase_person,
        subject=f"depositor:{person.depositor.id}" if person.depositor else "person",
        reason=reason,
    )
    return done


def _silence(session: Session, *, task_id: int, now: datetime) -> int:
    """Delete a task's recordings' audio and transcripts (the rows say when); return count."""
    count = 0
    for recording in session.exec(select(VoiceRecording).where(VoiceRecording.task_id == task_id)):
        recording.audio, recording.transcript, recording.recording_url = None, None, ""
        recording.audio_purged_at = recording.audio_purged_at or now
        recording.transcript_purged_at = recording.transcript_purged_at or now
        session.add(recording)
        count += 1
    return count


def _pseudonymise_event(session: Session, *, event_id: int) -> int:
    """Take the name and number out of the business event a task came from; 1 if changed."""
    event = session.get(OutboxEvent, event_id)
    person = event.payload.get("person") if event is not None else None
    if event is None or not isinstance(person, dict) or person.get("name") == ERASED:
        return 0
    event.payload = {**event.payload, "person": {**person, "name": ERASED, "phone": ""}}
    session.add(event)
    return 1
