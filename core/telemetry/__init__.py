"""opsgraph's own observability, on the floor so every layer can use it: the request id carried
through a request (`requests`), one Prometheus registry per process (`metrics`), JSON or text
logs that name the request (`logs`), and OpenTelemetry spans when an exporter is configured
(`tracing`). Nothing here imports above core; prometheus_client and OpenTelemetry are imported
on first use, never at CLI start-up."""
