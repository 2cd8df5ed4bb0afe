"""Read an SMS survey reply (短信回访回复) forgivingly, without ever raising.

Rules, in the order they apply:

* A message of only whitespace/invisible characters is ``empty``.
* ``TD``/``退订`` and the words Twilio itself acts on (STOP, STOPALL, UNSUBSCRIBE, CANCEL,
  END, QUIT; any case, spaces, punctuation, a courtesy such as 谢谢 around it) as the whole
  message is ``opt_out``; inside longer text it is not. START/UNSTOP alone is ``opt_in``.
* Answers come first. Leading courtesies (您好, 谢谢…) are skipped. Then, left to right:
  digit blocks (``1111``, ``1 1 1 1``, ``1，1、1,1``, full-width), answer words (非常满意,
  满意, 不满意, 没有, 有, and forgivingly 是, 否…), optionally preceded by a label
  (``态度1 效率2``). Unlabelled answers fill the ``expected`` questions in order. Digits
  follow the vocabulary's order, the favourable answer first: ``1111`` is all favourable.
* An in-between word (一般, 还行, 还可以, 基本满意) answers a rating question without choosing a
  tier: it is kept in ``in_between`` with the person's words, not guessed as 满意, so the
  person can be asked to choose.
* A digit block (digits joined only by separators) holding more than 4 digits, or glued to a
  unit such as 年/月/号/元, is text, not answers: phone numbers and dates are never read.
* A one-character word (是/否/有/没/无) counts only at a boundary, so 有点慢 is text.
* A 4-digit block as the first answer while fewer questions are expected is read as a
  complete re-sent answer in SURVEY_QUESTIONS order; only the expected questions are kept.
* An answer that does not fit its question (``4`` for a rating, ``3`` or 满意 for yes/no,
  or one answer too many) stops the answers there: earlier ones stay, the remaining
  answer-like tokens are dropped, and the first real text after them is the suggestion.
  An in-between word for a yes/no question does not fit either.
* The first token that is not an answer starts the suggestion, which runs to the end, in the
  body's own characters. A suggestion of only courtesies, punctuation or emoji is None. With
  no answers the whole message is the suggestion, so an operator can read a complaint or a
  phone number. Unreadable answer-like tokens after a stop are dropped, not suggested.
* ``kind``: ``complete`` when every expected question is answered (in-between included),
  ``partial`` when some are, ``nonsense`` when none are (``好的``, ``?``). ``expected``
  naming an unknown question is a programming error and raises ValueError; the body never
  makes it raise.
"""

import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from kernel.vocabulary import (
    RATINGS,
    SURVEY_QUESTIONS,
    YES_NO,
    Answer,
    Question,
    answers_to,
)

ReplyKind = Literal["complete", "partial", "nonsense", "opt_out", "opt_in", "empty"]
Family = Literal["digit", "word", "between"]

_MAX_ANSWER_DIGITS = len(SURVEY_QUESTIONS)
# Twilio's own opt-out words (it stops messaging the sender) and the carriers' Chinese ones.
TWILIO_OPT_OUT = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit"})
TWILIO_OPT_IN = frozenset({"start", "unstop"})
_OPT_OUT = TWILIO_OPT_OUT | {"td", "退订", "td退订", "退订td", "回复td退订"}
_COURTESIES = ("谢谢你们", "谢谢您", "谢谢你", "谢谢", "您好", "你好", "好的", "收到", "再见")
# A digit glued to one of these is a date, time, amount or count, never an answer.
_UNITS = frozenset("年月日号点時时分秒元块角次个岁楼层室栋")
# One-character words that begin ordinary sentences (有点慢, 没什么) need a boundary after.
_NEEDS_BOUNDARY = frozenset({"是", "否", "有", "没", "无"})

_WORDS: dict[str, Answer] = {
    **dict.fromkeys(("非常满意", "很满意", "十分满意", "特别满意"), Answer.very_satisfied),
    **dict.fromkeys(("满意", "比较满意", "还算满意"), Answer.satisfied),
    **dict.fromkeys(("不满意", "很不满意", "非常不满意", "不太满意"), Answer.unsatisfied),
    **dict.fromkeys(("是", "是的", "有", "有的"), Answer.yes),
    **dict.fromkeys(("否", "不是", "没有", "没有的", "没", "无"), Answer.no),
}
# Neither 满意 nor 不满意: the person is asked to choose (longest first, so 基本满意 wins).
_IN_BETWEEN = frozenset({"一般", "一般般", "还行", "还可以", "基本满意"})
_LABELS = {
    **dict.fromkeys(("服务态度", "态度"), Question.attitude),
    **dict.fromkeys(("办事效率", "效率"), Question.efficiency),
    **dict.fromkeys(("是否跑回头路", "跑回头路", "回头路"), Question.repeat_trip),
    **dict.fromkeys(
        ("是否索拿卡要", "索拿卡要", "吃拿卡要", "是否索要财物", "索要财物", "索要"),
        Question.favour_asked,
    ),
}
# Longest first, so 不满意 wins over 满意 and 没有 over 没.
_VOCABULARY = sorted([*_WORDS, *_IN_BETWEEN, *_LABELS], key=len, reverse=True)


