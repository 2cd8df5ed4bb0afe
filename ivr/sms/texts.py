"""Render the SMS survey texts (短信回访) from prompts, and count their billed segments."""

from collections.abc import Sequence
from datetime import date

from ivr import prompts
from kernel.vocabulary import PROJECT_CONTACT_QUESTIONS, SURVEY_QUESTIONS, Question

MAX_SEGMENTS = 3

# GSM 03.38 default alphabet; anything outside it forces the whole text into UCS-2.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Escaped characters cost two septets.
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_CIRCLED = "①②③④"


def segments(text: str) -> int:
    """How many SMS segments a text is billed as (GSM-7 160/153, UCS-2 70/67 per segment)."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text):
        costs = [2 if ch in _GSM7_EXTENSION else 1 for ch in text]
        single, concatenated = 160, 153
    else:
        costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # UTF-16 surrogate pairs
        single, concatenated = 70, 67
    if sum(costs) <= single:
        return 1
    return _packed(costs, capacity=concatenated)


def _packed(costs: list[int], *, capacity: int) -> int:
    """Segments needed when a character (escape pair, surrogate pair) is never split."""
    count, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            count, used = count + 1, 0
        used += cost
    return count


def render_invitation(
    *, signature: str, business: str, on: date, outlet: str, link: str | None = None
) -> str:
    """The first survey text: what was done, when and where, the questions, how to reply.

    With a `link` (mode "both") the web survey is offered beside the digit reply.
    """
    body = prompts.SMS_INVITATION.format(
        date=_day(on),
        outlet=outlet,
        business=prompts.BUSINESS_KIND[business],
        **_ask(SURVEY_QUESTIONS),
    )
    return _signed(signature, _offering(body, link))


def render_project_contact_invitation(
    *, signature: str, project: str, outlet: str, link: str | None = None
) -> str:
    """A project contact's monthly text: how the outlet served the project's buyers."""
    ask = _ask(PROJECT_CONTACT_QUESTIONS)
    ask["questions"] = "".join(
        f"{_CIRCLED[i]}{prompts.SMS_PROJECT_CONTACT_QUESTIONS[q]}"
        for i, q in enumerate(PROJECT_CONTACT_QUESTIONS)
    )
    body = prompts.SMS_PROJECT_CONTACT_INVITATION.format(
        project=project or "贵楼盘", outlet=outlet, **ask
    )
    return _signed(signature, _offering(body, link))


def render_link_invitation(
    *,
    signature: str,
    link: str,
    business: str,
    on: date | None = None,
    outlet: str = "",
    project: str | None = None,
) -> str:
    """The invitation that carries only the web survey link: one segment whenever it can be.

    The full text names the date, outlet and business; when that would take a second segment,
    a shorter one names the date and business only, and the shortest just the link.
    """
    if on is None:  # a project contact's monthly callback
        full = prompts.SMS_LINK_PROJECT_CONTACT.format(
            outlet=outlet, project=project or "贵楼盘", link=link
        )
        candidates = [full]
    else:
        kind = prompts.BUSINESS_KIND[business]
        candidates = [
            prompts.SMS_LINK_INVITATION.format(
                date=_day(on), outlet=outlet, business=kind, link=link
            ),
            prompts.SMS_LINK_INVITATION_SHORT.format(date=_day(on), business=kind, link=link),
        ]
    candidates.append(prompts.SMS_LINK_MINIMAL.format(link=link))
    texts = [_signed(signature, body) for body in candidates]
    return next((text for text in texts if segments(text) == 1), texts[-1])


def _day(on: date) -> str:
    return f"{on.month}月{on.day}日"


def _offering(body: str, link: str | None) -> str:
    """The digit invitation with the web link offered before the opt-out words."""
    if link is None:
        return body
    offer = prompts.SMS_LINK_OFFER.format(link=f" {link} ")
    head, sep, tail = body.rpartition("回复TD退订")
    return f"{head}{offer}{sep}{tail}" if sep else body + offer


def render_follow_up(*, signature: str, missing: Sequence[str]) -> str:
    """A polite reminder that names and asks only the questions still unanswered."""
    return _signed(signature, prompts.SMS_FOLLOW_UP.format(**_ask(missing)))


def render_clarify(*, signature: str, expected: Sequence[str] = SURVEY_QUESTIONS) -> str:
    """The one reply to a message we could not read: the format again, with an example."""
    return _signed(signature, prompts.SMS_CLARIFY.format(**_ask(expected)))


def render_confirm_favour(*, signature: str) -> str:
    """The confirmation a grave answer (索拿卡要 = 有) needs before it is filed."""
    return _signed(signature, prompts.SMS_CONFIRM_FAVOUR)


def render_choose_tier(*, signature: str, questions: Sequence[str], words: str) -> str:
    """After an in-between answer (一般): the three tiers again for the questions it answered."""
    body = prompts.SMS_CHOOSE_TIER.format(words=words, tiers=prompts.TIERS, **_ask(questions))
    return _signed(signature, body)


def render_opted_out(*, signature: str) -> str:
    """Confirms an opt-out (退订)."""
    return _signed(signature, prompts.SMS_OPTED_OUT)


def render_thanks(*, signature: str, follow_up: bool) -> str:
    """Thanks at the end; says we will be in touch when the answers need a follow-up."""
    return _signed(signature, prompts.SMS_THANKS_FOLLOW_UP if follow_up else prompts.SMS_THANKS)


def render_closed(*, signature: str) -> str:
    """The answer to any message that arrives after the survey has closed."""
    return _signed(signature, prompts.SMS_CLOSED)


def render_outcome(
    *,
    signature: str,
    action: str,
    missing: Sequence[str],
    expected: Sequence[str],
    words: str = "",
) -> str | None:
    """The text that answers a reply, by what callbacks decided; None to say nothing."""
    if action == "confirm_favour":
        return render_confirm_favour(signature=signature)
    if action == "choose_tier" and missing:
        return render_choose_tier(signature=signature, questions=missing, words=words)
    if action == "rechoose" and missing:
        return _signed(signature, prompts.SMS_RECHOOSE.format(**_ask(missing)))
    if action == "follow_up" and missing:
        return render_follow_up(signature=signature, missing=missing)
    if action == "clarify":
        return render_clarify(signature=signature, expected=list(missing) or list(expected))
    if action == "opted_out":
        return render_opted_out(signature=signature)
    if action in ("thanks", "thanks_follow_up", "follow_up"):
        return render_thanks(signature=signature, follow_up=action == "thanks_follow_up")
    if action == "no_survey":
        return render_closed(signature=signature)
    return None


def _ask(questions: Sequence[str]) -> dict[str, str]:
    """The numbered questions, how many digits to reply, and an example reply."""
    return {
        "questions": "".join(
            f"{_CIRCLED[i]}{prompts.SMS_QUESTIONS[Question(q)]}" for i, q in enumerate(questions)
        ),
        "count": str(len(questions)),
        "example": prompts.SMS_EXAMPLE_DIGIT * len(questions),
    }


def _signed(signature: str, body: str) -> str:
    """Put the 【signature】 first, as Chinese carriers require; brackets are optional input."""
    return f"【{signature.strip().strip('【】')}】{body}"
