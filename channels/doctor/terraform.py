"""The terraform CLI and the provider mirror `terraform init -plugin-dir` uses offline."""

from __future__ import annotations

import json
import subprocess

from opsgraph.channels.doctor.model import Doctor, Result, fail, ok, warn
from opsgraph.tools.terraform.settings import AWS_PROVIDER


def check_terraform(doctor: Doctor) -> list[Result]:
    from opsgraph.tools.terraform.settings import TerraformSettings

    tf = TerraformSettings()
    binary = tf.terraform_path()
    if binary is None:
        return [
            warn("terraform", f"{tf.binary} is not on PATH: `opsgraph tf generate` cannot validate",
                 "install terraform or set OPSGRAPH_TERRAFORM_BINARY"),
        ]  # fmt: skip
    try:
        done = subprocess.run(
            [binary, "version", "-json"], capture_output=True, text=True, timeout=doctor.timeout_s, check=False
        )
        version = json.loads(done.stdout).get("terraform_version", "?") if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        return [fail("terraform", f"{binary} does not run: {type(exc).__name__}", "reinstall terraform")]
    if version is None:
        return [fail("terraform", f"{binary} version failed: {done.stderr.strip()[:200]}", "reinstall terraform")]
    mirror = tf.mirror()
    if mirror is None:
        return [
            ok("terraform", f"terraform {version} at {binary}"),
            warn("provider_mirror", "no provider mirror holding hashicorp/aws: init needs the registry",
                 "set OPSGRAPH_TERRAFORM_PLUGIN_DIR to a `terraform providers mirror` directory"),
        ]  # fmt: skip
    if not (mirror / AWS_PROVIDER).is_dir():
        return [
            ok("terraform", f"terraform {version} at {binary}"),
            fail("provider_mirror", f"{mirror} holds no {AWS_PROVIDER}", "fix OPSGRAPH_TERRAFORM_PLUGIN_DIR"),
        ]
    versions = sorted(p.name for p in (mirror / AWS_PROVIDER).iterdir() if p.is_dir())
    return [
        ok("terraform", f"terraform {version} at {binary}"),
        ok("provider_mirror", f"{mirror}: hashicorp/aws {', '.join(versions) or '(packed)'}"),
    ]
