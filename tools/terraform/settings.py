"""Settings of the terraform capability (`OPSGRAPH_TERRAFORM_*`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Where a provider mirror usually lives (the CLI's implied local mirror directories and the one
# this project's machines use). The first that holds hashicorp/aws wins.
MIRROR_CANDIDATES = (
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
AWS_PROVIDER = Path("registry.terraform.io") / "hashicorp" / "aws"


class TerraformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPSGRAPH_TERRAFORM_", extra="ignore", frozen=True)

    plugin_dir: Path | None = Field(
        None, description="provider mirror for `terraform init -plugin-dir` (default: discovered)"
    )
    binary: str = Field("terraform", description="the terraform CLI")
    default_region: str = Field("us-east-1", description="AWS region when the request names none")
    checkov_home: Path | None = Field(None, description="checkov's own virtualenv (default: <state_dir>/tools/checkov)")
    checkov_version: str = Field("3.3.30", description="checkov version installed into its venv")
    checkov: bool = Field(True, description="run checkov (false: only our own checks)")
    llm_rounds: int = Field(3, ge=1, le=6, description="model drafts + repairs before giving up")
    reattach: bool = Field(
        True,
        description="plan/show/validate against pre-started AWS provider processes (TF_REATTACH_PROVIDERS); "
        "false: every command starts its own provider",
    )
    command_timeout_s: float = Field(300.0, gt=0, description="timeout of one terraform command")

    def mirror(self) -> Path | None:
        """The provider mirror: configured, else the first candidate holding hashicorp/aws."""
        if self.plugin_dir is not None:
            return self.plugin_dir.expanduser()
        for candidate in MIRROR_CANDIDATES:
            path = Path(candidate).expanduser()
            if (path / AWS_PROVIDER).is_dir():
                return path
        return None

    def terraform_path(self) -> str | None:
        return shutil.which(self.binary) or (self.binary if os.path.isfile(self.binary) else None)

    def checkov_dir(self, state_dir: Path) -> Path:
        return (self.checkov_home or state_dir / "tools" / "checkov").expanduser()
