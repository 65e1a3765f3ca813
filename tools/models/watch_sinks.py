"""Where `drift watch` sends its alerts: the local alert store (what the webhook receiver writes;
`alerts_list` shows it at once and the receiver's incidents replay it), or an Alertmanager-style
webhook URL (a running `opsgraph serve` receiver, or any webhook v4 consumer)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from opsgraph.tools.errors import Unavailable

if TYPE_CHECKING:
    from opsgraph.agent.settings import Settings


class StoreSink:
    def __init__(self, settings: Settings) -> None:
        self.target = settings.database_for(settings.alerts_db)

    def send(self, payload: dict[str, Any]) -> None:
        from opsgraph.tools.alerts.payloads import parse_webhook
        from opsgraph.tools.alerts.store import AlertStore

        _, alerts = parse_webhook(payload)
        store = AlertStore(self.target)
        try:
            store.append(json.dumps(payload), alerts, source="drift-watch")
        finally:
            store.close()


class WebhookSink:
    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url, self.timeout_s = url, timeout_s

    def send(self, payload: dict[str, Any]) -> None:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            self.url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                answer.read()
        except (urllib.error.URLError, OSError) as exc:
            raise Unavailable(f"the alert webhook {self.url} did not take the drift alert: {exc}") from None
