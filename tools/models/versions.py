"""Names for what a version was made from: content hashes of data and a training key."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

TRAINING_DATA_TAG = "opsgraph.training_data"


def frame_sha256(frame: pd.DataFrame) -> str:
    """The sha256 of the frame as its CSV snapshot (the artifact the version carries)."""
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def training_key(model: str, params: dict[str, Any], features: list[str], target: str, data_sha256: str) -> str:
    """Same model, parameters, columns and data -> same key: a retrain that would repeat a
    version is recognised instead of run twice."""
    payload = json.dumps(
        {
            "model": model,
            "params": {k: str(v) for k, v in params.items()},
            "features": features,
            "target": target,
            "data": data_sha256,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]
