"""agent/llm/prompt.py reads the YAML: what the brain sends is what system.yaml and tools.yaml say."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from opsgraph.agent.llm import prompt
from opsgraph.agent.llm.prompts.files import shipped
from opsgraph.tools.registry import load_builtin_tools


def test_system_message_comes_from_the_yaml() -> None:
    messages = prompt.to_openai([HumanMessage("status of prod")], nonce="abcd")
    assert messages[0] == {"role": "system", "content": shipped("system").system_prompt}
    assert shipped("system").system_prompt == prompt.SYSTEM_PROMPT
    assert messages[1] == {"role": "user", "content": "status of prod"}


def test_tool_guidance_is_appended_to_the_registry_description() -> None:
    registry = load_builtin_tools()
    schemas = {s["function"]["name"]: s["function"] for s in prompt.tool_schemas(registry)}
    rollback = registry.get("k8s_rollback")
    assert rollback is not None
    assert schemas["k8s_rollback"]["description"].startswith(rollback.description)
    assert shipped("tools").tools["k8s_rollback"] in schemas["k8s_rollback"]["description"]
    assert schemas["help"]["description"] == registry.get("help").description  # type: ignore[union-attr]


def test_model_settings_come_from_the_yaml() -> None:
    settings = prompt.model_settings()
    assert settings.temperature == 0.0 and settings.max_tokens == 1024
