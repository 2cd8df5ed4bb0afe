"""Reading call recordings: what we accept and how we refuse the rest."""

import io
import struct
import wave

import pytest

from ivr.asr.audio import UnreadableAudio, read_wav
from kernel.errors import Invalid


def pcm_wav(*, frames: bytes, rate: int = 8000, channels: int = 1, width: int = 2) -> bytes:
    """A PCM WAV written by the stdlib."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def mulaw_wav(*, data: bytes, rate: int = 8000) -> bytes:
    """A G.711 μ-law WAV (format 7), as phone systems write them."""
    fmt = struct.pack("<HHIIHH", 7, 1, rate, rate, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_8k_pcm_is_read_as_is() -> None:
    frames = struct.pack("<4h", 0, 1000, -1000, 32767)
    pcm = read_wav(wav=pcm_wav(frames=frames))
    assert (pcm.frames, pcm.sample_rate) == (frames, 8000)
    assert pcm.duration_s == pytest.approx(4 / 8000)


def test_16k_pcm_keeps_its_rate() -> None:
    assert read_wav(wav=pcm_wav(frames=b"\0\0" * 160, rate=16000)).sample_rate == 16000


def test_mulaw_is_expanded_to_16_bit() -> None:
    # 0xFF and 0x7F are μ-law zeros; 0x80 / 0x00 the loudest positive / negative samples.
    pcm = read_wav(wav=mulaw_wav(data=bytes([0xFF, 0x7F, 0x80, 0x00])))
    assert struct.unpack("<4h", pcm.frames) == (0, 0, 32124, -32124)


@pytest.mark.parametrize(
    ("wav", "message"),
    [
        (b"", "为空"),
        (b"ID3\x03 this is an mp3", "不是 WAV"),
        (b"RIFF\x04\x00\x00\x00WAVE", "缺少 fmt 或 data"),
        (pcm_wav(frames=b"\0\0\0\0", channels=2), "单声道"),
        (pcm_wav(frames=b"\0\0" * 10, rate=44100), "采样率"),
        (pcm_wav(frames=b"\0" * 10, width=1), "不支持的编码"),
        (pcm_wav(frames=b""), "没有音频数据"),
    ],
)
def test_bad_recordings_raise_a_named_error(wav: bytes, message: str) -> None:
    with pytest.raises(UnreadableAudio, match=message) as raised:
        read_wav(wav=wav)
    assert isinstance(raised.value, Invalid)
