"""The router brain: the deterministic planner answers what it is sure of, the model the rest.

- The planner plans every turn first (about a millisecond). When it recognised the request with a
  confidence at or above the threshold, its plan is the answer and the model is never called.
- Open questions go to the model.
- When the model is down, slow (the client's timeouts), its circuit is open, or it misbehaves
  (kubectl text instead of a tool call, calls it could not make valid), the planner's plan is the
  answer after all, and the reply says the model is unavailable. A write the planner was not sure
  of is not proposed in that case: the reply asks the person to say it plainly instead.
- Which brain answered goes in `BrainOutput.extra["answered_by"]` (the plan node records it in
  the audit log); why (`route`, `model_problem`, `note`), the tokens and the cost go there too,
  into the Prometheus metrics, and per user into the token ledger.

The default threshold was chosen on the tuning half of tests/agent/planner_cases.yaml and is
scored on the other half by `opsgraph eval router` (opsgraph.serving.router_eval).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from typing import Any

from langchain_core.messages import AIMessage

from opsgraph.agent.brain import Brain, BrainInput, BrainOutput
from opsgraph.agent.llm.client import LLMUnavailable

log = logging.getLogger(__name__)

# Chosen by opsgraph.serving.router_eval.choose on the tuning half of the router cases (the
# setting that keeps the most turns with the planner while its kept answers are right at least
# TARGET_PRECISION of the time there; the strictest of those that tie); tests/llm/test_router_eval.py
# checks the two agree.
DEFAULT_CONFIDENCE = 0.35
# Longer requests are usually open questions; chosen on the same tuning half, the same way.
DEFAULT_MAX_WORDS = 12
# The planner keeps a request only when at least this share of its words appear in the intent
# examples (Plan.familiarity): words it never met mean it is mapping a question it does not
# understand onto a tool call. Chosen on the same tuning half, the same way.
DEFAULT_MIN_FAMILIARITY = 1.0
# ...and only when the intent model's distribution is peaked enough (Plan.uncertainty, its entropy
# over the maximum): a request that fits no intent spreads over many. Chosen the same way.
DEFAULT_MAX_UNCERTAINTY = 0.75

# Requests that ask for analysis, judgement or writing: the planner maps words to one tool call
# and cannot answer these well, whatever its confidence. Written from the tuning half of the
# router cases (opsgraph.serving.router_eval); the scoring half chose nothing here.
OPEN_CUES = re.compile(
    r"\b(why|explain\w*|compare|draft|(re)?write|suggest|plan|propose|summari[sz]e|figure out|find out"
    r"|should (we|i)|how (do|can|should) (i|we)|risks?|reason about)\b",
    re.IGNORECASE,
)

# A reply that is a shell command instead of a tool call (the classic local-model failure).
_COMMAND_TEXT = re.compile(
    r"(^|\n|`)\s*\$?\s*(kubectl|helm|oc|terraform|docker|curl|systemctl)\s+[a-z-]+|```(bash|sh|shell|console)?\s*\n",
    re.IGNORECASE,
)
_INVALID_CALLS = "I could not form a valid request"


def open_question(text: str) -> bool:
    return OPEN_CUES.search(text) is not None


def keeps(
    text: str,
    intent: str,
    confidence: float,
    threshold: float,
    max_words: int = DEFAULT_MAX_WORDS,
    familiarity: float = 1.0,
    min_familiarity: float = DEFAULT_MIN_FAMILIARITY,
    cues: bool = True,
    uncertainty: float = 0.0,
    max_uncertainty: float = DEFAULT_MAX_UNCERTAINTY,
) -> bool:
    """Whether the planner's plan is the answer (else the model is asked)."""
    if intent == "unknown" or confidence < threshold or len(text.split()) > max_words:
        return False
    if familiarity < min_familiarity or uncertainty > max_uncertainty:
        return False
    return not (cues and open_question(text))


def model_problem(out: BrainOutput) -> str | None:
    """Why the model's answer cannot be used, or None."""
    declared = out.extra.get("model_problem")
    if declared:
        return str(declared)
    if out.extra.get("fallback"):
        return "unavailable"
    if out.message.tool_calls:
        return None
    text = str(out.message.content or "")
    if _COMMAND_TEXT.search(text):
        return "text_instead_of_tool_call"
    if text.startswith(_INVALID_CALLS):
        return "invalid_tool_calls"
    return None


