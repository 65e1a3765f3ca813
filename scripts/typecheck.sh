#!/usr/bin/env bash
# mypy cannot follow the editable install's import hook (the top-level folders are mapped into
# the `opsgraph` namespace by setuptools), so it checks a symlink tree that has the same shape
# as the installed package: build/typecheck/opsgraph/<folder> -> <folder>.
set -euo pipefail
cd "$(dirname "$0")/.."
root=build/typecheck
rm -rf "$root"
mkdir -p "$root/opsgraph"
for pkg in agent tools guardrails channels serving sandbox runbooks evals; do
  ln -s "../../../$pkg" "$root/opsgraph/$pkg"
done
cd "$root"
exec ../../.venv/bin/mypy --config-file ../../pyproject.toml -p opsgraph "$@"