@dataclass(frozen=True)
class Reply:
    """What one SMS reply said: answers by question, a suggestion, or an opt-out."""

    answers: dict[str, str]
    suggestion: str | None
    opt_out: bool
    kind: ReplyKind
    # Rating questions answered in-between (一般), with the person's words: asked again.
    in_between: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _InBetween:
    """A rating answered with neither tier, in the person's words (一般)."""

    words: str


_Read = Answer | _InBetween


@dataclass(frozen=True)
class _Token:
    kind: Literal["answers", "label", "text"]
    start: int
    end: int
    # (family, raw): ("digit", "2") from a digit block, ("word", "satisfied") from a word, or
    # ("between", "一般") from an in-between word.
    answers: tuple[tuple[Family, str], ...] = ()
    question: str = ""


def parse_reply(body: str, *, expected: Sequence[str] = SURVEY_QUESTIONS) -> Reply:
    """Read one reply against the questions still unanswered; never raises on any body."""
    unknown = [q for q in expected if q not in SURVEY_QUESTIONS]
    if unknown:
        raise ValueError(f"unknown questions: {unknown}")
    pending = list(dict.fromkeys(expected))
    text, origin = _normalise(body)
    if all(unicodedata.category(ch)[0] in "ZC" for ch in text):
        return Reply(answers={}, suggestion=None, opt_out=False, kind="empty")
    if _is_opt_out(text):
        return Reply(answers={}, suggestion=None, opt_out=True, kind="opt_out")
    if _whole_word(text) in TWILIO_OPT_IN:
        return Reply(answers={}, suggestion=None, opt_out=False, kind="opt_in")
    read, rest = _read_answers(text, pending)
    suggestion = _suggestion(body, origin, 0 if not read else rest)
    kind: ReplyKind = "nonsense"
    if read:
        kind = "complete" if len(read) == len(pending) else "partial"
    elif not pending:
        kind = "complete"
    return Reply(
        answers={q: v for q, v in read.items() if isinstance(v, Answer)},
        suggestion=suggestion,
        opt_out=False,
        kind=kind,
        in_between={q: v.words for q, v in read.items() if isinstance(v, _InBetween)},
    )


Confirmation = Literal["confirm", "rechoose", "other", "opt_out", "empty"]
_CONFIRM = frozenset(
    {"1", "确认", "确认1", "1确认", "是", "是的", "对", "对的", "有", "有的", "属实"}
)
_RECHOOSE = frozenset({"2", "重新选择", "2重新选择", "不是", "否", "没有", "没", "无", "选错了"})


def read_confirmation(body: str) -> Confirmation:
    """Read the reply to a grave answer's confirmation text: 1 confirms, 2 chooses again."""
    text, _ = _normalise(body)
    if all(unicodedata.category(ch)[0] in "ZC" for ch in text):
        return "empty"
    if _is_opt_out(text):
        return "opt_out"
    compact = "".join(ch for ch in text if not _is_separator(ch))
    for courtesy in _COURTESIES:
        compact = compact.removeprefix(courtesy).removesuffix(courtesy)
    if compact in _CONFIRM:
        return "confirm"
    return "rechoose" if compact in _RECHOOSE else "other"


def needs_follow_up(*, answers: Mapping[str, str]) -> bool:
    """Whether the answers report 不满意, 跑回头路 or 索拿卡要, which an operator follows up."""
    concern = {RATINGS: Answer.unsatisfied, YES_NO: Answer.yes}
    return any(answers.get(q) == concern[answers_to(q)] for q in SURVEY_QUESTIONS)


def _normalise(body: str) -> tuple[str, list[int]]:
    """Fold full-width forms and case, remembering each character's index in the body."""
    chars: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(body):
        for folded in unicodedata.normalize("NFKC", ch).lower():
            chars.append(folded)
            origin.append(index)
    return "".join(chars), origin


def _is_separator(ch: str) -> bool:
    """Whitespace, punctuation, symbols (emoji) and invisible marks all just separate."""
    return unicodedata.category(ch)[0] in "ZPSCM"


def _whole_word(text: str) -> str:
    """The message without separators and the courtesies around it, lower case."""
    compact = "".join(ch for ch in text if not _is_separator(ch)).lower()
    for courtesy in _COURTESIES:
        compact = compact.removeprefix(courtesy).removesuffix(courtesy)
    return compact


def _is_opt_out(text: str) -> bool:
    """Whether the whole message, give or take courtesies and punctuation, says 退订."""
    return _whole_word(text) in _OPT_OUT


