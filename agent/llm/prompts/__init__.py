"""Prompts as code: the system prompt and the tools' model-facing guidance in versioned YAML with
their own test cases, a lock of one hash per version (a change without a version bump fails), and
the runner behind `opsgraph prompts test`."""
