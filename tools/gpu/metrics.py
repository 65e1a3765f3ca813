"""GPU utilisation from DCGM exporter metrics: `DCGM_FI_DEV_GPU_UTIL` (percent) and
`DCGM_FI_DEV_FB_USED` (MiB), per GPU, labelled with the pod that holds the GPU.

Three sources, one result: a Prometheus server (instant queries averaged over a window), a file
(a Prometheus query response, a list of its samples, or dcgm-exporter's text exposition), or
dcgm-exporter itself scraped through the API server's service proxy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsgraph.core.files import InputFileError, loads_json, read_text
from opsgraph.tools.gpu.model import Usage

UTIL = "DCGM_FI_DEV_GPU_UTIL"
FB_USED = "DCGM_FI_DEV_FB_USED"
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?\s*$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


class MetricsError(ValueError):
    """A metrics file that cannot be used; one line for the user."""


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Utilisation:
    pods: dict[str, Usage] = field(default_factory=dict)  # "namespace/pod" -> usage
    gpus: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)  # node -> gpu -> (util, fb)
    source: str = "none"

    @property
    def known(self) -> bool:
        return bool(self.pods or self.gpus)


def aggregate(samples: Iterable[Sample], source: str) -> Utilisation:
    per_gpu: dict[tuple[str, str], dict[str, float]] = {}
    owner: dict[tuple[str, str], str] = {}
    for s in samples:
        if s.name not in (UTIL, FB_USED):
            continue
        node = s.labels.get("Hostname") or s.labels.get("node") or s.labels.get("kubernetes_node") or ""
        gpu = s.labels.get("UUID") or s.labels.get("gpu") or s.labels.get("device") or "0"
        slot = (node, gpu + s.labels.get("GPU_I_ID", ""))
        per_gpu.setdefault(slot, {})[s.name] = s.value
        pod = s.labels.get("pod") or s.labels.get("exported_pod")
        namespace = s.labels.get("namespace") or s.labels.get("exported_namespace")
        if pod and namespace:
            owner[slot] = f"{namespace}/{pod}"
    gpus: dict[str, dict[str, tuple[float, float]]] = {}
    by_pod: dict[str, list[tuple[float, float]]] = {}
    for (node, gpu), values in per_gpu.items():
        pair = (values.get(UTIL, 0.0), values.get(FB_USED, 0.0))
        gpus.setdefault(node, {})[gpu] = pair
        if (node, gpu) in owner:
            by_pod.setdefault(owner[(node, gpu)], []).append(pair)
    pods = {
        key: Usage(
            util_pct=sum(u for u, _ in pairs) / len(pairs),
            fb_used_mib=max(fb for _, fb in pairs),
            gpus_seen=len(pairs),
        )
        for key, pairs in by_pod.items()
    }
    return Utilisation(pods, gpus, source)


# -- parsing -----------------------------------------------------------------------------------
def parse_exposition(text: str) -> list[Sample]:
    """Prometheus text exposition (what dcgm-exporter serves on /metrics)."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if not match:
            raise MetricsError(f"line {number}: not a metric sample: {line[:80]!r}")
        labels = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in _LABEL.findall(match.group(3) or "")}
        try:
            value = float(match.group(4))
        except ValueError:
            raise MetricsError(f"line {number}: bad value {match.group(4)!r}") from None
        out.append(Sample(match.group(1), labels, value))
    return out


def parse_query_result(document: Any, name: str | None = None) -> list[Sample]:
    """A Prometheus /api/v1/query response, its `data.result`, or a list of either."""
    if isinstance(document, list):
        if all(isinstance(d, dict) and "metric" in d for d in document):
            return [_vector_sample(d, name) for d in document]
        return [s for d in document for s in parse_query_result(d, name)]
    if not isinstance(document, dict):
        raise MetricsError("expected a Prometheus query response or a list of samples")
    if document.get("status") == "error":
        raise MetricsError(f"the file holds a Prometheus error: {document.get('error')}")
    data = document.get("data")
    if isinstance(data, dict) and isinstance(data.get("result"), list):
        return [_vector_sample(d, name) for d in data["result"]]
    raise MetricsError("expected a Prometheus query response (`data.result`) or a list of samples")


def _vector_sample(item: Any, name: str | None) -> Sample:
    if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
        raise MetricsError('a sample needs `metric` (labels) and `value` ([time, "number"])')
    labels = {str(k): str(v) for k, v in item["metric"].items()}
    raw = item.get("value")
    if isinstance(raw, list) and len(raw) == 2:
        raw = raw[1]
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise MetricsError(f"sample {labels.get('__name__', '')}: bad value {raw!r}") from None
    return Sample(labels.pop("__name__", name or ""), labels, value)


def load_metrics_file(path: Path) -> Utilisation:
    try:
        text = read_text(path)
    except OSError as exc:
        raise MetricsError(f"{path}: cannot read the metrics file ({exc.strerror or exc})") from exc
    except InputFileError as exc:
        raise MetricsError(str(exc)) from None
    try:
        try:
            document = loads_json(text, path)
        except InputFileError as exc:
            raise MetricsError(str(exc)) from None
        except ValueError:
            samples = parse_exposition(text)
        else:
            samples = parse_query_result(document)
    except MetricsError as exc:
        raise MetricsError(f"{path}: {exc}") from exc
    if not any(s.name in (UTIL, FB_USED) for s in samples):
        raise MetricsError(f"{path}: no {UTIL} or {FB_USED} samples")
    return aggregate(samples, f"file {path.name}")


def from_prometheus(base_url: str, window: str, *, timeout: float = 10.0) -> Utilisation:
    """Mean SM utilisation and peak framebuffer per GPU over `window`."""
    import httpx

    from opsgraph.tools.errors import InvalidInput, Unavailable

    samples: list[Sample] = []
    for name, query in (
        (UTIL, f"avg_over_time({UTIL}[{window}])"),
        (FB_USED, f"max_over_time({FB_USED}[{window}])"),
    ):
        try:
            response = httpx.post(base_url.rstrip("/") + "/api/v1/query", data={"query": query}, timeout=timeout)
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise Unavailable(
                f"cannot query Prometheus at {base_url}: {exc}", hint="check OPSGRAPH_PROMETHEUS_URL"
            ) from None
        if document.get("status") != "success":
            raise InvalidInput(f"Prometheus rejected `{query}`: {document.get('error')}")
        samples += parse_query_result(document, name)
    return aggregate(samples, f"prometheus {base_url} ({window})")
