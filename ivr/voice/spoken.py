"""What the person did at a question: a key, a spoken answer (decoded here), or nothing."""

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from starlette.datastructures import FormData

from ivr.asr.audio import UnreadableAudio
from ivr.asr.config import get_asr_settings
from ivr.asr.decoder import AsrUnavailable, decode_answer, load_model
from ivr.asr.grammar import QuestionKind
from ivr.config import IvrSettings
from ivr.twilio.client import RecordingUnavailable, fetch_recording
from ivr.voice import survey
from kernel.vocabulary import Answer, Question

log = logging.getLogger(__name__)

HeardKind = Literal["key", "speech", "in_between", "unsure", "nothing"]
HANGUP = "hangup"  # Digits Twilio sends when the person hung up during a <Record>


@dataclass(frozen=True)
class Heard:
    """One input at a question: what it means (None: nothing usable) and what it was."""

    kind: HeardKind
    value: Answer | None = None
    digits: str = ""
    text: str | None = None  # decoded words
    confidence: float | None = None
    recording_sid: str | None = None
    recording_url: str | None = None
    duration_s: int = 0
    audio: bytes | None = None  # the WAV fetched to decode it, to be held (sealed)

    @property
    def hung_up(self) -> bool:
        """Whether the person hung up during the recording."""
        return self.digits == HANGUP


def speech_enabled() -> bool:
    """Whether questions take spoken answers (HUIFANG_ASR, default: when the model exists)."""
    return get_asr_settings().enabled


def warm_up() -> None:
    """Load the speech model now, so the first spoken answer does not wait for it."""
    if speech_enabled():
        try:
            load_model()
        except AsrUnavailable:
            log.warning("speech model not loaded; spoken answers will be re-asked", exc_info=True)


def warm_up_in_background() -> None:
    """Start loading the speech model without holding up start-up."""
    threading.Thread(target=warm_up, name="asr-warm-up", daemon=True).start()


def hear_answer(settings: IvrSettings, *, question: Question, form: FormData) -> Heard:
    """Read a question's webhook form: its keys, or its spoken answers."""
    return hear(settings, keys=survey.KEYS[question], kind=survey.kind_of(question), form=form)


def hear(
    settings: IvrSettings, *, keys: Mapping[str, Answer], kind: QuestionKind, form: FormData
) -> Heard:
    """Read a prompt's webhook form: a key wins; else decode the recording; else nothing."""
    digits = str(form.get("Digits") or "").strip()
    if digits and digits != HANGUP:
        return Heard("key", value=keys.get(digits[:1]), digits=digits)
    url = str(form.get("RecordingUrl") or "")
    if not url:
        return Heard("nothing", digits=digits)
    reference: dict[str, Any] = {
        "digits": digits,
        "recording_sid": str(form.get("RecordingSid") or "") or None,
        "recording_url": url,
        "duration_s": _int(form.get("RecordingDuration")),
    }
    try:
        wav = fetch_recording(settings, url=url)
        answer = decode_answer(wav=wav, kind=kind)
    except (RecordingUnavailable, UnreadableAudio, AsrUnavailable) as error:
        log.warning("spoken answer not decoded: %s", error)
        return Heard("unsure", **reference)
    heard: HeardKind = "speech"
    if answer.in_between:
        heard = "in_between"  # 一般: the person is asked to choose a tier, never guessed
    elif answer.value is None:
        # Words we could not map, or not sure enough: worth asking again. Pure silence is not.
        heard = "unsure" if answer.text.strip() else "nothing"
    return Heard(
        heard,
        value=answer.value,
        text=answer.text,
        confidence=answer.confidence,
        audio=wav,
        **reference,
    )


def _int(raw: object) -> int:
    try:
        return int(str(raw))
    except ValueError:
        return 0
