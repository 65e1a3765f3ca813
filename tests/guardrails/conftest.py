"""The injection detector, trained once per machine (cached in pytest's cache dir) and shared.

Training the classifier takes several seconds; every test gets its own empty state dir (see
tests/conftest.py), so without this each session would retrain. Tests that are about training
and caching themselves use small corpora of their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opsgraph.guardrails.injection import detector as detector_module
from opsgraph.guardrails.injection.detector import Detector
from opsgraph.guardrails.injection.model import load_or_train


@pytest.fixture(scope="session")
def _trained_detector(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Detector:
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    cache_dir = cache.mkdir("opsgraph-injection-model") if cache else tmp_path_factory.mktemp("injection-model")
    return Detector(load_or_train(cache_dir))


@pytest.fixture
def detector(_trained_detector: Detector, monkeypatch: pytest.MonkeyPatch) -> Iterator[Detector]:
    """The detector behind `scan()` / `scan_untrusted()` / the CLI, for this test."""
    monkeypatch.setattr(detector_module, "_default", _trained_detector)
    yield _trained_detector
