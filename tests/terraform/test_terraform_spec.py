"""Requests become a typed spec; missing essentials and contradictions become questions."""

from __future__ import annotations

import re

import pytest

from opsgraph.tools.terraform.parse import SpecQuestion, Unsupported, parse_request
from opsgraph.tools.terraform.spec import Database
from tests.terraform.conftest import SEED


def test_the_seed_request_is_read_as_written() -> None:
    spec = parse_request(SEED)
    (db,) = spec.components
    assert isinstance(db, Database)
    assert (db.engine, db.placement, db.replicas) == ("postgres", "kubernetes", 3)
    assert db.backup.retention_days == 30 and db.backup.schedule == "0 2 * * *"
    assert db.access.namespaces == ("backend",)
    assert any("region" in d for d in spec.defaults_applied)


@pytest.mark.parametrize(
    ("request_text", "missing"),
    [
        ("generate terraform for a database", "engine"),
        ("a postgres database with 2 replicas", "placement"),
        ("postgres in kubernetes with daily backups", "namespaces"),
        ("postgres on rds accessible only from 10.0.0.0/8 and publicly accessible", "access"),
        ("a publicly accessible mysql database on aws", "access"),
        ("postgres on rds open to 0.0.0.0/0", "access"),
        ("postgres on rds with 2 replicas and 3 replicas", "replicas"),
        ("postgres on rds in us-east-1 and eu-west-1", "region"),
        ("postgres on rds without backups, retained for 7 days", "backup"),
        ("postgres on rds with no backups", "retention"),
        ("postgres on rds with backups kept 90 days", "retention"),
        ("an unencrypted postgres database on aws", "encryption"),
        ("a production postgres on rds without deletion protection", "environment"),
        ("postgres on rds for dev and prod", "environment"),
        ("a public s3 bucket for downloads", "access"),
        ("an s3 bucket with a public-read acl", "access"),
        ("an s3 bucket with an acl for the log delivery group", "acl"),
        ("an s3 bucket with a private acl and bucket owner enforced ownership", "ownership"),
        ("an s3 bucket whose expected_bucket_owner is the prod account", "expected_owner"),
        ("postgres on rds in a vpc with public subnets, publicly accessible", "access"),
        ("a postgres instance on rds within specific public subnets", "access"),
        ("an s3 bucket without versioning", "versioning"),
        ("a gpu node group with 2 nodes on eks", "cluster_name"),
        ("an iam role with AmazonS3ReadOnlyAccess", "service"),
        ("a security group on aws for 10.0.0.0/8", "ports"),
        ("a security group allowing https on aws", "cidrs"),
        ("deploy nginx:1.27 with 2 replicas", "namespace"),
        ("please generate something nice", "components"),
    ],
)
def test_missing_essentials_and_contradictions_are_asked_not_guessed(request_text: str, missing: str) -> None:
    with pytest.raises(SpecQuestion) as asked:
        parse_request(request_text)
    assert asked.value.missing == missing
    assert "?" in asked.value.question


@pytest.mark.parametrize(
    "request_text",
    [
        "a lambda function that resizes images",
        "a dynamodb table for sessions",
        "mysql in the cluster for the api namespace",
    ],
)
def test_what_the_templates_do_not_cover_is_said_plainly(request_text: str) -> None:
    with pytest.raises(Unsupported):
        parse_request(request_text)


def test_an_iam_role_for_lambda_is_a_role_not_a_lambda_function() -> None:
    spec = parse_request("an iam role for lambda called order-processor with AWSLambdaBasicExecutionRole")
    (role,) = spec.components
    assert role.kind == "role" and role.service == "lambda.amazonaws.com"
    assert role.managed_policies == ("AWSLambdaBasicExecutionRole",)


def test_a_platform_hint_settles_where_a_database_runs() -> None:
    spec = parse_request("a postgres database with 2 replicas", platform="aws")
    assert [c.kind for c in spec.components] == ["network", "database"]


