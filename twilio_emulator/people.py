"""Scripted and drawn people: who answers, and what they press or say at each prompt."""

import random
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from twilio_emulator.clips import Clip, clip_for_label

AnswerMode = Literal["human", "busy", "no-answer", "failed", "machine"]
Delivery = Literal["delivered", "undelivered", "failed"]

# "非常满意请按1" / "请按9": the words before 按N name the option.
_OFFER = re.compile(r"([^，。,.；;！!？?]*?)\s*(?:请)?按\s*([0-9*#])")
_ALL_KEYS = "0123456789*#"


class SpeechInput(BaseModel):
    """Say a clip (file name in the clips directory), then maybe press a key or hang up."""

    speech: str
    press: str = ""  # a key pressed after speaking (e.g. "#" to end a <Record>)
    hangup: bool = False  # hang up right after speaking


class PersonScript(BaseModel):
    """What one number does: answer mode, one input per Gather/Record, SMS behaviour."""

    answer: AnswerMode = "human"
    inputs: list[str | SpeechInput] = Field(default_factory=list)
    sms_replies: list[str] = Field(default_factory=list)
    sms_delivery: Delivery = "delivered"
    # Hang up at the prompt after this many prompts were answered.
    hangup_after: int | None = None


class Mix(BaseModel):
    """How unscripted numbers behave, drawn per call and per prompt."""

    busy_rate: float = 0.05
    no_answer_rate: float = 0.1
    failed_rate: float = 0.0
    machine_rate: float = 0.05
    tiers: dict[str, float] = Field(
        default_factory=lambda: {"very_satisfied": 0.6, "satisfied": 0.3, "unsatisfied": 0.1}
    )
    yes_rate: float = 0.1
    # Asked "您是X先生本人吗？", someone else has the number this often (it changed hands).
    wrong_person_rate: float = 0.02
    single_key_rate: float = 0.05
    wrong_key_rate: float = 0.03
    silence_rate: float = 0.03
    hangup_rate: float = 0.02
    speaker_rate: float = 0.1
    # An unscripted person who is texted a question answers it this often (else never). Off by
    # default, so a test that texts someone decides every reply; the demo turns it on.
    sms_reply_rate: float = 0.0
    # Texted a web survey link, an unscripted person opens it and answers this often (off by
    # default, like SMS replies; the demo turns it on).
    web_answer_rate: float = 0.0


@dataclass(frozen=True)
class Reply:
    """One person's reaction to a prompt."""

    kind: Literal["digits", "speech", "silence", "hangup"]
    digits: str = ""
    clip: Clip | None = None
    hangup: bool = False  # after speaking: the line goes dead instead of falling silent


def offered_options(heard: str) -> list[tuple[str, str]]:
    """(label, key) pairs the prompt offers, in the order spoken."""
    return [(label.strip(), key) for label, key in _OFFER.findall(heard)]


def draw_answer(mix: Mix, rng: random.Random) -> AnswerMode:
    """How an unscripted number answers this call."""
    roll = rng.random()
    for mode, rate in (
        ("busy", mix.busy_rate),
        ("no-answer", mix.no_answer_rate),
        ("failed", mix.failed_rate),
        ("machine", mix.machine_rate),
    ):
        if roll < rate:
            return mode  # type: ignore[return-value]
        roll -= rate
    return "human"


def scripted_reply(raw: str | SpeechInput | None, clips: dict[str, Clip]) -> Reply:
    """Turn one scripted input into a reply; a missing input is silence."""
    if raw is None or raw == "":
        return Reply("silence")
    if isinstance(raw, SpeechInput):
        clip = clips.get(raw.speech)
        if clip is None:
            return Reply("silence")
        return Reply("speech", digits=raw.press, clip=clip, hangup=raw.hangup)
    if raw == "hangup":
        return Reply("hangup")
    return Reply("digits", digits=raw)


def _rating_option(options: list[tuple[str, str]], tier: str) -> tuple[str, str]:
    """The option matching a satisfaction tier, by its words or else by position."""
    for label, key in options:
        if tier == "very_satisfied" and "非常" in label:
            return label, key
        if tier == "unsatisfied" and "不" in label:
            return label, key
        if tier == "satisfied" and "满意" in label and "非常" not in label and "不" not in label:
            return label, key
    return options[["very_satisfied", "satisfied", "unsatisfied"].index(tier)]


_NEGATIVE_MARKS = ("否", "没", "不", "重新")


def _yes_no_option(options: list[tuple[str, str]], yes: bool) -> tuple[str, str]:
    """The yes or the no option by their words (否/没/不 say no), whatever keys they are on."""
    negative = [o for o in options if any(mark in o[0] for mark in _NEGATIVE_MARKS)]
    positive = [o for o in options if o not in negative]
    if positive and negative:
        return positive[0] if yes else negative[0]
    return options[0] if yes else options[1]


