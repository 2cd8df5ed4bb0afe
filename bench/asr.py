"""Benchmark local speech recognition: model load, memory, latency and real-time factor.

Run from the repo root: .venv/bin/python bench/asr.py [--rounds N]
"""

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Standalone script: import the working tree's packages, not whatever is installed.
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from ivr.asr.audio import read_wav  # noqa: E402
from ivr.asr.decoder import decode_answer, load_model, transcribe  # noqa: E402
from ivr.asr.grammar import QuestionKind  # noqa: E402
from ivr.asr.model import ensure_model  # noqa: E402

RTF_GOAL = 0.05
CLIPS: dict[str, QuestionKind] = {
    "feichang_manyi": "rating",
    "manyi": "rating",
    "bu_manyi": "rating",
    "yiban": "rating",
    "shi": "yes_no",
    "you": "yes_no",
    "fou": "yes_no",
    "meiyou": "yes_no",
}


def rss_mib() -> float:
    """Resident memory of this process in MiB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(
    *, name: str, clips: dict[str, bytes], run: Callable[[str, bytes], object], rounds: int
) -> float:
    """Decode every clip `rounds` times, print latency and RTF, and return the overall RTF."""
    latencies: list[float] = []
    audio_s = decode_s = 0.0
    for _ in range(rounds):
        for clip, wav in clips.items():
            started = time.perf_counter()
            run(clip, wav)
            elapsed = time.perf_counter() - started
            latencies.append(elapsed)
            decode_s += elapsed
            audio_s += read_wav(wav=wav).duration_s
    rtf = decode_s / audio_s
    print(
        f"{name:<10} n={len(latencies):<4} latency p50 {percentile(latencies, 0.5) * 1000:6.1f} ms"
        f"  p95 {percentile(latencies, 0.95) * 1000:6.1f} ms  RTF {rtf:.4f}"
    )
    return rtf


def main() -> None:
    """Print model load time, RSS, and per-mode latency and RTF over the shared clips."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the clips per mode")
    parser.add_argument("--clips", type=Path, default=REPO_ROOT.parent / "shared" / "asr")
    args = parser.parse_args()
    model_dir = ensure_model()
    clips = {name: (args.clips / f"{name}.wav").read_bytes() for name in CLIPS}
    rss_before = rss_mib()
    started = time.perf_counter()
    load_model()
    print(f"model      {model_dir}")
    print(f"load       {time.perf_counter() - started:.2f} s")
    print(f"RSS        {rss_mib():.0f} MiB after load ({rss_mib() - rss_before:+.0f} MiB)")
    grammar_rtf = measure(
        name="grammar",
        clips=clips,
        run=lambda clip, wav: decode_answer(wav=wav, kind=CLIPS[clip]),
        rounds=args.rounds,
    )
    measure(
        name="free-form", clips=clips, run=lambda _, wav: transcribe(wav=wav), rounds=args.rounds
    )
    print(f"RSS        {rss_mib():.0f} MiB after decoding")
    print(
        f"goal       grammar RTF / {RTF_GOAL} = {grammar_rtf / RTF_GOAL:.2f} (<= 1 meets the goal)"
    )


if __name__ == "__main__":
    main()
