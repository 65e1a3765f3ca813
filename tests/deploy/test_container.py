"""The container images, checked without a Docker engine (none runs here): what the build
context admits, that every COPY source is in it, a non-root numeric user, no compilers in the
final stage, CPU torch as the Makefile installs it, and entry points that exist."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = (ROOT / "deploy" / "Dockerfile", ROOT / "deploy" / "sandbox.Dockerfile")
OPSGRAPH = Path(sys.executable).with_name("opsgraph")


def ignore_rules() -> list[tuple[bool, str]]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            rules.append((line.startswith("!"), line.lstrip("!").strip("/")))
    return rules


def admitted(rel: str, rules: list[tuple[bool, str]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    keep = True
    for negate, pattern in rules:
        regex = fnmatch.translate(pattern).replace(".*", "[^/]*").replace("[^/]*[^/]*", ".*")
        if pattern.startswith("**/"):
            regex = fnmatch.translate(pattern[3:]).replace(".*", "[^/]*")
            hit = any(re.match(regex, p.split("/")[-1]) for p in prefixes)
        else:
            hit = any(re.match(regex, p) for p in prefixes)
        if hit:
            keep = negate
    return keep


def build_context() -> list[str]:
    rules = ignore_rules()
    files = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        rel_dir = os.path.relpath(dirpath, ROOT)
        # An excluded folder no `!` rule reaches into is not read (Docker skips it too).
        dirnames[:] = [
            d
            for d in dirnames
            if admitted(os.path.normpath(os.path.join(rel_dir, d)), rules)
            or any(neg and p.startswith(os.path.normpath(os.path.join(rel_dir, d)) + "/") for neg, p in rules)
        ]
        for name in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if admitted(rel, rules):
                files.append(rel)
    return files


def stages(dockerfile: Path) -> list[list[tuple[str, str]]]:
    """Instructions per stage, continuation lines joined."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    out: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        if op.upper() == "FROM":
            out.append([])
        if out:
            out[-1].append((op.upper(), rest.strip()))
    return out


def test_the_build_context_holds_the_sources_and_nothing_private() -> None:
    files = build_context()
    assert "pyproject.toml" in files and "agent/graph.py" in files and "core/capability.py" in files
    for bad in (".venv/", ".git/", "build/", "benchmarks/", "tests/", "opsgraph.egg-info/", "deploy/"):
        assert not [f for f in files if f.startswith(bad)], f"{bad} reaches the build context"
    private = [f for f in files if re.search(r"(\.sqlite|\.db|\.env|\.pem|\.key|__pycache__|\.pyc)$", f)]
    assert private == []
    size = sum((ROOT / f).stat().st_size for f in files)
    assert size < 40 * 2**20, f"the build context is {size / 2**20:.1f} MiB"


def test_the_ignore_rules_read_as_docker_reads_them() -> None:
    rules = [(False, "*"), (True, "agent"), (False, "**/__pycache__"), (False, "**/*.pyc")]
    assert admitted("agent/graph.py", rules)
    assert not admitted("agent/__pycache__/graph.cpython-311.pyc", rules)
    assert not admitted(".venv/bin/python", rules)
    assert not admitted("tests/conftest.py", rules)


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_copy_source_is_in_the_build_context(dockerfile: Path) -> None:
    files = set(build_context())
    for stage in stages(dockerfile):
        for op, rest in stage:
            if op not in ("COPY", "ADD"):
                continue
            args = [a for a in shlex.split(rest) if not a.startswith("--")]
            if "--from=" in rest:
                continue
            for source in args[:-1]:
                source = source.rstrip("/")
                assert source in files or any(f.startswith(source + "/") for f in files), (
                    f"{dockerfile.name}: COPY {source} is not in the build context (.dockerignore)"
                )


def test_the_final_image_runs_as_a_numeric_non_root_user_without_build_tools() -> None:
    build, final = stages(DOCKERFILES[0])
    users = [rest for op, rest in final if op == "USER"]
    assert users and re.fullmatch(r"[1-9][0-9]*(:[1-9][0-9]*)?", users[-1]), "USER must be a numeric non-root uid"
    text = " ".join(rest for _, rest in final)
    for tool in ("build-essential", "gcc", "g++", "make ", "apt-get install", "pip install"):
        assert tool not in text, f"the final stage installs {tool.strip()}"
    assert any(op == "COPY" and "--from=build" in rest for op, rest in final)
    assert "build-essential" in " ".join(rest for _, rest in build)
    assert "slim" in final[0][1] or "PYTHON_IMAGE" in final[0][1]
    assert "slim" in DOCKERFILES[0].read_text().split("PYTHON_IMAGE=")[1].splitlines()[0]
    assert any(op == "HEALTHCHECK" and "/healthz" in rest for op, rest in final)
    # CPU torch, pinned, the way `make` installs it.
    assert "scripts/install-torch.sh" in " ".join(rest for _, rest in build)
    assert "download.pytorch.org/whl/cpu" in (ROOT / "scripts" / "install-torch.sh").read_text()
    assert "torch==2.13.0" in (ROOT / "pyproject.toml").read_text()
    sandbox_users = [rest for op, rest in stages(DOCKERFILES[1])[-1] if op == "USER"]
    assert sandbox_users and not sandbox_users[-1].startswith("0")


def _entry(dockerfile: Path) -> list[str]:
    final = stages(dockerfile)[-1]
    entry = [rest for op, rest in final if op == "ENTRYPOINT"][-1]
    cmd = [rest for op, rest in final if op == "CMD"][-1]
    import json

    return [*json.loads(entry), *json.loads(cmd)]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_the_entry_points_exist(dockerfile: Path) -> None:
    argv = _entry(dockerfile)
    assert argv[0] == "opsgraph"
    subcommand = [a for a in argv[1:] if not a.startswith("-")][:1]
    options = [a for a in argv[1:] if a.startswith("--")]
    out = subprocess.run([str(OPSGRAPH), *subcommand, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for option in options:
        assert option in out.stdout, f"`opsgraph {subcommand[0]}` has no {option}"
