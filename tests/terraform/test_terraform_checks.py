"""The checks themselves: each must fail on the mistake it exists for (fast; no terraform run)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from opsgraph.tools.terraform import k8s_checks, plan_checks
from opsgraph.tools.terraform.offline import aws_provider_aliases
from opsgraph.tools.terraform.pipeline import plan_files, write_files
from opsgraph.tools.terraform.settings import TerraformSettings
from opsgraph.tools.terraform.tf_batch import project
from tests.terraform.conftest import SEED, SEED_TREE


@pytest.fixture
def seed_bundle(tmp_path: Path) -> Path:
    _, files = plan_files(SEED, TerraformSettings())
    write_files(tmp_path, files)
    return tmp_path


def test_the_seed_renders_the_seed_file_tree_deterministically() -> None:
    _, first = plan_files(SEED, TerraformSettings())
    _, second = plan_files(SEED, TerraformSettings())
    assert set(first) == SEED_TREE
    assert first == second
    readme = first["README.md"]
    assert SEED in readme and "30 days" in readme and "backend" in readme and "us-east-1" in readme


def test_the_seed_manifests_match_the_kubernetes_models_and_admit_only_backend(seed_bundle: Path) -> None:
    checks = k8s_checks.run(seed_bundle, {"postgres": ("backend",)})
    assert checks and all(c.passed for c in checks), [c for c in checks if not c.passed]
    kinds = {c.resource.split("/")[0] for c in checks if c.id == "K8S_SCHEMA" and c.resource}
    assert {"StatefulSet", "Service", "NetworkPolicy", "CronJob", "ConfigMap", "ServiceAccount"} <= kinds


def _edit(root: Path, rel: str, change: Any) -> None:
    path = root / rel
    docs = list(yaml.safe_load_all(path.read_text()))
    change(docs)
    path.write_text("---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs))


@pytest.mark.parametrize(
    ("what", "change", "failing"),
    [
        (
            "a second namespace",
            lambda d: d[0]["spec"]["ingress"][0]["from"].append(
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "frontend"}}}
            ),
            "K8S_NETPOL_NAMESPACES",
        ),
        (
            "every namespace",
            lambda d: d[0]["spec"]["ingress"][0]["from"].append({"namespaceSelector": {}}),
            "K8S_NETPOL_RESTRICTED",
        ),
        ("no from at all", lambda d: d[0]["spec"]["ingress"][0].pop("from"), "K8S_NETPOL_RESTRICTED"),
        (
            "an address block",
            lambda d: d[0]["spec"]["ingress"][1]["from"].append({"ipBlock": {"cidr": "0.0.0.0/0"}}),
            "K8S_NETPOL_RESTRICTED",
        ),
        (
            "another label",
            lambda d: d[0]["spec"]["ingress"][0]["from"].__setitem__(
                0, {"namespaceSelector": {"matchLabels": {"team": "backend"}}}
            ),
            "K8S_NETPOL_RESTRICTED",
        ),
    ],
)
def test_a_network_policy_that_admits_more_than_the_named_namespaces_fails(
    seed_bundle: Path, what: str, change: Any, failing: str
) -> None:
    _edit(seed_bundle, "kubernetes/networkpolicy.yaml", change)
    failed = [c for c in k8s_checks.run(seed_bundle, {"postgres": ("backend",)}) if not c.passed]
    assert failing in {c.id for c in failed}, what
    assert all(c.file == "kubernetes/networkpolicy.yaml" for c in failed)


def test_an_unknown_field_is_reported_with_its_file_and_line(seed_bundle: Path) -> None:
    _edit(seed_bundle, "kubernetes/statefulset.yaml", lambda d: d[1]["spec"].__setitem__("replica", 3))
    failed = [c for c in k8s_checks.run(seed_bundle, {"postgres": ("backend",)}) if not c.passed]
    assert [c.id for c in failed] == ["K8S_SCHEMA"]
    text = (seed_bundle / "kubernetes/statefulset.yaml").read_text().splitlines()
    assert failed[0].file == "kubernetes/statefulset.yaml" and failed[0].line is not None
    assert text[failed[0].line - 1].strip().startswith("replica:")
    assert "unknown field 'replica'" in failed[0].message


def test_a_wrong_type_and_a_missing_required_field_fail(seed_bundle: Path) -> None:
    _edit(seed_bundle, "kubernetes/service.yaml", lambda d: d[0]["spec"]["ports"][0].__setitem__("port", "five"))
    _edit(seed_bundle, "kubernetes/backup-cronjob.yaml", lambda d: d[1]["spec"].pop("schedule"))
    failed = {c.file: c.message for c in k8s_checks.run(seed_bundle, {"postgres": ("backend",)}) if not c.passed}
    assert "expected int" in failed["kubernetes/service.yaml"]
    assert "schedule" in failed["kubernetes/backup-cronjob.yaml"]


# -- our plan checks, on plan JSON shaped as `terraform show -json` writes it ----------------------


def _plan(*resources: dict[str, Any], config: dict[str, dict[str, list[str]]] | None = None) -> dict[str, Any]:
    conf = [
        {"address": a, "expressions": {k: {"references": v} for k, v in refs.items()}}
        for a, refs in (config or {}).items()
    ]
    return {
        "planned_values": {"root_module": {"resources": list(resources)}},
        "configuration": {"root_module": {"resources": conf}},
    }


def _res(type_: str, name: str, **values: Any) -> dict[str, Any]:
    return {"address": f"{type_}.{name}", "type": type_, "name": name, "values": values}


GOOD_DB = {
    "publicly_accessible": False,
    "storage_encrypted": True,
    "backup_retention_period": 30,
    "deletion_protection": True,
}
WHERE = {"aws_db_instance.db": ("terraform/database.tf", 12)}


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        ({"publicly_accessible": True}, "OG_DB_PRIVATE"),
        ({"storage_encrypted": False}, "OG_ENCRYPTED"),
        ({"backup_retention_period": 7}, "OG_BACKUP_RETENTION"),
        ({"deletion_protection": False}, "OG_DELETION_PROTECTION"),
    ],
)
def test_plan_checks_fail_on_the_database_mistake_they_exist_for(change: dict[str, Any], failing: str) -> None:
    expect = plan_checks.Expectations(environment="prod", retention_days=30)
    assert all(c.passed for c in plan_checks.run(_plan(_res("aws_db_instance", "db", **GOOD_DB)), WHERE, expect))
    checks = plan_checks.run(_plan(_res("aws_db_instance", "db", **(GOOD_DB | change))), WHERE, expect)
    failed = [c for c in checks if not c.passed]
    assert [c.id for c in failed] == [failing]
    assert (failed[0].file, failed[0].line) == ("terraform/database.tf", 12)


def test_deletion_protection_is_required_only_in_prod() -> None:
    db = _res("aws_db_instance", "db", **(GOOD_DB | {"deletion_protection": False}))
    assert all(c.passed for c in plan_checks.run(_plan(db), WHERE, plan_checks.Expectations(environment="dev")))


@pytest.mark.parametrize(
    "rule",
    [
        _res(
            "aws_vpc_security_group_ingress_rule",
            "db",
            cidr_ipv4="0.0.0.0/0",
            from_port=5432,
            to_port=5432,
            ip_protocol="tcp",
        ),
        _res(
            "aws_security_group",
            "db",
            ingress=[{"cidr_blocks": ["0.0.0.0/0"], "from_port": 0, "to_port": 0, "protocol": "-1"}],
        ),
        _res(
            "aws_security_group_rule",
            "cache",
            type="ingress",
            cidr_blocks=["0.0.0.0/0"],
            from_port=6000,
            to_port=7000,
            protocol="tcp",
        ),
    ],
)
def test_a_data_port_open_to_the_internet_fails(rule: dict[str, Any]) -> None:
    checks = plan_checks.run(_plan(_res("aws_db_instance", "db", **GOOD_DB), rule), {}, plan_checks.Expectations())
    assert "OG_NO_WORLD_DATA_PORTS" in {c.id for c in checks if not c.passed}


def test_the_same_port_open_to_a_private_range_passes() -> None:
    rule = _res("aws_vpc_security_group_ingress_rule", "db", cidr_ipv4="10.0.0.0/8", from_port=5432, to_port=5432)
    checks = plan_checks.run(_plan(_res("aws_db_instance", "db", **GOOD_DB), rule), {}, plan_checks.Expectations())
    assert all(c.passed for c in checks)


def test_buckets_need_a_full_public_access_block_and_no_public_acl() -> None:
    bucket = _res("aws_s3_bucket", "b", bucket="x")
    block = _res(
        "aws_s3_bucket_public_access_block",
        "b",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    sse = _res("aws_s3_bucket_server_side_encryption_configuration", "b")
    refs = {
        "aws_s3_bucket_public_access_block.b": {"bucket": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]},
        "aws_s3_bucket_server_side_encryption_configuration.b": {"bucket": ["aws_s3_bucket.b.id", "aws_s3_bucket.b"]},
    }
    expect = plan_checks.Expectations()
    assert all(c.passed for c in plan_checks.run(_plan(bucket, block, sse, config=refs), {}, expect))
    half = copy.deepcopy(block)
    half["values"]["restrict_public_buckets"] = False
    assert not all(c.passed for c in plan_checks.run(_plan(bucket, half, sse, config=refs), {}, expect))
    public = _res("aws_s3_bucket_acl", "b", acl="public-read")
    failed = [c.id for c in plan_checks.run(_plan(bucket, block, sse, public, config=refs), {}, expect) if not c.passed]
    assert failed == ["OG_NO_PUBLIC_BUCKET"]
    alone = [c.id for c in plan_checks.run(_plan(bucket), {}, expect) if not c.passed]
    assert sorted(alone) == ["OG_ENCRYPTED", "OG_NO_PUBLIC_BUCKET"]


def test_provider_aliases_are_found_for_the_offline_override() -> None:
    text = (
        'provider "aws" {\n  region = "us-east-1"\n}\nprovider "aws" {\n  alias  = "west"\n  region = "us-west-2"\n}\n'
    )
    assert aws_provider_aliases(text) == [None, "west"]


def test_a_batch_plan_is_projected_back_to_one_configuration() -> None:
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "module.m0001.aws_s3_bucket.b",
                "module_address": "module.m0001",
                "type": "aws_s3_bucket",
                "change": {"actions": ["create"]},
            },
            {
                "address": "module.m0002.aws_vpc.v",
                "module_address": "module.m0002",
                "type": "aws_vpc",
                "change": {"actions": ["create"]},
            },
        ],
        "planned_values": {
            "root_module": {
                "child_modules": [
                    {
                        "address": "module.m0001",
                        "resources": [{"address": "module.m0001.aws_s3_bucket.b", "type": "aws_s3_bucket"}],
                    },
                ]
            }
        },
        "configuration": {
            "provider_config": {"module.m0001:aws": {"name": "aws", "module_address": "module.m0001"}},
            "root_module": {"module_calls": {"m0001": {"module": {"resources": [{"address": "aws_s3_bucket.b"}]}}}},
        },
    }
    one = project(plan, "m0001")
    assert [rc["address"] for rc in one["resource_changes"]] == ["aws_s3_bucket.b"]
    assert "module_address" not in one["resource_changes"][0]
    assert one["planned_values"]["root_module"]["resources"][0]["address"] == "aws_s3_bucket.b"
    assert one["configuration"]["root_module"]["resources"] == [{"address": "aws_s3_bucket.b"}]
    assert one["configuration"]["provider_config"] == {"aws": {"name": "aws"}}


def test_a_bundle_checkov_could_not_scan_is_not_valid(tmp_path: Path) -> None:
    from opsgraph.tools.terraform.validate import Validator

    _, files = plan_files("deploy nginx:1.27 in the web namespace", TerraformSettings())
    write_files(tmp_path / "bundle", files)
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where checkov's venv should go")
    settings = TerraformSettings(checkov_home=blocked / "venv")
    result = Validator(settings, tmp_path / "state").validate(tmp_path / "bundle", None)
    assert not result.valid
    (failed,) = [c for c in result.checks if not c.passed]
    assert failed.id == "CHECKOV" and "could not run" in failed.message
    assert all(c.passed for c in result.checks if c.source == "kubernetes")


def test_checkov_locations_are_found_whatever_folder_it_reports_them_from(tmp_path: Path) -> None:
    from opsgraph.tools.terraform.checkov_client import locate

    scanned = [tmp_path / "r01/terraform/storage.tf", tmp_path / "r02/terraform/storage.tf", tmp_path / "r01/a.yaml"]
    assert locate("/storage.tf", scanned[:1]) == scanned[0]  # one bundle: relative to its terraform/
    assert locate("/r02/terraform/storage.tf", scanned) == scanned[1]  # many: relative to their parent
    assert locate("/storage.tf", scanned) is None  # ambiguous: not guessed
