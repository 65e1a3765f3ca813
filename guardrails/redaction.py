"""Secret redaction for everything opsgraph shows, logs or sends to a model.

    redact("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    # 'aws_secret_access_key = [REDACTED:aws_secret_key]'
    redact_data({"kind": "Secret", "data": {"password": "aGVsbG8="}})
    # {'kind': 'Secret', 'data': {'password': '[REDACTED:k8s_secret]'}}

Each secret becomes a typed marker `[REDACTED:<kind>]`; the text around it (key names, users
and hosts in URLs, the rest of a connection string) stays so the output is still useful. The
patterns are precompiled and anchored on the shape of a secret (a known prefix, a key name, a
PEM armour line), so image tags, git SHAs, UUIDs, pod names and digests pass through untouched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MARK = "[REDACTED:{}]"
_NOT_REDACTED = r"(?!\[REDACTED)"


@dataclass(frozen=True)
class _Pattern:
    kind: str
    regex: re.Pattern[str]
    group: int = 0  # which group holds the secret (0 = the whole match)


def _p(kind: str, regex: str, group: int = 0, flags: int = 0) -> _Pattern:
    return _Pattern(kind, re.compile(regex, flags), group)


_SENSITIVE_KEY = (
    r"(?:[A-Za-z0-9]+[_.-])*(?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|"
    r"auth[_-]?token|access[_-]?token|refresh[_-]?token|id[_-]?token|token|secret|password|passwd|pwd|passphrase|pass)"
)
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[A-Za-z_][\w.-]*\}?|<[^>]*>|\{\{.*\}\}|%\(?\w+\)?s?|\*+|x+|X+|true|false|null|none|None|"
    r"changeme-placeholder|redacted|\d{1,6}|\[REDACTED:[a-z0-9_]+\])$"
)

_ENV_VALUE = (
    r"name:\s*[\"']?[A-Za-z0-9_]*(?i:{names})[\"']?[ \t]*\n[ \t]*value:[ \t]*[\"']?" + _NOT_REDACTED + r"([^\s#\"']+)"
)

# Order matters: multi-line and prefixed secrets first, generic key=value last.
_PATTERNS: tuple[_Pattern, ...] = (
    _p("private_key", r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----"),
    _p("gcp_private_key_id", r"\"private_key_id\"\s*:\s*\"([0-9a-f]{40})\"", 1),
    _p(
        "aws_access_key",
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}(?![A-Z0-9])",
    ),
    _p(
        "aws_secret_key",
        r"(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key|SecretAccessKey)[\"']?\s*[:=]\s*[\"']?"
        r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        1,
    ),
    # A bare secret key beside its access key id (CSV exports, `aws configure` echoes): the access
    # key is already marked, so the 40-character neighbour on either side is the secret.
    _p(
        "aws_secret_key",
        r"\[REDACTED:aws_access_key\][\s,;:|\"'=]{1,12}(?!\[REDACTED)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        1,
    ),
    _p(
        "aws_secret_key",
        r"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})[\s,;:|\"'=]{1,12}\[REDACTED:aws_access_key\]",
        1,
    ),
    _p("azure_storage_key", r"(?i:AccountKey)=([A-Za-z0-9+/]{20,}={0,2})", 1),
    _p("azure_sas_token", r"(?i:SharedAccessSignature)=([^;\s\"']+)", 1),
    _p("azure_sas_token", r"[?&]sig=([A-Za-z0-9%+/=]{16,})", 1),
    _p("slack_webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+"),
    _p("slack_token", r"(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9-]{10,}"),
    _p("github_token", r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"),
    _p("gcp_api_key", r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),
    _p("openai_api_key", r"(?<![A-Za-z0-9_-])sk-(?:proj-|live-|test-)?[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])"),
    _p("jwt", r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
    _p(
        "bearer_token",
        r"(?:(?i:authorization)[\"']?\s*[:=]\s*[\"']?(?i:bearer)|\bBearer)\s+"
        + _NOT_REDACTED
        + r"(?=[A-Za-z._~+/=-]*\d)([A-Za-z0-9._~+/=-]{8,})",
        1,
    ),
    _p("basic_auth", r"(?i:\bauthorization\s*:\s*basic)\s+" + _NOT_REDACTED + r"([A-Za-z0-9+/=]{8,})", 1),
    # Any other scheme ("Authorization: Token ...", "Digest ...", "SSWS ...") or none at all.
    _p(
        "authorization",
        r"(?i:\bauthorization)[\"']?\s*[:=]\s*[\"']?[A-Za-z][\w-]*[ \t]+" + _NOT_REDACTED + r"([^\s\"',;]{6,})",
        1,
    ),
    _p(
        "authorization",
        r"(?i:\bauthorization)[\"']?\s*[:=]\s*[\"']?(?![A-Za-z][\w-]*[ \t])" + _NOT_REDACTED + r"([^\s\"',;]{8,})",
        1,
    ),
    # user:password@host, with an empty user (redis://:pw@host) and passwords that contain "@"
    # (the password runs to the last "@" before the host).
    _p(
        "password",
        r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@\"']*:"
        + _NOT_REDACTED
        + r"([^\s/\"'<>]+)@(?=[^\s@/\"'<>]*(?:[/?#\s\"'<>]|$))",
        1,
    ),
    # mysql -pSECRET (the password glued to -p; "-p 3306" elsewhere is a port)
    _p("password", r"\bmysql(?:dump|admin|import|show|check)?\b[^\n]*?\s-p(?![\s-])" + _NOT_REDACTED + r"(\S+)", 1),
    # container env in YAML: "- name: DB_PASSWORD" then "value: ..."
    _p("password", _ENV_VALUE.format(names="password|passwd"), 1),
    _p("secret", _ENV_VALUE.format(names="token|secret|api_?key|access_?key"), 1),
)

# key = value / key: value / "key": "value"; the key stays, the value goes.
_ASSIGNMENT = re.compile(
    r"(?P<key>[\"']?(?<![A-Za-z0-9_.])" + _SENSITIVE_KEY + r"[\"']?)(?P<sep>\s*(?:=|:(?!//))\s*)"
    r"(?P<quote>[\"']?)(?P<value>[^\s\"',;&}]+)(?P=quote)",
    re.IGNORECASE,
)


def _kind_for_key(key: str) -> str:
    key = key.lower()
    if "pass" in key or key.endswith("pwd"):
        return "password"
    if "token" in key:
        return "token"
    if "api" in key or "access" in key:
        return "api_key"
    return "secret"


def _replace_group(pattern: _Pattern) -> Callable[[re.Match[str]], str]:
    marker = MARK.format(pattern.kind)

    def replace(match: re.Match[str]) -> str:
        if pattern.group == 0:
            return marker
        start, end = match.span(pattern.group)
        whole_start = match.start()
        text = match.group(0)
        return text[: start - whole_start] + marker + text[end - whole_start :]

    return replace


_REPLACERS = tuple((p.regex, _replace_group(p)) for p in _PATTERNS)


def _replace_assignment(match: re.Match[str]) -> str:
    value = match.group("value")
    if _PLACEHOLDER.match(value) or "[REDACTED:" in value:
        return match.group(0)
    quote = match.group("quote")
    marker = MARK.format(_kind_for_key(match.group("key").strip("\"'")))
    return f"{match.group('key')}{match.group('sep')}{quote}{marker}{quote}"


# Every pattern above needs one of these somewhere in the text; most text has none of them, and
# a few substring checks are much cheaper than twenty substitutions (replies carry hundreds of
# strings). "://" with "@" covers passwords in URLs.
_MARKERS = (
    "key", "secret", "token", "pass", "pwd", "signature", "sig=", "hooks.slack", "xox", "github_pat_", "aiza",
    "sk-", "eyj", "bearer", "authorization", "akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "aipa",
    "anpa", "anva", "apka", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "mysql",
)  # fmt: skip


def _maybe_secret(text: str) -> bool:
    low = text.lower()
    return any(marker in low for marker in _MARKERS) or ("://" in low and "@" in low)


def may_hold_secret(text: str) -> bool:
    """Whether the redactor could act on `text`. False means `redact(text)` returns it as it is,
    and `redact_data` changes nothing in a document whose every key and string occurs in `text`
    as it is (its pure-ASCII JSON text, say): every pattern, every sensitive key name and the
    Secret kind hold one of the markers. One check of a whole document instead of one a string."""
    return _maybe_secret(text)


def redact(text: str) -> str:
    """`text` with every secret replaced by `[REDACTED:<kind>]`."""
    if not text or not _maybe_secret(text):
        return text
    if "Secret" in text:
        text = _redact_secret_manifests(text)
    for regex, replace in _REPLACERS:
        text = regex.sub(replace, text)
    return _ASSIGNMENT.sub(_replace_assignment, text)


def redact_data(obj: Any) -> Any:
    """A copy of `obj` (dicts, lists, tuples, strings) with secrets redacted.

    Kubernetes Secret objects lose the values under `data` and `stringData`; values under
    sensitive keys (`password`, `token`, `api_key`, ...) are redacted whatever their form.
    """
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        is_secret = obj.get("kind") == "Secret"
        result: dict[Any, Any] = {}
        for key, value in obj.items():
            if is_secret and key in ("data", "stringData") and isinstance(value, dict):
                result[key] = {k: MARK.format("k8s_secret") for k in value}
            elif isinstance(key, str) and isinstance(value, str | int) and _is_sensitive_key(key) and value != "":
                result[key] = MARK.format(_kind_for_key(key))
            elif key == "value" and isinstance(value, str) and _is_sensitive_key(str(obj.get("name", ""))):
                result[key] = MARK.format(_kind_for_key(str(obj["name"])))  # env: [{name: DB_PASSWORD, value: ...}]
            else:
                result[key] = redact_data(value)
        return result
    if isinstance(obj, list):
        return [redact_data(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(redact_data(item) for item in obj)
    return obj


_SENSITIVE_KEY_RE = re.compile(_SENSITIVE_KEY + r"$", re.IGNORECASE)


def _is_sensitive_key(key: str) -> bool:
    return bool(_SENSITIVE_KEY_RE.fullmatch(key))


# Kubernetes Secret manifests in text: YAML (line-based, so formatting survives) and JSON.
_YAML_KIND_SECRET = re.compile(r"^\s*(?:-\s+)?kind:\s*[\"']?Secret[\"']?\s*(?:#.*)?$")
_YAML_DATA = re.compile(r"^(\s*)(-\s+)?(data|stringData):\s*(\{.*\})?\s*(?:#.*)?$")
_YAML_ENTRY = re.compile(r"^(\s*)([^\s#:][^:]*?):\s*(.*?)\s*$")
_JSON_KIND_SECRET = re.compile(r"\"kind\"\s*:\s*\"Secret\"")
_JSON_DATA = re.compile(r"(\"(?:data|stringData)\"\s*:\s*)\{([^{}]*)\}")
_JSON_VALUE = re.compile(r"(\"[^\"]*\"\s*:\s*)\"(?:[^\"\\]|\\.)*\"")
_FLOW_VALUE = re.compile(r"(:\s*)([^,}]+)")
_SECRET_MARK = MARK.format("k8s_secret")


def _redact_secret_manifests(text: str) -> str:
    if _JSON_KIND_SECRET.search(text):
        text = _redact_json_secrets(text)
    if _YAML_KIND_SECRET.search(text) or re.search(r"^\s*(?:-\s+)?kind:\s*Secret", text, re.MULTILINE):
        text = _redact_yaml_secrets(text)
    return text


def _redact_json_secrets(text: str) -> str:
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            document = json.loads(stripped)
        except ValueError:
            document = None
        if document is not None:
            indent = 4 if "\n    " in stripped else 2 if "\n  " in stripped else None
            return json.dumps(redact_data(document), indent=indent)

    # Not a whole document (a log line, kubectl output in prose): redact every data block.
    def values(match: re.Match[str]) -> str:
        return f'{match.group(1)}"{_SECRET_MARK}"'

    return _JSON_DATA.sub(lambda m: m.group(1) + "{" + _JSON_VALUE.sub(values, m.group(2)) + "}", text)


def _indent(line: str) -> int:
    stripped = line.lstrip(" ")
    spaces = len(line) - len(stripped)
    return spaces + 2 if stripped.startswith("- ") else spaces


def _is_item_start(line: str) -> bool:
    return line.lstrip(" ").startswith("- ")


def _siblings_say_secret(lines: list[str], index: int, level: int) -> bool:
    def sibling(line: str) -> bool | None:  # True: secret, False: keep going, None: stop
        if not line.strip() or line.lstrip().startswith("#"):
            return False
        if line.startswith("---") or _indent(line) < level:
            return None
        return _indent(line) == level and bool(_YAML_KIND_SECRET.match(line))

    start_is_item = _is_item_start(lines[index]) and _indent(lines[index]) == level
    for position in range(index - 1, -1, -1) if not start_is_item else ():
        verdict = sibling(lines[position])
        if verdict is None:
            break
        if verdict:
            return True
        if _is_item_start(lines[position]) and _indent(lines[position]) == level:
            break
    for position in range(index + 1, len(lines)):
        line = lines[position]
        if _is_item_start(line) and _indent(line) == level:
            break
        verdict = sibling(line)
        if verdict is None:
            break
        if verdict:
            return True
    return False


def _redact_yaml_secrets(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        found = _YAML_DATA.match(line)
        index += 1
        if not found or not _siblings_say_secret(lines, index - 1, _indent(line)):
            continue
        if found.group(4):  # flow style: data: {a: b}
            out[-1] = line.replace(found.group(4), _FLOW_VALUE.sub(rf"\1{_SECRET_MARK}", found.group(4)))
            continue
        level = _indent(line)
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > level):
            entry = _YAML_ENTRY.match(lines[index])
            if entry and _indent(lines[index]) > level:
                out.append(f"{entry.group(1)}{entry.group(2)}: {_SECRET_MARK}")
                index += 1
                # a block scalar (key: |) continues on deeper lines: drop them
                while index < len(lines) and lines[index].strip() and _indent(lines[index]) > len(entry.group(1)):
                    index += 1
            else:
                out.append(lines[index])
                index += 1
    return "\n".join(out)
