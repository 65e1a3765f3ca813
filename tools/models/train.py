"""The default retraining command: `python -m opsgraph.tools.models.train --model NAME --version N
--data FILE.csv [--tracking-uri URI]`.

Trains a new version with the parameters, columns and target of version N on the labelled data
in FILE (three quarters for training, the last quarter held out as the new version's evaluation
data), registers it and points `challenger` at it. Prints one JSON line: {"model", "version",
"training_key", "accuracy", "existing"}. Run twice on the same data, it registers nothing new."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def retrain(store: Any, model: str, version: int, data: Path, *, actor: str = "opsgraph-train") -> dict[str, Any]:
    from opsgraph.tools.models.frames import file_sha256, read_frame
    from opsgraph.tools.models.training import accuracy, train
    from opsgraph.tools.models.versions import training_key

    base = store.version(model, version)
    params: dict[str, Any] = dict(base.params)
    target, features = base.target, base.features
    if not target or not features:
        raise ValueError(f"{model} version {version} does not record its target and feature columns")
    key = training_key(model, params, features, target, file_sha256(data))
    existing = store.find_training_key(model, key)
    if existing is not None:
        return {"model": model, "version": existing.version, "training_key": key, "existing": True,
                "accuracy": existing.metrics.get("accuracy")}  # fmt: skip
    frame = read_frame(data, what="training data")
    missing = [c for c in [*features, target] if c not in frame.columns]
    if missing:
        raise ValueError(f"training data {data} lacks column(s) {', '.join(missing)}")
    cut = int(len(frame) * 0.75)
    training, evaluation = frame.iloc[:cut].reset_index(drop=True), frame.iloc[cut:].reset_index(drop=True)
    fitted = train(training, target, features, params)
    score = accuracy(fitted, evaluation, target, features)
    new = store.register_version(
        model, fitted, reference=training, evaluation=evaluation, target=target, features=features,
        params=params, metrics={"accuracy": score}, training_key=key,
        description=f"retrained from version {version} on {data.name}",
    )  # fmt: skip
    store.set_alias(model, "challenger", new, actor=actor, kind="retrain", note=f"from v{version} on {data.name}")
    return {"model": model, "version": new, "training_key": key, "existing": False, "accuracy": score}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m opsgraph.tools.models.train", description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--version", required=True, type=int)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--tracking-uri", required=True)
    args = parser.parse_args(argv)
    from opsgraph.tools.errors import ToolError
    from opsgraph.tools.models.frames import FrameError
    from opsgraph.tools.models.store import ModelStore

    store = ModelStore(args.tracking_uri, cache_dir=Path(tempfile.gettempdir()) / "opsgraph-model-data")
    try:
        outcome = retrain(store, args.model, args.version, args.data)
    except (ToolError, FrameError, ValueError) as exc:
        sys.stderr.write(f"error: {getattr(exc, 'message', exc)}\n")
        return 2
    sys.stdout.write(json.dumps(outcome) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
