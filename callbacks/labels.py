"""The Chinese words pages show for the callbacks' stored values (never the English enum words)."""

from collections.abc import Mapping
from typing import Any

from callbacks.models import AttemptStatus, ExceptionStatus, TaskKind, TaskStatus

EXCEPTION_STATUS_LABELS = {
    ExceptionStatus.open: "待处理",
    ExceptionStatus.claimed: "处理中",
    ExceptionStatus.escalated: "已上报",
    ExceptionStatus.verified: "已核实，待网点整改",
    ExceptionStatus.rectified: "已整改，待整改回访",
    ExceptionStatus.closed: "已关闭",
}
TASK_STATUS_LABELS = {
    TaskStatus.scheduled: "待回访",
    TaskStatus.calling: "通话中",
    TaskStatus.sms_sent: "已发短信，待回复",
    TaskStatus.completed: "已完成",
    TaskStatus.exception: "转人工处理",
    TaskStatus.closed: "已关闭",
}
TASK_KIND_LABELS = {
    TaskKind.survey: "满意度回访",
    TaskKind.rectification: "整改回访",
    TaskKind.project_contact: "签约楼盘负责人回访",
}
ATTEMPT_STATUS_LABELS = {
    AttemptStatus.placing: "正在发起",
    AttemptStatus.queued: "排队中",
    AttemptStatus.initiated: "已发起",
    AttemptStatus.ringing: "振铃中",
    AttemptStatus.in_progress: "通话中",
    AttemptStatus.completed: "已完成",
    AttemptStatus.busy: "占线",
    AttemptStatus.no_answer: "无人接听",
    AttemptStatus.failed: "失败",
    AttemptStatus.canceled: "已取消",
    AttemptStatus.sent: "已发送",
    AttemptStatus.delivered: "已送达",
    AttemptStatus.undelivered: "未送达",
    AttemptStatus.not_placed: "未拨出（不计次数）",
}
BUSINESS_KIND_LABELS = {"withdrawal": "提取", "loan": "贷款"}
# Why a task ended without a survey (CallbackTask.close_reason).
CLOSE_REASON_LABELS = {
    "do_not_call": "号码在免打扰名单中",
    "suppressed": "近期已回访过该号码",
    "opted_out": "本人退订",
    "operator": "坐席关闭",
    "erased": "本人要求删除个人信息",
    "deceased": "职工已故",
}


def label(labels: Mapping[Any, str], value: str | None, *, missing: str = "—") -> str:
    """A stored value's Chinese word; an unknown value shows as 其他, never as itself."""
    if value is None or value == "":
        return missing
    return labels.get(value, "其他")


# Who did it, when it was not a person (TaskEvent.actor): the rest are usernames.
ACTOR_LABELS = {
    "system": "系统",
    "worker": "系统（后台任务）",
    "reconciler": "系统（巡检）",
    "twilio": "电话平台",
    "sms": "短信平台",
    "provider": "通信服务商",
}


def actor_label(actor: str) -> str:
    """A machine actor in Chinese; a person's username as it is."""
    return ACTOR_LABELS.get(actor, actor)
