"""Runbooks: the team's markdown runbooks, searched by alert name, keywords and meaning."""

from opsgraph.core.capability import Capability

CAPABILITY = Capability(
    name="runbooks",
    summary="the team's runbooks for an alert or symptom, with suggested actions",
    tool_modules=("opsgraph.tools.runbooks.tools",),
    # prompts_cmds belongs to the agent, not to runbooks; it rides here until the core CLI lists it.
    cli_modules=("opsgraph.channels.cli.runbooks_cmds", "opsgraph.channels.cli.prompts_cmds"),
    planner_module="opsgraph.tools.runbooks.planner",
    intents=("opsgraph.tools.runbooks", "intents.yaml"),
    eval_suites=(("runbooks", "opsgraph.evals.runbooks:run"),),
    settings_class="opsgraph.tools.runbooks.settings:RunbooksSettings",
)
