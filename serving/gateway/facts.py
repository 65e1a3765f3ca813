"""What must match exactly before two requests may share a cached answer, whatever their
similarity: negation, polarity words (on/off, up/down, enable/disable...), numbers, versions, and
names (workloads, namespaces, anything that is not a general word).

Embeddings put "turn on X" next to "turn off X" and "scale checkout to 3" next to "... to 4".
The semantic cache only compares entries whose facts are equal, then applies the similarity
threshold. A word counts as a name unless it is in the general vocabulary below: an unknown word
makes the guard stricter (a miss), never looser.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

NAMESPACE_ALIASES = {
    "production": "prod",
    "prd": "prod",
    "stage": "staging",
    "stg": "staging",
    "development": "dev",
}

NEGATIONS = frozenset({"not", "no", "never", "without", "none", "nothing", "nobody", "cannot", "neither", "nor"})

# Words whose opposite changes the answer: each is a fact of its own.
POLAR = frozenset(
    """on off up down enable enabled disable disabled start started stop stopped increase decrease add remove
    allow deny block unblock before after min max minimum maximum above below over under more less fewer higher
    lower first last oldest newest latest earliest success successful fail failed failing failure error errors
    true false open closed close include exclude inside outside read write pass passing
    healthy unhealthy up-to-date outdated old new previous next ready today yesterday tomorrow tonight""".split()
)

# What a question is about: paraphrases may say "service" or "deployment", but a question about
# pods is not one about nodes. Each word maps to its kind; the kinds are a fact.
KINDS = {
    **dict.fromkeys("pod pods".split(), "pod"),
    **dict.fromkeys("node nodes".split(), "node"),
    **dict.fromkeys(
        "deployment deployments service services app apps application applications workload workloads".split(),
        "workload",
    ),
    **dict.fromkeys("replica replicas".split(), "replica"),
    **dict.fromkeys("container containers".split(), "container"),
    **dict.fromkeys("alert alerts alerting".split(), "alert"),
    **dict.fromkeys("incident incidents outage outages".split(), "incident"),
    **dict.fromkeys("log logs logging line lines".split(), "log"),
    **dict.fromkeys("event events".split(), "event"),
    **dict.fromkeys("image images".split(), "image"),
    **dict.fromkeys("version versions release releases".split(), "version"),
    **dict.fromkeys("revision revisions".split(), "revision"),
    **dict.fromkeys("cpu cpus".split(), "cpu"),
    **dict.fromkeys("memory mem ram".split(), "memory"),
    **dict.fromkeys("gpu gpus".split(), "gpu"),
    **dict.fromkeys("disk disks storage".split(), "disk"),
    **dict.fromkeys("latency slow slowness".split(), "latency"),
    **dict.fromkeys("traffic load requests".split(), "traffic"),
    **dict.fromkeys("runbook runbooks".split(), "runbook"),
    **dict.fromkeys("cost costs money spend".split(), "cost"),
}

# General words: they may differ between paraphrases. Everything else is a name.
GENERAL = (
    frozenset(
        """a an the this that these those it its is are was were be been being am do does did doing done have has
    had having will would shall should can could may might must i me my we our us you your he she they them
    their what which who whom whose when where why how whats what's hows how's there here of to for from by with
    at as into onto about across against along among around between through during per via than then so if
    and or but also too very just only please pls kindly quickly now right currently current today yesterday
    tomorrow tonight lately recently again ever still yet all any some each every both few many much most
    other another such same own its one ones thing things stuff something anything everything
    show tell give get list see check look find display print describe explain report summarize summarise
    let know need want like going go gone going is isn't aren't doesn't don't didn't won't can't
    status state health healthy doing going running run runs working work works look looks
    overview summary details info information detail
    service services deployment deployments deploy deployed app apps application applications workload
    workloads pod pods replica replicas container containers instance instances node nodes cluster clusters
    namespace namespaces env environment environments
    log logs logging line lines output message messages event events
    alert alerts alerting firing fire fired incident incidents outage problem problems issue issues
    version versions release releases image images tag tags revision revisions rollout rollouts
    cpu memory mem gpu gpus disk usage utilisation utilization load latency traffic rate rates
    metric metrics graph dashboard anomaly anomalies spike spikes trend
    scale scaled scaling restart restarted rollback rolled roll back
    hour hours minute minutes min mins day days week weeks month months time last past recent since ago
    happening happened going on with up okay ok fine good bad wrong broken right
    currently actual actually really exactly
    hey hi hello thanks thank in out turn set make change update put keep bring take use using can
    anything everything everyone someone people team state states currently overall whole entire
    quick brief short full complete""".split()
    )
    - POLAR
)

_TOKEN = re.compile(r"[a-z0-9][a-z0-9._/:-]*[a-z0-9]|[a-z0-9]")
_VERSION = re.compile(r"^v?\d+(\.\d+)+([.-][a-z0-9]+)*$|^v\d+$")
_NUMBER = re.compile(r"^\d+$")
_WORD_NUMBERS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twice": "2",
    "double": "x2",
    "half": "x0.5",
}


@dataclass(frozen=True)
class Facts:
    negated: bool
    polar: tuple[str, ...]
    kinds: tuple[str, ...]
    numbers: tuple[str, ...]
    versions: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def key(self) -> str:
        """Equal for two texts exactly when all their facts are equal."""
        parts = (self.polar, self.kinds, self.numbers, self.versions, self.names)
        text = "|".join([str(int(self.negated)), *(",".join(p) for p in parts)])
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if n in set(NAMESPACE_ALIASES.values()) | {"prod", "staging", "dev"})


def facts_of(text: str) -> Facts:
    lowered = text.lower().replace("’", "'").replace("n't", " not").replace("'s ", " is ").replace("'re ", " are ")
    negations = 0
    polar_words: set[str] = set()
    kinds: set[str] = set()
    numbers: set[str] = set()
    versions: set[str] = set()
    names: set[str] = set()
    for raw in _TOKEN.findall(lowered):
        token = NAMESPACE_ALIASES.get(raw, raw)
        if token in NEGATIONS:
            negations += 1
        elif token in POLAR:
            polar_words.add(token)
        elif token in KINDS:
            kinds.add(KINDS[token])
        elif _VERSION.match(token):
            versions.add(token.removeprefix("v"))
        elif _NUMBER.match(token):
            numbers.add(str(int(token)))
        elif token in _WORD_NUMBERS:
            numbers.add(_WORD_NUMBERS[token])
        elif token not in GENERAL and not _plural_of_general(token):
            names.add(token)
    return Facts(
        negations % 2 == 1,
        tuple(sorted(polar_words)),
        tuple(sorted(kinds)),
        tuple(sorted(numbers)),
        tuple(sorted(versions)),
        tuple(sorted(names)),
    )


def _plural_of_general(token: str) -> bool:
    return token.endswith("s") and token[:-1] in GENERAL
