"""GPU rebalancing: inventory and cost, a packing with a proven lower bound, safe apply."""

from opsgraph.core.capability import Capability

CAPABILITY = Capability(
    name="gpu",
    summary="GPU cost and utilisation, rebalancing plans with a lower bound, applying them safely",
    tool_modules=("opsgraph.tools.gpu.tools",),
    cli_modules=("opsgraph.channels.cli.gpu_cmds",),
    planner_module="opsgraph.tools.gpu.planner",
    intents=("opsgraph.tools.gpu", "intents.yaml"),
    settings_class="opsgraph.tools.gpu.settings:GpuSettings",
    eval_suites=(("gpu", "opsgraph.evals.gpu:run"),),
)
