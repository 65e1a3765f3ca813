"""RDS clusters from the spec: Aurora (a cluster plus one instance per replica) and the Multi-AZ DB
cluster (one writer and two readable standbys in three zones). The same safe settings as an RDS
instance: private, KMS-encrypted, IAM authentication, backups as asked, managed master password,
deletion protection in prod, logs exported."""

from __future__ import annotations

from opsgraph.tools.terraform.hcl import Block, Ref, block, resource
from opsgraph.tools.terraform.render_aws import backup_hour, database_foundation
from opsgraph.tools.terraform.render_network import azs, label
from opsgraph.tools.terraform.spec import Database, InfraSpec, Network

AURORA_ENGINES = {"postgres": "aurora-postgresql", "mysql": "aurora-mysql"}
AURORA_VERSIONS = {"postgres": "16.4", "mysql": "8.0.mysql_aurora.3.08.0"}
AURORA_FAMILIES = {"postgres": "aurora-postgresql16", "mysql": "aurora-mysql8.0"}
CLUSTER_VERSIONS = {"postgres": "16.4", "mysql": "8.0.40"}
CLUSTER_LOGS = {"postgres": ["postgresql"], "mysql": ["audit", "error", "general", "slowquery"]}
# Multi-AZ DB clusters run on instance classes with local NVMe storage for the write-ahead log.
MULTI_AZ_CLASS = "db.m6gd.large"
AURORA_CLASS = "db.r6g.large"


def cluster_database(spec: InfraSpec, db: Database, net: Network) -> str:
    n = label(db.name)
    prod = spec.environment == "prod"
    aurora = db.cluster == "aurora"
    identifier = f"{db.name}-{spec.environment}"
    hour = backup_hour(db)
    engine = AURORA_ENGINES[db.engine] if aurora else db.engine
    version = db.version or (AURORA_VERSIONS if aurora else CLUSTER_VERSIONS)[db.engine]
    instance_class = db.instance_class if db.instance_class != "db.t3.medium" else None
    cluster: dict[str, object] = {
        "cluster_identifier": identifier,
        "engine": engine,
        "engine_version": version,
        "database_name": "app",
        "master_username": "dbadmin",
        "manage_master_user_password": True,
        "master_user_secret_kms_key_id": Ref(f"aws_kms_key.{n}.arn"),
        "db_subnet_group_name": Ref(f"aws_db_subnet_group.{n}.name"),
        "vpc_security_group_ids": [Ref(f"aws_security_group.{n}.id")],
        "storage_encrypted": True,
        "kms_key_id": Ref(f"aws_kms_key.{n}.arn"),
        "backup_retention_period": db.backup.retention_days,
        "preferred_backup_window": f"{hour:02d}:00-{hour:02d}:30",
        "preferred_maintenance_window": f"sun:{(hour + 2) % 24:02d}:00-sun:{(hour + 3) % 24:02d}:00",
        "copy_tags_to_snapshot": True,
        "deletion_protection": prod,
        "skip_final_snapshot": not prod,
        "final_snapshot_identifier": f"{identifier}-final" if prod else None,
        "iam_database_authentication_enabled": True,
        "apply_immediately": True if db.apply_immediately else None,
        "enabled_cloudwatch_logs_exports": CLUSTER_LOGS[db.engine],
    }
    if aurora:
        cluster["db_cluster_parameter_group_name"] = Ref(f"aws_rds_cluster_parameter_group.{n}.name")
        if db.engine == "mysql":
            cluster["backtrack_window"] = 86400  # rewind the cluster up to 24 h without a restore
    else:
        # The Multi-AZ DB cluster: its own instances, storage and class on the cluster itself.
        cluster |= {
            "db_cluster_instance_class": instance_class or MULTI_AZ_CLASS,
            "storage_type": "io1",
            "allocated_storage": db.storage_gb,
            "iops": max(1000, db.storage_gb * 10),
            "availability_zones": azs(spec, 3),
            "performance_insights_enabled": True,
            "performance_insights_kms_key_id": Ref(f"aws_kms_key.{n}.arn"),
            "monitoring_interval": 60,
            "monitoring_role_arn": Ref(f"aws_iam_role.{n}_monitoring.arn"),
        }
    parts = database_foundation(db, net, identifier, engine, "storage, logs and master secret")
    if aurora:
        parts.append(cluster_parameter_group(n, identifier, db))
    parts.append(resource("aws_rds_cluster", n, cluster))
    if aurora:
        parts.append(
            resource(
                "aws_rds_cluster_instance",
                n,
                {
                    "count": max(db.replicas, 2 if prod else 1),
                    "identifier": Ref(f'"{identifier}-${{count.index}}"'),
                    "cluster_identifier": Ref(f"aws_rds_cluster.{n}.id"),
                    "engine": Ref(f"aws_rds_cluster.{n}.engine"),
                    "engine_version": Ref(f"aws_rds_cluster.{n}.engine_version"),
                    "instance_class": instance_class or AURORA_CLASS,
                    "db_subnet_group_name": Ref(f"aws_db_subnet_group.{n}.name"),
                    "publicly_accessible": False,
                    "auto_minor_version_upgrade": True,
                    "copy_tags_to_snapshot": True,
                    "performance_insights_enabled": True,
                    "performance_insights_kms_key_id": Ref(f"aws_kms_key.{n}.arn"),
                    "monitoring_interval": 60,
                    "monitoring_role_arn": Ref(f"aws_iam_role.{n}_monitoring.arn"),
                },
            )
        )
    parts.append(block("output", (f"{n}_endpoint",), {"value": Ref(f"aws_rds_cluster.{n}.endpoint")}))
    parts.append(block("output", (f"{n}_reader_endpoint",), {"value": Ref(f"aws_rds_cluster.{n}.reader_endpoint")}))
    parts.append(
        block(
            "output",
            (f"{n}_master_secret_arn",),
            {
                "description": "Secrets Manager secret holding the master password",
                "value": Ref(f"aws_rds_cluster.{n}.master_user_secret[0].secret_arn"),
            },
        )
    )
    return "\n".join(parts)


def cluster_parameter_group(n: str, identifier: str, db: Database) -> str:
    """TLS required and statement logging on, as for an RDS instance."""
    if db.engine == "postgres":
        params = {"rds.force_ssl": "1", "log_statement": "ddl", "log_min_duration_statement": "1000"}
    else:
        params = {"require_secure_transport": "ON", "slow_query_log": "1", "long_query_time": "1"}
    return resource(
        "aws_rds_cluster_parameter_group",
        n,
        {
            "name_prefix": f"{identifier}-",
            "family": AURORA_FAMILIES[db.engine],
            "parameter": [Block({"name": k, "value": v}) for k, v in params.items()],
            "lifecycle": Block({"create_before_destroy": True}),
        },
    )
