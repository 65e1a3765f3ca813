"""Kubernetes manifests for in-cluster requests: a PostgreSQL StatefulSet with streaming standbys,
its Services, a NetworkPolicy limited to the named namespaces, a backup CronJob to S3; or a
plain Deployment. Every pod runs as non-root with a read-only root filesystem."""

from __future__ import annotations

from typing import Any

import yaml

from opsgraph.tools.terraform.spec import Database, InfraSpec, Workload

POSTGRES_IMAGE = "postgres:16.4"  # when the request names no version
AWS_CLI_IMAGE = "amazon/aws-cli:2.17.0"
UID = 10001  # high, so it never maps to a host user; the postgres image runs under any uid
NS_LABEL = "kubernetes.io/metadata.name"

INIT_PRIMARY = """#!/bin/bash
# Runs once, when the primary's data directory is first initialised.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$(cat /secrets/replication-password)';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
"""

INIT_STANDBY = """#!/bin/bash
# Pod 0 is the primary. Every other pod starts as a streaming standby cloned from it.
set -euo pipefail
ordinal="${HOSTNAME##*-}"
if [ "$ordinal" != "0" ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  PGPASSWORD="$(cat /secrets/replication-password)"
  export PGPASSWORD
  until pg_isready -h "$PRIMARY_HOST" -p 5432; do sleep 2; done
  pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -R -X stream -P
fi
"""


def dump(*documents: dict[str, Any]) -> str:
    return "---\n".join(yaml.safe_dump(d, sort_keys=False, width=120) for d in documents)


def _meta(name: str, namespace: str, app: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": {"app": app, "app.kubernetes.io/managed-by": "opsgraph"}}


def _hardened(container: dict[str, Any], uid: int) -> dict[str, Any]:
    container["securityContext"] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    container.setdefault("imagePullPolicy", "Always")
    return container


def _pod_security(uid: int) -> dict[str, Any]:
    return {"runAsNonRoot": True, "runAsUser": uid, "fsGroup": uid, "seccompProfile": {"type": "RuntimeDefault"}}


def postgres(spec: InfraSpec, db: Database, bucket_name: str) -> dict[str, str]:
    ns = db.namespace or "databases"
    name = db.name
    image = f"postgres:{db.version}" if db.version else POSTGRES_IMAGE
    secret = f"{name}-credentials"
    headless = f"{name}-headless"
    primary_host = f"{name}-0.{headless}.{ns}.svc.cluster.local"
    env = [
        {"name": "POSTGRES_USER", "value": "postgres"},
        {"name": "POSTGRES_PASSWORD_FILE", "value": "/secrets/password"},
        {"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"},
        {"name": "PRIMARY_HOST", "value": primary_host},
    ]
    mounts = [
        {"name": "data", "mountPath": "/var/lib/postgresql/data"},
        {"name": "run", "mountPath": "/var/run/postgresql"},
        {"name": "tmp", "mountPath": "/tmp"},
        {"name": "secrets", "mountPath": "/secrets", "readOnly": True},
    ]
    resources = {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    probe = {"exec": {"command": ["pg_isready", "-U", "postgres", "-h", "127.0.0.1"]}, "periodSeconds": 10}
    scripts = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(f"{name}-scripts", ns, name),
        "data": {"init-primary.sh": INIT_PRIMARY, "init-standby.sh": INIT_STANDBY},
    }
    statefulset = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta(name, ns, name),
        "spec": {
            "serviceName": headless,
            "replicas": db.replicas,
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": _pod_security(UID),
                    "initContainers": [
                        _hardened(
                            {
                                "name": "clone-primary",
                                "image": image,
                                "command": ["bash", "/scripts/init-standby.sh"],
                                "env": env,
                                "volumeMounts": [*mounts, {"name": "scripts", "mountPath": "/scripts"}],
                                "resources": resources,
                            },
                            UID,
                        )
                    ],
                    "containers": [
                        _hardened(
                            {
                                "name": "postgres",
                                "image": image,
                                "env": env,
                                "ports": [{"name": "postgres", "containerPort": 5432}],
                                "volumeMounts": [
                                    *mounts,
                                    {
                                        "name": "scripts",
                                        "mountPath": "/docker-entrypoint-initdb.d/init-primary.sh",
                                        "subPath": "init-primary.sh",
                                    },
                                ],
                                "resources": resources,
                                "readinessProbe": probe,
                                "livenessProbe": {**probe, "initialDelaySeconds": 30},
                            },
                            UID,
                        )
                    ],
                    "volumes": [
                        {"name": "run", "emptyDir": {}},
                        {"name": "tmp", "emptyDir": {}},
                        {"name": "scripts", "configMap": {"name": f"{name}-scripts", "defaultMode": 0o555}},
                        {"name": "secrets", "secret": {"secretName": secret, "defaultMode": 0o400}},
                    ],
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": f"{db.storage_gb}Gi"}},
                    },
                }
            ],
        },
    }
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(headless, ns, name),
            "spec": {
                "clusterIP": "None",
                "publishNotReadyAddresses": True,
                "selector": {"app": name},
                "ports": [{"name": "postgres", "port": 5432, "targetPort": 5432}],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(name, ns, name),
            "spec": {
                "selector": {"app": name, "statefulset.kubernetes.io/pod-name": f"{name}-0"},
                "ports": [{"name": "postgres", "port": 5432, "targetPort": 5432}],
            },
        },
    ]
    if db.replicas > 1:
        services.append(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": _meta(f"{name}-read", ns, name),
                "spec": {"selector": {"app": name}, "ports": [{"name": "postgres", "port": 5432, "targetPort": 5432}]},
            }
        )
    port = [{"protocol": "TCP", "port": 5432}]
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(f"{name}-ingress", ns, name),
        "spec": {
            "podSelector": {"matchLabels": {"app": name}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"namespaceSelector": {"matchLabels": {NS_LABEL: n}}} for n in db.access.namespaces],
                    "ports": port,
                },
                # Replication between the pods and the backup job, inside the database's own namespace.
                {
                    "from": [
                        {"podSelector": {"matchLabels": {"app": name}}},
                        {"podSelector": {"matchLabels": {"app": f"{name}-backup"}}},
                    ],
                    "ports": port,
                },
            ],
        },
    }
    return {
        "kubernetes/statefulset.yaml": dump(scripts, statefulset),
        "kubernetes/service.yaml": dump(*services),
        "kubernetes/networkpolicy.yaml": dump(policy),
        "kubernetes/backup-cronjob.yaml": dump(*_backup_job(spec, db, ns, secret, primary_host, bucket_name, image)),
    }


