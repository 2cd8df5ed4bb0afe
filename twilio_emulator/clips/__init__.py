"""The WAV clips people 'speak' (the files beside this module), with the text each one says."""

import io
import wave
from dataclasses import dataclass
from pathlib import Path

DIRECTORY = Path(__file__).parent
# The table of README.md beside the clips: what each clip says.
CLIP_TEXTS = {
    "feichang_manyi.wav": "非常满意",
    "manyi.wav": "满意",
    "bu_manyi.wav": "不满意",
    "yiban.wav": "一般",
    "shi.wav": "是",
    "you.wav": "有",
    "fou.wav": "否",
    "meiyou.wav": "没有",
}


@dataclass(frozen=True)
class Clip:
    """One spoken answer: its file name, text, WAV bytes and length."""

    name: str
    text: str
    wav: bytes
    seconds: float


def _seconds(wav: bytes) -> float:
    """Length of a WAV in seconds."""
    with wave.open(io.BytesIO(wav)) as reader:
        return reader.getnframes() / float(reader.getframerate() or 1)


def load_clips(directory: Path) -> dict[str, Clip]:
    """Read every WAV in the directory (blocking; call once at start-up)."""
    if not directory.is_dir():
        return {}
    clips = {}
    for path in sorted(directory.glob("*.wav")):
        data = path.read_bytes()
        text = CLIP_TEXTS.get(path.name, path.stem)
        clips[path.name] = Clip(path.name, text, data, _seconds(data))
    return clips


def silence_wav(seconds: float) -> bytes:
    """An 8 kHz 16-bit mono WAV of silence, for recordings without a clip."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


def clip_for_label(clips: dict[str, Clip], label: str) -> Clip | None:
    """The clip whose text is the option label a person heard ('非常满意' → feichang_manyi)."""
    for clip in clips.values():
        if clip.text == label:
            return clip
    return None
