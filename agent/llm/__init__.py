"""The LLM brain: an OpenAI-compatible chat client (vLLM serves this API) behind the Brain protocol."""
