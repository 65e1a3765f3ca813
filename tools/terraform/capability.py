"""Natural language to Terraform (and Kubernetes manifests), validated before it is handed over."""

from opsgraph.core.capability import Capability

CAPABILITY = Capability(
    name="terraform",
    summary="Terraform and Kubernetes manifests from a plain-words request, validated, planned and checked",
    tool_modules=("opsgraph.tools.terraform.tools",),
    cli_modules=("opsgraph.channels.cli.tf_cmds",),
    planner_module="opsgraph.tools.terraform.planner",
    intents=("opsgraph.tools.terraform", "intents.yaml"),
    eval_suites=(("iac", "opsgraph.evals.iac.suite:run"),),
    settings_class="opsgraph.tools.terraform.settings:TerraformSettings",
)