def _backup_job(
    spec: InfraSpec, db: Database, ns: str, secret: str, host: str, bucket_name: str, image: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    app = f"{db.name}-backup"
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(app, ns, app),
        "automountServiceAccountToken": False,
    }
    out = {"name": "backup", "mountPath": "/backup"}
    job = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": _meta(app, ns, app),
        "spec": {
            "schedule": db.backup.schedule,
            "timeZone": "Etc/UTC",
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "activeDeadlineSeconds": 3600,
                    "template": {
                        "metadata": {"labels": {"app": app}},
                        "spec": {
                            "serviceAccountName": app,
                            "automountServiceAccountToken": False,
                            "restartPolicy": "Never",
                            "securityContext": _pod_security(UID),
                            "initContainers": [
                                _hardened(
                                    {
                                        "name": "dump",
                                        "image": image,
                                        "command": [
                                            "sh",
                                            "-c",
                                            f'PGPASSWORD="$(cat /secrets/password)" pg_dump -h {host} -U postgres -Fc '
                                            f"-f /backup/{db.name}.dump postgres",
                                        ],
                                        "volumeMounts": [
                                            out,
                                            {"name": "secrets", "mountPath": "/secrets", "readOnly": True},
                                        ],
                                        "resources": {
                                            "requests": {"cpu": "100m", "memory": "256Mi"},
                                            "limits": {"cpu": "1", "memory": "1Gi"},
                                        },
                                    },
                                    UID,
                                )
                            ],
                            "containers": [
                                _hardened(
                                    {
                                        "name": "upload",
                                        "image": AWS_CLI_IMAGE,
                                        "command": [
                                            "sh",
                                            "-c",
                                            f'aws s3 cp /backup/{db.name}.dump "s3://{bucket_name}/{db.name}/'
                                            '$(date -u +%Y-%m-%dT%H%M%SZ).dump"',
                                        ],
                                        "env": [
                                            {"name": "AWS_REGION", "value": spec.region},
                                            {"name": "HOME", "value": "/tmp"},
                                        ],
                                        "volumeMounts": [out, {"name": "tmp", "mountPath": "/tmp"}],
                                        "resources": {
                                            "requests": {"cpu": "100m", "memory": "128Mi"},
                                            "limits": {"cpu": "500m", "memory": "512Mi"},
                                        },
                                    },
                                    UID,
                                )
                            ],
                            "volumes": [
                                {"name": "backup", "emptyDir": {}},
                                {"name": "tmp", "emptyDir": {}},
                                {"name": "secrets", "secret": {"secretName": secret, "defaultMode": 0o400}},
                            ],
                        },
                    },
                }
            },
        },
    }
    return account, job


def workload(spec: InfraSpec, w: Workload) -> dict[str, str]:
    labels = {"app": w.name}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(w.name, w.namespace, w.name),
        "spec": {
            "replicas": w.replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": _pod_security(UID),
                    "containers": [
                        _hardened(
                            {
                                "name": w.name,
                                "image": w.image,
                                "ports": [{"name": "http", "containerPort": w.port}],
                                "resources": {
                                    "requests": {"cpu": "100m", "memory": "128Mi"},
                                    "limits": {"cpu": "500m", "memory": "512Mi"},
                                },
                                "readinessProbe": {"tcpSocket": {"port": w.port}, "periodSeconds": 10},
                                "livenessProbe": {
                                    "tcpSocket": {"port": w.port},
                                    "periodSeconds": 20,
                                    "initialDelaySeconds": 15,
                                },
                                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
                            },
                            UID,
                        )
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(w.name, w.namespace, w.name),
        "spec": {"selector": labels, "ports": [{"name": "http", "port": w.port, "targetPort": w.port}]},
    }
    peers = [{"namespaceSelector": {"matchLabels": {NS_LABEL: n}}} for n in w.access.namespaces]
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(f"{w.name}-ingress", w.namespace, w.name),
        "spec": {
            "podSelector": {"matchLabels": labels},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": peers, "ports": [{"protocol": "TCP", "port": w.port}]}],
        },
    }
    return {
        "kubernetes/deployment.yaml": dump(deployment),
        "kubernetes/service.yaml": dump(service),
        "kubernetes/networkpolicy.yaml": dump(policy),
    }
