"""`opsgraph gpu plan` and `opsgraph gpu status`, run the way a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.gpu.cluster_builders import dcgm, kubectl_list, node, pod
from tests.support.cli import run_cli


def _files(tmp_path: Path) -> tuple[Path, Path]:
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_text(json.dumps(kubectl_list(node("a"), node("b"), node("c"), pod("big-1", "a", 4),
                                                pod("mid-1", "b", 2), pod("idle-1", "c", 2))))  # fmt: skip
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps(dcgm("ml", "big-1", "a", 70, 60000, 4) + dcgm("ml", "idle-1", "c", 0, 100, 2)))
    return snapshot, metrics


def test_plan_json_is_exactly_the_contract(tmp_path: Path) -> None:
    snapshot, metrics = _files(tmp_path)
    done = run_cli("gpu", "plan", "--snapshot", str(snapshot), "--metrics", str(metrics), "--json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert set(plan) == {"actions", "gpus_freed", "nodes_freed", "nodes_needed_lower_bound", "usd_per_hour_saved"}
    assert all(set(a) == {"kind", "target", "detail"} for a in plan["actions"])
    assert (plan["nodes_freed"], plan["gpus_freed"], plan["nodes_needed_lower_bound"]) == (2, 16, 1)
    assert plan["usd_per_hour_saved"] == round(16 * 12.29, 2)
    assert {a["target"] for a in plan["actions"] if a["kind"] == "move"} == {"ml/mid-1", "ml/idle-1"}


def test_objectives_change_the_plan_and_details_add_the_gap(tmp_path: Path) -> None:
    snapshot, _ = _files(tmp_path)
    done = run_cli("gpu", "plan", "--snapshot", str(snapshot), "--objectives", "defragment", "--json", "--details")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["objectives"] == ["defragment"] and plan["gap_to_lower_bound"] >= 0
    bad = run_cli("gpu", "plan", "--snapshot", str(snapshot), "--objectives", "pack_tighter")
    assert bad.returncode == 2 and "--objectives" in bad.stderr and "Traceback" not in bad.stderr


def test_bad_files_are_one_clear_line(tmp_path: Path) -> None:
    missing = run_cli("gpu", "plan", "--snapshot", str(tmp_path / "nope.json"), "--json")
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.strip().count("\n") == 0 and "cannot read the snapshot" in missing.stderr
    snapshot, _ = _files(tmp_path)
    metrics = tmp_path / "m.json"
    metrics.write_text("{}")
    bad = run_cli("gpu", "plan", "--snapshot", str(snapshot), "--metrics", str(metrics), "--json")
    assert bad.returncode == 2 and "m.json" in bad.stderr and "Traceback" not in bad.stderr


def test_status_says_where_the_money_goes_and_whether_an_8_gpu_job_fits(tmp_path: Path) -> None:
    snapshot, metrics = _files(tmp_path)
    done = run_cli("gpu", "status", "--snapshot", str(snapshot), "--metrics", str(metrics), "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["totals"]["gpus"] == 24 and status["totals"]["allocated"] == 8
    assert status["large_job"]["fits_on"] == []  # 4, 6 and 6 GPUs free: fragmented
    assert status["totals"]["fragmented"] == 16
    idle = next(w for w in status["workloads"] if w["workload"] == "ml/Deployment/idle")
    assert idle["usd_per_hour_idle"] == round(2 * 12.29, 2)
    text = run_cli("gpu", "status", "--snapshot", str(snapshot), "--metrics", str(metrics))
    assert "A job of 8 GPUs fits nowhere" in text.stdout
