"""What a text asks its reader to do, as extra classifier features ("@ask:..." pseudo-words).

Word n-grams learn the wording of the corpus; these name the request behind many wordings, so
that a phrasing the corpus never used still lands on a feature it did learn: "reply with the
words X and nothing else" and "your whole answer must be X" are one `@ask:exact-output`. They
describe a request (a role handed to the reader, a reply dictated to it, its own setup asked
for, a claim about who is asking), not an attack: the classifier learns from the corpus how far
each one counts, and benign text (format requests, role-play asks) uses them too.
"""

from __future__ import annotations

import re

_ASKS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(regex))
    for name, regex in (
        # a reply dictated word for word
        (
            "exact-output",
            r"\b(?:say|print|output|type|write|reply|respond|answer|return|repeat)\b[^.\n]{0,40}?"
            r"(?:[\"'“«]|\b(?:only|exactly|verbatim|just)\b)"
            r"|\b(?:nothing|not\s+(?:one|a\s+single)\s+(?:word|thing))\s+(?:else|more|further|before\s+it|after\s+it)\b"
            r"|\b(?:your|the)\s+(?:entire\s+|whole\s+|only\s+|first\s+|next\s+)?(?:reply|response|answer|output)\s+"
            r"(?:must|should|has\s+to|will|is\s+to)\s+be\b",
        ),
        # a role or persona handed to the reader
        (
            "role-given",
            r"\byou\s+(?:are|will\s+be|were)\s+(?:now\s+|no\s+longer\s+)?(?:a|an|the|my)\b"
            r"|\b(?:act|behave|respond|speak)\s+as\s+(?:a|an|the|if|though|my)\b|\b(?:pretend|imagine)\s+(?:to\s+be|you)\b"
            r"|\brole-?play\b|\byour\s+(?:new\s+)?(?:role|job|persona|duty|purpose|task)\s+(?:is|has|now)\b",
        ),
        # the reader's own setup: its instructions, rules, prompt, configuration
        (
            "own-setup",
            r"\byour\s+(?:\w+\s+)?(?:instructions|rules|prompt|setup|configuration|guidelines|programming|directives|"
            r"policy|policies|settings|restrictions|safeguards)\b"
            r"|\b(?:instructions|rules|text|prompt|message)s?\s+(?:above|before\s+this|you\s+(?:were|have\s+been)\s+given)\b",
        ),
        # a claim about time or precedence: "from now on", "new rule", "supersedes"
        (
            "takes-over",
            r"\bfrom\s+(?:now|this\s+(?:point|message|moment))\s+on\b|\bhenceforth\b|\b(?:new|updated)\s+"
            r"(?:rule|instructions?|policy|task|role)\b|\b(?:instead|rather)\s*(?:,|of\s+that)|\bno\s+longer\b"
            r"|\b(?:override|supersede|outrank|precedence|priority)\w*\b",
        ),
        # the asker's standing: owner, admin, verified, authorised, let in
        (
            "asker-standing",
            r"\b(?:i\s+am|i'm|me\s+as|treat\s+me|let\s+me)\s+(?:\w+\s+){0,2}?(?:the\s+)?(?:owner|admin\w*|developer|"
            r"creator|verified|authori[sz]ed|authenticated|in|through|logged\s+in)\b",
        ),
        # a secret the reader holds
        ("held-secret", r"\b(?:password|passphrase|passcode|secret|code\s*word|access\s+code|hidden\s+\w+)\b"),
        # a delimiter drawn from punctuation runs
        ("drawn-boundary", r"[-=#*%~<>\[\]|/_^]{4,}|(?:[-=#*%~<>\[\]|/_^]\s){4,}"),
    )
)


def asks(normalised_text: str) -> list[str]:
    """`@ask:<name>` for every kind of request the (normalised) text makes."""
    return [f"@ask:{name}" for name, pattern in _ASKS if pattern.search(normalised_text)]
