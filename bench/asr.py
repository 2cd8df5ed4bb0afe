"""Benchmark local speech recognition: model load, memory, latency and real-time factor.

Run from the repo root: .venv/bin/python bench/asr.py [--rounds N] [--no-call]

The in-call part runs the real app and the Twilio emulator on local ports (SQLite database):
each spoken answer is a Record action request whose recording the emulator already serves,
timed from the request to the next prompt's TwiML (fetch + decode + store + TwiML), against
the same webhook answered by a key press, and against the 300 ms p95 target.
"""

import argparse
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

# Standalone script: import the working tree's packages, not whatever is installed.
REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.results import record  # noqa: E402
from ivr.asr.audio import read_wav  # noqa: E402
from ivr.asr.decoder import decode_answer, load_model, transcribe  # noqa: E402
from ivr.asr.grammar import QuestionKind  # noqa: E402
from ivr.asr.model import ensure_model  # noqa: E402
from twilio_emulator import clips as emulator_clips  # noqa: E402

RTF_GOAL = 0.05
IN_CALL_P95_TARGET_S = 0.300
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
    """Print model load time, RSS, and per-mode latency and RTF over the emulator's clips."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the clips per mode")
    parser.add_argument("--clips", type=Path, default=emulator_clips.DIRECTORY)
    parser.add_argument("--no-call", action="store_true", help="skip the in-call latency part")
    args = parser.parse_args()
    model_dir = ensure_model()
    clips = {name: (args.clips / f"{name}.wav").read_bytes() for name in CLIPS}
    rss_before = rss_mib()
    started = time.perf_counter()
    load_model()
    load_s, rss_loaded = time.perf_counter() - started, rss_mib()
    print(f"model      {model_dir}")
    print(f"load       {load_s:.2f} s")
    print(f"RSS        {rss_loaded:.0f} MiB after load ({rss_loaded - rss_before:+.0f} MiB)")
    grammar_rtf = measure(
        name="grammar",
        clips=clips,
        run=lambda clip, wav: decode_answer(wav=wav, kind=CLIPS[clip]),
        rounds=args.rounds,
    )
    free_rtf = measure(
        name="free-form", clips=clips, run=lambda _, wav: transcribe(wav=wav), rounds=args.rounds
    )
    rss_decoding = rss_mib()
    print(f"RSS        {rss_decoding:.0f} MiB after decoding")
    print(
        f"goal       grammar RTF / {RTF_GOAL} = {grammar_rtf / RTF_GOAL:.2f} (<= 1 meets the goal)"
    )
    figures: dict[str, object] = {
        "model": model_dir.name,
        "load_s": round(load_s, 2),
        "rss_mib_with_model": round(rss_loaded),
        "model_mib": round(rss_loaded - rss_before),
        "rss_mib_after_decoding": round(rss_decoding),
        "grammar_rtf": round(grammar_rtf, 4),
        "free_form_rtf": round(free_rtf, 4),
        "grammar_rtf_to_goal": round(grammar_rtf / RTF_GOAL, 3),
        "goal": f"grammar RTF <= {RTF_GOAL}",
    }
    if not args.no_call:
        figures |= in_call(clips=args.clips, rounds=args.rounds)
    record("speech", figures)


QUESTION_OF: dict[QuestionKind, str] = {"rating": "attitude", "yes_no": "repeat_trip"}


def _serve(app: object) -> str:
    """Run an ASGI app under uvicorn on a free local port; return its URL."""
    url = _free_url()
    _serve_at(app, url)
    return url


def _attempts(count: int) -> list[int]:
    """`count` callback tasks relayed through the outbox, each with a call under way."""
    from callbacks.relay import relay_outbox
    from callbacks.service import attempt_placed, begin_attempt
    from core_ledger.org.models import Outlet
    from core_ledger.outbox.service import emit
    from kernel.db import session_scope

    ids = []
    with session_scope() as session:
        outlet = Outlet(code="WD01", name="城东网点")
        session.add(outlet)
        session.flush()
        for n in range(count):
            payload = {
                "business_kind": "withdrawal",
                "business_id": n + 1,
                "occurred_at": "2026-11-03T02:30:00+00:00",
                "outlet_id": outlet.id,
                "outlet_name": outlet.name,
                "teller_id": None,
                "person": {"name": "王芳", "phone": f"+86138{n:08d}"},
            }
            emit(session, kind="withdrawal.completed", aggregate_id=n + 1, payload=payload)
        relay_outbox(session)
        for task_id in range(1, count + 1):
            attempt = begin_attempt(session, task_id=task_id, attempt_no=1)
            assert attempt is not None and attempt.id is not None
            attempt_placed(session, attempt_id=attempt.id, provider_sid=f"CA{attempt.id:032d}")
            ids.append(attempt.id)
    return ids


def in_call(*, clips: Path, rounds: int) -> dict[str, object]:
    """Time the answer webhook: spoken (recording → decode → next prompt) against a key press."""
    import httpx
    from twilio.request_validator import RequestValidator

    from huifang import migrate
    from huifang.settings import clear_caches
    from ivr.asr.config import get_asr_settings
    from twilio_emulator import EmulatorConfig, create_emulator_app
    from twilio_emulator.resources import account_path
    from twilio_emulator.store import Recording, new_sid

    scratch = tempfile.mkdtemp(prefix="bench-asr-")
    url = f"sqlite:///{scratch}/bench.db"
    migrate.upgrade(url)
    os.environ.update({"HUIFANG_DATABASE_URL": url, "HUIFANG_ASR": "vosk"})
    emulator_app = create_emulator_app(EmulatorConfig(emulator_speed=0))
    emulator_url = _serve(emulator_app)
    os.environ.update(
        {"HUIFANG_TWILIO_API_BASE_URL": emulator_url, "HUIFANG_EMULATOR_PUBLIC_URL": emulator_url}
    )
    os.environ["HUIFANG_PUBLIC_URL"] = app_url = _free_url()
    clear_caches()
    get_asr_settings.cache_clear()
    from huifang.app import create_app
    from ivr.config import get_ivr_settings

    _serve_at(create_app(), app_url)
    settings = get_ivr_settings()
    validator = RequestValidator(settings.twilio_auth_token)
    store = emulator_app.state.emulator.store
    wavs = {name: (clips / f"{name}.wav").read_bytes() for name in CLIPS}
    attempts = iter(_attempts(2 * rounds * len(wavs) + 1))
    spoken: list[float] = []
    keyed: list[float] = []
    with httpx.Client(timeout=30) as http:

        def answer(params: dict[str, str], question: str) -> float:
            path = f"/twilio/voice/answer?attempt={next(attempts)}&q={question}&try=0"
            form = {"CallSid": "CA" + "0" * 32} | params
            signature = validator.compute_signature(settings.webhook_url(path), form)
            started = time.perf_counter()
            response = http.post(
                app_url + path, data=form, headers={"X-Twilio-Signature": signature}
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 200 and "<Response>" in response.text, response.text
            return elapsed

        answer({"Digits": "1"}, "attitude")  # warm the connection and the app
        for _ in range(rounds):
            for name, wav in wavs.items():
                recording = Recording(
                    sid=new_sid("RE"), account_sid=settings.twilio_account_sid,
                    call_sid="CA" + "0" * 32, duration=2, wav=wav, clip=name,
                )  # fmt: skip
                store.recordings[recording.sid] = recording
                path = f"{account_path(recording.account_sid)}/Recordings/{recording.sid}"
                recording_url = emulator_url + path
                params = {"RecordingUrl": recording_url, "RecordingSid": recording.sid}
                spoken.append(answer(params, QUESTION_OF[CLIPS[name]]))
                keyed.append(answer({"Digits": "1"}, QUESTION_OF[CLIPS[name]]))
    p95_spoken, p95_keyed = percentile(spoken, 0.95), percentile(keyed, 0.95)
    print(
        f"in-call    key press  n={len(keyed):<4} p50 {percentile(keyed, 0.5) * 1000:6.1f} ms"
        f"  p95 {p95_keyed * 1000:6.1f} ms  (baseline: same webhook, no audio)"
    )
    print(
        f"in-call    spoken     n={len(spoken):<4} p50 {percentile(spoken, 0.5) * 1000:6.1f} ms"
        f"  p95 {p95_spoken * 1000:6.1f} ms  recording available → next prompt returned"
    )
    print(f"ratio      spoken / key press p95 = {p95_spoken / p95_keyed:.2f}")
    print(
        f"goal       spoken p95 / {IN_CALL_P95_TARGET_S * 1000:.0f} ms = "
        f"{p95_spoken / IN_CALL_P95_TARGET_S:.2f} (<= 1 meets the target)"
    )
    return {
        "in_call_keyed_p95_ms": round(p95_keyed * 1000, 1),
        "in_call_spoken_p95_ms": round(p95_spoken * 1000, 1),
        "in_call_spoken_to_keyed_p95": round(p95_spoken / p95_keyed, 2),
    }


def _free_url() -> str:
    """A free local port's URL (the app's must be known before the app is built)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _serve_at(app: object, url: str) -> None:
    """Run an ASGI app under uvicorn at a given local URL."""
    import uvicorn

    port = int(url.rsplit(":", 1)[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.02)


if __name__ == "__main__":
    main()
