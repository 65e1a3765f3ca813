"""What the Kubernetes manifests in deploy/ are generated from or checked against: RBAC from the
tools' declared API access, the vLLM container's command from `opsgraph llm serve`'s builder, and
the configuration files the ConfigMap carries."""
