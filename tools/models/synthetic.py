"""Synthetic tabular data the project generates itself: the demo models' training, evaluation and
production batches, and the frames the drift benchmark and eval shift on purpose.
Nothing here reads public data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

MERCHANTS = ("grocery", "electronics", "travel", "fuel", "gaming", "fashion")
COUNTRIES = ("US", "GB", "DE", "FR", "BR", "IN")
PLANS = ("basic", "standard", "premium")


def fraud_frame(n: int, seed: int, *, drifted: bool = False) -> pd.DataFrame:
    """Card transactions with a fraud label. `drifted`: the production batch of the demo, where
    `amount` grew (x1.8) and electronics/gaming purchases took over the merchant mix."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    merchant_p = np.array([0.30, 0.15, 0.10, 0.20, 0.10, 0.15])
    if drifted:
        merchant_p = np.array([0.12, 0.35, 0.08, 0.10, 0.25, 0.10])
    frame = pd.DataFrame(
        {
            "amount": np.round(rng.lognormal(3.6, 0.9, n) * (1.8 if drifted else 1.0), 2),
            "hour": rng.integers(0, 24, n),
            "account_age_days": rng.exponential(400.0, n).astype(int),
            "tx_last_24h": rng.poisson(3.0, n),
            "distance_km": np.round(rng.exponential(25.0, n), 2),
            "device_risk": np.round(rng.beta(2.0, 5.0, n), 4),
            "merchant_category": rng.choice(MERCHANTS, n, p=merchant_p / merchant_p.sum()),
            "country": rng.choice(COUNTRIES, n, p=[0.4, 0.15, 0.15, 0.1, 0.1, 0.1]),
            "card_present": rng.integers(0, 2, n),
        }
    )
    risky_merchant = frame["merchant_category"].isin(["electronics", "gaming"]).to_numpy()
    not_present = frame["card_present"].to_numpy() == 0
    logit = (
        -2.6
        + 3.0 * frame["device_risk"].to_numpy()
        + 2.5 * (risky_merchant & not_present)
        + 2.5 * (frame["hour"].to_numpy() < 6)
        + 0.9 * (frame["distance_km"].to_numpy() > 60)
        + 0.5 * np.log1p(frame["amount"].to_numpy()) * not_present
        - 1.0 * risky_merchant * (1 - not_present)
    )
    frame["is_fraud"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def churn_frame(n: int, seed: int) -> pd.DataFrame:
    """Subscribers with a churn label."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "tenure_months": rng.integers(1, 72, n),
            "monthly_fee": np.round(rng.normal(45.0, 12.0, n), 2),
            "support_tickets": rng.poisson(1.2, n),
            "usage_hours": np.round(rng.gamma(4.0, 8.0, n), 1),
            "plan": rng.choice(PLANS, n, p=[0.5, 0.35, 0.15]),
        }
    )
    logit = (
        0.5
        - 0.05 * frame["tenure_months"].to_numpy()
        + 0.5 * frame["support_tickets"].to_numpy()
        - 0.03 * frame["usage_hours"].to_numpy()
        + 0.02 * (frame["monthly_fee"].to_numpy() - 45)
    )
    frame["churned"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


# -- drift benchmark / eval frames ------------------------------------------------------------
@dataclass(frozen=True)
class Shift:
    """A known change applied to a fresh sample: `kind` on the first `columns` columns of that kind."""

    kind: str  # none | mean | scale | category
    columns: int = 0
    size: float = 0.0  # mean: shift in reference stds; scale: std multiplier - 1; category: mass moved


def wide_frame(n: int, seed: int, *, numeric: int = 16, categorical: int = 4) -> pd.DataFrame:
    """`numeric` float columns of varied shapes and `categorical` string columns."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for i in range(numeric):
        shape = i % 4
        if shape == 0:
            data[f"num_{i}"] = rng.normal(10.0 + i, 2.0 + i % 3, n)
        elif shape == 1:
            data[f"num_{i}"] = rng.lognormal(1.0, 0.5, n)
        elif shape == 2:
            data[f"num_{i}"] = rng.gamma(2.0 + i % 3, 2.0, n)
        else:
            data[f"num_{i}"] = rng.uniform(0.0, 100.0, n)
    for j in range(categorical):
        levels = 3 + 2 * j
        p = np.linspace(1.0, 2.0, levels)
        data[f"cat_{j}"] = rng.choice([f"c{k}" for k in range(levels)], n, p=p / p.sum())
    return pd.DataFrame(data)


def apply_shift(frame: pd.DataFrame, shift: Shift, seed: int) -> pd.DataFrame:
    """A copy of `frame` with `shift` applied (relative to the column's own mean and std)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = frame.copy()
    if shift.kind == "none":
        return out
    numeric = [c for c in frame.columns if frame[c].dtype.kind == "f"]
    categorical = [c for c in frame.columns if frame[c].dtype.kind == "O"]
    if shift.kind in ("mean", "scale"):
        for column in numeric[: shift.columns]:
            values = out[column].to_numpy()
            mean, std = float(values.mean()), float(values.std())
            if shift.kind == "mean":
                out[column] = values + shift.size * std
            else:
                out[column] = mean + (values - mean) * (1.0 + shift.size)
    elif shift.kind == "category":
        for column in categorical[: shift.columns]:
            values = out[column].to_numpy().copy()
            top = sorted(set(values))[0]
            move = rng.random(len(values)) < shift.size
            values[move] = top
            out[column] = values
    else:
        raise ValueError(f"unknown shift kind {shift.kind!r}")
    return out
