"""The model path: an OpenAI-compatible model (vLLM) drafts Terraform for what the templates do not
cover, and the same validation repairs or rejects it: each failed check (with file and line) goes
back to the model, a few rounds at most. Nothing the model wrote is handed over unvalidated."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgraph.tools.terraform.report import Validation
from opsgraph.tools.terraform.validate import Validator

SYSTEM = (
    "You write Terraform for AWS (provider hashicorp/aws ~> 5.0). Answer with one ```hcl code block "
    "holding a complete configuration (terraform and provider blocks included) and nothing else. "
    "Never open a database or cache to 0.0.0.0/0; encrypt storage; keep buckets private with a public "
    "access block; keep backups; no hard-coded secrets; no data sources that need an AWS account."
)
_FENCE = re.compile(r"```(?:hcl|terraform|tf)?\s*\n(.*?)```", re.S | re.I)


class ModelUnavailable(RuntimeError):
    """The model endpoint could not be reached or answered with an error."""


@dataclass(frozen=True)
class ModelClient:
    base_url: str
    model: str
    api_key: str = "EMPTY"
    timeout_s: float = 120.0

    @classmethod
    def from_settings(cls, settings: Any) -> ModelClient:
        return cls(settings.llm_base_url.rstrip("/"), settings.llm_model, settings.llm_api_key)

    def complete(self, messages: list[dict[str, str]]) -> str:
        import httpx

        body = {"model": self.model, "messages": messages, "temperature": 0.0, "max_tokens": 4096}
        headers = {"Authorization": f"Bearer {self.api_key}"}
        try:
            response = httpx.post(
                f"{self.base_url}/chat/completions", json=body, headers=headers, timeout=self.timeout_s
            )
        except httpx.HTTPError as exc:
            raise ModelUnavailable(f"model endpoint {self.base_url} unreachable: {exc}") from exc
        if response.status_code != 200:
            raise ModelUnavailable(f"model endpoint answered {response.status_code}: {response.text[:300]}")
        content = (response.json().get("choices") or [{}])[0].get("message", {}).get("content")
        return str(content or "")


def extract_hcl(reply: str) -> str:
    blocks = _FENCE.findall(reply)
    return "\n\n".join(b.strip() for b in blocks) + "\n" if blocks else reply.strip() + "\n"


def feedback(validation: Validation) -> str:
    lines = ["The configuration failed validation. Fix every problem and answer with the whole corrected file:"]
    for check in validation.failed[:20]:
        where = f"{check.file}:{check.line}" if check.file and check.line else (check.file or "")
        lines.append(f"- [{check.id}] {where} {check.message}".rstrip())
    return "\n".join(lines)


@dataclass(frozen=True)
class Drafted:
    root: Path
    validation: Validation
    rounds: int


def draft_and_repair(request: str, llm: Any, validator: Validator, stage: Path, rounds: int) -> Drafted:
    """Draft, validate, feed the failures back; stop at the first valid draft or after `rounds`."""
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": request}]
    validation: Validation | None = None
    for attempt in range(1, rounds + 1):
        reply = llm.complete(messages)
        shutil.rmtree(stage, ignore_errors=True)
        (stage / "terraform").mkdir(parents=True)
        (stage / "terraform" / "main.tf").write_text(extract_hcl(reply), encoding="utf-8")
        validator.runner().fmt(stage / "terraform")
        validation = validator.validate(stage, None, generator="llm")
        if validation.valid:
            (stage / "README.md").write_text(_readme(request, attempt), encoding="utf-8")
            validation = validation.model_copy(update={"files": [*validation.files, "README.md"]})
            return Drafted(stage, validation, attempt)
        messages += [{"role": "assistant", "content": reply}, {"role": "user", "content": feedback(validation)}]
    assert validation is not None
    return Drafted(stage, validation, rounds)


def _readme(request: str, rounds: int) -> str:
    return (
        "# Drafted by a model, validated by opsgraph\n\n"
        f"Request: {request}\n\n"
        "The templates do not cover this request, so the configured model drafted `terraform/main.tf`. "
        f"It passed terraform validate and plan (offline), checkov and opsgraph's checks after {rounds} "
        "round(s). Review it before applying.\n"
    )
