"""Every word a caller hears or reads, in one place, reviewed for tone.

Short sentences, plain words, polite forms. Never an amount, never an ID number.
"""

from kernel.vocabulary import (
    ANSWER_LABELS,
    PROJECT_CONTACT_QUESTIONS,
    RATINGS,
    Question,
    answers_to,
)

CENTRE_NAME = "住房公积金管理中心"

BUSINESS_KIND = {"withdrawal": "公积金提取", "loan": "公积金贷款"}

# --- Voice survey -------------------------------------------------------------------------

# The call opens by checking it reached the right person: the surname only, never a full name.
OPENING = "您好，这里是{centre}12329服务热线。"
IDENTITY = "请问您是{addressee}本人吗？是请按1，不是请按2。"
# Said before the first recording of the call: at the opening when answers are spoken, else in
# the introduction (reasons and suggestions are the first recordings).
RECORDING_NOTICE = "为准确记录您的意见，本次通话将录音。"
# Added before the identity question when spoken answers are decoded (HUIFANG_ASR=vosk).
SPEECH_HINT = "回答时，您可以按键，也可以直接说。"
WRONG_PERSON = "抱歉，打扰您了。祝您生活愉快，再见。"
IDENTITY_UNCLEAR = "抱歉，没有听清。我们改天再联系您，再见。"

INTRODUCTION = "您在{date}到{outlet}办理了{business}，想耽误您一分钟，听听您的评价。"
# 整改回访: a second call after the outlet put right what the person complained about.
RECTIFICATION_INTRODUCTION = (
    "您之前反映的{date}在{outlet}办理{business}的问题，网点已经整改，想听听您的看法。"
)
# 签约楼盘负责人: one call a month about how the outlet served the project's buyers.
PROJECT_CONTACT_INTRODUCTION = (
    "您是{project}的公积金贷款业务联系人，想了解本月{outlet}为贵楼盘购房人"
    "办理公积金贷款的服务情况，耽误您一分钟。"
)
RESCHEDULE_OFFER = "如果现在不方便，请按9，我们改天再打给您。"

# What each question asks; the keys are added from the vocabulary's order, so what a person
# hears, what a key means and what an SMS digit means follow from one place.
QUESTION_TEXTS = {
    Question.attitude: "请您评价工作人员的服务态度。",
    Question.efficiency: "请您评价办事效率。",
    Question.repeat_trip: "这次办事，您有没有来回跑、多跑路？",
    Question.favour_asked: "工作人员有没有向您索要财物、吃拿卡要？",
    Question.resolution: "请问您对整改结果满意吗？",
}


def key_offer(question: Question) -> str:
    """Each answer's label and key, favourable first: 没有请按1，有请按2。"""
    offers = [f"{ANSWER_LABELS[a]}请按{n}" for n, a in enumerate(answers_to(question), start=1)]
    return "，".join(offers) + "。"


QUESTIONS = {question: text + key_offer(question) for question, text in QUESTION_TEXTS.items()}

# The project contact's two ratings, in their own words (about the buyers they send).
PROJECT_CONTACT_QUESTION_TEXTS = {
    Question.attitude: "请您评价网点工作人员对贵楼盘购房人的服务态度。",
    Question.efficiency: "请您评价网点为贵楼盘购房人办理贷款的效率。",
}
PROJECT_CONTACT_PROMPTS = {
    question: text + key_offer(question)
    for question, text in PROJECT_CONTACT_QUESTION_TEXTS.items()
}


def question_prompt(question: Question, order: tuple[Question, ...]) -> str:
    """What the phone asks for a question in a survey of this order (a project contact's own)."""
    if order == PROJECT_CONTACT_QUESTIONS:
        return PROJECT_CONTACT_PROMPTS[question]
    return QUESTIONS[question]


# A grave answer (索拿卡要 = 有) is confirmed before it is filed; 2 asks the question again.
CONFIRM_FAVOUR = "您反映工作人员向您索要财物，确认请按1，重新选择请按2。"
RECHOOSE = "好的，请您重新选择。"
# An in-between answer (一般, 还行) is not guessed: the person chooses among the three tiers.
TIERS = "、".join(ANSWER_LABELS[a] for a in RATINGS)
IN_BETWEEN = f"请您在{TIERS}中选一个。"

RETRY = "抱歉，没有听清。"
# A spoken answer we could not make out with confidence: ask once more, plainly.
UNSURE = "抱歉，没有听清楚，请您再说一遍，或者按键回答。"

