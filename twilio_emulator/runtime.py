"""The emulator's live state: records, people, clips, the shared HTTP client, running tasks."""

import asyncio
import json
import random
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx

from twilio_emulator.account import AccountState, AccountStats
from twilio_emulator.browser import WebVisit
from twilio_emulator.clips import Clip
from twilio_emulator.config import EmulatorConfig
from twilio_emulator.people import Mix, PersonScript
from twilio_emulator.store import Store


@dataclass
class CallControl:
    """Handles to steer a running call from the REST update route."""

    task: "asyncio.Task[None] | None" = None
    dialogue: "asyncio.Task[Any] | None" = None
    redirect: tuple[str, str] | None = None
    end_status: str | None = None


@dataclass
class Emulator:
    """Everything one emulator instance holds while it runs."""

    config: EmulatorConfig
    clips: dict[str, Clip]
    rng: random.Random
    mix: Mix = field(default_factory=Mix)
    scripts: dict[str, PersonScript] = field(default_factory=dict)
    store: Store = field(default_factory=Store)
    inboxes: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    # Who followed a web survey link in a message, and what they saw (twilio_emulator.browser).
    web_visits: dict[str, list[WebVisit]] = field(default_factory=dict)
    controls: dict[str, CallControl] = field(default_factory=dict)
    tasks: "set[asyncio.Task[Any]]" = field(default_factory=set)
    http: httpx.AsyncClient | None = None
    account: AccountState = field(default_factory=AccountState)
    stats: AccountStats = field(default_factory=AccountStats)

    def client(self) -> httpx.AsyncClient:
        """The one shared client for every webhook request."""
        if self.http is None:
            # Hundreds of concurrent calls share it; keep the pool wide.
            self.http = httpx.AsyncClient(
                timeout=httpx.Timeout(self.config.emulator_webhook_timeout, pool=60.0),
                limits=httpx.Limits(max_connections=400, max_keepalive_connections=100),
            )
        return self.http

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> "asyncio.Task[Any]":
        """Run in the background and keep a reference until done."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def pause(self, seconds: float) -> None:
        """Let simulated time pass, scaled by EMULATOR_SPEED (0 = no waiting)."""
        if self.config.emulator_speed > 0 and seconds > 0:
            await asyncio.sleep(seconds * self.config.emulator_speed)
        else:
            await asyncio.sleep(0)

    def script_for(self, phone: str) -> PersonScript | None:
        """The script of a number, if one was given."""
        return self.scripts.get(phone)

    async def close(self) -> None:
        """Cancel what still runs and close the client."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.aclose()


def load_people_file(emulator: Emulator) -> None:
    """Read EMULATOR_PEOPLE_FILE: {"mix": {...}, "people": {"+86…": script}} at start-up."""
    path = emulator.config.emulator_people_file
    if path is None:
        return
    data = json.loads(path.read_text(encoding="utf-8"))
    if "mix" in data:
        emulator.mix = Mix.model_validate(data["mix"])
    for phone, script in data.get("people", {}).items():
        emulator.scripts[phone] = PersonScript.model_validate(script)
