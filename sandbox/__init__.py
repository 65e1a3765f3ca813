"""A simulated Kubernetes API served on 127.0.0.1: the offline default cluster.

The official `kubernetes` client talks to it like to any apiserver (same paths, object shapes,
Status errors, watches). Entry points others import:

- `opsgraph.sandbox.server.SandboxServer(state_file, scenario=None, host, port, time_scale, reset)`
  with `.start()`, `.stop()`, `.url`, `.write_kubeconfig(path)`; a context manager.
- `opsgraph.sandbox.runtime.ensure_running(settings) -> Path` (kubeconfig of a live or new sandbox),
  `running_kubeconfig(settings)`, `reset_state(settings)`.
- `opsgraph.sandbox.scenario.default_scenario_path()`, `load_scenario(path)`, `scenario_inventory()`.

Layout: `httpd` (HTTP/1.1, watch streams) -> `api` / `writes` (REST semantics) -> `store` (objects,
resourceVersions, change log) <- `controller` (`deployments`, `replicasets`, `kubelet`, `scheduler`)
ticked by `cluster`, which also persists the store (`persistence`) and seeds it (`seed`, `nodes`).
"""
