"""A capability is one unit: declared once, reachable by the planner (or marked LLM-only), and
shipped complete in the built wheel, not only in the editable install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opsgraph.core.capability import load_object
from opsgraph.tools.capabilities import capabilities

ROOT = Path(__file__).resolve().parent.parent


def _tools_of(capability: object) -> set[str]:
    from opsgraph.tools.registry import REGISTRY, load_builtin_tools

    load_builtin_tools()
    declared = set()
    for module in capability.tool_modules:  # type: ignore[attr-defined]
        prefix = module.rsplit(".", 1)[0]
        declared |= {t.name for t in REGISTRY if t.handler.__module__.startswith(prefix)}
    return declared


@pytest.mark.parametrize("capability", capabilities(), ids=[c.name for c in capabilities()])
def test_every_tool_has_a_planner_path_or_is_marked_llm_only(capability: object) -> None:
    from opsgraph.agent.planner.planner import BUILDERS, PLAYBOOKS

    reachable = set(BUILDERS) | set(PLAYBOOKS) | set(capability.llm_only)  # type: ignore[attr-defined]
    missing = _tools_of(capability) - reachable
    assert not missing, f"{capability.name}: no planner intent for {sorted(missing)}; add one or mark llm_only"  # type: ignore[attr-defined]


def test_capability_declarations_point_at_what_exists() -> None:
    from importlib import resources

    names = [c.name for c in capabilities()]
    assert len(names) == len(set(names))
    for capability in capabilities():
        for path in (*capability.tool_modules, *capability.cli_modules):
            load_object(path)
        if capability.planner_module:
            assert isinstance(load_object(capability.planner_module).BUILDERS, dict)
        if capability.playbooks_module:
            assert isinstance(load_object(capability.playbooks_module).PLAYBOOKS, dict)
        if capability.intents:
            package, name = capability.intents
            assert (resources.files(package) / name).is_file()
        for _, target in capability.eval_suites:
            assert callable(load_object(target))


def test_the_floor_imports_nothing_above_it() -> None:
    offenders = []
    for path in (ROOT / "core").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for layer in ("agent", "tools", "channels", "guardrails", "serving", "evals", "sandbox"):
            if f"from opsgraph.{layer}" in text or f"import opsgraph.{layer}" in text:
                offenders.append(f"{path.name} imports opsgraph.{layer}")
    assert not offenders


@pytest.mark.slow
def test_the_built_wheel_carries_every_capability(tmp_path: Path) -> None:
    """Build the wheel, install it alone into a folder, and import every declared module from it
    (with the repository out of the path): a package missing from the wheel fails here."""
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels)],
                   check=True, capture_output=True, cwd=tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("opsgraph-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, cwd=tmp_path)  # fmt: skip
    probe = """
import importlib, opsgraph.tools.capabilities as c
from importlib import resources
assert "/site/" in c.__file__, c.__file__
for cap in c.capabilities():
    for m in (*cap.tool_modules, *cap.cli_modules, cap.planner_module, cap.playbooks_module):
        if m: importlib.import_module(m)
    if cap.intents:
        assert (resources.files(cap.intents[0]) / cap.intents[1]).is_file(), cap.intents
import opsgraph.channels.cli, opsgraph.runbooks, opsgraph.sandbox.scenarios
print("ok", len(c.capabilities()))
"""
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1"}  # fmt: skip
    # The venv's site-packages for dependencies, but not the editable install's finder.
    site = next(p for p in sys.path if p.endswith("site-packages"))
    probe = f"import sys; sys.path.append({site!r}); sys.meta_path[:] = [f for f in sys.meta_path " \
            f"if 'editable' not in type(f).__module__.lower()]\n" + probe  # fmt: skip
    done = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok ")