# After an 不满意: a short recording of why.
REASON = {
    Question.attitude: "您对服务态度不满意，请在提示音后简单说说原因，说完请按井号键。",
    Question.efficiency: "您对办事效率不满意，请在提示音后简单说说原因，说完请按井号键。",
    Question.resolution: "您对整改结果不满意，请在提示音后简单说说原因，说完请按井号键。",
}
SUGGESTION = (
    "最后，您对我们的工作还有什么意见或建议吗？"
    "请在提示音后说，说完请按井号键。没有的话，请直接按井号键。"
)

RESCHEDULED = "好的，不打扰您了，我们改天再联系您。再见。"
THANKS = "感谢您的评价，祝您生活愉快，再见。"
# Twilio's FallbackUrl: our webhook failed; never let a caller hear Twilio's English error.
FALLBACK_APOLOGY = "抱歉，系统暂时无法完成回访，我们会另行与您联系。再见。"

# --- SMS survey ---------------------------------------------------------------------------
# Rendered by ivr/sms/texts.py, which adds the 【signature】 carriers require at the start.
# Every outbound text must fit 3 segments (201 Chinese characters); the tests count them.
# Question numbers are circled (①②) so they cannot be mistaken for answer digits.

SMS_SIGNATURE = "住房公积金"

SMS_QUESTION_TEXTS = {
    Question.attitude: "服务态度",
    Question.efficiency: "办事效率",
    Question.repeat_trip: "有没有跑回头路",
    Question.favour_asked: "工作人员有没有索要财物",
}


def digit_offer(question: Question) -> str:
    """Each answer's digit and label, favourable first: （1没有 2有）."""
    offers = [f"{n}{ANSWER_LABELS[a]}" for n, a in enumerate(answers_to(question), start=1)]
    return "（" + " ".join(offers) + "）"


SMS_QUESTIONS = {q: text + digit_offer(q) for q, text in SMS_QUESTION_TEXTS.items()}
# The example reply ("如1111"): digit 1 is the favourable answer to every question.
SMS_EXAMPLE_DIGIT = "1"

SMS_PROJECT_CONTACT_QUESTION_TEXTS = {
    Question.attitude: "网点对购房人的服务态度",
    Question.efficiency: "网点办理贷款的效率",
}
SMS_PROJECT_CONTACT_QUESTIONS = {
    q: text + digit_offer(q) for q, text in SMS_PROJECT_CONTACT_QUESTION_TEXTS.items()
}
SMS_PROJECT_CONTACT_INVITATION = (
    "您好！您是{project}的公积金贷款业务联系人，想了解本月{outlet}为贵楼盘购房人办理贷款的"
    "服务情况，请您评价：{questions}。请直接回复{count}位数字，如{example}。回复TD退订"
)
SMS_INVITATION = (
    "您好！您{date}在{outlet}办理了{business}，请您评价：{questions}。"
    "请直接回复{count}位数字，如{example}。回复TD退订"
)
# The web survey link (网页问卷): the invitation when replies are not possible, in one segment.
SMS_LINK_INVITATION = "您好！您{date}在{outlet}办理了{business}，请点击{link}评价服务。回复TD退订"
SMS_LINK_INVITATION_SHORT = "请评价您{date}办理的{business}：{link} 回复TD退订"
SMS_LINK_PROJECT_CONTACT = "请评价{outlet}本月为{project}购房人办理贷款的服务：{link} 回复TD退订"
SMS_LINK_MINIMAL = "请评价公积金服务：{link}"
# Both: the digit invitation, and the link offered beside it.
SMS_LINK_OFFER = "也可点击{link}在网页作答。"
SMS_FOLLOW_UP = (
    "感谢您的回复！还有{count}项请您评价：{questions}。"
    "请直接回复{count}位数字，如{example}。回复TD退订"
)
SMS_CLARIFY = (
    "抱歉，没能看懂您的回复。请按顺序回复{count}位数字，如{example}：{questions}。回复TD退订"
)
# The same confirmation by text; any other reply (or none) leaves the answer to an operator.
SMS_CONFIRM_FAVOUR = "您反映工作人员向您索要财物，确认请回复1，重新选择请回复2。回复TD退订"
SMS_RECHOOSE = "好的，请您重新选择：{questions}。请直接回复{count}位数字，如{example}。回复TD退订"
SMS_CHOOSE_TIER = (
    "您回复了“{words}”，请在{tiers}中选一个：{questions}。"
    "请直接回复{count}位数字，如{example}。回复TD退订"
)
SMS_OPTED_OUT = "您已退订回访短信，我们不会再发送。如有需要，请拨打12329。"
SMS_THANKS = "感谢您的评价！祝您生活愉快。"
SMS_THANKS_FOLLOW_UP = "感谢您的评价！您反映的情况我们已记录，工作人员会尽快与您联系。"
SMS_CLOSED = "本次回访已结束，感谢您的支持。如有意见建议，请拨打12329。"
