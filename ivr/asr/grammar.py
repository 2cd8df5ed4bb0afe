"""What a caller may say to each question, and what it means (口语答案 → 选项).

Phrases are spelled as the model's own words (space-separated) so Vosk can use them as a
grammar, one spelling per sound: "很满意" and "很 满意" sound alike, and listing both splits
the word confidence between them. Meaning is matched on the words joined without spaces, so
either segmentation reads the same.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Final, Literal

from kernel.vocabulary import Answer

QuestionKind = Literal["rating", "yes_no"]

UNKNOWN_WORD = "[unk]"

RATING_PHRASES: dict[str, Answer] = {
    "非常 满意": Answer.very_satisfied,
    "特别 满意": Answer.very_satisfied,
    "十分 满意": Answer.very_satisfied,
    "满意": Answer.satisfied,
    "很满意": Answer.satisfied,
    "我 很满意": Answer.satisfied,
    "挺 满意": Answer.satisfied,
    "比较 满意": Answer.satisfied,
    "还 满意": Answer.satisfied,
    "不 满意": Answer.unsatisfied,
    "不太 满意": Answer.unsatisfied,
    "很 不 满意": Answer.unsatisfied,
    "非常 不 满意": Answer.unsatisfied,
    "不 是 很 满意": Answer.unsatisfied,
}

# 一般 (so-so) is neither tier, and the centre's scale has no middle one: it is heard, so the
# person can be asked to choose, but never guessed as 满意.
IN_BETWEEN: Final = "in_between"
IN_BETWEEN_PHRASES = ("一般", "一般般", "还行", "还 可以", "基本 满意")
Meaning = Answer | Literal["in_between"]

YES_NO_PHRASES: dict[str, Answer] = {
    "是": Answer.yes,
    "是 的": Answer.yes,
    "是 啊": Answer.yes,
    "有": Answer.yes,
    "有的": Answer.yes,
    "对": Answer.yes,
    "对 的": Answer.yes,
    "否": Answer.no,
    "没有": Answer.no,
    "没有 的": Answer.no,
    "没": Answer.no,
    "没得": Answer.no,
    "不是": Answer.no,
    "不": Answer.no,
}

PHRASES: dict[QuestionKind, dict[str, Meaning]] = {
    "rating": {**RATING_PHRASES, **dict.fromkeys(IN_BETWEEN_PHRASES, IN_BETWEEN)},
    "yes_no": {**YES_NO_PHRASES},
}


def grammar_json(*, kind: QuestionKind, vocabulary: frozenset[str] | None = None) -> str:
    """The Vosk grammar for a question: its phrases the model can spell, plus [unk]."""
    phrases = [
        phrase
        for phrase in PHRASES[kind]
        if vocabulary is None or all(word in vocabulary for word in phrase.split())
    ]
    return json.dumps([*phrases, UNKNOWN_WORD], ensure_ascii=False)


def missing_words(*, vocabulary: frozenset[str]) -> set[str]:
    """Grammar words the model cannot say (Vosk would ignore them with a warning)."""
    words = {word for table in PHRASES.values() for phrase in table for word in phrase.split()}
    return words - vocabulary


def meaning(*, words: Sequence[str], kind: QuestionKind) -> Meaning | None:
    """What decoded words mean (an answer, or in-between); None for nothing or a contradiction."""
    values = set(_matches(words=words, table=_joined(PHRASES[kind].items())))
    return values.pop() if len(values) == 1 else None


def interpret(*, words: Sequence[str], kind: QuestionKind) -> Answer | None:
    """Map decoded words to an answer; None when nothing, in-between or contradicting."""
    value = meaning(words=words, kind=kind)
    return value if isinstance(value, Answer) else None


def _joined(items: Iterable[tuple[str, Meaning]]) -> dict[str, Meaning]:
    """Key each phrase by its words joined without spaces."""
    return {phrase.replace(" ", ""): value for phrase, value in items}


def _matches(*, words: Sequence[str], table: dict[str, Meaning]) -> list[Meaning]:
    """Longest phrases found left to right at word boundaries; other words are skipped."""
    found: list[Meaning] = []
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            value = table.get("".join(words[start:end]))
            if value is not None:
                found.append(value)
                start = end
                break
        else:
            start += 1
    return found
