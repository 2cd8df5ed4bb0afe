"""A person opening the web survey link in an SMS on their phone's browser (not Twilio).

Twilio only carries the text; what happens next is a person tapping the link. The emulator
plays that too, so the demo and the end-to-end tests exercise the web survey as people would:
open the link (a GET), read the form, choose, submit it (a POST carrying the page's own
cookie and hidden fields, from the page's origin), and confirm a grave answer when asked.
It knows nothing of our code: it reads the HTML the server sends, like a browser.
"""

import random
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx

from twilio_emulator.people import Mix, choose_option

LINK = re.compile(r"https?://[^\s，。]+/s/[A-Za-z0-9_-]{12}")
REASONS = ("等候时间太长", "窗口人员态度生硬", "材料要求没有一次说清楚", "系统太慢")


def link_in(body: str) -> str | None:
    """The web survey link in a message, if it carries one."""
    found = LINK.search(body or "")
    return found.group(0) if found else None


@dataclass
class _Form:
    """What a person sees of the form: its fields and each question's options in order."""

    action: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # name → (label, value)
    textareas: list[str] = field(default_factory=list)
    confirm: str | None = None  # the confirmation button's name=value, when shown
    heading: str = ""


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form = _Form()
        self._radio: tuple[str, str] | None = None
        self._label = False
        self._h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.form.hidden[a.get("name", "")] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio":
            self._radio = (a.get("name", ""), a.get("value", ""))
        elif tag == "textarea":
            self.form.textareas.append(a.get("name", ""))
        elif tag == "button" and a.get("name"):
            self.form.confirm = f"{a['name']}={a.get('value', '')}"
        elif tag == "label":
            self._label = True
        elif tag in ("h2", "h1"):
            self._h2 = tag == "h2"

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label, self._radio = False, None
        elif tag == "h2":
            self._h2 = False

    def handle_data(self, data: str) -> None:
        if self._h2:
            self.form.heading += data.strip()
        if self._radio is not None and self._label and data.strip():
            name, value = self._radio
            self.form.radios.setdefault(name, []).append((data.strip(), value))
            self._radio = None


def read_form(html: str) -> _Form:
    """The form (or the message) a page shows."""
    reader = _Reader()
    reader.feed(html)
    return reader.form


@dataclass
class WebVisit:
    """What happened when a person followed a link: each page's status, the last heading."""

    link: str
    statuses: list[int] = field(default_factory=list)
    heading: str = ""
    answered: bool = False

    def as_dict(self) -> dict[str, object]:
        """As the control API shows it."""
        return {
            "link": self.link,
            "statuses": self.statuses,
            "heading": self.heading,
            "answered": self.answered,
        }


def _choices(form: _Form, digits: str | None, mix: Mix, rng: random.Random) -> dict[str, str]:
    """Pick an option per question: scripted by position (1 = first), else drawn."""
    chosen: dict[str, str] = {}
    for index, (name, options) in enumerate(form.radios.items()):
        if digits is not None and index < len(digits) and digits[index].isdigit():
            position = int(digits[index]) - 1
            if 0 <= position < len(options):
                chosen[name] = options[position][1]
            continue
        if digits is None:
            picked = choose_option(options, mix, rng)
            if picked is not None:
                chosen[name] = picked[1]
    return chosen


async def answer_link(
    link: str,
    *,
    digits: str | None,
    suggestion: str = "",
    mix: Mix,
    rng: random.Random,
    submit: bool = True,
    timeout: float = 15.0,
) -> WebVisit:
    """Open the link; with `submit`, answer the form (digits by position, or drawn) and send it."""
    visit = WebVisit(link=link)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(link))
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        page = await client.get(link)
        visit.statuses.append(page.status_code)
        form = read_form(page.text)
        visit.heading = form.heading
        if page.status_code != 200 or not form.radios or not submit:
            return visit
        chosen = _choices(form, digits, mix, rng)
        data = {**form.hidden, **chosen, "suggestion": suggestion}
        for name, value in chosen.items():
            if value == "unsatisfied" and f"reason_{name}" in form.textareas:
                data[f"reason_{name}"] = rng.choice(REASONS)
        headers = {"Origin": origin, "Referer": link}
        answer = await client.post(origin + form.action, data=data, headers=headers)
        visit.statuses.append(answer.status_code)
        after = read_form(answer.text)
        if answer.status_code == 200 and after.confirm:  # a grave answer: they meant it
            name, _, value = after.confirm.partition("=")
            answer = await client.post(
                origin + form.action, data={**data, name: value}, headers=headers
            )
            visit.statuses.append(answer.status_code)
            after = read_form(answer.text)
        visit.heading = after.heading
        visit.answered = answer.status_code == 200 and after.heading == "提交成功"
    return visit
