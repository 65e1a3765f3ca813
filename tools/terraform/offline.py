"""Provider settings that let `terraform plan` run with no AWS account and no network.

The generated files keep a clean `provider "aws"` block; validation works on a scratch copy that
adds an override file (Terraform merges `*_override.tf` into the block with the same name and
alias) carrying fake keys and the skip flags. A configuration without a default aws provider block
gets a plain one instead, since an override needs something to override.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

OVERRIDE_FILE = "zz_opsgraph_offline_override.tf"
PLAIN_FILE = "zz_opsgraph_offline_provider.tf"
FAKE = {
    "access_key": "AKIAOPSGRAPHOFFLINE0",
    "secret_key": "opsgraph-offline-validation-not-a-secret",
    "skip_credentials_validation": True,
    "skip_metadata_api_check": True,
    "skip_requesting_account_id": True,
    "skip_region_validation": True,
}
_PROVIDER = re.compile(r'^\s*provider\s+"aws"\s*\{', re.M)
_ALIAS = re.compile(r'^\s*alias\s*=\s*"([^"]+)"', re.M)


def aws_provider_aliases(text: str) -> list[str | None]:
    """Aliases of the aws provider blocks in one file (None for the default block)."""
    found: list[str | None] = []
    for m in _PROVIDER.finditer(text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        inner = text[m.end() : i - 1]
        # Only the block's own top-level alias line counts, not one in a nested block.
        top = re.sub(r"\{[^{}]*\}", "", inner)
        alias = _ALIAS.search(top)
        found.append(alias.group(1) if alias else None)
    return found


def _body(alias: str | None, region: str | None) -> str:
    lines = [f'  alias = "{alias}"'] if alias else []
    if region:
        lines.append(f'  region = "{region}"')
    for key, value in FAKE.items():
        lines.append(f"  {key} = {json.dumps(value)}")
    return 'provider "aws" {\n' + "\n".join(lines) + "\n}\n"


def make_offline(tf_dir: Path, default_region: str) -> None:
    """Add the offline provider settings to a scratch copy of a configuration (never to the output)."""
    aliases: list[str | None] = []
    for path in sorted(tf_dir.glob("*.tf")):
        if path.name in (OVERRIDE_FILE, PLAIN_FILE):
            continue
        aliases += aws_provider_aliases(path.read_text(encoding="utf-8", errors="replace"))
    overrides = [_body(a, None) for a in dict.fromkeys(aliases)]
    if overrides:
        (tf_dir / OVERRIDE_FILE).write_text("\n".join(overrides))
    if None not in aliases:
        (tf_dir / PLAIN_FILE).write_text(_body(None, default_region))
