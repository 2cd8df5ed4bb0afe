"""The demo's earlier months: callbacks the hotline made by hand before Huifang (历史人工回访导入).

A centre that starts using Huifang has months of callbacks its 12329 operators already made and
wrote down; it loads them so trends and the appraisal have a past. The demo does the same for its
earlier months of business — answers drawn from each outlet's quality, recorded through the
operators' own verb (source "operator") and completed through the one survey-completion path, so
ratings, cases and rankings come out exactly as for live answers — and calls the latest month live
through the emulator. Without this the demo would phone four months of people before the
dashboard had anything to show.
"""

import random
from datetime import datetime

from sqlmodel import Session, col, select

from callbacks.models import CallbackTask, TaskStatus
from callbacks.relay import relay_outbox
from callbacks.service import complete_survey, questions_for, record_operator_answer
from core_ledger.org.models import Outlet
from huifang.demo.seed import QUALITY
from kernel.vocabulary import RATED_QUESTIONS, Answer, Question

ACTOR = "历史人工回访导入"
REACHED = 0.9  # the hotline reached nine in ten; the rest are called again now, live


def _answer(question: Question, quality: tuple[float, float], rng: random.Random) -> Answer:
    very, satisfied = quality
    roll = rng.random()
    if question in RATED_QUESTIONS:
        if roll < very:
            return Answer.very_satisfied
        return Answer.satisfied if roll < very + satisfied else Answer.unsatisfied
    if question == Question.repeat_trip:
        return Answer.yes if roll < 0.08 else Answer.no
    return Answer.yes if roll < 0.01 else Answer.no  # 索拿卡要: rare, and grave


def import_history(session: Session, *, before: datetime, rng: random.Random) -> int:
    """Relay the outbox, then answer the callbacks of business before `before`; return how many."""
    while relay_outbox(session):
        pass
    codes = {outlet.id: outlet.code for outlet in session.exec(select(Outlet))}
    earlier = session.exec(
        select(CallbackTask)
        .where(col(CallbackTask.business_at) < before)
        .where(CallbackTask.status == TaskStatus.scheduled)
        .order_by(col(CallbackTask.id))
    ).all()
    answered = 0
    for task in earlier:
        if rng.random() >= REACHED:
            continue
        quality = QUALITY.get(codes.get(task.outlet_id, ""), (0.6, 0.3))
        for question in questions_for(task):
            value = _answer(Question(question), quality, rng)
            record_operator_answer(session, task=task, question=question, value=value, actor=ACTOR)
        complete_survey(session, task=task, actor=ACTOR)
        answered += 1
    return answered
