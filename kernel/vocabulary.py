"""The survey's one vocabulary: questions, answers and channels, with their Chinese labels.

Every package that asks (ivr), files (callbacks), counts (scoring) or shows (admin) an answer
imports these names; none spells them as bare strings. They live in the kernel because scoring,
which counts answers, sits below callbacks, which asks the questions.
The stored values are the enum values (short English words); pages show the labels.
"""

from enum import StrEnum


class Question(StrEnum):
    attitude = "attitude"  # 服务态度
    efficiency = "efficiency"  # 办事效率
    repeat_trip = "repeat_trip"  # 是否跑回头路
    favour_asked = "favour_asked"  # 是否索拿卡要
    resolution = "resolution"  # 整改回访: satisfied with how the complaint was handled?


class Answer(StrEnum):
    very_satisfied = "very_satisfied"  # 非常满意
    satisfied = "satisfied"  # 满意
    unsatisfied = "unsatisfied"  # 不满意
    yes = "yes"  # 有: a repeat trip was made, a favour was asked (a concern)
    no = "no"  # 没有


class Channel(StrEnum):
    voice = "voice"  # 电话（语音外呼）
    sms = "sms"  # 短信
    web = "web"  # 网页问卷 (the H5 link an SMS invitation carries)


# A satisfaction survey asks these, in this order; 整改回访 asks one thing.
SURVEY_QUESTIONS: tuple[Question, ...] = (
    Question.attitude,
    Question.efficiency,
    Question.repeat_trip,
    Question.favour_asked,
)
RECTIFICATION_QUESTIONS: tuple[Question, ...] = (Question.resolution,)
# A project contact (签约楼盘负责人) rates how the outlet served the project's buyers: the same
# two ratings in their own words (ivr/prompts.py), no repeat-trip or favour questions.
PROJECT_CONTACT_QUESTIONS: tuple[Question, ...] = (Question.attitude, Question.efficiency)
# Questions answered in three tiers; the others are yes/no.
RATED_QUESTIONS = frozenset({Question.attitude, Question.efficiency, Question.resolution})
# The first option is always the favourable one (key 1, SMS digit 1): best tier first, and
# 没有 before 有, so a person pressing 1 to everything reports nothing against anyone.
RATINGS: tuple[Answer, ...] = (Answer.very_satisfied, Answer.satisfied, Answer.unsatisfied)
YES_NO: tuple[Answer, ...] = (Answer.no, Answer.yes)


def answers_to(question: Question) -> tuple[Answer, ...]:
    """The answers a question takes, in the order they are offered."""
    return RATINGS if question in RATED_QUESTIONS else YES_NO


# Grave answers are confirmed by the person before they are filed (索拿卡要 is a disciplinary
# matter): until then they count as unclear.
GRAVE_ANSWERS = {Question.favour_asked: Answer.yes}


def is_grave(question: str, value: str | None) -> bool:
    """Whether an answer must be confirmed before it is filed."""
    return question in GRAVE_ANSWERS and GRAVE_ANSWERS[Question(question)] == value


QUESTION_LABELS = {
    Question.attitude: "服务态度",
    Question.efficiency: "办事效率",
    Question.repeat_trip: "是否跑回头路",
    Question.favour_asked: "是否索拿卡要",
    Question.resolution: "对整改处理是否满意",
}
ANSWER_LABELS = {
    Answer.very_satisfied: "非常满意",
    Answer.satisfied: "满意",
    Answer.unsatisfied: "不满意",
    Answer.no: "没有",
    Answer.yes: "有",
}
CHANNEL_LABELS = {Channel.voice: "电话", Channel.sms: "短信", Channel.web: "网页"}


def answer_label(value: str | None, *, unknown: str = "不清楚") -> str:
    """How a page shows a stored answer; `unknown` when there is none or it is not ours."""
    return ANSWER_LABELS[Answer(value)] if value in ANSWER_LABELS else unknown