def _read_answers(text: str, pending: list[str]) -> tuple[dict[str, _Read], int]:
    """Assign answer tokens to questions; return them and where the suggestion starts."""
    answers: dict[str, _Read] = {}
    label: _Token | None = None
    stopped = False
    for token in _tokens(text):
        if token.kind == "text":
            return answers, label.start if label else token.start
        if token.kind == "label":
            label = token
            continue
        if not stopped and not answers and _is_resent_whole(token, pending):
            answers = _resent(token, pending)
            stopped = True
        elif not stopped:
            stopped = not _assign(token, label.question if label else None, pending, answers)
        label = None
    return answers, len(text)


def _is_resent_whole(token: _Token, pending: list[str]) -> bool:
    """A full 4-digit answer sent again while only some questions are still open."""
    digits = [raw for family, raw in token.answers if family == "digit"]
    return len(digits) == len(SURVEY_QUESTIONS) > len(pending)


def _resent(token: _Token, pending: list[str]) -> dict[str, _Read]:
    """Read a re-sent full answer in survey order, keeping only the open questions."""
    answers: dict[str, _Read] = {}
    for question, (family, raw) in zip(SURVEY_QUESTIONS, token.answers, strict=True):
        value = _value(question, family, raw)
        if value is None:
            break
        if question in pending:
            answers[question] = value
    return answers


def _assign(
    token: _Token, label: str | None, pending: list[str], answers: dict[str, _Read]
) -> bool:
    """Assign a token's answers in place; False once one does not fit its question."""
    for family, raw in token.answers:
        question = label or next((q for q in pending if q not in answers), None)
        label = None
        if question is None:
            return False  # one answer more than was asked
        if question not in pending or question in answers:
            continue  # labelled with a question already answered: ignore, do not stop
        value = _value(question, family, raw)
        if value is None:
            return False
        answers[question] = value
    return True


def _value(question: str, family: str, raw: str) -> _Read | None:
    """What one raw answer means for a question, or None when it does not fit."""
    choices = answers_to(Question(question))
    if family == "between":
        return _InBetween(raw) if choices == RATINGS else None
    if family == "digit":
        return choices[int(raw) - 1] if raw.isdigit() and 1 <= int(raw) <= len(choices) else None
    return Answer(raw) if raw in choices else None


def _tokens(text: str) -> Iterator[_Token]:
    """Split normalised text into answers, labels and (finally) one text token."""
    position = _skip_courtesies(text, 0)
    while position < len(text):
        if _is_separator(text[position]):
            position += 1
            continue
        token = _digit_block(text, position) or _word(text, position)
        if token is None:
            yield _Token(kind="text", start=position, end=len(text))
            return
        yield token
        position = token.end


def _skip_courtesies(text: str, position: int) -> int:
    """Skip separators and leading courtesies such as 您好 or 谢谢 before the answers."""
    while position < len(text):
        if _is_separator(text[position]):
            position += 1
            continue
        courtesy = next((c for c in _COURTESIES if text.startswith(c, position)), None)
        if courtesy is None:
            return position
        position += len(courtesy)
    return position


def _digit_block(text: str, start: int) -> _Token | None:
    """Digits joined only by separators, if few enough and not a date, time or amount."""
    digits: list[str] = []
    position = end = start
    while position < len(text) and (text[position].isdecimal() or _is_separator(text[position])):
        if text[position].isdecimal():
            digits.append(text[position])
            end = position + 1
        position += 1
    if not digits or len(digits) > _MAX_ANSWER_DIGITS:
        return None
    if end < len(text) and text[end] in _UNITS:
        return None
    return _Token(kind="answers", start=start, end=end, answers=tuple(("digit", d) for d in digits))


def _word(text: str, start: int) -> _Token | None:
    """An answer word or a question label at this position, longest match first."""
    match = next((w for w in _VOCABULARY if text.startswith(w, start)), None)
    if match is None:
        return None
    end = start + len(match)
    if match in _LABELS:
        return _Token(kind="label", start=start, end=end, question=_LABELS[match])
    if text.startswith("的", end):
        end += 1  # 满意的, 没有的: a trailing 的 changes nothing
    if match in _NEEDS_BOUNDARY and not _at_boundary(text, end):
        return None
    if match in _IN_BETWEEN:
        return _Token(kind="answers", start=start, end=end, answers=(("between", match),))
    return _Token(kind="answers", start=start, end=end, answers=(("word", _WORDS[match]),))


def _at_boundary(text: str, position: int) -> bool:
    """Whether an answer may end here: end of text, a separator, a digit or another word."""
    if position >= len(text) or _is_separator(text[position]) or text[position].isdecimal():
        return True
    return any(text.startswith(w, position) for w in (*_WORDS, *_IN_BETWEEN))


def _suggestion(body: str, origin: list[int], start: int) -> str | None:
    """The body's own text from start on, or None when it holds only courtesies or symbols."""
    if start >= len(origin):
        return None
    rest = body[origin[start] :].strip()
    words = "".join(ch for ch in rest if not _is_separator(ch))
    for courtesy in _COURTESIES:
        words = words.replace(courtesy, "")
    return rest if words else None
