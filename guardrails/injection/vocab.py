"""Words the normaliser may reassemble from obfuscated spellings.

Reassembly is gated on this list so that ordinary tokens (pod names, image tags, `k8s.io`,
`my-service`) are never rewritten: `ign.ore`, `1gn0r3` and `i g n o r e` become `ignore`
because `ignore` is here; `nginx-7d9f` stays as it is because `nginx7d9f` is not.
"""

from __future__ import annotations

_TRIGGERS = """
ignore ignoring ignored disregard disregarding forget forgetting override overriding bypass
bypassing circumvent previous prior above earlier preceding instructions instruction prompt
prompts system rules rule directives guidelines restrictions restricted unrestricted
constraints filters filter unfiltered uncensored censorship jailbreak jailbroken pretend
roleplay persona character developer mode enabled enable reveal print repeat display output
show tell secret secrets password passwords confidential hidden initial original new now
from on assistant obey comply command commands execute approve approved automatically admin
administrator sudo root delete access granted denied everything anything policy policies
safety ethical ethics limits limitations dan evil stop follow following say respond reply
answer message messages context conversation told above below instead task tasks your you
are were what all the and any every these those my me to of no not now must will act
"""

_FUNCTION = """
a an the and or of to in on at for with by from as is are was were be been you your yours
i me my we our us it its this that these those all any each every no not now then than so
but if do does did done have has had will would should shall can could must may might what
which who whom how why when where there here just only also very please tell say give show
write make let new old above below before after again over under into out up down off
"""

_ATTACK_WORDS = """
ignore ignoring disregard forget instructions instruction previous prompt prompts jailbreak jailbroken
bypass override unfiltered uncensored unrestricted restrictions guidelines directives reveal pretend
password secret confidential system developer
"""

TRIGGER_WORDS: frozenset[str] = frozenset(_TRIGGERS.split())
# Reassembling one of these from a disguised spelling is itself a signal worth reporting.
ATTACK_WORDS: frozenset[str] = frozenset(_ATTACK_WORDS.split())
SEGMENT_WORDS: frozenset[str] = TRIGGER_WORDS | frozenset(_FUNCTION.split())
MAX_SEGMENT_WORD = max(len(word) for word in SEGMENT_WORDS)
