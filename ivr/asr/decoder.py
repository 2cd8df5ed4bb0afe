"""Decode spoken answers on our own servers with Vosk (本地语音识别).

The model loads once per process and is shared by every thread; each decode gets its own
recogniser, which is cheap and not thread-safe.
"""

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vosk

from ivr.asr.audio import read_wav
from ivr.asr.config import get_asr_settings
from ivr.asr.grammar import IN_BETWEEN, UNKNOWN_WORD, QuestionKind, grammar_json, meaning
from ivr.asr.vocabulary import VocabularyUnreadable, read_vocabulary
from kernel.errors import DomainError
from kernel.vocabulary import Answer

_CHUNK_S = 0.25
_lock = threading.Lock()
_loaded: dict[Path, "LoadedModel"] = {}


class AsrUnavailable(DomainError):
    """Speech recognition is switched off or its model is missing."""

    status_code = 503
    code = "asr_unavailable"


@dataclass(frozen=True)
class SpokenAnswer:
    """A caller's spoken answer: the option (None when unclear), the words, how sure we are."""

    value: Answer | None
    text: str
    confidence: float
    in_between: bool = False  # a rating heard as 一般, 还行: neither tier, so no value


@dataclass(frozen=True)
class Transcript:
    """Free-form speech (意见建议, 不满意原因) as text, with mean word confidence."""

    text: str
    confidence: float


@dataclass(frozen=True)
class LoadedModel:
    """The shared Vosk model and the grammars it can spell."""

    model: vosk.Model
    grammars: dict[QuestionKind, str]


def load_model() -> LoadedModel:
    """Return the process-wide model, loading it on first use (thread-safe)."""
    settings = get_asr_settings()
    if not settings.enabled:
        raise AsrUnavailable("语音识别已关闭（HUIFANG_ASR=off 或模型不存在）")
    model_dir = settings.model_dir
    with _lock:
        if model_dir not in _loaded:
            _loaded[model_dir] = _load(model_dir=model_dir)
        return _loaded[model_dir]


def model_loaded() -> bool:
    """Whether this process holds the configured model (readiness: huifang /readyz)."""
    return get_asr_settings().model_dir in _loaded


def _load(*, model_dir: Path) -> LoadedModel:
    """Load a Vosk model and build the per-question grammars from its vocabulary."""
    if not model_dir.is_dir():
        raise AsrUnavailable(f"语音模型目录不存在：{model_dir}（先运行 python -m ivr.asr.model）")
    vosk.SetLogLevel(-1)  # Kaldi's per-recogniser LOG lines; warnings still show
    try:
        vocabulary: frozenset[str] | None = read_vocabulary(model_dir=model_dir)
    except VocabularyUnreadable:
        vocabulary = None  # an unusual model: let Vosk drop unknown words itself
    return LoadedModel(
        model=vosk.Model(str(model_dir)),
        grammars={
            kind: grammar_json(kind=kind, vocabulary=vocabulary) for kind in ("rating", "yes_no")
        },
    )


def decode_answer(*, wav: bytes, kind: QuestionKind) -> SpokenAnswer:
    """Decode a recorded answer to a rating or yes/no question with that question's grammar."""
    loaded = load_model()
    words = _recognise(wav=wav, model=loaded.model, grammar=loaded.grammars[kind])
    spoken = [word for word in words if word["word"] != UNKNOWN_WORD]
    # An answer is as sure as its least sure word: a shaky 不 flips 满意 to 不满意.
    confidence = min((float(word["conf"]) for word in spoken), default=0.0)
    heard = meaning(words=[word["word"] for word in words], kind=kind)
    if confidence < get_asr_settings().asr_min_confidence:
        heard = None
    return SpokenAnswer(
        value=heard if isinstance(heard, Answer) else None,
        text=_text(words),
        confidence=confidence,
        in_between=heard == IN_BETWEEN,
    )


def transcribe(*, wav: bytes) -> Transcript:
    """Transcribe free-form speech with the model's full language model."""
    words = _recognise(wav=wav, model=load_model().model, grammar=None)
    confidence = sum(float(word["conf"]) for word in words) / len(words) if words else 0.0
    return Transcript(text=_text(words), confidence=confidence)


def _recognise(*, wav: bytes, model: vosk.Model, grammar: str | None) -> list[dict[str, Any]]:
    """Run one recogniser over the whole recording and return every word with its confidence."""
    pcm = read_wav(wav=wav)
    if grammar is None:
        recogniser = vosk.KaldiRecognizer(model, pcm.sample_rate)
    else:
        recogniser = vosk.KaldiRecognizer(model, pcm.sample_rate, grammar)
    recogniser.SetWords(True)
    step = int(pcm.sample_rate * _CHUNK_S) * 2
    words: list[dict[str, Any]] = []
    # Feed in chunks so a pause ends an utterance and long reasons come back in pieces.
    for offset in range(0, len(pcm.frames), step):
        if recogniser.AcceptWaveform(pcm.frames[offset : offset + step]):
            words += json.loads(recogniser.Result()).get("result", [])
    words += json.loads(recogniser.FinalResult()).get("result", [])
    return words


def _text(words: list[dict[str, Any]]) -> str:
    """The words as Vosk spells them, space-separated."""
    return " ".join(str(word["word"]) for word in words)
