"""What a request says, word by word: regions, counts, CIDRs, namespaces, schedules, names.

Each function reads the lowercased request and returns what it found (all of it, so the parser can
notice two different answers to one question). Nothing here decides; `parse.py` does.
"""

from __future__ import annotations

import re

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a single": 1, "single": 1,
}  # fmt: skip
_NUM = r"(\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"

REGION = re.compile(
    r"\b(us|eu|ap|sa|ca|me|af|il)-(east|west|north|south|central|northeast|southeast|southwest|northwest)-?(\d)\b"
)
CIDR = re.compile(r"\b(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})\b")
STORAGE = re.compile(r"\b(\d+)\s*(gb|gib|tb|tib)\b")
DB_CLASS = re.compile(r"\b(db\.[a-z0-9]+\.[a-z0-9]+)\b")
CACHE_CLASS = re.compile(r"\b(cache\.[a-z0-9]+\.[a-z0-9]+)\b")
GPU_TYPE = re.compile(r"\b((?:g4dn|g5|g5g|g6|g6e|p3|p4d|p5)\.[a-z0-9]+)\b")
IMAGE = re.compile(r"\b((?:[a-z0-9.-]+/)*[a-z0-9][a-z0-9._-]*:[a-z0-9][a-z0-9._-]*)\b")
REPLICAS = re.compile(_NUM + r"[ -](?:read[ -])?(?:replicas?|instances|copies|members|nodes)\b")
RETENTION = re.compile(
    r"(?:retain(?:ed|ing)?|kept|keep(?:ing)?|retention(?: period)?(?: of)?|stored?|for)\s+(?:them\s+|backups\s+)?"
    r"(?:for\s+)?" + _NUM + r"\s*(days?|weeks?|months?|years?)\b"
)
RETENTION_BEFORE = re.compile(_NUM + r"[ -](days?|weeks?|months?)[ -](?:backup )?retention\b")
AT_TIME = re.compile(r"\bat\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:utc)?\b")
PORT = re.compile(r"\bports?\s+(\d{2,5})(?:\s*(?:,|and)\s*(\d{2,5}))?")
NAMED = re.compile(r"\b(?:named|called|name)(?:\s*[=:]\s*|\s+)[\"'`]?([a-z0-9][a-z0-9._-]{1,62})[\"'`]?")
UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
PORT_WORDS = {"https": 443, "http": 80, "ssh": 22, "postgres": 5432, "mysql": 3306, "redis": 6379}


def number(token: str) -> int:
    return int(token) if token.isdigit() else NUMBER_WORDS[token]


def regions(text: str) -> list[str]:
    return sorted({f"{a}-{b}-{n}" for a, b, n in REGION.findall(text)})


def cidrs(text: str) -> list[str]:
    return list(dict.fromkeys(CIDR.findall(text)))


def vpc_cidr(text: str) -> str | None:
    """A CIDR written right after 'vpc' (or 'cidr block of' near it) names the network, not access."""
    m = re.search(r"\bvpc\b[^.]{0,40}?\b(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})\b", text)
    return m.group(1) if m else None


def replica_counts(text: str) -> list[int]:
    found = [number(m.group(1)) for m in REPLICAS.finditer(text)]
    if re.search(r"\b(single[- ]instance|single[- ]node|no replicas|without replicas)\b", text):
        found.append(1)
    return list(dict.fromkeys(found))


def retention_days(text: str) -> list[int]:
    found = []
    for m in list(RETENTION.finditer(text)) + list(RETENTION_BEFORE.finditer(text)):
        unit = m.group(2).rstrip("s")
        found.append(number(m.group(1)) * UNIT_DAYS[unit])
    return list(dict.fromkeys(found))


