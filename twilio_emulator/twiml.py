"""TwiML documents parsed into verbs; strict like Twilio, so a bad document fails here."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin

VOICE_VERBS = {"Say", "Play", "Pause", "Gather", "Record", "Redirect", "Hangup", "Reject"}
GATHER_CHILDREN = {"Say", "Play", "Pause"}
# SSML a <Say> may hold (Polly voices): its words are spoken, the tags only shape them.
SSML_TAGS = {"break", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}


class TwimlError(Exception):
    """The document is not TwiML Twilio would run (Twilio's error 12100 / 12200)."""


@dataclass
class Verb:
    """One TwiML verb with its attributes, text and nested verbs."""

    name: str
    attrs: dict[str, str]
    text: str = ""
    children: list["Verb"] = field(default_factory=list)
    # A <Say>'s SSML elements as (tag, attributes, text), e.g. ("say-as", {...}, "12329").
    ssml: list[tuple[str, dict[str, str], str]] = field(default_factory=list)

    def attr(self, name: str, default: str = "") -> str:
        """An attribute value, or the default Twilio applies."""
        return self.attrs.get(name, default)

    def flag(self, name: str, default: bool = False) -> bool:
        """A true/false attribute."""
        raw = self.attrs.get(name)
        return default if raw is None else raw.strip().lower() == "true"

    def number(self, name: str, default: float) -> float:
        """A numeric attribute; a non-number is a document error as at Twilio."""
        raw = self.attrs.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return float(raw)
        except ValueError as exc:
            raise TwimlError(f"<{self.name}> {name}={raw!r} is not a number") from exc


def _root(document: str) -> ET.Element:
    """Parse XML and check the root is <Response>."""
    try:
        root = ET.fromstring(document.strip())
    except ET.ParseError as exc:
        raise TwimlError(f"XML parse error: {exc}") from exc
    if root.tag != "Response":
        raise TwimlError(f"root element is <{root.tag}>, not <Response>")
    return root


def _verb(element: ET.Element, allowed: set[str]) -> Verb:
    """One element as a Verb, checking it is allowed where it stands."""
    if element.tag not in allowed:
        raise TwimlError(f"unsupported or misplaced verb <{element.tag}>")
    if element.tag == "Say":
        for inner in element.iter():
            if inner is not element and inner.tag not in SSML_TAGS:
                raise TwimlError(f"<Say> cannot contain <{inner.tag}>")
        text = "".join(element.itertext()).strip()
        return Verb(element.tag, dict(element.attrib), text, [], _ssml(element))
    children = [_verb(child, GATHER_CHILDREN) for child in element]
    if children and element.tag != "Gather":
        raise TwimlError(f"<{element.tag}> cannot contain other verbs")
    return Verb(element.tag, dict(element.attrib), (element.text or "").strip(), children)


def _ssml(element: ET.Element) -> list[tuple[str, dict[str, str], str]]:
    return [
        (inner.tag, dict(inner.attrib), "".join(inner.itertext()))
        for inner in element.iter()
        if inner is not element
    ]


def parse_voice(document: str) -> list[Verb]:
    """The verbs of a voice TwiML document, in order."""
    return [_verb(element, VOICE_VERBS) for element in _root(document)]


def parse_messaging(document: str) -> list[Verb]:
    """The <Message> verbs of a messaging TwiML answer (may be none), body as their text."""
    if not document.strip():
        return []
    messages = []
    for element in _root(document):
        if element.tag != "Message":
            raise TwimlError(f"unsupported messaging verb <{element.tag}>")
        body = element.find("Body")
        text = body.text if body is not None else element.text
        messages.append(Verb(element.tag, dict(element.attrib), (text or "").strip()))
    return messages


def resolve(base_url: str | None, target: str) -> str:
    """Resolve an action/Redirect URL against the current document URL, as Twilio does."""
    if base_url is None:
        return target
    return urljoin(base_url, target.strip())


def spoken_text(verbs: list[Verb]) -> str:
    """All <Say> text among the given verbs, what a caller hears."""
    return "".join(verb.text for verb in verbs if verb.name == "Say")
