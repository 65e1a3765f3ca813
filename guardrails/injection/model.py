"""The injection classifier: TF-IDF + logistic regression, trained by scikit-learn on the
project's own corpus, evaluated in pure Python (a dict lookup per feature) at inference.

The trained weights are cached as JSON in `Settings().cache_dir`, keyed by a hash of the
corpus and the feature version; when either changes the model retrains on first use.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opsgraph.guardrails.injection.corpus import Example, corpus_digest, load_corpus
from opsgraph.guardrails.injection.features import FEATURE_VERSION, count_features, feature_list
from opsgraph.guardrails.injection.normalize import normalize

log = logging.getLogger(__name__)
_MODEL_VERSION = "2"  # bump when the training recipe changes: cached models retrain
_C = 4.0
# Hand-typed examples are fewer but more natural than template expansions: they count more.
_HANDWRITTEN_WEIGHT = 5.0


@dataclass(frozen=True)
class LinearModel:
    """sigmoid(intercept + sum(idf * (1 + ln tf) * coef) / ||idf * (1 + ln tf)||)."""

    terms: dict[str, tuple[float, float]]  # term -> (idf, coefficient)
    intercept: float
    digest: str

    def probability(self, normalised_text: str, support: float = 1.0) -> float:
        """P(injection). `support` < 1 shrinks the features' pull towards the intercept (the
        prior), for text too short for the classifier to judge (see support.py)."""
        dot = 0.0
        norm = 0.0
        terms = self.terms
        for term, count in count_features(normalised_text).items():
            found = terms.get(term)
            if found is None:
                continue
            weight = (1.0 + math.log(count)) * found[0]
            norm += weight * weight
            dot += weight * found[1]
        z = self.intercept + support * (dot / math.sqrt(norm) if norm else 0.0)
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def fit(examples: list[Example]) -> tuple[Any, Any]:
    """The scikit-learn (vectorizer, classifier) pair, fit on normalised text."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [normalize(e.text).text for e in examples]
    labels = [e.label for e in examples]
    vectorizer = TfidfVectorizer(analyzer=feature_list, lowercase=False, sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform(texts)
    # The dual problem is the fast one when there are more features than examples; same optimum.
    classifier = LogisticRegression(
        C=_C, class_weight="balanced", max_iter=5000, solver="liblinear", dual=True, random_state=0
    )
    weights = [_HANDWRITTEN_WEIGHT if e.family.startswith("handwritten") else 1.0 for e in examples]
    classifier.fit(matrix, labels, sample_weight=weights)
    return vectorizer, classifier


def train(examples: list[Example], digest: str = "") -> LinearModel:
    """Fit, then export the weights for pure-Python inference."""
    vectorizer, classifier = fit(examples)
    coefficients = classifier.coef_[0]
    idf = vectorizer.idf_
    vocabulary: dict[str, int] = vectorizer.vocabulary_
    terms = {term: (float(idf[i]), float(coefficients[i])) for term, i in vocabulary.items()}
    return LinearModel(terms, float(classifier.intercept_[0]), digest)


def model_digest() -> str:
    """Identity of the model the current corpus and settings produce (the cache key)."""
    key = f"{_MODEL_VERSION}:{FEATURE_VERSION}:{_C}:{_HANDWRITTEN_WEIGHT}:{corpus_digest()}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def load_or_train(cache_dir: Path) -> LinearModel:
    """The cached model for the current corpus, training (and caching) it when missing or stale."""
    digest = model_digest()
    path = cache_dir / f"injection-model-{digest}.json"
    cached = _read(path, digest)
    if cached is not None:
        return cached
    examples = load_corpus()
    log.info("training the injection classifier on %d corpus examples", len(examples))
    model = train(examples, digest)
    _write(path, model)
    return model


def _read(path: Path, digest: str) -> LinearModel | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("digest") != digest:
            return None
        terms = {term: (float(v[0]), float(v[1])) for term, v in document["terms"].items()}
        return LinearModel(terms, float(document["intercept"]), digest)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.warning("ignoring unreadable injection model cache %s: %s", path, exc)
        return None


def _write(path: Path, model: LinearModel) -> None:
    document = {"digest": model.digest, "intercept": model.intercept, "terms": model.terms}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob("injection-model-*.json"):
            if stale != path:
                stale.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as handle:
            json.dump(document, handle, separators=(",", ":"))
        os.replace(handle.name, path)
    except OSError as exc:  # a read-only state dir costs a retrain per process, nothing more
        log.warning("could not cache the injection model in %s: %s", path.parent, exc)
