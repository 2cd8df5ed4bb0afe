"""Every word a caller hears or reads, in one place, reviewed for tone.

Short sentences, plain words, polite forms. Never an amount, never an ID number.
"""

CENTRE_NAME = "住房公积金管理中心"

BUSINESS_KIND = {"withdrawal": "公积金提取", "loan": "公积金贷款"}

# --- Voice survey -------------------------------------------------------------------------

GREETING = (
    "您好，这里是{centre}12329服务热线。"
    "您在{date}到{outlet}办理了{business}，想耽误您一分钟，听听您的评价。"
    "如果现在不方便，请按9，我们改天再打给您。"
)

QUESTIONS = {
    "attitude": "请您评价工作人员的服务态度。非常满意请按1，满意请按2，不满意请按3。",
    "efficiency": "请您评价办事效率。非常满意请按1，满意请按2，不满意请按3。",
    "repeat_trip": "这次办事，您有没有来回跑、多跑路？是请按1，否请按2。",
    "favour_asked": "工作人员有没有向您索要财物、吃拿卡要？有请按1，没有请按2。",
}

RETRY = "抱歉，没有听清。"
RESCHEDULED = "好的，不打扰您了，我们改天再联系您。再见。"
THANKS = "感谢您的评价，祝您生活愉快，再见。"
