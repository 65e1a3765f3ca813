"""Find what a message names: namespaces, workloads (typos allowed), numbers, images, versions.

The same pass produces the masked text the intent model reads ("scale <svc> in <ns> to <num>"),
so the model learns phrasing, not the names of this week's services.
"""

from __future__ import annotations

import re

from opsgraph.agent.planner.text import NUMBER_WORDS, Token, edit_distance, normalize_text, tokenize, typo_budget
from opsgraph.core.inventory import Inventory
from opsgraph.core.planning import Entities, NumberMention

# Words people use for environments, mapped to the namespace names they usually mean.
NAMESPACE_ALIASES = {
    "production": ("prod", "production"),
    "prd": ("prod", "production"),
    "live": ("prod", "production"),
    "stage": ("staging", "stage"),
    "stg": ("staging", "stage"),
    "preprod": ("staging",),
    "development": ("dev", "development"),
    "machine-learning": ("ml",),
}
# Ordinary words that must never be read as a (misspelt) workload or namespace.
STOPWORDS = frozenset(
    """
    a an the to in on of for from with and or but by at it its is are be was were this that these
    those me my we our us you your please now then just also can could would should will shall may
    might do does did done what which who how why when where there here some any all every each more
    less fewer many much scale scaled scaling deploy deployed deploying deployment deployments
    rollout roll rolled rolling back rollback undo revert restart restarted bounce status state logs
    log tail show list get give check what replicas replica pods pod instances copies namespace
    namespaces version versions image tag revision rev release ship push update upgrade downgrade
    set change make bring up down out off start stop kill run running healthy health broken error
    errors failing fail failed crash crashing last previous latest lines line help thanks thank
    hello hi hey cancel never mind okay yes no not don't dont card care cart's start stat stats part
    parts server service services app apps model models
    """.split()
)

# A word right after one of these (or before one of NAME_NOUNS) is meant as a workload name.
NAME_VERBS = frozenset(
    "scale restart bounce deploy redeploy rollback undo revert kill logs of for about describe inspect".split()
)
NAME_NOUNS = frozenset("service services deployment deployments app apps pods pod deploy svc workload".split())
NAMESPACE_CUES = frozenset("namespace ns -n in into to from".split())
# Words that fill a name slot without naming anything ("status of everything").
NOT_NAMES = frozenset(
    """everything anything something cluster stuff things thing them it all past recent recently today
    yesterday tonight morning evening night hour hours minute minutes day days week weeks month general
    order total production staging""".split()
)

_IMAGE = re.compile(r"^[a-z0-9][a-z0-9.\-]*(:\d+)?/[a-z0-9._/\-]+([:@][\w.:\-]+)?$", re.I)
_VERSION = re.compile(r"^v?\d+(\.\d+){1,3}([-+][0-9a-z.\-]+)?$|^v\d+$", re.I)
_POD = re.compile(r"^(?P<deploy>[a-z0-9-]+?)-[a-z0-9]{8,10}-[a-z0-9]{5}$")
_INT = re.compile(r"^[+-]?\d+$")
_INCIDENT = re.compile(r"^inc-[0-9a-f]{4,}$")
_WINDOW = re.compile(r"^(\d+)(s|m|h|d|w)$")
# kubectl-style "deploy/checkout" references.
_KINDS = frozenset({"deploy", "deployment", "deployments", "deployment.apps", "rs", "replicaset", "svc", "service"})


