"""Intent classifier: scikit-learn trains it, plain Python runs it.

Training (TF-IDF over our own features + multinomial logistic regression) needs scikit-learn,
which takes seconds to import; it runs once, when the example utterances change, and the result
is cached as JSON in the state dir keyed by a hash of the examples. Prediction is a sparse dot
product over a few dozen features, in microseconds, with no numpy or sklearn import, so every
CLI call and chat turn stays fast.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

FEATURE_VERSION = "3"
_WORD = re.compile(r"<\w+>|[a-z0-9][a-z0-9._:/@+=-]*[a-z0-9]|[a-z0-9]")


def features(masked: str) -> list[str]:
    """Words, word pairs, and character trigrams of words (so typos of verbs still count)."""
    words = _WORD.findall(masked.lower())
    out = [f"w:{w}" for w in words]
    out += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
    for w in words:
        if w.startswith("<") or len(w) < 4:
            continue
        padded = f"^{w}$"
        out += [f"c:{padded[i : i + 3]}" for i in range(len(padded) - 2)]
    return out


@dataclass(frozen=True)
class IntentModel:
    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    idf: dict[str, float]
    weights: dict[str, tuple[float, ...]]

    def predict(self, masked: str) -> list[tuple[str, float]]:
        """Class probabilities, most likely first."""
        counts: dict[str, int] = {}
        for f in features(masked):
            if f in self.idf:
                counts[f] = counts.get(f, 0) + 1
        values = {f: (1.0 + math.log(c)) * self.idf[f] for f, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        scores = list(self.intercept)
        for f, v in values.items():
            x = v / norm
            for k, w in enumerate(self.weights[f]):
                scores[k] += w * x
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        ranked = sorted(zip(self.classes, (e / total for e in exp), strict=True), key=lambda p: -p[1])
        return ranked

    def uncertainty(self, masked: str) -> float:
        """Entropy of the class probabilities over its maximum, log(classes): 0 when one intent
        takes all the probability, 1 when every intent is equally likely."""
        if len(self.classes) < 2:
            return 0.0
        entropy = -sum(p * math.log(p) for _, p in self.predict(masked) if p > 0)
        return min(1.0, max(0.0, entropy / math.log(len(self.classes))))

    def vocabulary(self) -> set[str]:
        """The words the model was trained on."""
        return {f[2:] for f in self.idf if f.startswith("w:") and not f.startswith("w:<")}

    def to_json(self) -> str:
        return json.dumps(
            {"classes": self.classes, "intercept": self.intercept, "idf": self.idf, "weights": self.weights}
        )

    @classmethod
    def from_json(cls, text: str) -> IntentModel:
        raw = json.loads(text)
        return cls(
            classes=tuple(raw["classes"]),
            intercept=tuple(raw["intercept"]),
            idf=raw["idf"],
            weights={k: tuple(v) for k, v in raw["weights"].items()},
        )


def train(examples: list[tuple[str, str]]) -> IntentModel:
    """Fit on (text, intent) pairs; texts use the <placeholder> form."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [t for t, _ in examples]
    labels = [label for _, label in examples]
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform(texts)
    classifier = LogisticRegression(C=20.0, max_iter=5000, random_state=0)  # lbfgs draws nothing; pinned anyway
    classifier.fit(matrix, labels)
    vocabulary = vectorizer.vocabulary_
    coef = classifier.coef_
    classes = tuple(str(c) for c in classifier.classes_)
    intercept: tuple[float, ...]
    if len(classes) == 2:  # sklearn folds binary problems into one row; unfold for softmax
        coef = [-coef[0] / 2, coef[0] / 2]
        intercept = (-float(classifier.intercept_[0]) / 2, float(classifier.intercept_[0]) / 2)
    else:
        intercept = tuple(float(b) for b in classifier.intercept_)
    idf = {f: float(vectorizer.idf_[i]) for f, i in vocabulary.items()}
    weights = {f: tuple(float(row[i]) for row in coef) for f, i in vocabulary.items()}
    return IntentModel(classes, intercept, idf, weights)


def load_examples(files: list[Path] | None = None) -> list[tuple[str, str]]:
    """(text, intent) pairs from every intents/*.yaml (each capability ships its own file).

    Examples are written in the masked form the extractor produces: <svc>, <ns>, <num>, <ver>...
    """
    pairs: list[tuple[str, str]] = []
    for path in files if files is not None else example_files():
        document = yaml.safe_load(path.read_text()) or []
        for block in document:
            for example in block["examples"]:
                pairs.append((str(example), str(block["intent"])))
    return pairs


def example_files() -> list[Path]:
    """The shared intents (help, small talk, ...) and every installed capability's own file."""
    from opsgraph.tools.capabilities import capabilities

    folder = resources.files("opsgraph.agent.planner") / "intents"
    files = sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))
    for capability in capabilities():
        if capability.intents:
            package, name = capability.intents
            files.append(Path(str(resources.files(package) / name)))
    return files


def load_or_train(cache_dir: Path, files: list[Path] | None = None) -> IntentModel:
    """The cached model for these examples, training it first if the examples changed."""
    files = files if files is not None else example_files()
    digest = hashlib.sha256(FEATURE_VERSION.encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    cached = cache_dir / f"intent-model-{digest.hexdigest()[:16]}.json"
    if cached.exists():
        try:
            return IntentModel.from_json(cached.read_text())
        except (ValueError, KeyError):
            pass  # a torn or stale cache file: retrain below
    model = train(load_examples(files))
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(model.to_json())
    tmp.replace(cached)
    return model
