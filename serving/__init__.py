"""Model serving: vLLM launch config, the LLM gateway, manifests."""