class RouterBrain:
    name = "router"

    def __init__(
        self,
        planner: Brain,
        model: Brain,
        *,
        confidence: float = DEFAULT_CONFIDENCE,
        max_words: int = DEFAULT_MAX_WORDS,
        min_familiarity: float = DEFAULT_MIN_FAMILIARITY,
        max_uncertainty: float = DEFAULT_MAX_UNCERTAINTY,
        registry: Any = None,
        ledger: Any = None,
        prices: Any = None,
        model_name: str = "llm",
    ) -> None:
        self._planner = planner
        self._model = model
        self.confidence = confidence
        self.max_words = max_words
        self.min_familiarity = min_familiarity
        self.max_uncertainty = max_uncertainty
        self._registry = registry
        self._ledger = ledger
        self._prices = prices
        self._model_name = model_name

    def plan(self, request: BrainInput) -> BrainOutput:
        from opsgraph.serving.metrics import LLM_METRICS

        planned = self._planner.plan(request)
        if self.confident(planned, request):
            LLM_METRICS.turns.inc(brain="planner", route="confident")
            return _with_extra(planned, answered_by="planner", route="confident", planner_confidence=planned.confidence)
        before = dict(getattr(self._model, "tokens", {}) or {})
        started = time.perf_counter()
        try:
            answer = self._model.plan(request)
        except LLMUnavailable as exc:
            answer, detail = None, str(exc)
            problem: str | None = "unavailable"
        else:
            assert answer is not None
            problem = model_problem(answer)
            detail = str(answer.extra.get("fallback") or answer.message.content or "")[:200] if problem else ""
        latency = time.perf_counter() - started
        usage = self._account(request, before, latency, "error" if problem else "ok")
        if answer is not None and problem is None:
            LLM_METRICS.turns.inc(brain="llm", route="model")
            return _with_extra(answer, answered_by="llm", route="model", planner_confidence=planned.confidence, **usage)
        log.warning("model not used (%s: %s); the planner answers", problem, detail)
        LLM_METRICS.turns.inc(brain="planner", route=f"fallback:{problem}")
        return self._fallback(planned, str(problem), usage)

    def confident(self, planned: BrainOutput, request: BrainInput) -> bool:
        if request.follow_up is not None and (planned.message.tool_calls or planned.follow_up):
            return True  # the answer to the planner's own question
        if getattr(request, "playbook", None):
            return True  # the planner's investigation in progress: it runs to its end
        familiarity = float(planned.extra.get("planner_familiarity", 1.0))
        return keeps(
            request.text,
            planned.intent,
            planned.confidence,
            self.confidence,
            self.max_words,
            familiarity,
            self.min_familiarity,
            uncertainty=float(planned.extra.get("planner_uncertainty", 0.0)),
            max_uncertainty=self.max_uncertainty,
        )

    def _fallback(self, planned: BrainOutput, problem: str, usage: dict[str, Any]) -> BrainOutput:
        note = {
            "unavailable": "The model is unavailable right now, so the deterministic planner answered.",
            "text_instead_of_tool_call": "The model answered with commands instead of an action I can check, "
            "so the deterministic planner answered.",
            "invalid_tool_calls": "The model could not form a valid request, so the deterministic planner answered.",
        }.get(problem, f"The model's answer could not be used ({problem}), so the deterministic planner answered.")
        extra = {
            **planned.extra,
            "answered_by": f"planner (the model failed: {problem})",
            "route": "fallback",
            "model_problem": problem,
            "note": note,
            "planner_confidence": planned.confidence,
            **usage,
        }
        calls = planned.message.tool_calls
        if calls and self._unsure_write(planned):
            described = "; ".join(f"{c['name']} {c['args']}" for c in calls)
            question = (
                f"{note} I am not sure I understood: did you mean {described}? Say it plainly and I'll propose it."
            )
            return replace(planned, message=AIMessage(question), follow_up=None, wants_more=False, extra=extra)
        content = f"{note}\n{planned.message.content}".strip()
        return replace(planned, message=AIMessage(content, tool_calls=calls), extra=extra)

    def _unsure_write(self, planned: BrainOutput) -> bool:
        if planned.confidence >= self.confidence:
            return False
        if self._registry is None:
            return True
        for call in planned.message.tool_calls:
            tool = self._registry.get(call["name"])
            if tool is None or tool.risk != "read":
                return True
        return False

    def _account(self, request: BrainInput, before: dict[str, int], latency: float, outcome: str) -> dict[str, Any]:
        after = dict(getattr(self._model, "tokens", {}) or {})
        prompt = int(after.get("prompt", 0)) - int(before.get("prompt", 0))
        completion = int(after.get("completion", 0)) - int(before.get("completion", 0))
        cost = self._prices.cost(prompt, completion) if self._prices is not None else 0.0
        user = str(getattr(request, "user", None) or "unknown")
        if self._ledger is not None:
            from opsgraph.serving.accounting import Usage

            self._ledger.record(
                Usage(user, self._model_name, "agent", prompt, completion, round(latency, 4), cost, outcome)
            )
        return {
            "tokens": {"prompt": prompt, "completion": completion},
            "cost_usd": round(cost, 6),
            "model_latency_s": round(latency, 4),
        }


def _with_extra(out: BrainOutput, **extra: Any) -> BrainOutput:
    return replace(out, extra={**out.extra, **extra})
