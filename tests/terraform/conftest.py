"""Shared by the terraform tests: one provider workspace and one checkov venv for the session.

Terraform and the provider mirror are real (installed on every machine of this project); checkov
is installed once into its own venv beside the project's (.venv/opsgraph-checkov, ~1 min the first
time), because its pins clash with ours.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from opsgraph.tools.terraform.settings import TerraformSettings

SEED = (
    "Deploy a PostgreSQL database with 3 replicas for high availability, daily backups retained for 30 days, "
    "accessible only from the backend namespace"
)
SEED_TREE = {
    "terraform/database.tf",
    "kubernetes/statefulset.yaml",
    "kubernetes/service.yaml",
    "kubernetes/networkpolicy.yaml",
    "kubernetes/backup-cronjob.yaml",
    "README.md",
}
CHECKOV_HOME = Path(sys.prefix) / "opsgraph-checkov"


@pytest.fixture(scope="session")
def tf_settings() -> TerraformSettings:
    settings = TerraformSettings(checkov_home=CHECKOV_HOME)
    if settings.terraform_path() is None:
        pytest.skip("the terraform CLI is not installed")
    if settings.mirror() is None:
        pytest.skip("no provider mirror with hashicorp/aws (set OPSGRAPH_TERRAFORM_PLUGIN_DIR)")
    return settings


@pytest.fixture(scope="session")
def tf_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One state dir for the session: the provider is initialised once, as a warm install is."""
    return tmp_path_factory.mktemp("tf-state")
