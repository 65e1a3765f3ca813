"""Our own checks on `terraform show -json` of the plan, where checkov has none or is too lenient:
no database or cache open to the internet, storage encrypted, backups kept as requested, deletion
protection in production, no public buckets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opsgraph.tools.terraform.report import Check, base_address

DB_TYPES = ("aws_db_instance", "aws_rds_cluster")
CACHE_TYPES = ("aws_elasticache_replication_group", "aws_elasticache_cluster")
DATA_PORTS = (5432, 3306, 6379, 11211, 1433, 1521, 27017, 9042)
WORLD = ("0.0.0.0/0", "::/0")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")


@dataclass(frozen=True)
class Expectations:
    """What the request asked for, when there was a spec (a model's free draft has none)."""

    environment: str = "dev"
    retention_days: int | None = None  # automated backups / backup objects kept this long
    backup_bucket: str | None = None  # `type.name` of the bucket holding in-cluster backups


def resources(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    def walk(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from module.get("resources") or []
        for child in module.get("child_modules") or []:
            yield from walk(child)

    yield from walk((plan.get("planned_values") or {}).get("root_module") or {})


def config_refs(plan: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """`type.name` -> {attribute: references} from the configuration part of the plan."""
    found: dict[str, dict[str, list[str]]] = {}

    def walk(module: dict[str, Any]) -> None:
        for r in module.get("resources") or []:
            found[r["address"]] = {
                k: list(v.get("references") or [])
                for k, v in (r.get("expressions") or {}).items()
                if isinstance(v, dict)
            }
        for call in (module.get("module_calls") or {}).values():
            walk(call.get("module") or {})

    walk((plan.get("configuration") or {}).get("root_module") or {})
    return found


def _check(check_id: str, passed: bool, message: str, r: dict[str, Any], where: dict[str, tuple[str, int]]) -> Check:
    address = base_address(r["address"])
    file, line = where.get(address, (None, None))
    return Check(
        id=check_id, source="opsgraph", passed=passed, message=message, file=file, line=line, resource=r["address"]
    )


def run(plan: dict[str, Any], where: dict[str, tuple[str, int]], expect: Expectations) -> list[Check]:
    items = list(resources(plan))
    refs = config_refs(plan)
    checks: list[Check] = []
    has_data_store = any(r["type"] in DB_TYPES + CACHE_TYPES for r in items)
    for r in items:
        v = r.get("values") or {}
        t = r["type"]
        if t in DB_TYPES:
            checks.append(
                _check(
                    "OG_DB_PRIVATE",
                    v.get("publicly_accessible") is not True,
                    "database not publicly accessible",
                    r,
                    where,
                )
            )
            checks.append(
                _check("OG_ENCRYPTED", v.get("storage_encrypted") is True, "database storage encrypted", r, where)
            )
            if not v.get("replicate_source_db"):
                days = v.get("backup_retention_period") or 0
                want = expect.retention_days or 1
                checks.append(
                    _check(
                        "OG_BACKUP_RETENTION",
                        days >= want,
                        f"automated backups kept {days} days (asked: {want})",
                        r,
                        where,
                    )
                )
            if expect.environment == "prod":
                checks.append(
                    _check(
                        "OG_DELETION_PROTECTION",
                        v.get("deletion_protection") is True,
                        "deletion protection on in prod",
                        r,
                        where,
                    )
                )
        elif t in CACHE_TYPES:
            enc = v.get("at_rest_encryption_enabled") in (True, "true")
            checks.append(_check("OG_ENCRYPTED", enc, "cache encrypted at rest", r, where))
            days = v.get("snapshot_retention_limit") or 0
            want = expect.retention_days or 1
            checks.append(
                _check(
                    "OG_BACKUP_RETENTION", days >= want, f"cache snapshots kept {days} days (asked: {want})", r, where
                )
            )
        elif t == "aws_rds_cluster_instance":
            private = v.get("publicly_accessible") is not True
            checks.append(_check("OG_DB_PRIVATE", private, "database instance not publicly accessible", r, where))
        elif t == "aws_ebs_volume":
            checks.append(_check("OG_ENCRYPTED", v.get("encrypted") is True, "EBS volume encrypted", r, where))
        elif has_data_store and t in (
            "aws_security_group",
            "aws_security_group_rule",
            "aws_vpc_security_group_ingress_rule",
        ):
            open_ports = [p for p in _world_ingress(t, v) if p]
            checks.append(
                _check(
                    "OG_NO_WORLD_DATA_PORTS",
                    not open_ports,
                    "no database/cache port open to 0.0.0.0/0"
                    if not open_ports
                    else f"open to the internet: {open_ports}",
                    r,
                    where,
                )
            )
        elif t == "aws_s3_bucket":
            checks += _bucket_checks(r, items, refs, where, expect)
        elif t == "aws_s3_bucket_acl":
            acl = v.get("acl")
            checks.append(
                _check("OG_NO_PUBLIC_BUCKET", acl not in PUBLIC_ACLS, f"bucket ACL {acl or 'private'}", r, where)
            )
        elif t == "aws_s3_bucket_policy":
            checks.append(
                _check(
                    "OG_NO_PUBLIC_BUCKET",
                    not _public_policy(v.get("policy")),
                    "bucket policy grants no '*' access",
                    r,
                    where,
                )
            )
    return checks


def _world_ingress(t: str, v: dict[str, Any]) -> list[str]:
    rules: list[dict[str, Any]] = []
    if t == "aws_security_group":
        rules = list(v.get("ingress") or [])
    elif t == "aws_security_group_rule" and v.get("type") == "ingress":
        rules = [v]
    elif t == "aws_vpc_security_group_ingress_rule":
        rules = [
            {
                **v,
                "cidr_blocks": [v.get("cidr_ipv4")],
                "ipv6_cidr_blocks": [v.get("cidr_ipv6")],
                "protocol": v.get("ip_protocol"),
            }
        ]
    hits = []
    for rule in rules:
        cidrs = list(rule.get("cidr_blocks") or []) + list(rule.get("ipv6_cidr_blocks") or [])
        if not any(c in WORLD for c in cidrs):
            continue
        low, high = rule.get("from_port"), rule.get("to_port")
        if str(rule.get("protocol")) in ("-1", "all") or low is None:
            low, high = 0, 65535
        hits += [str(p) for p in DATA_PORTS if int(low) <= p <= int(high or low)]
    return hits


def _targets(refs: dict[str, dict[str, list[str]]], kind: str, bucket: str, module: str) -> list[str]:
    """Addresses of `kind` resources whose `bucket` argument refers to `bucket`."""
    out = []
    for address, expressions in refs.items():
        if address.split(".")[0] == kind and any(
            ref == bucket or ref.startswith(bucket + ".") for ref in expressions.get("bucket", [])
        ):
            out.append(address)
    return out


def _bucket_checks(
    r: dict[str, Any],
    items: list[dict[str, Any]],
    refs: dict[str, dict[str, list[str]]],
    where: dict[str, tuple[str, int]],
    expect: Expectations,
) -> list[Check]:
    bucket = base_address(r["address"])
    by_addr = {base_address(i["address"]): i for i in items}
    blocks = [by_addr.get(a) for a in _targets(refs, "aws_s3_bucket_public_access_block", bucket, "")]
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    blocked = any(b and all((b.get("values") or {}).get(f) is True for f in flags) for b in blocks)
    checks = [
        _check("OG_NO_PUBLIC_BUCKET", blocked, "bucket has a public access block with all four settings on", r, where)
    ]
    encrypted = bool(_targets(refs, "aws_s3_bucket_server_side_encryption_configuration", bucket, ""))
    checks.append(_check("OG_ENCRYPTED", encrypted, "bucket has server-side encryption configured", r, where))
    if expect.backup_bucket == bucket and expect.retention_days:
        days = []
        for address in _targets(refs, "aws_s3_bucket_lifecycle_configuration", bucket, ""):
            values = (by_addr.get(address) or {}).get("values") or {}
            for rule in values.get("rule") or []:
                for exp in rule.get("expiration") or []:
                    if exp.get("days"):
                        days.append(exp["days"])
        kept = days[0] if days else None
        checks.append(
            _check(
                "OG_BACKUP_RETENTION",
                kept == expect.retention_days,
                f"backup objects expire after {kept} days (asked: {expect.retention_days})",
                r,
                where,
            )
        )
    return checks


def _public_policy(policy: Any) -> bool:
    try:
        doc = json.loads(policy) if isinstance(policy, str) else policy or {}
    except ValueError:
        return False
    for st in doc.get("Statement") or []:
        principal = st.get("Principal")
        star = principal == "*" or (
            isinstance(principal, dict) and "*" in (principal.get("AWS"), [principal.get("AWS")])
        )
        if st.get("Effect") == "Allow" and star and not st.get("Condition"):
            return True
    return False
