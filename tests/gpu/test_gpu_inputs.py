"""Reading what users hand us: a `kubectl get nodes,pods -A -o json` snapshot, DCGM metrics in
three shapes, and the one-line errors for files that are neither."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsgraph.tools.gpu.metrics import MetricsError, load_metrics_file
from opsgraph.tools.gpu.snapshot import SnapshotError, load_snapshot
from tests.gpu.cluster_builders import dcgm, kubectl_list, node, pdb, pod

_GPU = 'UUID="GPU-{0}",device="nvidia{1}",modelName="NVIDIA H100 80GB HBM3",Hostname="a"'
_POD = 'container="main",namespace="ml",pod="chat-1"'
EXPOSITION = "\n".join(
    [
        "# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).",
        "# TYPE DCGM_FI_DEV_GPU_UTIL gauge",
        f'DCGM_FI_DEV_GPU_UTIL{{gpu="0",{_GPU.format("a", 0)},{_POD}}} 40',
        f'DCGM_FI_DEV_GPU_UTIL{{gpu="1",{_GPU.format("b", 1)},{_POD}}} 20',
        f'DCGM_FI_DEV_FB_USED{{gpu="0",{_GPU.format("a", 0)},{_POD}}} 30000',
        f'DCGM_FI_DEV_FB_USED{{gpu="1",{_GPU.format("b", 1)},{_POD}}} 50000',
        f'DCGM_FI_DEV_GPU_UTIL{{gpu="2",{_GPU.format("c", 2)}}} 0',
    ]
)


def test_a_kubectl_list_becomes_gpu_nodes_pods_and_budgets(tmp_path: Path) -> None:
    cpu = {
        "kind": "Node",
        "metadata": {"name": "cpu-1", "labels": {}},
        "status": {"allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"}},
    }
    daemon = pod("agent-1", "a", 0, owner="DaemonSet")
    daemon["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "500m", "memory": "1Gi"}}
    done = pod("old-1", "a", 2, phase="Succeeded")
    init = pod("init-1", "a", 1)
    init["spec"]["initContainers"] = [{"name": "warm", "resources": {"requests": {"cpu": "12"}}}]
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(kubectl_list(node("a"), cpu, daemon, done, init, pdb("p", "init"))))
    snap = load_snapshot(path)
    assert [n.name for n in snap.gpu_nodes] == ["a"]
    assert [p.key for p in snap.pods] == ["ml/init-1"]  # finished and GPU-less pods are not GPU pods
    (gpu_pod,) = snap.pods
    assert gpu_pod.gpus == 1 and gpu_pod.requests["cpu"] == 12.0  # the largest init container counts
    assert gpu_pod.workload == "Deployment/init"
    assert snap.other_pods["a"]["cpu"] == 0.5
    assert snap.pdbs[0].covers(gpu_pod)


def test_a_node_list_whose_items_carry_no_kind_is_read(tmp_path: Path) -> None:
    path = tmp_path / "nodes.json"
    path.write_text(json.dumps({"kind": "NodeList", "items": [{k: v for k, v in node("a").items() if k != "kind"}]}))
    assert [n.name for n in load_snapshot(path).gpu_nodes] == ["a"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"kind": "Deployment"}', "expected a Kubernetes List"),
        ('{"kind": "List", "items": []}', "no Node objects"),
        ('{"kind": "List", "items": [{"kind": "Node", "metadata": {}}]}', "Node ?: malformed"),
        (
            json.dumps(
                kubectl_list(
                    node("a"),
                    {
                        **pod("p", "a", 1),
                        "spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": "two"}}}]},
                    },
                )
            ),
            "Pod p: malformed",
        ),
    ],
)
def test_a_bad_snapshot_is_one_line_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_dcgm_exposition_text_gives_per_pod_and_per_node_use(tmp_path: Path) -> None:
    path = tmp_path / "metrics.txt"
    path.write_text(EXPOSITION)
    usage = load_metrics_file(path)
    chat = usage.pods["ml/chat-1"]
    assert (chat.util_pct, chat.fb_used_mib, chat.gpus_seen) == (30.0, 50000.0, 2)
    assert sorted(usage.gpus["a"]) == ["GPU-a", "GPU-b", "GPU-c"]


def test_a_prometheus_response_and_a_bare_sample_list_read_the_same(tmp_path: Path) -> None:
    samples = dcgm("ml", "emb-1", "a", 12.5, 9000)
    response = tmp_path / "response.json"
    response.write_text(json.dumps({"status": "success", "data": {"resultType": "vector", "result": samples}}))
    bare = tmp_path / "samples.json"
    bare.write_text(json.dumps(samples))
    assert load_metrics_file(response).pods == load_metrics_file(bare).pods
    assert load_metrics_file(bare).pods["ml/emb-1"].util_pct == 12.5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"status": "error", "error": "bad query"}', "Prometheus error: bad query"),
        ("[]", "no DCGM_FI_DEV_GPU_UTIL or DCGM_FI_DEV_FB_USED samples"),
        ('[{"metric": {"__name__": "DCGM_FI_DEV_GPU_UTIL"}, "value": [0, "lots"]}]', "bad value 'lots'"),
        ("DCGM_FI_DEV_GPU_UTIL{gpu=0} x y z", "line 1: not a metric sample"),
    ],
)
def test_a_bad_metrics_file_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "metrics.json"
    path.write_text(content)
    with pytest.raises(MetricsError) as caught:
        load_metrics_file(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
