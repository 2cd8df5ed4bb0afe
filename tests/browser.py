"""A real browser for the page tests: Debian's chromium driven by Playwright (no browser download).

`browser` (one per test session) and `page` (a fresh context per test, desktop or phone sized)
are fixtures in tests/conftest.py; `Browsing` signs in through the real form and saves a
screenshot of every page it is asked to, under var/screenshots/<test module>/.
"""

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, ViewportSize

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE = ViewportSize(width=360, height=740)
DESKTOP = ViewportSize(width=1366, height=900)


def chromium_path() -> str | None:
    """Debian's chromium (HUIFANG_CHROMIUM to use another)."""
    configured = os.environ.get("HUIFANG_CHROMIUM")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Browsing:
    """One person's browser tab on the running app."""

    page: Page
    app_url: str
    folder: Path
    shots: list[Path] = field(default_factory=list)

    def open(self, path: str) -> Page:
        response = self.page.goto(self.app_url + path)
        assert response is not None and response.status < 500, f"{path}: {response}"
        return self.page

    def sign_in(self, username: str, password: str) -> None:
        self.open("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login" not in self.page.url, self.page.inner_text("body")

    def shoot(self, name: str) -> Path:
        """Save a full-page screenshot; returns its path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / (re.sub(r"[^\w.-]+", "-", name) + ".png")
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path
