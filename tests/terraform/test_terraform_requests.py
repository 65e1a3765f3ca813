"""At least 40 requests the project wrote all produce valid output that passes every check.

Rendering, formatting and the Kubernetes checks run per request (fast). Terraform runs once for
the whole table (tf_batch: every bundle a module of one plan; anything the batch cannot settle is
checked alone), and checkov scans the whole table once.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from opsgraph.tools.terraform.parse import parse_request
from opsgraph.tools.terraform.pipeline import write_files
from opsgraph.tools.terraform.render import render
from opsgraph.tools.terraform.report import Validation
from opsgraph.tools.terraform.settings import TerraformSettings
from opsgraph.tools.terraform.validate import Validator

REQUESTS: list[str] = yaml.safe_load((Path(__file__).parent / "requests.yaml").read_text())


def test_the_table_is_large_and_varied() -> None:
    assert len(REQUESTS) >= 40 and len(set(REQUESTS)) == len(REQUESTS)
    kinds = {c.kind for r in REQUESTS for c in parse_request(r).components}
    assert kinds == {"database", "cache", "bucket", "network", "firewall", "gpu_nodes", "role", "workload"}
    regions = {parse_request(r).region for r in REQUESTS}
    assert len(regions) >= 8


@pytest.mark.parametrize("request_text", REQUESTS, ids=[r[:50] for r in REQUESTS])
def test_every_request_renders_formatted_terraform(request_text: str, tf_settings: TerraformSettings) -> None:
    files = render(parse_request(request_text))
    assert "README.md" in files and len(files) >= 2
    for rel, text in files.items():
        if rel.endswith(".tf"):
            done = subprocess.run(
                [tf_settings.binary, "fmt", "-"], input=text, capture_output=True, text=True, check=True
            )
            assert done.stdout == text, f"{rel} is not in terraform fmt style"


@pytest.fixture(scope="module")
def validated(
    tf_settings: TerraformSettings, tf_state: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Validation]:
    base = tmp_path_factory.mktemp("table")
    bundles = {}
    for i, request in enumerate(REQUESTS):
        spec = parse_request(request)
        write_files(base / f"r{i:02d}", render(spec))
        bundles[request] = (base / f"r{i:02d}", spec)
    return Validator(tf_settings, tf_state).validate_many(bundles)


@pytest.mark.slow
@pytest.mark.parametrize("request_text", REQUESTS, ids=[r[:50] for r in REQUESTS])
def test_every_request_validates_plans_and_passes_every_check(
    request_text: str, validated: dict[str, Validation]
) -> None:
    result = validated[request_text]
    failed = [f"{c.id} {c.file}:{c.line} {c.message}" for c in result.checks if not c.passed]
    assert result.valid and not failed, failed
    assert not result.skipped_checks
    sources = {c.source for c in result.checks}
    assert "checkov" in sources
    if any(f.startswith("terraform/") for f in result.files):
        assert {"terraform"} <= sources and result.plan["add"] > 0
        assert {c.id for c in result.checks if c.source == "terraform"} == {"TF_VALIDATE", "TF_PLAN"}
    if any(f.startswith("kubernetes/") for f in result.files):
        assert "K8S_NETPOL_NAMESPACES" in {c.id for c in result.checks}


@pytest.fixture(scope="module")
def one_by_one(
    tf_settings: TerraformSettings, tf_state: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Validation]:
    """Each request alone, as `opsgraph tf generate` validates it (attached providers by default)."""
    base = tmp_path_factory.mktemp("alone")
    validator = Validator(tf_settings, tf_state)
    found = {}
    for i, request in enumerate(REQUESTS):
        spec = parse_request(request)
        write_files(base / f"r{i:02d}", render(spec))
        found[request] = validator.validate(base / f"r{i:02d}", spec)
    return found


def _verdict(v: Validation) -> tuple[object, ...]:
    """Validity, every check (terraform, plan, Kubernetes, checkov passed and failed) with its file
    and line, the plan summary. checkov names files relative to the folder its scanned files share,
    which differs between one bundle and many; checks must name the same file either way."""
    checks = sorted((c.id, c.source, c.passed, c.file or "", c.line or 0, c.resource or "") for c in v.checks)
    return v.valid, checks, v.plan


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the fixture validates every request alone: ~4 s each, ~10 s on a loaded machine
@pytest.mark.parametrize("request_text", REQUESTS, ids=[r[:50] for r in REQUESTS])
def test_a_request_validated_alone_gets_the_verdict_of_the_batch(
    request_text: str, validated: dict[str, Validation], one_by_one: dict[str, Validation]
) -> None:
    alone = one_by_one[request_text]
    assert _verdict(alone) == _verdict(validated[request_text])
    if any(f.startswith("terraform/") for f in alone.files):
        assert "plan" in alone.seconds and "validate+plan" not in alone.seconds, "planned against an attached provider"
