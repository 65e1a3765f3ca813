"""The model tools against a real MLflow SQLite registry seeded with the demo models."""

from __future__ import annotations

import json
from pathlib import Path

from opsgraph.tools.context import ToolContext
from opsgraph.tools.registry import REGISTRY
from tests.support.k8s import approve_and_run


def test_status_names_versions_aliases_and_data_hashes(ctx: ToolContext) -> None:
    result = REGISTRY.call("model_status", {"model": "fraud-detector"}, ctx)
    assert result.status == "ok", result.text
    versions = result.data["versions"]
    assert [(v["version"], v["aliases"]) for v in versions] == [(1, ["champion"]), (2, ["challenger"])]
    assert all(len(v["reference_sha256"]) == 64 for v in versions)
    assert versions[1]["metrics"]["accuracy"] > versions[0]["metrics"]["accuracy"]
    assert "champion v1" in result.text


def test_unknown_model_names_the_known_ones(ctx: ToolContext) -> None:
    result = REGISTRY.call("drift_check", {"model": "fraud-detektor"}, ctx)
    assert result.status == "error" and result.error is not None and result.error.kind == "not_found"
    assert "fraud-detector" in result.text and "churn-model" in result.text


def test_drift_check_by_name_finds_the_two_drifted_features_and_logs_the_report(ctx: ToolContext) -> None:
    result = REGISTRY.call("drift_check", {"model": "fraud-detector"}, ctx)
    assert result.status == "ok", result.text
    assert result.data["drifted_columns"] == ["amount", "merchant_category"]
    assert result.data["data_checks"]["passed"] is True
    assert Path(result.data["report"]).read_text().count("<tr class=drift>") == 2
    assert "retrain fraud-detector" in result.text
    from opsgraph.tools.models.context import store

    client = store(ctx).client
    artifacts = {a.path for a in client.list_artifacts(result.data["mlflow_run_id"], "drift")}
    assert any(p.endswith(".html") for p in artifacts) and any(p.endswith(".json") for p in artifacts)


def test_drift_check_on_a_fresh_reference_sample_finds_nothing(ctx: ToolContext, tmp_path: Path) -> None:
    from opsgraph.tools.models.synthetic import fraud_frame

    fresh = tmp_path / "fresh.csv"
    fraud_frame(6000, seed=99).drop(columns=["is_fraud"]).to_csv(fresh, index=False)
    result = REGISTRY.call("drift_check", {"model": "fraud-detector", "current": str(fresh)}, ctx)
    assert result.status == "ok" and result.data["drifted_columns"] == [], result.text


def test_a_current_file_without_a_feature_is_an_error_naming_it(ctx: ToolContext, tmp_path: Path) -> None:
    from opsgraph.tools.models.synthetic import fraud_frame

    broken = tmp_path / "broken.csv"
    frame = fraud_frame(500, seed=5).drop(columns=["is_fraud", "device_risk"])
    frame["hour"] = "late"
    frame.to_csv(broken, index=False)
    result = REGISTRY.call("drift_check", {"model": "fraud-detector", "current": str(broken)}, ctx)
    assert result.status == "error" and result.error is not None and result.error.kind == "invalid_input"
    assert "missing column device_risk" in result.text and "column hour is text" in result.text


def test_promotion_through_the_gate_then_rollback_and_nothing_more(ctx: ToolContext) -> None:
    preview = REGISTRY.call("model_promote", {"model": "fraud-detector", "version": 2}, ctx)
    assert preview.status == "approval_required"
    assert "fraud-detector@champion: v1 -> v2" in (preview.diff or "") and "PASS" in (preview.diff or "")
    done = approve_and_run(ctx, "model_promote", {"model": "fraud-detector", "version": 2})
    assert done.status == "ok", done.text
    again = REGISTRY.call("model_promote", {"model": "fraud-detector", "version": 2}, ctx)
    assert again.no_op
    back = approve_and_run(ctx, "model_rollback", {"model": "fraud-detector"})
    assert back.status == "ok" and "back on version 1" in back.text
    status = REGISTRY.call("model_status", {"model": "fraud-detector"}, ctx)
    assert status.data["aliases"]["champion"] == 1
    kinds = [(h["kind"], h["from"], h["to"]) for h in status.data["alias_history"] if h["alias"] == "champion"]
    assert kinds == [("seed", None, 1), ("promote", 1, 2), ("rollback", 2, 1)]
    assert REGISTRY.call("model_rollback", {"model": "fraud-detector"}, ctx).no_op


def test_a_worse_version_fails_the_gate_and_an_override_needs_a_reason(ctx: ToolContext) -> None:
    approve_and_run(ctx, "model_promote", {"model": "fraud-detector", "version": 2})
    refused = REGISTRY.call("model_promote", {"model": "fraud-detector", "version": 1}, ctx)
    assert refused.status == "error" and "fails the promotion gate" in refused.text and "not above 0.01" in refused.text
    no_reason = REGISTRY.call("model_promote", {"model": "fraud-detector", "version": 1, "override": True}, ctx)
    assert no_reason.status == "error" and "reason" in no_reason.text
    args = {"model": "fraud-detector", "version": 1, "override": True, "reason": "v2 breaks the EU market"}
    preview = REGISTRY.call("model_promote", args, ctx)
    assert preview.status == "approval_required" and "OVERRIDE" in (preview.diff or "")
    done = approve_and_run(ctx, "model_promote", args)
    assert done.status == "ok" and done.data["kind"] == "override" and "EU market" in done.data["note"]


def test_writes_do_not_run_without_an_approval(ctx: ToolContext) -> None:
    for tool, args in (
        ("model_promote", {"model": "fraud-detector", "version": 2}),
        ("model_retrain", {"model": "churn-model"}),
    ):
        assert REGISTRY.call(tool, args, ctx).status in ("approval_required", "error")
    status = REGISTRY.call("model_status", {"model": "fraud-detector"}, ctx)
    assert status.data["aliases"] == {"champion": 1, "challenger": 2}


def test_model_data_is_verified_against_its_hash(ctx: ToolContext) -> None:
    from opsgraph.tools.models.context import store

    registry = store(ctx)
    info = registry.version("fraud-detector", 1)
    frame = registry.version_frame(info, "reference")
    assert len(frame) == 8000 and json.loads(info.tags["opsgraph.features"])[0] == "amount"
