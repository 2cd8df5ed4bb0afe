"""How the web survey asks each question: the phone's questions, in a sentence each."""

from ivr import prompts
from kernel.vocabulary import ANSWER_LABELS, Answer, Question, answers_to

WEB_QUESTIONS = {
    Question.attitude: "您对工作人员的服务态度是否满意？",
    Question.efficiency: "您对业务办理的效率是否满意？",
    Question.repeat_trip: "办理这笔业务时，您是否因为资料或手续问题多跑了路（跑回头路）？",
    Question.favour_asked: "办理过程中，工作人员是否有索要财物、吃拿卡要等行为？",
    Question.resolution: "您对我们处理您所反映问题的结果是否满意？",
}
WEB_PROJECT_CONTACT_QUESTIONS = {
    q: f"您对{text}是否满意？" for q, text in prompts.SMS_PROJECT_CONTACT_QUESTION_TEXTS.items()
}
# The grave answer, said back to the person before it is filed.
GRAVE_WORDS = {Question.favour_asked: "工作人员有索要财物、吃拿卡要等行为"}


def question_text(question: Question, *, project_contact: bool) -> str:
    """The sentence the page asks."""
    if project_contact and question in WEB_PROJECT_CONTACT_QUESTIONS:
        return WEB_PROJECT_CONTACT_QUESTIONS[question]
    return WEB_QUESTIONS[question]


def options(question: Question) -> list[tuple[str, str]]:
    """(value, label) in the order offered: the favourable one first, as on the phone."""
    return [(answer.value, ANSWER_LABELS[Answer(answer)]) for answer in answers_to(question)]