@pytest.mark.parametrize(
    "request_text",
    [
        "an s3 bucket named sample with request_payer set to Requester",
        "Create a mysql cluster with 100 GB and a storage_throughput of 500",
        "Create an AWS EKS cluster and its IAM role",
    ],
)
def test_a_requirement_the_files_would_not_carry_is_refused_not_dropped(request_text: str) -> None:
    from opsgraph.tools.terraform.pipeline import plan_files
    from opsgraph.tools.terraform.settings import TerraformSettings

    with pytest.raises(Unsupported):
        plan_files(request_text, TerraformSettings(), "aws")


def test_changes_applied_immediately_are_written() -> None:
    from opsgraph.tools.terraform.pipeline import plan_files
    from opsgraph.tools.terraform.settings import TerraformSettings

    _, files = plan_files("an AWS mysql instance; changes are applied immediately", TerraformSettings())
    assert "apply_immediately" in files["terraform/database.tf"]
    _, files = plan_files("an AWS mysql instance", TerraformSettings())
    assert "apply_immediately" not in files["terraform/database.tf"]


def _bucket_files(request_text: str) -> str:
    from opsgraph.tools.terraform.pipeline import plan_files
    from opsgraph.tools.terraform.settings import TerraformSettings

    _, files = plan_files(request_text, TerraformSettings(), "aws")
    return files["terraform/storage.tf"]


def test_a_public_access_block_is_not_a_request_for_a_public_bucket() -> None:
    text = _bucket_files("an s3 bucket and a public access block resource for it")
    assert 'resource "aws_s3_bucket_public_access_block"' in text and "block_public_policy     = true" in text


def test_a_private_acl_turns_acls_on_and_is_written() -> None:
    text = _bucket_files('an s3 bucket name = "acme-private" with a private ACL')
    assert 'bucket = "acme-private"' in text
    assert re.search(r'\bacl\s+= "private"', text) and 'object_ownership = "BucketOwnerPreferred"' in text
    assert 'object_ownership = "ObjectWriter"' in _bucket_files("a bucket with a private acl, object writer ownership")


def test_the_expected_bucket_owner_guards_every_bucket_call() -> None:
    text = _bucket_files("an s3 bucket named sample with expected_bucket_owner 123456789012")
    assert text.count('expected_bucket_owner = "123456789012"') == 3  # encryption, versioning, lifecycle


def test_access_logging_goes_to_a_second_private_bucket_under_the_prefix() -> None:
    text = _bucket_files('an s3 bucket whose access logs go to a second bucket with the prefix "log/"')
    assert 'target_prefix = "log/"' in text and "target_bucket = aws_s3_bucket.data_logs.id" in text
    assert 'resource "aws_s3_bucket_public_access_block" "data_logs"' in text
    assert '"${aws_s3_bucket.data_logs.arn}/log/*"' in text  # the logging service may write there only
    assert 'target_prefix = "access-logs/"' in _bucket_files("an s3 bucket with server access logging")


def test_public_subnets_do_not_make_a_database_public() -> None:
    spec = parse_request("a vpc with two public subnets and a postgres database on rds", platform="aws")
    network, db = spec.components
    assert network.kind == "network" and network.public and network.subnets == 2
    assert isinstance(db, Database) and db.access.cidrs == ()  # reachable from inside its VPC only


@pytest.mark.parametrize(
    ("request_text", "engine", "cluster"),
    [
        ("an aurora postgresql cluster on aws with 3 replicas", "postgres", "aurora"),
        ("Aurora MySQL for prod in eu-west-1", "mysql", "aurora"),
        ("Create a mysql cluster with 100 GB in each zone", "mysql", "multi_az"),
        ("a postgres db cluster on rds reachable from 10.0.0.0/8", "postgres", "multi_az"),
        ("postgres on rds with 2 replicas", "postgres", "none"),
    ],
)
def test_rds_clusters_are_read_as_asked(request_text: str, engine: str, cluster: str) -> None:
    db = next(c for c in parse_request(request_text, platform="aws").components if isinstance(c, Database))
    assert (db.engine, db.cluster) == (engine, cluster)


def test_an_aurora_cluster_without_an_engine_is_a_question() -> None:
    with pytest.raises(SpecQuestion) as asked:
        parse_request("an aurora cluster on aws")
    assert asked.value.missing == "engine"
