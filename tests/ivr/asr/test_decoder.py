"""Spoken answers decoded with the real Mandarin model over phone-line clips."""

from __future__ import annotations

import array
import io
import random
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.asr.audio import UnreadableAudio
from ivr.asr.config import get_asr_settings
from ivr.asr.decoder import AsrUnavailable, decode_answer, load_model, transcribe
from ivr.asr.grammar import missing_words
from ivr.asr.model import ensure_model
from ivr.asr.vocabulary import read_vocabulary
from twilio_emulator import clips

CLIPS = clips.DIRECTORY  # the phone-line clips the emulator's people speak

EXPECTED = [
    ("feichang_manyi", "rating", "very_satisfied"),
    ("manyi", "rating", "satisfied"),
    ("bu_manyi", "rating", "unsatisfied"),
    ("shi", "yes_no", "yes"),
    ("you", "yes_no", "yes"),
    ("fou", "yes_no", "no"),
    ("meiyou", "yes_no", "no"),
]


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The real model, downloaded on first run."""
    return ensure_model()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set HUIFANG_ variables for one test; settings are re-read before and after."""
    get_asr_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_asr_settings.cache_clear()


def clip(name: str) -> bytes:
    """One of the phone-line clips."""
    return (CLIPS / f"{name}.wav").read_bytes()


def pcm_wav(samples: array.array[int], *, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV of the given samples."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buffer.getvalue()


def clip_samples(name: str) -> tuple[array.array[int], int]:
    """A clip's samples and rate."""
    with wave.open(io.BytesIO(clip(name))) as source:
        return array.array("h", source.readframes(source.getnframes())), source.getframerate()


@pytest.mark.parametrize(("name", "kind", "value"), EXPECTED)
def test_each_clip_decodes_to_its_answer(model_dir: Path, name: str, kind: str, value: str) -> None:
    answer = decode_answer(wav=clip(name), kind=kind)  # type: ignore[arg-type]
    assert answer.value == value
    assert answer.confidence >= get_asr_settings().asr_min_confidence
    assert answer.text


def test_yiban_is_in_between_and_keeps_its_raw_words(model_dir: Path) -> None:
    answer = decode_answer(wav=clip("yiban"), kind="rating")
    assert (answer.value, answer.in_between, answer.text) == (None, True, "一般")
    assert not decode_answer(wav=clip("manyi"), kind="rating").in_between


@pytest.mark.parametrize("kind", ["rating", "yes_no"])
def test_silence_and_noise_are_no_answer(model_dir: Path, kind: str) -> None:
    rng = random.Random(12329)
    silence = array.array("h", [0] * 16000)
    noise = array.array("h", [int(rng.gauss(0, 3000)) for _ in range(16000)])
    for samples in (silence, noise):
        assert decode_answer(wav=pcm_wav(samples), kind=kind).value is None  # type: ignore[arg-type]


def test_an_answer_to_the_other_question_is_no_answer(model_dir: Path) -> None:
    assert decode_answer(wav=clip("manyi"), kind="yes_no").value is None
    assert decode_answer(wav=clip("meiyou"), kind="rating").value is None


def test_16k_recordings_decode_too(model_dir: Path) -> None:
    samples, rate = clip_samples("bu_manyi")
    upsampled = array.array("h", [sample for sample in samples for _ in range(16000 // rate)])
    assert decode_answer(wav=pcm_wav(upsampled, rate=16000), kind="rating").value == "unsatisfied"


def test_below_the_threshold_the_answer_is_unclear(
    model_dir: Path, settings_env: pytest.MonkeyPatch
) -> None:
    settings_env.setenv("HUIFANG_ASR_MIN_CONFIDENCE", "1.0")
    get_asr_settings.cache_clear()
    answer = decode_answer(wav=clip("you"), kind="yes_no")
    assert answer.confidence < 1.0
    assert (answer.value, answer.text) == (None, "有")


def test_free_form_transcribes_words(model_dir: Path) -> None:
    transcript = transcribe(wav=clip("feichang_manyi"))
    assert transcript.text.replace(" ", "") == "非常满意"
    assert 0.0 < transcript.confidence <= 1.0


def test_bad_input_raises_a_named_error(model_dir: Path) -> None:
    with pytest.raises(UnreadableAudio):
        decode_answer(wav=b"not a wav", kind="rating")
    with pytest.raises(UnreadableAudio):
        transcribe(wav=b"")


def test_every_grammar_word_is_in_the_model_vocabulary(model_dir: Path) -> None:
    assert missing_words(vocabulary=read_vocabulary(model_dir=model_dir)) == set()


def test_the_model_is_loaded_once_and_shared(model_dir: Path) -> None:
    assert load_model() is load_model()


def test_asr_off_refuses_to_decode(model_dir: Path, settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("HUIFANG_ASR", "off")
    get_asr_settings.cache_clear()
    with pytest.raises(AsrUnavailable):
        decode_answer(wav=clip("manyi"), kind="rating")