def backup_schedule(text: str) -> str | None:
    """A cron line (UTC) for the backup frequency the request names."""
    minute, hour = 0, 2
    at = AT_TIME.search(text)
    if at:
        hour = int(at.group(1)) % 24
        minute = int(at.group(2) or 0)
        if at.group(3) == "pm" and hour < 12:
            hour += 12
        if at.group(3) == "am" and hour == 12:
            hour = 0
    if re.search(r"\bhourly\b|\bevery hour\b", text):
        return f"{minute} * * * *"
    if re.search(r"\bweekly\b|\bevery week\b|\bonce a week\b", text):
        return f"{minute} {hour} * * 0"
    if re.search(r"\b(daily|nightly|every day|every night|each day|once a day)\b", text) or at:
        return f"{minute} {hour} * * *"
    return None


def namespaces_from(text: str) -> list[str]:
    """Namespaces that may connect: 'from the backend namespace', 'from the api and web namespaces'."""
    found: list[str] = []
    pattern = (
        r"\b(?:from|by|to|for)\s+(?:the\s+)?(?:namespaces?\s+)?"
        r"((?:[a-z0-9-]+(?:\s*,\s*|\s+and\s+|\s+or\s+))*[a-z0-9-]+)\s+namespaces?\b"
    )
    for m in re.finditer(pattern, text):
        found += [p for p in re.split(r"\s*,\s*|\s+and\s+|\s+or\s+", m.group(1)) if p and p != "the"]
    only = (
        r"\bonly\s+(?:the\s+)?((?:[a-z0-9-]+(?:\s*,\s*|\s+and\s+|\s+or\s+))*[a-z0-9-]+)\s+namespaces?\s+(?:may|can)\b"
    )
    for m in re.finditer(only, text):
        found += [p for p in re.split(r"\s*,\s*|\s+and\s+|\s+or\s+", m.group(1)) if p]
    for m in re.finditer(r"\bfrom\s+namespaces?\s+((?:[a-z0-9-]+(?:\s*,\s*|\s+and\s+))*[a-z0-9-]+)", text):
        found += [p for p in re.split(r"\s*,\s*|\s+and\s+", m.group(1)) if p]
    return list(dict.fromkeys(found))


def home_namespace(text: str) -> str | None:
    m = re.search(r"\bin(?:to)?\s+(?:the\s+)?([a-z0-9-]+)\s+namespace\b", text) or re.search(
        r"\bin\s+namespace\s+([a-z0-9-]+)\b", text
    )
    return m.group(1) if m else None


def storage_gb(text: str) -> list[int]:
    found = []
    for value, unit in STORAGE.findall(text):
        found.append(int(value) * (1024 if unit.startswith("t") else 1))
    return list(dict.fromkeys(found))


def ports(text: str) -> list[int]:
    found = [int(p) for m in PORT.finditer(text) for p in m.groups() if p]
    found += [
        port
        for word, port in PORT_WORDS.items()
        if re.search(rf"\b{word}\b", text) and word in ("https", "http", "ssh")
    ]
    return list(dict.fromkeys(found))


def quoted_or_named(text: str) -> list[str]:
    return list(dict.fromkeys(m.group(1).rstrip(".") for m in NAMED.finditer(text)))


def tags(original: str) -> dict[str, str]:
    """'tagged team=payments, owner=sre' -> {team: payments, owner: sre} (case kept)."""
    found: dict[str, str] = {}
    for m in re.finditer(
        r"\btag(?:ged|s)?\b(?:\s+with)?\s+((?:[A-Za-z][\w-]*\s*[=:]\s*[\w.-]+[\s,]*(?:and\s+)?)+)", original
    ):
        for key, value in re.findall(r"([A-Za-z][\w-]*)\s*[=:]\s*([\w.-]+)", m.group(1)):
            found[key] = value
    return found


def managed_policies(original: str) -> list[str]:
    return list(
        dict.fromkeys(re.findall(r"\b((?:Amazon|AWS)[A-Za-z0-9_]+(?:Policy|Access|ReadOnly|Role))\b", original))
    )
