"""Spec -> files (relative path -> text). Deterministic: the same spec always gives the same bytes."""

from __future__ import annotations

import re

from opsgraph.tools.terraform import render_aws as aws
from opsgraph.tools.terraform import render_k8s as k8s
from opsgraph.tools.terraform import render_network as net_tf
from opsgraph.tools.terraform import render_rds_cluster as rds_cluster
from opsgraph.tools.terraform.hcl import Ref, jsonencode, resource
from opsgraph.tools.terraform.parse import Unsupported
from opsgraph.tools.terraform.readme import readme
from opsgraph.tools.terraform.spec import (
    Bucket,
    Cache,
    Database,
    Firewall,
    GpuNodeGroup,
    InfraSpec,
    Network,
    Role,
    Workload,
)

TF_FILE = {
    "network": "network.tf",
    "database": "database.tf",
    "cache": "cache.tf",
    "bucket": "storage.tf",
    "firewall": "security.tf",
    "gpu_nodes": "eks.tf",
    "role": "iam.tf",
}


def render(spec: InfraSpec) -> dict[str, str]:
    tf: dict[str, list[str]] = {}
    files: dict[str, str] = {}
    net = next((c for c in spec.components if isinstance(c, Network)), None)
    for c in spec.components:
        target = TF_FILE.get(c.kind)
        if isinstance(c, Network):
            text = net_tf.network(spec, c)
        elif isinstance(c, Database) and c.placement == "aws":
            assert net is not None  # the parser adds a network for every AWS database
            text = aws.database(spec, c, net) if c.cluster == "none" else rds_cluster.cluster_database(spec, c, net)
        elif isinstance(c, Database):
            bucket_name = f"{spec.project}-{spec.environment}-{c.name}-backups-{aws.unique_suffix(spec, c.name)}"
            text = cluster_backups(spec, c, bucket_name)
            files.update(k8s.postgres(spec, c, bucket_name))
        elif isinstance(c, Cache):
            assert net is not None
            text = aws.cache(spec, c, net)
        elif isinstance(c, Bucket):
            text = aws.bucket(spec, c)
        elif isinstance(c, Firewall):
            assert net is not None
            text = net_tf.firewall(spec, c, net)
        elif isinstance(c, GpuNodeGroup):
            assert net is not None
            text = aws.gpu_nodes(spec, c, net)
        elif isinstance(c, Role):
            text = aws.role(spec, c)
        elif isinstance(c, Workload):
            files.update(k8s.workload(spec, c))
            continue
        else:  # pragma: no cover - the union is closed
            raise TypeError(c)
        assert target is not None
        tf.setdefault(target, []).append(text)
    if tf:
        providers = aws.providers(spec)
        if len(tf) == 1:
            only = next(iter(tf))
            tf[only].insert(0, providers)
        else:
            files["terraform/providers.tf"] = providers
        for name, parts in tf.items():
            files[f"terraform/{name}"] = "\n".join(parts)
    _refuse_unwritten_arguments(spec.request, files)
    files["README.md"] = readme(spec, sorted(files))
    return dict(sorted(files.items()))


_TERM = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _refuse_unwritten_arguments(request: str, files: dict[str, str]) -> None:
    """A request that names a Terraform argument or resource type (`expected_bucket_owner`,
    `aws_sagemaker_image`) the files do not contain is refused, never silently dropped."""
    written = "\n".join(files.values())
    missing = [t for t in dict.fromkeys(_TERM.findall(request.lower())) if t not in written]
    if missing:
        raise Unsupported(f"the templates do not write {', '.join(missing)}")


def cluster_backups(spec: InfraSpec, db: Database, bucket_name: str) -> str:
    """AWS side of an in-cluster database: the encrypted, private backup bucket whose lifecycle
    enforces the retention, and the role the backup job assumes (EKS Pod Identity)."""
    n = net_tf.label(db.name) + "_backups"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
    access = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject", "s3:ListBucket"],
                "Resource": [Ref(f"aws_s3_bucket.{n}.arn"), Ref(f'"${{aws_s3_bucket.{n}.arn}}/*"')],
            },
            {
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": [Ref(f"aws_kms_key.{n}.arn")],
            },
        ],
    }
    return "\n".join(
        [
            aws.kms_key(n, f"{db.name} backups"),
            aws.private_bucket(n, bucket_name, n, True, db.backup.retention_days),
            resource("aws_iam_role", n, {"name_prefix": f"{db.name}-backup-", "assume_role_policy": jsonencode(trust)}),
            resource("aws_iam_role_policy", n, {"role": Ref(f"aws_iam_role.{n}.id"), "policy": jsonencode(access)}),
            'output "backup_bucket" {\n  value = aws_s3_bucket.' + n + ".bucket\n}\n",
            'output "backup_role_arn" {\n  value = aws_iam_role.' + n + ".arn\n}\n",
        ]
    )
