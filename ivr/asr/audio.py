"""Read a call recording (录音) WAV into 16-bit mono PCM for the recogniser."""

import struct
from dataclasses import dataclass

from kernel.errors import Invalid

SUPPORTED_RATES = (8000, 16000)
_PCM = 1
_MULAW = 7
_EXTENSIBLE = 0xFFFE


class UnreadableAudio(Invalid):
    """The recording is not a WAV we can decode (empty, not RIFF/WAVE, stereo, odd format)."""

    code = "unreadable_audio"


@dataclass(frozen=True)
class Pcm:
    """Mono 16-bit little-endian samples and their rate."""

    frames: bytes
    sample_rate: int

    @property
    def duration_s(self) -> float:
        """Length of the audio in seconds."""
        return len(self.frames) / 2 / self.sample_rate


def read_wav(*, wav: bytes) -> Pcm:
    """Decode a mono PCM-16 or μ-law WAV at 8 or 16 kHz; raise UnreadableAudio otherwise."""
    if not wav:
        raise UnreadableAudio("录音为空（0 字节）")
    if len(wav) < 12 or wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise UnreadableAudio("录音不是 WAV 文件（缺少 RIFF/WAVE 文件头）")
    chunks = _chunks(wav)
    if "fmt " not in chunks or "data" not in chunks:
        raise UnreadableAudio("WAV 文件缺少 fmt 或 data 段")
    fmt = chunks["fmt "]
    if len(fmt) < 16:
        raise UnreadableAudio("WAV 的 fmt 段不完整")
    code, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
    if code == _EXTENSIBLE and len(fmt) >= 26:
        code = struct.unpack("<H", fmt[24:26])[0]  # first two bytes of the sub-format GUID
    if channels != 1:
        raise UnreadableAudio(f"录音须为单声道，此文件有 {channels} 个声道")
    if rate not in SUPPORTED_RATES:
        raise UnreadableAudio(f"不支持的采样率 {rate} Hz（支持 8000 或 16000 Hz）")
    data = chunks["data"]
    if code == _PCM and bits == 16:
        frames = data[: len(data) // 2 * 2]
    elif code == _MULAW and bits == 8:
        frames = b"".join(_MULAW_TO_PCM16[byte] for byte in data)
    else:
        raise UnreadableAudio(f"不支持的编码（格式 {code}，{bits} 位）：须为 16 位 PCM 或 μ-law")
    if not frames:
        raise UnreadableAudio("WAV 文件中没有音频数据")
    return Pcm(frames=frames, sample_rate=rate)


def _chunks(wav: bytes) -> dict[str, bytes]:
    """Split the RIFF body into its chunks by id (first one wins)."""
    chunks: dict[str, bytes] = {}
    offset = 12
    while offset + 8 <= len(wav):
        name = wav[offset : offset + 4].decode("latin-1")
        size = struct.unpack("<I", wav[offset + 4 : offset + 8])[0]
        # Streamed recordings may leave the data size at 0 or 0xFFFFFFFF: take what is there.
        body = wav[offset + 8 : offset + 8 + size] if name != "data" or size else wav[offset + 8 :]
        chunks.setdefault(name, body)
        offset += 8 + size + (size & 1)
    return chunks


def _mulaw_sample(byte: int) -> int:
    """G.711 μ-law byte to a 16-bit linear sample."""
    inverted = ~byte & 0xFF
    magnitude = (((inverted & 0x0F) << 3) + 0x84) << ((inverted & 0x70) >> 4)
    return 0x84 - magnitude if inverted & 0x80 else magnitude - 0x84


_MULAW_TO_PCM16 = [struct.pack("<h", _mulaw_sample(byte)) for byte in range(256)]
