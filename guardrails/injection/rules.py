"""Hand-written rules for known attack families, over normalised (lower-case) text.

Each rule carries a weight: the probability-like strength of its evidence on its own. Strong
rules (>= 0.8) decide alone; medium ones need the classifier or another rule to agree. The
patterns describe the grammar of an attack (a verb aimed at the assistant's own instructions,
a chat-template token, a tool call in data), not particular sentences, so that ops requests
full of the same words ("ignore the flaky test", "override the default replicas") do not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsgraph.guardrails.injection import patterns as p


@dataclass(frozen=True)
class Rule:
    family: str
    name: str
    pattern: re.Pattern[str]
    weight: float
    hints: tuple[str, ...] = ()  # the regex can only match if one of these substrings occurs

    def search(self, text: str) -> re.Match[str] | None:
        if self.hints and not any(hint in text for hint in self.hints):
            return None  # cheap substring checks spare the regex engine on long text
        return self.pattern.search(text)


@dataclass(frozen=True)
class Hit:
    family: str
    name: str
    weight: float
    excerpt: str

    @property
    def reason(self) -> str:
        return f"rule:{self.family}:{self.name}"


def _rule(family: str, name: str, regex: str, weight: float) -> Rule:
    return Rule(family, name, re.compile(regex, re.MULTILINE), weight, tuple(_HINTS.get(name, "").split()))


_OVERRIDE_VERBS = (
    "ignor disregard forget neglect discard dismiss abandon overrid overwrit bypass circumvent nullify aside "
    "throw attention heed mind follow obey erase wipe scrap ditch"
)
_AI_WORDS = "ai a.i. assistant llm model chatbot bot agent copilot gpt claude gemini opsgraph automated"
# For each rule, substrings at least one of which any match must contain (tests check this).
_HINTS: dict[str, str] = {
    "ignore-previous-instructions": _OVERRIDE_VERBS,
    "ignore-your-instructions": _OVERRIDE_VERBS,
    "ignore-the-instructions": _OVERRIDE_VERBS,
    "ignore-everything-above": _OVERRIDE_VERBS,
    "ignore-all-orders": _OVERRIDE_VERBS,
    "forget-the-rules": "forgot forget",
    "steer-the-response": "response answer reply output summary explanation elucidation message solution",
    "code-to-carry": "following below subsequent next attached",
    "malicious-code-shape": "dup2 /bin/ fork :() clip .ssh private id_rsa /etc/",
    "slip-into-answer": "response answer reply output summary explanation elucidation message solution",
    "false-content": "untrue false fake fabricated misleading deceptive bogus made-up",
    "instructions-void": ("instruction prompt directive direction guideline programming guardrail command rules"),
    "new-instructions": "instruction directive system orders task role goal objective purpose job mission",
    "from-now-on": "now henceforth point moment rest",
    "multilingual-override": (
        "ignor vergiss vergessen missacht oubli tiens olvid descart omit sigas dimentic trascur esquec "
        "desconsider negeer vergeet игнор проигнор забуд 忽略 无视 忘记 忘掉 理会 忽視 無視 忘れ 무시 잊"
    ),
    "named-jailbreak": (
        "anything dan stan dude betterdan antigpt anti-gpt evil devmode mongo chaosgpt jailbr developer machiavellian"
    ),
    "unrestricted-persona": (
        "without no free bound ignores bypasses follow care unfiltered uncensored unrestricted unaligned "
        "amoral "
        "jailbroken unhinged limitless rule-free unshackled"
    ),
    "special-mode": "mode",
    "no-restrictions": "restriction limitation filter censorship boundaries safeguard polic guidelines",
    "pretend": "pretend imagine suppose act behave respond role you",
    "stay-in-character": "character refuse decline apologi warning disclaimer two",
    "your-system-prompt": "your",
    "the-system-prompt": "prompt message instruction",
    "repeat-text-above": "repeat print output reproduce echo recite spell write return copy start begin",
    "what-were-your-instructions": "what how",
    "chat-template-token": "<| <",
    "inst-tag": "inst sys",
    "role-heading": "system admin developer instruction response input",
    "end-of-input": "end begin start new real actual updated system admin",
    "system-fence": "``` '''",
    "system-label": "system admin developer",
    "fake-transcript": ":",
    "forced-output": "\" ' “ « `",
    "hijack-phrase": "pwned hacked",
    "guard-bypass": "me my the this any every whatever check verification prompt step",
    "priority-claim": "outrank supersed precedence priority important your all assistant model",
    "access-granted": "access",
    "shape-your-response": (
        "your response reply answer output summary base64 rot hex binary morse emoji pig leet reverse caesar"
    ),
    "tool-call-json": "tool function action recipient name k8s_ model_ gpu_",
    "call-write-tool": "k8s_ model_ gpu_",
    "call-any-tool": "k8s_ model_ gpu_ drift_ alerts_ incident_ anomaly_ terraform_ runbook_",
    "auto-approve": "approv confirm accept authori grant",
    "skip-approval": "approval confirmation sign",
    "approve-anything": "approv authori confirm",
    "run-destructive-command": "kubectl helm rm terraform drop curl",
    "send-secrets-out": "http www @ ftp server url address endpoint webhook ![",
    "ask-for-credentials": "password credential card ssn social bank login pin otp 2fa api seed",
    "malware-terms": (
        "keylog keystroke clipboard browser /etc/ .ssh reverse backdoor ransom fork rm miner mining botnet"
    ),
    "addresses-the-ai": _AI_WORDS,
    "if-you-are-an-ai": _AI_WORDS,
    "when-summarising": "when",
    "tell-the-user": "user reader customer visitor human person",
    "assistant-must-act": "assistant ai agent bot opsgraph llm model",
    "you-must-act": "you",
}


CHAT_RULES: tuple[Rule, ...] = (
    # instruction override
    _rule("override", "ignore-previous-instructions", p.IGNORE_PREVIOUS, 0.92),
    _rule("override", "ignore-your-instructions", p.IGNORE_YOURS, 0.9),
    _rule("override", "ignore-the-instructions", p.IGNORE_GENERIC, 0.35),
    _rule("override", "ignore-everything-above", p.IGNORE_ABOVE, 0.45),
    _rule("override", "ignore-all-orders", p.IGNORE_ALL_ORDERS, 0.85),
    _rule("override", "forget-the-rules", p.FORGET_THE_RULES, 0.85),
    _rule("override", "instructions-void", p.INSTRUCTIONS_VOID, 0.85),
    _rule("override", "new-instructions", p.NEW_INSTRUCTIONS, 0.6),
    _rule("override", "from-now-on", p.FROM_NOW_ON, 0.35),
    _rule("override", "multilingual-override", p.MULTILINGUAL_OVERRIDE, 0.9),
    # persona switching and jailbreaks
    _rule("persona", "named-jailbreak", p.NAMED_JAILBREAK, 0.9),
    _rule("persona", "unrestricted-persona", p.UNRESTRICTED_PERSONA, 0.85),
    _rule("persona", "special-mode", p.SPECIAL_MODE, 0.45),
    _rule("persona", "no-restrictions", p.NO_RESTRICTIONS, 0.35),
    _rule("persona", "pretend", p.PRETEND, 0.05),
    _rule("persona", "stay-in-character", p.STAY_IN_CHARACTER, 0.3),
    # system prompt extraction
    _rule("extraction", "your-system-prompt", p.EXTRACT_YOURS, 0.9),
    _rule("extraction", "the-system-prompt", p.EXTRACT_THE_PROMPT, 0.45),
    _rule("extraction", "repeat-text-above", p.REPEAT_ABOVE, 0.8),
    _rule("extraction", "what-were-your-instructions", p.WHAT_WERE_INSTRUCTIONS, 0.88),
    # fake delimiters
    _rule("delimiter", "chat-template-token", p.CHAT_TEMPLATE_TOKEN, 0.92),
    _rule("delimiter", "inst-tag", p.INST_TAG, 0.8),
    _rule("delimiter", "role-heading", p.ROLE_HEADING, 0.7),
    _rule("delimiter", "end-of-input", p.END_OF_INPUT, 0.5),
    _rule("delimiter", "system-fence", p.SYSTEM_FENCE, 0.75),
    _rule("delimiter", "system-label", p.SYSTEM_LABEL, 0.3),
    _rule("delimiter", "fake-transcript", p.FAKE_TRANSCRIPT, 0.5),
    # output hijacking
    _rule("hijack", "forced-output", p.FORCED_OUTPUT, 0.45),
    _rule("hijack", "hijack-phrase", p.HIJACK_PHRASE, 0.7),
    _rule("hijack", "access-granted", p.ACCESS_GRANTED, 0.3),
    _rule("hijack", "shape-your-response", p.SHAPE_RESPONSE, 0.2),
    # the reader's own gate: treat the check as passed, call the asker verified
    _rule("hijack", "guard-bypass", p.GUARD_BYPASS, 0.55),
    _rule("override", "priority-claim", p.PRIORITY_CLAIM, 0.5),
    # content that harms the people reading the answer, whoever asked for it
    _rule("steering", "false-content", p.FALSE_CONTENT, 0.6),
    _rule("steering", "slip-into-answer", p.SLIP_INTO_ANSWER, 0.6),
    # medium in chat (a person may paste a snippet to use); strong in data, below
    _rule("steering", "code-to-carry", p.CODE_INSERT, 0.3),
    # tool-call smuggling
    _rule("tool-smuggling", "tool-call-json", p.TOOL_CALL_JSON, 0.85),
    _rule("tool-smuggling", "call-write-tool", p.CALL_WRITE_TOOL, 0.5),
    _rule("tool-smuggling", "auto-approve", p.AUTO_APPROVE, 0.8),
    _rule("tool-smuggling", "skip-approval", p.SKIP_APPROVAL, 0.4),
    # data theft
    _rule("exfiltration", "send-secrets-out", p.EXFILTRATE, 0.8),
    _rule("exfiltration", "ask-for-credentials", p.PHISH_CREDENTIALS, 0.55),
    _rule("malicious-code", "malware-terms", p.MALICIOUS_CODE, 0.3),
    _rule("malicious-code", "malicious-code-shape", p.MALICIOUS_CODE_SHAPE, 0.45),
)

# Extra rules for content nobody typed to the assistant on purpose (alerts, logs, tool output):
# there, any instruction aimed at an AI reader is an attack.
UNTRUSTED_RULES: tuple[Rule, ...] = (
    _rule("indirect", "addresses-the-ai", p.ADDRESS_AI, 0.75),
    _rule("indirect", "if-you-are-an-ai", p.IF_YOU_ARE_AI, 0.92),
    _rule("indirect", "when-summarising", p.WHEN_SUMMARISING, 0.35),
    _rule("indirect", "shape-your-response", p.SHAPE_RESPONSE, 0.55),
    _rule("indirect", "tell-the-user", p.TELL_THE_USER, 0.45),
    _rule("indirect", "assistant-must-act", p.ASSISTANT_MUST_ACT, 0.85),
    _rule("indirect", "you-must-act", p.YOU_MUST_ACT, 0.3),
    _rule("tool-smuggling", "call-any-tool", p.CALL_ANY_TOOL, 0.8),
    _rule("tool-smuggling", "approve-anything", p.APPROVE_ANYTHING, 0.5),
    _rule("tool-smuggling", "run-destructive-command", p.RUN_DESTRUCTIVE, 0.4),
    _rule("malicious-code", "malware-terms", p.MALICIOUS_CODE, 0.5),
    _rule("steering", "steer-the-response", p.STEER_RESPONSE, 0.75),
    _rule("steering", "code-to-carry", p.CODE_INSERT, 0.75),
    _rule("malicious-code", "malicious-code-shape", p.MALICIOUS_CODE_SHAPE, 0.7),
)


def match(text: str, rules: tuple[Rule, ...]) -> list[Hit]:
    hits: list[Hit] = []
    for rule in rules:
        found = rule.search(text)
        if found:
            hits.append(Hit(rule.family, rule.name, rule.weight, found.group(0)[:80]))
    return hits
