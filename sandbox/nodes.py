"""Node objects from the scenario, labelled the way kubelet, the cloud provider and the NVIDIA GPU
operator (GPU feature discovery, MIG manager) label real ones."""

from __future__ import annotations

import re
from decimal import Decimal

from .meta import Obj, hex_digest, iso, stable_uid
from .quantity import parse_quantity
from .scenario import Gpu, Node

KUBELET_VERSION = "v1.31.4"
_RESERVED_CPU = Decimal("0.15")
_RESERVED_MEMORY = Decimal(1536 * 2**20)


def _ki(value: Decimal) -> str:
    return f"{int(value / 1024)}Ki"


def _millicores(value: Decimal) -> str:
    milli = int(value * 1000)
    return f"{milli // 1000}" if milli % 1000 == 0 else f"{milli}m"


def gpu_labels(gpu: Gpu, now: float) -> dict[str, str]:
    major, _, minor = gpu.compute_capability.partition(".")
    d_major, d_minor, d_rev = [*gpu.driver.split("."), "", "", ""][:3]
    c_major, _, c_minor = gpu.cuda.partition(".")
    labels = {
        "feature.node.kubernetes.io/pci-10de.present": "true",
        "nvidia.com/gpu.present": "true",
        "nvidia.com/gpu.product": gpu.product,
        "nvidia.com/gpu.count": str(gpu.count),
        "nvidia.com/gpu.memory": str(gpu.memory_mib),
        "nvidia.com/gpu.family": gpu.family,
        "nvidia.com/gpu.compute.major": major,
        "nvidia.com/gpu.compute.minor": minor or "0",
        "nvidia.com/gpu.replicas": "1",
        "nvidia.com/gpu.sharing-strategy": "none",
        "nvidia.com/cuda.driver.major": d_major,
        "nvidia.com/cuda.driver.minor": d_minor,
        "nvidia.com/cuda.driver.rev": d_rev,
        "nvidia.com/cuda.driver-version.full": gpu.driver,
        "nvidia.com/cuda.runtime.major": c_major,
        "nvidia.com/cuda.runtime.minor": c_minor or "0",
        "nvidia.com/cuda.runtime-version.full": gpu.cuda,
        "nvidia.com/gfd.timestamp": str(int(now)),
        "nvidia.com/mig.capable": "true",
        "nvidia.com/mig.strategy": gpu.mig.strategy if gpu.mig else "single",
        "nvidia.com/mig.config": gpu.mig.config if gpu.mig else "all-disabled",
        "nvidia.com/mig.config.state": "success",
    }
    if gpu.machine:
        labels["nvidia.com/gpu.machine"] = gpu.machine
    for component in (
        "driver",
        "container-toolkit",
        "device-plugin",
        "gpu-feature-discovery",
        "dcgm",
        "dcgm-exporter",
        "node-status-exporter",
        "operator-validator",
        "mig-manager",
    ):
        labels[f"nvidia.com/gpu.deploy.{component}"] = "true"
    if gpu.mig:
        for profile, per_gpu in gpu.mig.profiles.items():
            slices = re.match(r"^(\d)g\.(\d+)gb$", profile)
            assert slices is not None  # validated by the scenario model
            prefix = f"nvidia.com/mig-{profile}"
            labels[f"{prefix}.count"] = str(per_gpu * gpu.count)
            labels[f"{prefix}.memory"] = str(int(int(slices.group(2)) * 1024 * 0.97))
            labels[f"{prefix}.slices.gi"] = slices.group(1)
            labels[f"{prefix}.slices.ci"] = slices.group(1)
            labels[f"{prefix}.product"] = f"{gpu.product}-MIG-{profile}"
    return labels


def node_object(spec: Node, index: int, now: float) -> Obj:
    cpu = parse_quantity(spec.cpu)
    memory = parse_quantity(spec.memory)
    created = now - spec.age
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": spec.instance_type,
        "topology.kubernetes.io/region": spec.zone[:-1] if spec.zone[-1:].isalpha() else spec.zone,
        "topology.kubernetes.io/zone": spec.zone,
        "node-pool": spec.pool,
    }
    capacity = {
        "cpu": _millicores(cpu),
        "ephemeral-storage": "203056560Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": _ki(memory),
        "pods": str(spec.pods),
    }
    allocatable = {
        "cpu": _millicores(cpu - _RESERVED_CPU),
        "ephemeral-storage": "187136925387",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": _ki(memory - _RESERVED_MEMORY),
        "pods": str(spec.pods),
    }
    taints = [
        {"key": t.key, "value": t.value, "effect": t.effect} if t.value else {"key": t.key, "effect": t.effect}
        for t in spec.taints
    ]
    if spec.gpu is not None:
        labels.update(gpu_labels(spec.gpu, created))
        whole = spec.gpu.count
        if spec.gpu.mig is not None:
            for profile, per_gpu in spec.gpu.mig.profiles.items():
                name = f"nvidia.com/mig-{profile}" if spec.gpu.mig.strategy == "mixed" else "nvidia.com/gpu"
                count = int(capacity.get(name, "0")) + per_gpu * spec.gpu.count
                capacity[name] = allocatable[name] = str(count)
            whole = 0 if spec.gpu.mig.strategy == "mixed" else int(capacity["nvidia.com/gpu"])
        capacity["nvidia.com/gpu"] = allocatable["nvidia.com/gpu"] = str(whole)
    labels.update(spec.labels)
    condition_time = iso(created)
    heartbeat = iso(now)
    conditions = [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]
    pod_cidr = f"10.244.{index}.0/24"
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": spec.name,
            "uid": stable_uid("node", spec.name),
            "creationTimestamp": iso(created),
            "labels": labels,
            "annotations": {
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {
            "podCIDR": pod_cidr,
            "podCIDRs": [pod_cidr],
            "providerID": f"aws:///{spec.zone}/i-0{hex_digest('instance', spec.name, length=16)}",
            **({"taints": taints} if taints else {}),
        },
        "status": {
            "capacity": capacity,
            "allocatable": allocatable,
            "conditions": [
                {
                    "type": t,
                    "status": s,
                    "lastHeartbeatTime": heartbeat,
                    "lastTransitionTime": condition_time,
                    "reason": reason,
                    "message": message,
                }
                for t, s, reason, message in conditions
            ],
            "addresses": [
                {"type": "InternalIP", "address": spec.internal_ip},
                {"type": "Hostname", "address": spec.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": hex_digest("machine", spec.name, length=32),
                "systemUUID": stable_uid("system", spec.name).upper(),
                "bootID": stable_uid("boot", spec.name),
                "kernelVersion": "6.8.0-1021-aws",
                "osImage": "Ubuntu 22.04.5 LTS",
                "containerRuntimeVersion": "containerd://1.7.24",
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": KUBELET_VERSION,
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
        },
    }
