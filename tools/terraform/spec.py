"""The typed infrastructure spec a request is parsed into, and every renderer reads from.

Defaults here are the safe ones (private, encrypted, backed up); the README of every generated
bundle states which of them were applied because the request said nothing.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

Environment = Literal["dev", "staging", "prod"]
Placement = Literal["aws", "kubernetes"]
_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$")


def _dns_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"{value!r} is not a valid name (lowercase letters, digits and '-', at most 40)")
    return value


DnsName = Annotated[str, AfterValidator(_dns_name)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Access(_Frozen):
    """Who may connect: Kubernetes namespaces (in-cluster) and/or CIDR blocks (AWS)."""

    namespaces: tuple[DnsName, ...] = ()
    cidrs: tuple[str, ...] = ()

    @field_validator("cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            ipaddress.ip_network(cidr, strict=False)
        return value


class Backup(_Frozen):
    enabled: bool = True
    schedule: str = Field("0 2 * * *", description="cron, UTC")
    retention_days: int = Field(7, ge=1, le=3650)


class Database(_Frozen):
    kind: Literal["database"] = "database"
    name: DnsName
    engine: Literal["postgres", "mysql"]
    version: str | None = None
    placement: Placement
    namespace: str | None = None  # where it runs, in-cluster
    replicas: int = Field(1, ge=1, le=15)
    storage_gb: int = Field(20, ge=5, le=65536)
    instance_class: str = "db.t3.medium"
    access: Access = Access()
    backup: Backup = Backup()
    apply_immediately: bool = False  # "changes are applied immediately", not in the maintenance window
    # AWS only: "none" an RDS instance (plus read replicas), "aurora" an Aurora cluster with one
    # instance per replica, "multi_az" a Multi-AZ DB cluster (one writer, two readable standbys).
    cluster: Literal["none", "aurora", "multi_az"] = "none"


class Cache(_Frozen):
    kind: Literal["cache"] = "cache"
    name: DnsName
    engine: Literal["redis"] = "redis"
    placement: Literal["aws"] = "aws"
    replicas: int = Field(2, ge=1, le=6)
    node_type: str = "cache.t3.micro"
    access: Access = Access()
    backup: Backup = Backup()


class Bucket(_Frozen):
    kind: Literal["bucket"] = "bucket"
    name: str  # resource label
    bucket_name: str | None = None  # the S3 name, when the request gives one
    versioning: bool = True
    retention_days: int | None = Field(None, ge=1, le=3650)
    # Who owns uploaded objects. ACLs are disabled under BucketOwnerEnforced (the default); a private
    # ACL resource, when asked for, needs one of the other two.
    object_ownership: Literal["BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"] = "BucketOwnerEnforced"
    private_acl: bool = False  # an explicit `aws_s3_bucket_acl` with acl = "private"
    expected_owner: str | None = Field(None, pattern=r"^\d{12}$")  # account ID the bucket calls must match
    access_log_prefix: str | None = None  # server access logs to a second private bucket, under this prefix

    @model_validator(mode="after")
    def _acl_needs_ownership(self) -> Bucket:
        if self.private_acl and self.object_ownership == "BucketOwnerEnforced":
            raise ValueError("an ACL cannot be set while object ownership is BucketOwnerEnforced (ACLs disabled)")
        return self


class Network(_Frozen):
    kind: Literal["network"] = "network"
    name: str = "main"
    cidr: str = "10.0.0.0/16"
    subnets: int = Field(2, ge=1, le=6)
    public: bool = False  # public subnets behind an internet gateway

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        net = ipaddress.ip_network(value, strict=False)
        if net.prefixlen > 24:
            raise ValueError(f"VPC CIDR {value} is too small for subnets (use /24 or larger)")
        return str(net)


class Firewall(_Frozen):
    """A standalone security group."""

    kind: Literal["firewall"] = "firewall"
    name: str
    ports: tuple[int, ...]
    access: Access


class GpuNodeGroup(_Frozen):
    kind: Literal["gpu_nodes"] = "gpu_nodes"
    name: str = "gpu"
    cluster_name: str
    instance_type: str = "g5.xlarge"
    min_size: int = Field(0, ge=0, le=100)
    desired_size: int = Field(1, ge=0, le=100)
    max_size: int = Field(2, ge=1, le=100)

    @model_validator(mode="after")
    def _sizes(self) -> GpuNodeGroup:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError("GPU node group sizes must satisfy min <= desired <= max")
        return self


class Role(_Frozen):
    kind: Literal["role"] = "role"
    name: str
    service: str  # e.g. ec2.amazonaws.com
    managed_policies: tuple[str, ...] = ()


class Workload(_Frozen):
    kind: Literal["workload"] = "workload"
    name: DnsName
    image: str
    namespace: DnsName
    replicas: int = Field(2, ge=1, le=100)
    port: int = Field(8080, ge=1, le=65535)
    access: Access = Access()


Component = Annotated[
    Database | Cache | Bucket | Network | Firewall | GpuNodeGroup | Role | Workload, Field(discriminator="kind")
]


class InfraSpec(_Frozen):
    request: str
    components: tuple[Component, ...] = Field(min_length=1)
    region: str = "us-east-1"
    environment: Environment = "dev"
    project: str = "opsgraph"
    tags: dict[str, str] = Field(default_factory=dict)
    defaults_applied: tuple[str, ...] = ()  # what the request did not say, in words, for the README
