"""Request -> InfraSpec. A missing essential or a contradiction raises `SpecQuestion`; something
the templates do not cover raises `Unsupported`. Neither is ever answered with a guess."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import ValidationError

from opsgraph.tools.terraform import phrases
from opsgraph.tools.terraform.spec import (
    Access,
    Backup,
    Bucket,
    Cache,
    Component,
    Database,
    Firewall,
    GpuNodeGroup,
    InfraSpec,
    Network,
    Role,
    Workload,
)

PlatformHint = Literal["auto", "aws", "kubernetes"]
ENGINE_WORDS: tuple[tuple[Literal["postgres", "mysql"], str], ...] = (
    ("postgres", r"postgres\w*|\bpg\b"),
    ("mysql", r"mysql|mariadb"),
)


class SpecQuestion(Exception):
    """The request lacks an essential or contradicts itself: ask, do not guess."""

    def __init__(self, question: str, missing: str, options: tuple[str, ...] = ()) -> None:
        super().__init__(question)
        self.question = question
        self.missing = missing
        self.options = options


class Unsupported(Exception):
    """The deterministic templates do not cover this request (a model may draft it)."""


SUPPORTED = (
    "PostgreSQL or MySQL (AWS RDS, or in-cluster StatefulSet), Redis (ElastiCache), S3 buckets, "
    "VPCs with subnets, security groups, EKS GPU node groups, IAM roles, Kubernetes workloads"
)
UNSUPPORTED_WORDS = (
    "lambda", "lightsail", "sagemaker", "msk", "kafka", "dynamodb", "route 53", "route53", "cloudfront",
    "beanstalk", "eventbridge", "chime", "lex", "efs", "kinesis", "codebuild", "glacier", "load balancer",
    "redshift", "neptune", "dax", "kendra", "memcached", "ec2 instance", "cloudwatch", "sns",
    "sqs", "api gateway", "step function", "ecr", "ecs", "opensearch", "elasticsearch", "secrets manager",
    "mfa", "iam user", "iam group", "option group", "parameter group", "vpc peering", "dhcp", "network acl",
    "egress-only", "transit gateway", "nat gateway", "cognito", "glue", "athena", "emr", "batch",
    # Features of covered components that the templates do not write: refused rather than dropped.
    "object lock", "cors", "bucket object", "website", "replication rule", "cross-region replication",
    "notification", "bucket policy",
    "intelligent-tiering", "transfer acceleration", "restored from", "snapshot identifier", "randomly generated",
    "random", "proxy", "custom dhcp", "flow log", "peering", "ipv6", "elastic ip", "route 53",
)  # fmt: skip
ROLE_SERVICES = {
    "ec2": "ec2.amazonaws.com", "lambda": "lambda.amazonaws.com", "ecs": "ecs-tasks.amazonaws.com",
    "eks": "eks.amazonaws.com", "glue": "glue.amazonaws.com", "codebuild": "codebuild.amazonaws.com",
}  # fmt: skip
IN_CLUSTER_WORDS = r"\b(namespaces?|kubernetes|k8s|in-cluster|in the cluster|statefulset|on the cluster|pods?)\b"
AWS_WORDS = r"\b(aws|rds|amazon|vpc|cidr|subnets?|managed|elasticache|region)\b"
PUBLIC = r"\b(public(ly)?(?: accessible| readable| access)?|internet|anywhere|the world|0\.0\.0\.0/0)\b"
# Phrases with "public" or "internet" in them that say nothing about who may reach a database, cache
# or bucket: a public access *block* shuts public access off; public subnets and an internet gateway
# are parts of the network.
NOT_ACCESS = re.compile(
    r"\bpublic access blocks?\b|\bblock(?:s|ing)?\s+(?:all\s+)?public\s+(?:access|acls?|policy)\b"
    r"|\bpublic\s+(?:and\s+private\s+)?subnets?\b|\bpublic\s+route\s+tables?\b"
    r"|\binternet\s+gateways?\b|\binternet\s+access\s+(?:via|through)\b"
)


def parse_request(request: str, *, platform: PlatformHint = "auto", default_region: str = "us-east-1") -> InfraSpec:
    original = " ".join(request.split())
    text = original.lower()
    if not text:
        raise SpecQuestion("What should I generate? Describe the infrastructure you need.", "request")
    _refuse_unsupported(text)
    region = _one(phrases.regions(text), "region", "Which AWS region: {}?") or default_region
    environment = _environment(text)
    defaults: list[str] = []
    if not phrases.regions(text):
        defaults.append(f"region {default_region} (none was named)")
    components = _components(original, text, platform, environment, defaults)
    try:
        return InfraSpec(
            request=original,
            components=tuple(components),
            region=region,
            environment=environment,
            tags=phrases.tags(original),
            defaults_applied=tuple(defaults),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SpecQuestion(f"That does not work as asked: {first['msg']}. What should it be?", "spec") from exc


def _refuse_unsupported(text: str) -> None:
    # "an IAM role for lambda" is a role, not a Lambda function.
    text = re.sub(r"\brole\s+for\s+(?:the\s+)?(?:" + "|".join(ROLE_SERVICES) + r")\b", "role", text)
    hits = [w for w in UNSUPPORTED_WORDS if re.search(rf"\b{re.escape(w)}\b", text)]
    if hits:
        raise Unsupported(f"the templates do not cover {', '.join(hits)}; they cover {SUPPORTED}")
    if re.search(r"\beks\s+cluster\b", text) and not re.search(r"\bgpus?\b", text):
        raise Unsupported("creating EKS clusters is not templated (GPU node groups for an existing cluster are)")


def _one(values: list[Any], what: str, question: str) -> Any:
    if len(values) > 1:
        shown = " or ".join(str(v) for v in values)
        raise SpecQuestion(question.format(shown) + " The request names more than one.", what, tuple(map(str, values)))
    return values[0] if values else None


def _environment(text: str) -> Literal["dev", "staging", "prod"]:
    found = []
    if re.search(r"\b(prod|production)\b", text):
        found.append("prod")
    if re.search(r"\b(staging|stage)\b", text):
        found.append("staging")
    if re.search(r"\b(dev|development|test|testing|sandbox)\b", text):
        found.append("dev")
    env = _one(found, "environment", "Which environment is this for: {}?")
    return env or "dev"


def _components(original: str, text: str, platform: PlatformHint, env: str, defaults: list[str]) -> list[Component]:
    found: list[Component] = []
    wants_network = bool(re.search(r"\b(vpc|subnets?|internet gateway|network)\b", text))
    engines = [engine for engine, pattern in ENGINE_WORDS if re.search(pattern, text)]
    if (
        not engines
        and re.search(r"\b(database|db|aurora)\b", text)
        and not re.search(r"\bsecurity groups? for database", text)
    ):
        raise SpecQuestion("Which database engine: PostgreSQL or MySQL?", "engine", ("postgres", "mysql"))
    for wanted in engines:
        found.append(_database(original, text, wanted, platform, env, defaults))
    if re.search(r"\b(redis|elasticache|cache)\b", text):
        found.append(_cache(text, defaults))
    if re.search(r"\bbuckets?\b", text) or (
        re.search(r"\bs3\b", text) and not re.search(r"backups?\s+(?:to|in)\s+s3", text)
    ):
        found.append(_bucket(text, defaults))
    if re.search(r"\bgpus?\b", text) and re.search(r"\b(node ?group|nodes|eks)\b", text):
        found.append(_gpu_nodes(text, defaults))
        wants_network = True
    if re.search(r"\biam role\b|\brole for\b", text):
        found.append(_role(original, text))
    if re.search(r"\bsecurity group\b|\bfirewall\b", text) and not any(c.kind in ("database", "cache") for c in found):
        found.append(_firewall(text))
    if not any(c.kind in ("database", "cache", "bucket", "role", "gpu_nodes") for c in found) and phrases.IMAGE.search(
        text
    ):
        found.append(_workload(text, defaults))
    aws_network_users = [c for c in found if getattr(c, "placement", None) == "aws" and c.kind in ("database", "cache")]
    if wants_network or aws_network_users or any(c.kind == "firewall" for c in found):
        found.insert(0, _network(text, defaults))
    if not found:
        raise SpecQuestion(
            f"What should I create? I can generate {SUPPORTED}.", "components", ("postgres", "redis", "s3 bucket")
        )
    return found


def _placement(text: str, platform: PlatformHint, what: str) -> Literal["aws", "kubernetes"]:
    if platform != "auto":
        return platform
    in_cluster = bool(re.search(IN_CLUSTER_WORDS, text))
    on_aws = bool(re.search(AWS_WORDS, text)) or bool(phrases.cidrs(text))
    if in_cluster and not on_aws:
        return "kubernetes"
    if on_aws and not in_cluster:
        return "aws"
    raise SpecQuestion(
        f"Should the {what} run in the Kubernetes cluster (StatefulSet) or on AWS (RDS/ElastiCache)?",
        "placement",
        ("kubernetes", "aws"),
    )


def _access(text: str, where: Literal["aws", "kubernetes"], what: str, env: str) -> Access:
    namespaces = phrases.namespaces_from(text)
    cidrs = [c for c in phrases.cidrs(text) if c != phrases.vpc_cidr(text)]
    public = bool(re.search(PUBLIC, NOT_ACCESS.sub(" ", text))) and not re.search(
        r"\bno public|not public|never public|without public\b", text
    )
    restricted = bool(namespaces or cidrs) or bool(re.search(r"\bonly\b|\bprivate\b|\binternal\b", text))
    if public and restricted:
        raise SpecQuestion(
            f"The request says the {what} is reachable only from some places and also publicly. Which is it?",
            "access",
        )
    if public or "0.0.0.0/0" in cidrs:
        raise SpecQuestion(
            f"A {what} reachable from the whole internet fails the security checks. "
            "Which CIDR blocks or namespaces should reach it?",
            "access",
        )
    if where == "kubernetes" and not namespaces:
        raise SpecQuestion(f"Which namespaces may connect to the {what}?", "namespaces")
    return Access(namespaces=tuple(namespaces), cidrs=tuple(cidrs))


def _backup(text: str, max_days: int | None, what: str, defaults: list[str]) -> Backup:
    days = _one(phrases.retention_days(text), "retention", "How long should backups be kept: {} days?")
    schedule = phrases.backup_schedule(text)
    disabled = bool(re.search(r"\b(no|without|skip|disable[ds]?)\s+(automated\s+)?backups?\b", text))
    if disabled and (days or schedule):
        raise SpecQuestion(
            f"The request asks for no backups of the {what} and also for a backup schedule. Which?", "backup"
        )
    if disabled:
        raise SpecQuestion(
            f"Backups of the {what} cannot be turned off here (the checks require them). How long should they be kept?",
            "retention",
        )
    if days is not None and max_days is not None and days > max_days:
        raise SpecQuestion(
            f"Automated backups of the {what} are kept at most {max_days} days. Keep {max_days} days instead?",
            "retention",
            (str(max_days),),
        )
    if days is None:
        defaults.append(f"{what} backups kept 7 days")
    if schedule is None:
        defaults.append(f"{what} backups daily at 02:00 UTC")
    return Backup(retention_days=days or 7, schedule=schedule or "0 2 * * *")


def _policy_refusals(text: str, what: str, env: str) -> None:
    if re.search(r"\b(unencrypted|without encryption|no encryption|not encrypted|disable encryption)\b", text):
        raise SpecQuestion(
            f"Storage of the {what} is always encrypted here. Is encryption at rest acceptable?", "encryption"
        )
    if env == "prod" and re.search(r"\b(without|no|disable[ds]?)\s+deletion protection\b", text):
        raise SpecQuestion(
            f"A production {what} keeps deletion protection on. Should this be a non-production environment?",
            "environment",
        )


def _database(
    original: str,
    text: str,
    engine: Literal["postgres", "mysql"],
    platform: PlatformHint,
    env: str,
    defaults: list[str],
) -> Database:
    label = "PostgreSQL" if engine == "postgres" else "MySQL"
    placement = _placement(text, platform, f"{label} database")
    if placement == "kubernetes" and engine == "mysql":
        raise Unsupported("in-cluster MySQL is not templated (use AWS RDS, or an operator for in-cluster MySQL)")
    _policy_refusals(text, f"{label} database", env)
    replicas = _one(phrases.replica_counts(text), "replicas", "How many replicas: {}?") or 1
    storage = _one(phrases.storage_gb(text), "storage", "How much storage: {} GB?") or 20
    version = _version(text, engine)
    access = _access(text, placement, f"{label} database", env)
    if placement == "aws" and re.search(r"\b(?:with)?in\s+(?:[a-z]+\s+){0,2}public\s+subnets?\b", text):
        raise SpecQuestion(
            f"The request puts the {label} database in public subnets; the templates keep databases in private "
            "subnets, reachable only from the VPC or the CIDRs you name. Private subnets, then?",
            "access",
        )
    backup = _backup(text, 35 if placement == "aws" else None, f"{label} database", defaults)
    names = [n for n in phrases.quoted_or_named(text) if re.fullmatch(r"[a-z][a-z0-9-]{0,38}[a-z0-9]", n)]
    kwargs: dict[str, Any] = {}
    klass = phrases.DB_CLASS.search(text)
    if klass:
        kwargs["instance_class"] = klass.group(1)
    elif re.search(r"memory[- ]optimi[sz]ed", text):
        kwargs["instance_class"] = "db.r6g.large"
    namespace = phrases.home_namespace(text) if placement == "kubernetes" else None
    if placement == "kubernetes" and namespace is None:
        namespace = "databases"
        defaults.append("the database runs in the `databases` namespace")
    if placement == "aws" and not access.cidrs:
        defaults.append(f"the {label} database is reachable only from inside its VPC")
    kwargs["apply_immediately"] = bool(re.search(r"\bappl(?:y|ied)\s+immediately\b", text))
    if placement == "aws":
        kwargs["cluster"] = _cluster_kind(text)
    return Database(
        name=names[0] if names else engine,
        engine=engine,
        version=version,
        placement=placement,
        namespace=namespace,
        replicas=replicas,
        storage_gb=storage,
        access=access,
        backup=backup,
        **kwargs,
    )


def _cluster_kind(text: str) -> Literal["none", "aurora", "multi_az"]:
    """Aurora when named; a Multi-AZ DB cluster for a "mysql/postgres/db cluster"; else an instance."""
    if re.search(r"\baurora\b", text):
        return "aurora"
    if re.search(r"\b(mysql|postgres\w*|db|rds|database)\s+clusters?\b|\bmulti-az (?:db |database )?clusters?\b", text):
        return "multi_az"
    return "none"


def _version(text: str, engine: str) -> str | None:
    pattern = (
        r"postgres\w*\s+(?:version\s+)?(\d{2}(?:\.\d+)?)\b"
        if engine == "postgres"
        else r"mysql\s+(?:version\s+)?(\d\.\d+(?:\.\d+)?)\b"
    )
    m = re.search(pattern, text) or re.search(r"\bversion\s+(?:should be\s+)?(\d+(?:\.\d+){0,2})\b", text)
    return m.group(1) if m else None


def _cache(text: str, defaults: list[str]) -> Cache:
    _policy_refusals(text, "Redis cache", "dev" if "prod" not in text else "prod")
    counts = [n for n in phrases.replica_counts(text)]
    replicas = _one(counts, "replicas", "How many Redis nodes: {}?") if not re.search(r"postgres|mysql", text) else None
    klass = phrases.CACHE_CLASS.search(text)
    access = _access(text, "aws", "Redis cache", "")
    backup = _backup(text, 35, "Redis cache", defaults)
    return Cache(
        name="redis",
        replicas=replicas or 2,
        node_type=klass.group(1) if klass else "cache.t3.micro",
        access=access,
        backup=backup,
    )


_S3_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _bucket(text: str, defaults: list[str]) -> Bucket:
    if re.search(
        r"\bpublic(ly)?[- ]?(readable|read|bucket|access(ible)?|website)\b|\bpublic\b.*\bbucket\b",
        NOT_ACCESS.sub(" ", text),
    ) and not re.search(r"\b(no|block|without|not)\s+public", text):
        raise SpecQuestion(
            "Public buckets fail the security checks. Should the bucket stay private (readers get access via IAM "
            "or a CDN origin identity)?",
            "access",
        )
    if re.search(r"\b(no|without|disable[ds]?)\s+versioning\b", text):
        raise SpecQuestion(
            "Versioning is what lets a deleted or overwritten object come back, and the checks require it. Keep it on?",
            "versioning",
        )
    names = [n for n in phrases.quoted_or_named(text) if _S3_NAME.match(n)]
    m = re.search(r"\bbucket\s+[\"'`]([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])[\"'`]", text)
    bucket_name = m.group(1) if m else (names[0] if names else None)
    if bucket_name is None:
        defaults.append("the bucket name is a prefix plus a unique suffix chosen by AWS")
    days = phrases.retention_days(text)
    ownership, private_acl = _bucket_ownership(text, defaults)
    return Bucket(
        name="data",
        bucket_name=bucket_name,
        retention_days=days[0] if len(days) == 1 else None,
        object_ownership=ownership,
        private_acl=private_acl,
        expected_owner=_expected_owner(text),
        access_log_prefix=_access_log_prefix(text, defaults),
    )


OWNERSHIP = {
    "BucketOwnerPreferred": r"bucket[- _]?owner[- _]?preferred",
    "ObjectWriter": r"object[- _]?writer",
    "BucketOwnerEnforced": r"bucket[- _]?owner[- _]?enforced",
}


def _bucket_ownership(text: str, defaults: list[str]) -> tuple[Any, bool]:
    """Object ownership as named, and whether a private ACL resource is asked for."""
    named = _one([k for k, pattern in OWNERSHIP.items() if re.search(pattern, text)], "ownership",
                 "Which object ownership should the bucket have: {}?")  # fmt: skip
    if not re.search(r"\bacls?\b", text):
        return named or "BucketOwnerEnforced", False
    if not re.search(r"\bprivate\b", text):
        raise SpecQuestion(
            "Which ACL should the bucket get? Only a private ACL is generated (grant access through IAM).", "acl"
        )
    if named == "BucketOwnerEnforced":
        raise SpecQuestion(
            "BucketOwnerEnforced turns ACLs off, and the request also asks for an ACL. Drop the ACL, or use "
            "BucketOwnerPreferred?",
            "ownership",
            ("BucketOwnerEnforced", "BucketOwnerPreferred"),
        )
    if named is None:
        defaults.append("object ownership BucketOwnerPreferred (an ACL needs ACLs enabled)")
    return named or "BucketOwnerPreferred", True


def _expected_owner(text: str) -> str | None:
    if not re.search(r"\bexpected[ _]bucket[ _]owner\b", text):
        return None
    m = re.search(r"\bexpected[ _]bucket[ _]owner\b\D{0,30}?\b(\d{12})\b", text)
    if not m:
        raise SpecQuestion("Which AWS account ID (12 digits) is the expected bucket owner?", "expected_owner")
    return m.group(1)


def _access_log_prefix(text: str, defaults: list[str]) -> str | None:
    """Server access logging to a second bucket: the key prefix of the log objects, None when not asked."""
    if not re.search(r"\b(?:server\s+)?access\s+logs?\b|\blogging\b|\bstores?\s+(?:the\s+|its\s+)?logs\b", text):
        return None
    m = re.search(r"\bprefix\s+(?:of\s+|is\s+|=\s*|:\s*)?[\"'`]([a-z0-9!_.*'()/-]{1,100})[\"'`]", text)
    if m:
        return m.group(1)
    defaults.append("access logs under the prefix `access-logs/` of a second private bucket")
    return "access-logs/"


def _network(text: str, defaults: list[str]) -> Network:
    counts = [
        phrases.number(m.group(1)) for m in re.finditer(phrases._NUM + r"\s+(?:public\s+|private\s+)?subnets\b", text)
    ]
    public = bool(re.search(r"\b(public subnets?|internet gateway|internet access)\b", text))
    cidr = phrases.vpc_cidr(text)
    if cidr is None:
        defaults.append("VPC CIDR 10.0.0.0/16")
    return Network(cidr=cidr or "10.0.0.0/16", subnets=counts[0] if counts else 2, public=public)


def _firewall(text: str) -> Firewall:
    ports = phrases.ports(text)
    if not ports:
        raise SpecQuestion("Which ports should the security group open?", "ports")
    access = _access(text, "aws", "security group", "")
    if not access.cidrs:
        raise SpecQuestion("Which CIDR blocks may reach those ports?", "cidrs")
    return Firewall(name="app", ports=tuple(ports), access=access)


def _gpu_nodes(text: str, defaults: list[str]) -> GpuNodeGroup:
    m = re.search(r"\b(?:eks\s+)?cluster\s+(?:named\s+|called\s+)?[\"'`]?([a-z][a-z0-9-]{1,99})[\"'`]?", text)
    if not m or m.group(1) in ("with", "for", "that", "and", "in", "to"):
        raise SpecQuestion("Which EKS cluster should the GPU node group join?", "cluster_name")
    kind = phrases.GPU_TYPE.search(text)
    counts = phrases.replica_counts(text)
    desired = counts[0] if counts else 1
    mx = re.search(r"\b(?:max(?:imum)?|up to)\s+(\d+)", text)
    mn = re.search(r"\b(?:min(?:imum)?|at least)\s+(\d+)", text)
    if not kind:
        defaults.append("GPU instance type g5.xlarge")
    maximum = int(mx.group(1)) if mx else max(desired, 2)
    minimum = int(mn.group(1)) if mn else 0
    return GpuNodeGroup(
        cluster_name=m.group(1),
        instance_type=kind.group(1) if kind else "g5.xlarge",
        desired_size=desired,
        max_size=maximum,
        min_size=minimum,
    )


def _role(original: str, text: str) -> Role:
    service = next((v for k, v in ROLE_SERVICES.items() if re.search(rf"\b{k}\b", text)), None)
    if service is None:
        raise SpecQuestion("Which AWS service should assume the IAM role (ec2, lambda, ecs, eks)?", "service")
    names = [n for n in phrases.quoted_or_named(text) if re.fullmatch(r"[a-z0-9][a-z0-9_+=,.@-]{0,63}", n)]
    return Role(
        name=names[0] if names else "app", service=service, managed_policies=tuple(phrases.managed_policies(original))
    )


def _workload(text: str, defaults: list[str]) -> Workload:
    image = phrases.IMAGE.search(text)
    assert image is not None
    namespace = phrases.home_namespace(text)
    if namespace is None:
        raise SpecQuestion("Which namespace should the workload run in?", "namespace")
    name = image.group(1).rsplit("/", 1)[-1].split(":")[0]
    replicas = _one(phrases.replica_counts(text), "replicas", "How many replicas: {}?") or 2
    ports = phrases.ports(text)
    return Workload(
        name=name,
        image=image.group(1),
        namespace=namespace,
        replicas=replicas,
        port=ports[0] if ports else 8080,
        # No namespaces named: only its own namespace may connect.
        access=Access(namespaces=tuple(phrases.namespaces_from(text)) or (namespace,)),
    )
