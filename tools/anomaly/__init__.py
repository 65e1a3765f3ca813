"""Anomaly detection on metric series.

- `detector.StreamingDetector`: one point in, one `Scored` point out (score in [0, 1], anomaly);
  O(1) amortised work per point; seasonality-aware; copes with gaps, NaNs, constant series.
- `scan.scan(series)`: a whole series through a fresh detector, with anomalous periods.
- `series.read_csv(path)`: `timestamp,value` CSV with errors naming the bad line.
- `prometheus.query_range(...)`: series from the Prometheus HTTP API.
- `tools.anomaly_scan`: the registry tool (PromQL or a workload's pods).

Heavy imports (numpy) happen in the modules, never here, so importing the package is cheap.
"""
