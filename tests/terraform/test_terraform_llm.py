"""The model path against a local OpenAI-compatible server (tests/support/fake_vllm.py) standing in
for vLLM, which cannot run here: broken HCL first, repaired HCL second; and a model that never
gets it right is rejected, with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgraph.tools.terraform.draft import ModelClient
from opsgraph.tools.terraform.pipeline import generate
from opsgraph.tools.terraform.settings import TerraformSettings
from tests.support.fake_vllm import FakeVLLM, say

pytestmark = [pytest.mark.slow, pytest.mark.llm]

REQUEST = "an encrypted SQS queue for order events in us-east-1"
BROKEN = """```hcl
provider "aws" {
  region = "us-east-1"
}

resource "aws_sqs_queue" "orders" {
  name = "order-events"
  kms_master_key_id = aws_kms_key.orders.arn
```"""
GOOD = """Here is the corrected configuration:
```hcl
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_kms_key" "orders" {
  description             = "order events queue"
  deletion_window_in_days = 30
  enable_key_rotation     = true
}

resource "aws_sqs_queue" "orders" {
  name                      = "order-events"
  kms_master_key_id         = aws_kms_key.orders.arn
  message_retention_seconds = 345600
}
```"""


def _generate(fake: FakeVLLM, out: Path, settings: TerraformSettings, state: Path):  # type: ignore[no-untyped-def]
    client = ModelClient(fake.base_url, fake.model)
    return generate(REQUEST, out, settings, state, brain="llm", llm=client)


def test_broken_hcl_is_repaired_from_the_validation_errors(
    tmp_path: Path, tf_settings: TerraformSettings, tf_state: Path
) -> None:
    with FakeVLLM([say(BROKEN), say(GOOD)]) as fake:
        outcome = _generate(fake, tmp_path / "out", tf_settings, tf_state)
        requests = list(fake.requests)
    assert outcome.validation is not None and outcome.validation.valid, outcome.validation
    assert outcome.rounds == 2 and len(requests) == 2
    repair = requests[1]["messages"][-1]["content"]
    assert "failed validation" in repair and "terraform/main.tf:" in repair, repair
    assert requests[1]["messages"][-2] == {"role": "assistant", "content": BROKEN}
    written = (tmp_path / "out" / "terraform" / "main.tf").read_text()
    assert 'resource "aws_sqs_queue" "orders"' in written and "AKIA" not in written
    assert outcome.written == ["README.md", "terraform/main.tf"]
    assert outcome.validation.generator == "llm" and outcome.validation.plan["add_by_type"] == {
        "aws_kms_key": 1,
        "aws_sqs_queue": 1,
    }


def test_a_model_that_never_produces_valid_hcl_is_rejected_and_nothing_is_written(
    tmp_path: Path, tf_settings: TerraformSettings, tf_state: Path
) -> None:
    settings = tf_settings.model_copy(update={"llm_rounds": 2})
    with FakeVLLM([say(BROKEN), say(BROKEN)]) as fake:
        outcome = _generate(fake, tmp_path / "out", settings, tf_state)
    assert outcome.validation is not None and not outcome.validation.valid
    assert outcome.rounds == 2 and outcome.written == []
    assert not (tmp_path / "out").exists()
    failed = [c for c in outcome.validation.checks if not c.passed]
    assert failed and failed[0].id == "TF_VALIDATE" and failed[0].file == "terraform/main.tf" and failed[0].line
