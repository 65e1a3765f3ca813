"""Model serving: the vLLM launch and check commands, the AI gateway, and their eval suites. It
declares no tools: it serves the model the LLM brain talks to."""

from opsgraph.core.capability import Capability

CAPABILITY = Capability(
    name="serving",
    summary="the local model on vLLM, its health check, and the AI gateway in front of it",
    cli_modules=("opsgraph.channels.cli.llm_cmds", "opsgraph.channels.cli.deploy_cmds"),
    eval_suites=(
        ("router", "opsgraph.serving.router_eval:run"),
        ("cache", "opsgraph.serving.gateway.cache_eval:run"),
    ),
    settings_class="opsgraph.serving.settings:LLMSettings",
)
