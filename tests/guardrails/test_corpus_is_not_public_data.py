"""The classifier's corpus is the project's own writing: nothing in it may come from the public
data the eval measures on (../shared/data/injection), or the eval would measure memory."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opsgraph.evals.injection import data
from opsgraph.guardrails.injection.corpus import load_corpus

pytestmark = pytest.mark.shared_data

# Eight words in a row shared with a public prompt is a copy, not a coincidence; shorter runs
# are common phrases ("what is the best way to").
_RUN = 8


def _runs(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    runs = (words[i : i + _RUN] for i in range(len(words) - _RUN + 1))
    # Letters spelled one by one ("a c c e s s") are an obfuscation of the corpus, not prose.
    return {" ".join(run) for run in runs if sum(len(w) > 1 for w in run) >= _RUN // 2}


def test_no_corpus_text_copies_a_public_prompt(shared_data: Path) -> None:
    root = shared_data / "injection"
    public = data.valid(root) + data.not_inject(root) + data.wildguard_benign(root)
    public += data.bipia_text_attacks(root) + data.tensor_trust_attacks(root)
    public_texts = {s.text.strip().lower() for s in public}
    public_runs: set[str] = set()
    for sample in public:
        public_runs |= _runs(sample.text)
    copied = [e.text for e in load_corpus() if e.text.strip().lower() in public_texts or _runs(e.text) & public_runs]
    assert not copied, f"{len(copied)} corpus texts share {_RUN} words in a row with public data: {copied[:3]}"
