"""Reading metric series from the Prometheus HTTP API (`/api/v1/query_range`).

Responses are validated with pydantic. Failures are split by whose fault they are: a query
Prometheus rejects is `InvalidInput` (fix the PromQL), an unreachable or failing server is
`Unavailable`. An empty result is not an error: the caller reports "no data".
"""

from __future__ import annotations

import math
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ValidationError

from opsgraph.tools.anomaly.series import Series
from opsgraph.tools.errors import InvalidInput, Unavailable

MAX_POINTS = 11_000  # Prometheus refuses range queries with more points per series


class MatrixSeries(BaseModel):
    metric: dict[str, str]
    values: list[tuple[float, str]]


class RangeData(BaseModel):
    resultType: Literal["matrix", "vector", "scalar", "string"]
    result: list[Any]  # matrix items are validated as MatrixSeries once the type is known


class ApiResponse(BaseModel):
    status: Literal["success", "error"]
    data: RangeData | None = None
    errorType: str | None = None
    error: str | None = None
    warnings: list[str] | None = None


def check_resolution(start: float, end: float, step: float) -> None:
    points = (end - start) / step + 1
    if points > MAX_POINTS:
        least = math.ceil((end - start) / (MAX_POINTS - 1))
        raise InvalidInput(
            f"{int(points)} points per series at step {step:g}s; Prometheus allows {MAX_POINTS}",
            hint=f"use a step of at least {least}s or a shorter window",
        )


def query_range(
    base_url: str, query: str, start: float, end: float, step: float, *, timeout: float = 10.0
) -> list[tuple[dict[str, str], Series]]:
    """Run a range query; return (labels, series) per result series, empty when nothing matched."""
    check_resolution(start, end, step)
    url = base_url.rstrip("/") + "/api/v1/query_range"
    params = {"query": query, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
    try:
        response = httpx.post(url, data=params, timeout=timeout)
    except httpx.HTTPError as exc:
        raise Unavailable(
            f"cannot reach Prometheus at {base_url}: {exc}", hint="check OPSGRAPH_PROMETHEUS_URL"
        ) from None
    body = _parse(response, base_url)
    if body.status == "error":
        kind = body.errorType or "error"
        if response.status_code in (400, 422) or kind in ("bad_data", "execution"):
            raise InvalidInput(f"Prometheus rejected the query ({kind}): {body.error}", hint="fix the PromQL")
        raise Unavailable(f"Prometheus failed ({kind}): {body.error}")
    if body.data is None or body.data.resultType != "matrix":
        got = body.data.resultType if body.data else "nothing"
        raise InvalidInput(f"expected a range vector from the query, Prometheus returned {got}")
    try:
        matrix = [MatrixSeries.model_validate(item) for item in body.data.result]
    except ValidationError as exc:
        raise Unavailable(f"Prometheus returned a malformed range vector: {exc.errors()[0]['msg']}") from None
    out = []
    for item in matrix:
        pairs = [(ts, _number(raw)) for ts, raw in item.values]
        out.append((item.metric, Series.from_pairs(_describe(item.metric), pairs)))
    return out


def _parse(response: httpx.Response, base_url: str) -> ApiResponse:
    try:
        return ApiResponse.model_validate_json(response.content)
    except ValidationError:
        snippet = response.text[:200].replace("\n", " ")
        raise Unavailable(
            f"{base_url} did not answer like the Prometheus API (HTTP {response.status_code}): {snippet}",
            hint="OPSGRAPH_PROMETHEUS_URL must be the Prometheus base URL, e.g. http://prometheus:9090",
        ) from None


def _number(raw: str) -> float:
    value = float(raw)
    return math.nan if math.isinf(value) else value


def _describe(labels: dict[str, str]) -> str:
    if not labels:
        return "{}"
    name = labels.get("__name__", "")
    rest = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{rest}}}"
