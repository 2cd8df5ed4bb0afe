"""Every word a caller hears or reads, in one place, reviewed for tone.

Short sentences, plain words, polite forms. Never an amount, never an ID number.
"""

from kernel.vocabulary import Question

CENTRE_NAME = "住房公积金管理中心"

BUSINESS_KIND = {"withdrawal": "公积金提取", "loan": "公积金贷款"}

# --- Voice survey -------------------------------------------------------------------------

GREETING = (
    "您好，这里是{centre}12329服务热线。"
    "您在{date}到{outlet}办理了{business}，想耽误您一分钟，听听您的评价。"
    "如果现在不方便，请按9，我们改天再打给您。"
)
# 整改回访: a second call after the outlet put right what the person complained about.
RECTIFICATION_GREETING = (
    "您好，这里是{centre}12329服务热线。"
    "您之前反映的{date}在{outlet}办理{business}的问题，网点已经整改，想听听您的看法。"
    "如果现在不方便，请按9，我们改天再打给您。"
)
# Added to the greeting when spoken answers are decoded (HUIFANG_ASR=vosk).
SPEECH_HINT = "回答时，您可以按键，也可以直接说。"

QUESTIONS = {
    Question.attitude: "请您评价工作人员的服务态度。非常满意请按1，满意请按2，不满意请按3。",
    Question.efficiency: "请您评价办事效率。非常满意请按1，满意请按2，不满意请按3。",
    Question.repeat_trip: "这次办事，您有没有来回跑、多跑路？是请按1，否请按2。",
    Question.favour_asked: "工作人员有没有向您索要财物、吃拿卡要？有请按1，没有请按2。",
    Question.resolution: "请问您对整改结果满意吗？非常满意请按1，满意请按2，不满意请按3。",
}

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

# --- SMS survey ---------------------------------------------------------------------------
# Rendered by ivr/sms/texts.py, which adds the 【signature】 carriers require at the start.
# Every outbound text must fit 3 segments (201 Chinese characters); the tests count them.
# Question numbers are circled (①②) so they cannot be mistaken for answer digits.

SMS_SIGNATURE = "住房公积金"

SMS_QUESTIONS = {
    Question.attitude: "服务态度（1非常满意 2满意 3不满意）",
    Question.efficiency: "办事效率（1非常满意 2满意 3不满意）",
    Question.repeat_trip: "是否跑回头路（1是 2否）",
    Question.favour_asked: "工作人员是否索要财物（1有 2没有）",
}

# The example answer for each question when it is the one shown in "如1122".
SMS_EXAMPLE_DIGIT = {
    Question.attitude: "1",
    Question.efficiency: "1",
    Question.repeat_trip: "2",
    Question.favour_asked: "2",
}

SMS_INVITATION = (
    "您好！您{date}在{outlet}办理了{business}，请您评价：{questions}。"
    "请直接回复{count}位数字，如{example}。回复TD退订"
)
SMS_FOLLOW_UP = (
    "感谢您的回复！还有{count}项请您评价：{questions}。"
    "请直接回复{count}位数字，如{example}。回复TD退订"
)
SMS_CLARIFY = (
    "抱歉，没能看懂您的回复。请按顺序回复{count}位数字，如{example}：{questions}。回复TD退订"
)
SMS_OPTED_OUT = "您已退订回访短信，我们不会再发送。如有需要，请拨打12329。"
SMS_THANKS = "感谢您的评价！祝您生活愉快。"
SMS_THANKS_FOLLOW_UP = "感谢您的评价！您反映的情况我们已记录，工作人员会尽快与您联系。"
SMS_CLOSED = "本次回访已结束，感谢您的支持。如有意见建议，请拨打12329。"
