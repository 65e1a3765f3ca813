"""Packages are discovered, not listed: every folder under the architecture's top-level folders
that has an __init__.py becomes `opsgraph.<folder>...`, so a new capability needs no edit here."""

from setuptools import find_packages, setup

TOP_LEVEL = ("agent", "tools", "guardrails", "channels", "serving", "sandbox", "runbooks", "evals", "core")

packages = [f"opsgraph.{name}" for name in find_packages(include=[*TOP_LEVEL, *(f"{t}.*" for t in TOP_LEVEL)])]
setup(packages=packages)