class EntityExtractor:
    def __init__(self, inventory: Inventory, vocabulary: frozenset[str] = frozenset()) -> None:
        self.inventory = inventory
        self._vocabulary = vocabulary  # words the intent model knows: never an unknown name
        # Sorted, never iterated as sets: a typo's match must not depend on the hash seed.
        self._names = frozenset(inventory.names)
        self._namespaces = frozenset(inventory.namespaces)
        self._sorted_names = tuple(sorted(self._names))
        self._sorted_namespaces = tuple(sorted(self._namespaces))
        self._parts = _unique_parts(inventory.names)

    def extract(self, text: str) -> Entities:
        text = normalize_text(text)
        tokens = tokenize(text)
        slots: list[str | None] = [None] * len(tokens)  # placeholder per token, once recognised
        namespaces: list[str] = []
        workloads: list[str] = []
        image: str | None = None
        pod: str | None = None
        incident: str | None = None
        window: str | None = None

        def take(i: int, placeholder: str, span: int = 1) -> None:
            slots[i] = placeholder
            for j in range(i + 1, i + span):
                slots[j] = ""

        for i, tok in enumerate(tokens):
            if slots[i] is not None:
                continue
            if _INCIDENT.match(tok.low):
                incident = tok.low
                take(i, "<inc>")
                continue
            if _WINDOW.match(tok.low):
                window = tok.low
                take(i, "<win>")
                continue
            if ":" in tok.low and not tok.low.startswith("http"):
                head, _, tail = tok.low.partition(":")
                name = self._workload(head)
                if name and tail and not _IMAGE.match(tok.low):
                    workloads.append(name)
                    image = tok.text.split(":", 1)[1]
                    take(i, "<svc> <ver>")
                    continue
            left, equals, right = tok.text.partition("=")
            if equals and (_IMAGE.match(right) or _VERSION.match(right)):
                name = self._workload(left.lower(), fuzzy=False)
                if name:
                    workloads.append(name)
                image = right
                take(i, "<svc> <img>")
                continue
            kind, slash, rest = tok.low.partition("/")
            if slash and kind in _KINDS and self._workload(rest, fuzzy=False):
                workloads.append(str(self._workload(rest, fuzzy=False)))
                take(i, f"{kind} <svc>")
                continue
            if _IMAGE.match(tok.low) and ("/" in tok.low):
                image = tok.text
                take(i, "<img>")
                continue
            pod_match = _POD.match(tok.low)
            if pod_match and self._workload(pod_match.group("deploy"), fuzzy=False):
                workloads.append(pod_match.group("deploy"))
                pod = tok.low
                take(i, "<pod>")
                continue
            span_name = self._multi_token_name(tokens, i)
            if span_name:
                name, span = span_name
                workloads.append(name)
                take(i, "<svc>", span)
                continue
            if tok.low in self._names:
                workloads.append(tok.low)
                take(i, "<svc>")
                continue
            ns = self._namespace(tok.low, fuzzy=False)
            if ns and not self._after_flag(tokens, i, ("image", "tag")):
                namespaces.append(ns)
                take(i, "<ns>")
                continue
            if _VERSION.match(tok.low):
                image = image or tok.text
                take(i, "<ver>")
                continue
        # Second pass: typos and partial names, only on words nothing else claimed.
        for i, tok in enumerate(tokens):
            if slots[i] is not None or not tok.low.isascii() or tok.low in STOPWORDS or _INT.match(tok.low):
                continue
            ns = self._namespace(tok.low, fuzzy=True)
            if ns:
                namespaces.append(ns)
                take(i, "<ns>")
                continue
            name = self._workload(tok.low)
            if name:
                workloads.append(name)
                take(i, "<svc>")
        unknown_names, unknown_namespaces = self._unknown(text, tokens, slots)
        numbers = self._numbers(tokens, slots, text)
        for n in numbers:
            keyed = "=" in tokens[n.index].low
            slots[n.index] = f"{n.before} <num>" if keyed else "<num>"
        masked = " ".join(s if s is not None else t.low for s, t in zip(slots, tokens, strict=True) if s != "")
        return Entities(
            namespaces=tuple(dict.fromkeys(namespaces)),
            workloads=tuple(dict.fromkeys(workloads)),
            numbers=tuple(numbers),
            image=image,
            pod=pod,
            incident=incident,
            window=window or _spelled_window(tokens),
            masked=masked,
            words=tuple(t.low for t in tokens),
            text=text,
            unknown_names=unknown_names,
            unknown_namespaces=unknown_namespaces,
        )

    def _unknown(
        self, text: str, tokens: list[Token], slots: list[str | None]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Words in a name slot ("scale the xyzzy service", "in qa") that name nothing we know.
        They are reported, never replaced by a guess or by the last workload talked about."""
        names: list[str] = []
        namespaces: list[str] = []
        for i, tok in enumerate(tokens):
            word = tok.low
            if slots[i] is not None or word in STOPWORDS or word in NOT_NAMES or word in self._vocabulary:
                continue
            if word in NUMBER_WORDS or _INT.match(word) or _WINDOW.match(word) or any(c in word for c in "_:/=@"):
                continue
            if text[tok.end : tok.end + 1] in ("(", "[", "{"):  # a PromQL function or selector
                continue
            before = _previous_word(tokens, i)
            after = tokens[i + 1].low if i + 1 < len(tokens) else ""
            if before in NAMESPACE_CUES and after not in NAME_NOUNS and before not in NAME_VERBS:
                if before not in ("to", "from") or not _word_has_digit(word):
                    namespaces.append(word)
            elif before in NAME_VERBS or after in NAME_NOUNS:
                names.append(word)
        return tuple(dict.fromkeys(names)), tuple(dict.fromkeys(namespaces))

    # -- recognisers --------------------------------------------------------------------------
    def _namespace(self, word: str, *, fuzzy: bool) -> str | None:
        if word in self._namespaces:
            return word
        for candidate in NAMESPACE_ALIASES.get(word, ()):
            if candidate in self._namespaces:
                return candidate
        if fuzzy and len(word) >= 4:
            close = [ns for ns in self._sorted_namespaces if len(ns) >= 4 and edit_distance(word, ns, 1) <= 1]
            if len(close) == 1:  # one typo from two namespaces is a guess: not taken
                return close[0]
        return None

    def _workload(self, word: str, *, fuzzy: bool = True) -> str | None:
        if word in self._names:
            return word
        if word.endswith("s") and word[:-1] in self._names:
            return word[:-1]
        if not fuzzy or len(word) < 4 or word in STOPWORDS:
            return None
        if word in self._parts:
            return self._parts[word]
        budget = typo_budget(word)
        best: tuple[int, str] | None = None
        tied = False
        for name in self._sorted_names:
            distance = edit_distance(word, name, budget)
            if distance > min(budget, typo_budget(name)):
                continue
            if best is None or distance < best[0]:
                best, tied = (distance, name), False
            elif distance == best[0]:
                tied = True
        # Equally close to two workloads: a guess either way, so neither is taken (the word stays
        # unresolved; in a name slot it is reported as naming nothing we know).
        return best[1] if best and not tied else None

    def _multi_token_name(self, tokens: list[Token], i: int) -> tuple[str, int] | None:
        """ "search api" -> search-api, "fraud model server" -> fraud-model-server."""
        for span in (3, 2):
            words = [t.low for t in tokens[i : i + span]]
            if len(words) < span or any(not w.isalpha() for w in words):
                continue
            for joined in ("-".join(words), "".join(words)):
                if joined in self._names:
                    return joined, span
                if len(joined) >= 8 and not any(w in STOPWORDS for w in words):
                    name = self._workload(joined)
                    if name and "-" in name:
                        return name, span
        return None

    @staticmethod
    def _after_flag(tokens: list[Token], i: int, flags: tuple[str, ...]) -> bool:
        return i > 0 and tokens[i - 1].low in flags

    @staticmethod
    def _numbers(tokens: list[Token], slots: list[str | None], text: str = "") -> list[NumberMention]:
        """Every number, with its sign as written: the tokenizer drops a leading "-", so it is read
        back from the text ("scale to -1" is -1, never 1; the planner refuses it, see
        `number_problem`). Values are exact, however large; the planner bounds them."""
        found = []
        for i, tok in enumerate(tokens):
            if slots[i] is not None:
                continue
            value: int | None = None
            if _INT.match(tok.low):
                value = int(tok.low)
            elif tok.low.startswith("x") and tok.low[1:].isdigit():
                value = int(tok.low[1:])
            elif tok.low in NUMBER_WORDS and tok.low not in ("a", "an"):
                value = NUMBER_WORDS[tok.low]
            elif "=" in tok.low and _INT.match(tok.low.split("=", 1)[1]):
                value = int(tok.low.split("=", 1)[1])
                before = tok.low.split("=", 1)[0].lstrip("-")
                after = tokens[i + 1].low if i + 1 < len(tokens) else ""
                found.append(NumberMention(value, i, before, after))
                continue
            if value is None:
                continue
            if value > 0 and _minus_before(text, tok.start):
                value = -value
            before = tokens[i - 1].low if i > 0 else ""
            after = tokens[i + 1].low if i + 1 < len(tokens) else ""
            found.append(NumberMention(value, i, before.lstrip("-"), after))
        return found


# The largest count or revision any Kubernetes field takes (int32 replicas); nothing larger is
# a request opsgraph can carry out, and it is never passed on (it would not even serialise).
MAX_NUMBER = 2**31 - 1
_MINUS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash


def _minus_before(text: str, start: int) -> bool:
    """A sign directly before the digits, itself not inside a word ("-3", not "web-3")."""
    if start == 0 or text[start - 1] not in _MINUS:
        return False
    return start == 1 or not (text[start - 2].isalnum() or text[start - 2] in "_.")


def number_problem(ents: Entities) -> str | None:
    """Why a number in the message cannot be used as written, or None. A negative count or
    revision is refused rather than read as positive; a number beyond any API limit is refused
    rather than passed on."""
    for n in ents.numbers:
        if n.value < 0:
            return (
                f"I can't use {n.value}: a count, replica number or revision is never negative, and I don't "
                "drop the minus sign. Say it another way, e.g. 'scale checkout to 2' or 'remove 3 pods'."
            )
        if n.value > MAX_NUMBER:
            shown = str(n.value) if n.value < 10**30 else f"a {len(str(n.value))}-digit number"
            return f"I can't use {shown}: it is larger than any count Kubernetes accepts (at most {MAX_NUMBER:,})."
    return None


def _previous_word(tokens: list[Token], i: int) -> str:
    """The word before token i, looking past articles ("scale the xyzzy service")."""
    j = i - 1
    while j >= 0 and tokens[j].low in ("the", "a", "an", "my", "our", "this", "that"):
        j -= 1
    return tokens[j].low if j >= 0 else ""


def _word_has_digit(word: str) -> bool:
    return any(c.isdigit() for c in word)


def _spelled_window(tokens: list[Token]) -> str | None:
    """ "last 6 hours" -> 6h, "past day" -> 1d."""
    units = {
        "minute": "m",
        "minutes": "m",
        "hour": "h",
        "hours": "h",
        "day": "d",
        "days": "d",
        "week": "w",
        "weeks": "w",
    }
    for i, tok in enumerate(tokens):
        unit = units.get(tok.low)
        if unit is None:
            continue
        before = tokens[i - 1].low if i else ""
        if before.isdigit():
            return f"{before}{unit}"
        if before in NUMBER_WORDS and before not in ("a", "an"):
            return f"{NUMBER_WORDS[before]}{unit}"
        if before in ("last", "past", "a", "an", "the", "one"):
            return f"1{unit}"
    return None


def _unique_parts(names: list[str]) -> dict[str, str]:
    """Hyphen parts that name exactly one workload ("gateway" -> llm-gateway)."""
    owners: dict[str, set[str]] = {}
    for name in names:
        for part in name.split("-"):
            if len(part) >= 4 and part not in STOPWORDS:
                owners.setdefault(part, set()).add(name)
    return {part: next(iter(o)) for part, o in owners.items() if len(o) == 1 and part not in names}
