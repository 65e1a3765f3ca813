"""Log and trace alerts folded so that their volume cannot drown metric alerts."""

from __future__ import annotations

from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.modalities import ModalityPolicy, modality
from tests.alerts.alert_builders import alert, shop


def _storm() -> list:
    metric = alert("HighCPU", 0, pod="payments-0", service="payments")
    traces = [
        alert("TraceLatencyDegraded", 1 + i, source="traces", pod="payments-0", caller=caller, callee="payments-0",
              operation=f"/pay/{i}")
        for i, caller in enumerate(["checkout-0", "checkout-1", "checkout-2"] * 20)
    ]  # fmt: skip
    client = alert("TraceLatencyDegraded", 2, source="traces", pod="checkout-0", caller="checkout-0",
                   callee="checkout-0", operation="client /pay")  # fmt: skip
    logs = [alert("LogErrorPattern", 3 + i, source="logs", pod="payments-0", template_id=str(i)) for i in range(5)]
    return [metric, *traces, client, *logs]


def test_each_alert_names_its_modality() -> None:
    kinds = [modality(a) for a in _storm()]
    assert kinds.count("metrics") == 1 and kinds.count("traces") == 61 and kinds.count("logs") == 5


def test_sixty_spans_on_one_callee_are_one_signal_and_keep_the_first_onset() -> None:
    folded = ModalityPolicy(logs=True, traces="both").apply(_storm())
    fingerprints = {a.fingerprint for a in folded}
    # metric alert, one server-side trace signal, one client-side, one log signal
    assert len(fingerprints) == 4
    correlator = Correlator(shop())
    correlator.ingest_many(folded)
    assert correlator.stats.duplicates == len(folded) - 4
    first = next(a for a in folded if a.labels.get("side") == "server")
    assert first.starts_at == _storm()[1].starts_at


def test_policies_leave_modalities_out() -> None:
    storm = _storm()
    assert [modality(a) for a in ModalityPolicy(logs=False, traces="ignore").apply(storm)] == ["metrics"]
    server_only = ModalityPolicy(logs=False, traces="server").apply(storm)
    assert {a.labels.get("side") for a in server_only if modality(a) == "traces"} == {"server"}
    assert ModalityPolicy(logs=True, traces="server").name == "metrics + logs + server-side traces"


def test_metric_alerts_pass_unchanged() -> None:
    storm = _storm()
    assert ModalityPolicy().apply(storm)[0] is storm[0]