def choose_option(
    options: list[tuple[str, str]], mix: Mix, rng: random.Random, *, heard: str = ""
) -> tuple[str, str] | None:
    """Pick what a sensible caller would choose, without knowing the survey.

    Asked whether they are the person called (本人), they mostly are; asked to confirm what
    they just chose (确认), they do: a drawn person means what they press. A key offered
    without words ("如果现在不方便，请按9") is no answer to the question asked after it.
    """
    labelled = [option for option in options if option[0]]
    if len(labelled) >= 2:
        options = labelled
    if len(options) >= 3:
        tiers = list(mix.tiers)
        tier = rng.choices(tiers, weights=[mix.tiers[t] for t in tiers])[0]
        return _rating_option(options[:3], tier)
    if len(options) == 2 and "本人" in heard:
        return _yes_no_option(options, rng.random() >= mix.wrong_person_rate)
    if len(options) == 2 and any("确认" in label for label, _ in options):
        return _yes_no_option(options, True)
    if len(options) == 2:
        return _yes_no_option(options, rng.random() < mix.yes_rate)
    if len(options) == 1 and rng.random() < mix.single_key_rate:
        return options[0]
    return None


def drawn_reply(
    *, heard: str, modes: set[str], mix: Mix, rng: random.Random, clips: dict[str, Clip]
) -> Reply:
    """What an unscripted person does at a Gather, from the words they heard."""
    if rng.random() < mix.hangup_rate:
        return Reply("hangup")
    if rng.random() < mix.silence_rate:
        return Reply("silence")
    options = offered_options(heard)
    offered = {key for _, key in options}
    if "dtmf" in modes and options and rng.random() < mix.wrong_key_rate:
        return Reply("digits", digits=rng.choice([k for k in _ALL_KEYS if k not in offered]))
    choice = choose_option(options, mix, rng, heard=heard)
    if choice is None:
        return Reply("silence")
    label, key = choice
    clip = clip_for_label(clips, label)
    wants_speech = "dtmf" not in modes or rng.random() < mix.speaker_rate
    if "speech" in modes and clip is not None and wants_speech:
        return Reply("speech", clip=clip)
    return Reply("digits", digits=key) if "dtmf" in modes else Reply("silence")


def drawn_recording(*, mix: Mix, rng: random.Random, clips: dict[str, Clip]) -> Reply:
    """What an unscripted person does at a Record: mostly nothing, sometimes a few words."""
    if rng.random() < mix.hangup_rate:
        return Reply("hangup")
    if clips and rng.random() < mix.speaker_rate:
        return Reply("speech", clip=rng.choice(sorted(clips.values(), key=lambda c: c.name)))
    return Reply("silence")


_SMS_ASKS = re.compile(r"回复\s*(\d+)\s*位数字")
_SMS_CHOICES = re.compile(r"（([^（）]*)）")
_SMS_OPTION = re.compile(r"(\d)\s*([^\d\s]+)")
_SMS_MUDDLED = ("好的", "收到", "挺好的", "？")
# "确认请回复1，重新选择请回复2": a one-digit choice in words.
_SMS_OFFER = re.compile(r"([^，。,.；;！!？?：:]*?)请回复\s*(\d)")


def drawn_sms_reply(body: str, *, mix: Mix, rng: random.Random) -> str | None:
    """What an unscripted person texts back, from the words they read; None: no reply.

    Only a message that asks for a reply of N digits gets one. The person picks an option from
    each bracketed choice list in order, as they would at a keypad prompt; now and then they
    write something the centre must ask about again. Asked to confirm what they chose
    (确认请回复1), they do: they meant it.
    """
    offers = [(label.strip(), key) for label, key in _SMS_OFFER.findall(body)]
    if any("确认" in label for label, _ in offers):
        choice = choose_option(offers, mix, rng)
        return choice[1] if choice else None
    asked = _SMS_ASKS.search(body)
    if asked is None or rng.random() >= mix.sms_reply_rate:
        return None
    choices = [
        [(label, key) for key, label in _SMS_OPTION.findall(group)]
        for group in _SMS_CHOICES.findall(body)
    ]
    choices = [options for options in choices if options][: int(asked[1])]
    if len(choices) != int(asked[1]) or rng.random() < mix.wrong_key_rate:
        return rng.choice(_SMS_MUDDLED)
    keys = []
    for options in choices:
        choice = choose_option(options, mix, rng)
        keys.append(choice[1] if choice else options[0][1])
    return "".join(keys)
