"""Find encoded payloads (base64, hex, \\x escapes, URL and HTML encoding) and decode them.

Only payloads that decode to readable text are returned, so git SHAs, image digests and random
IDs (which decode to binary noise) are ignored. Work is bounded: at most `MAX_PAYLOADS` per
text, each at most `MAX_PAYLOAD_CHARS`; the caller bounds recursion depth.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import urllib.parse
from dataclasses import dataclass

MAX_PAYLOADS = 8
MAX_PAYLOAD_CHARS = 16_384
_MIN_PRINTABLE = 0.9

_BASE64 = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9A-Fa-f]{2}){8,}\b|\b(?:[0-9A-Fa-f]{2}[ :]){7,}[0-9A-Fa-f]{2}\b")
_ESCAPES = re.compile(r"(?:\\x[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}){4,}")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_ENTITY = re.compile(r"&#(?:x[0-9a-fA-F]+|\d+);")


@dataclass(frozen=True)
class Payload:
    kind: str
    text: str


def payloads(text: str) -> list[Payload]:
    """Readable text hidden in `text` by an encoding, most likely first."""
    found: list[Payload] = []
    for match in _BASE64.finditer(text):
        _add(found, "base64", _from_base64(match.group(0)))
    for match in _HEX.finditer(text):
        _add(found, "hex", _from_hex(match.group(0)))
    for match in _ESCAPES.finditer(text):
        _add(found, "escapes", _from_escapes(match.group(0)))
    if len(_PERCENT.findall(text, 0, MAX_PAYLOAD_CHARS)) >= 3:
        _add(found, "url", urllib.parse.unquote(text[:MAX_PAYLOAD_CHARS]))
    if len(_ENTITY.findall(text, 0, MAX_PAYLOAD_CHARS)) >= 3:
        _add(found, "html", html.unescape(text[:MAX_PAYLOAD_CHARS]))
    return found[:MAX_PAYLOADS]


def rot13(text: str) -> str:
    return codecs.encode(text, "rot13")


def _add(found: list[Payload], kind: str, decoded: str | None) -> None:
    if decoded and len(found) < MAX_PAYLOADS and _readable(decoded):
        found.append(Payload(kind, decoded[:MAX_PAYLOAD_CHARS]))


def _readable(decoded: str) -> bool:
    if len(decoded) < 8 or " " not in decoded.strip():
        return False
    printable = sum(1 for c in decoded if c.isprintable() or c in "\n\r\t")
    letters = sum(1 for c in decoded if c.isalpha())
    return printable / len(decoded) >= _MIN_PRINTABLE and letters / len(decoded) >= 0.5


def _from_base64(token: str) -> str | None:
    token = token[: MAX_PAYLOAD_CHARS * 4 // 3]
    padded = token + "=" * (-len(token) % 4)
    try:
        if "-" in token or "_" in token:
            raw = base64.urlsafe_b64decode(padded)
        else:
            raw = base64.b64decode(padded, validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _from_hex(token: str) -> str | None:
    digits = re.sub(r"[ :]", "", token)[: MAX_PAYLOAD_CHARS * 2]
    try:
        return bytes.fromhex(digits).decode("utf-8")
    except ValueError:
        return None


def _from_escapes(token: str) -> str | None:
    try:
        return codecs.decode(token[: MAX_PAYLOAD_CHARS * 6], "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return None
