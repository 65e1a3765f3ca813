"""Log alerts per template: each template has its own history; one alert name counts once."""

from __future__ import annotations

from opsgraph.tools.alerts.baseline import AlertBaseline
from opsgraph.tools.alerts.correlator import Correlator
from opsgraph.tools.alerts.incidents import by_size, snapshot
from opsgraph.tools.alerts.modalities import ModalityPolicy
from opsgraph.tools.alerts.model import Alert
from opsgraph.tools.alerts.ranking import Cause
from opsgraph.tools.alerts.signals import signal
from tests.alerts.alert_builders import alert, shop

TEMPLATES = ModalityPolicy(logs=True, traces="ignore", log_templates=True)


def log(pod: str, template: str, at: float) -> Alert:
    return alert("LogPattern", at, source="logs", pod=pod, template_id=template)


def ranked(alerts: list[Alert], baseline: AlertBaseline) -> list[Cause]:
    c = Correlator(shop(), baseline=baseline)
    c.ingest_many(TEMPLATES.apply(alerts))
    (largest, *_) = by_size([snapshot(inc, c.topology, c.baseline) for inc in c.incidents()])
    c.flush()
    return list(largest.causes)


def test_the_template_is_part_of_a_log_signal_and_the_fold_keeps_it_only_when_asked() -> None:
    assert signal({"alertname": "LogPattern", "source": "logs", "template_id": "82"})[0] == "log_pattern#82"
    assert signal({"alertname": "LogPattern", "source": "logs"})[0] == "log_pattern"
    entity_fold = ModalityPolicy(logs=True, traces="ignore").apply([log("cart-0", "82", 0), log("cart-0", "91", 1)])
    assert len({a.fingerprint for a in entity_fold}) == 1
    assert len({a.fingerprint for a in TEMPLATES.apply([log("cart-0", "82", 0), log("cart-0", "91", 1)])}) == 2


def test_many_new_templates_on_one_pod_count_as_one_signal() -> None:
    """Five fresh templates on cart-0 weigh what one does: the same as one metric alert elsewhere."""
    alerts = [*(log("cart-0", str(t), 0) for t in range(5)), alert("HighMemory", 0, pod="checkout-2")]
    causes = ranked(alerts, AlertBaseline())
    scores = {c.entity: c.score for c in causes}
    assert scores["cart-0"] == scores["checkout-2"]


def test_a_template_logged_in_every_incident_weighs_nothing_and_a_new_one_on_the_same_pod_does() -> None:
    baseline = AlertBaseline()
    for k in range(10):  # cart-0 logs template 82 in ten earlier incidents, with a CPU blip on checkout-2
        ranked([log("cart-0", "82", 1800 * k), alert("HighCPU", 1800 * k, pod="checkout-2")], baseline)
    later = 1800 * 11
    chronic = ranked([log("cart-0", "82", later), alert("HighMemory", later, pod="checkout-2")], baseline)
    assert chronic[0].entity == "checkout-2"
    assert "cart-0" not in [c.entity for c in chronic]
    new_template = [log("cart-0", "82", later + 1), log("cart-0", "17", later + 1)]
    fresh = ranked([*new_template, alert("HighMemory", later + 1, pod="checkout-2")], baseline)
    assert "cart-0" in [c.entity for c in fresh]
