"""The scorecard: the cross-lingual scores of one evaluation, as one JSON object.

Every training run and every ``python -m lrpo.evaluate`` writes one, so runs are
compared on the same numbers (DESIGN.md §3)::

    {"task", "split", "model", "method", "seed", "n_per_language",
     "per_language": {lang: {"accuracy", "fidelity", "n"}},
     "average", "seen_average", "unseen_average", "worst_language",
     "fidelity_average", "consistency",
     "baseline": {...} | null, "ci95": {...}, ...}

It is computed from scored samples (``lrpo.evaluate.score_responses``), one per
(item, language), each with at least ``id``, ``lang``, ``correct`` and ``fidelity``.
All rates are fractions in [0, 1]; tables print percentages.

- ``average`` is the macro mean over languages, so a language with more items
  does not weigh more; ``seen_average`` / ``unseen_average`` are the same over the
  languages trained on / held out (null when there are none).
- ``consistency`` is over parallel items (the same ``id`` in every evaluated
  language): of the items answered correctly in at least one language, the
  share answered correctly in all of them. Null when no item is correct in any
  language (0/0) or fewer than two languages were evaluated (trivially 1).
- ``ci95`` holds 95% percentile-bootstrap intervals. Items are resampled within
  each language; when the languages hold the same items (parallel benchmarks)
  one draw of item indices is shared by all languages, because a hard problem is
  hard in every language: resampling languages independently would ignore that
  correlation and make the interval of the average too narrow.

Seed aggregation (mean ± std) is ``lrpo.evaluation.aggregate``; the tables that
print scorecards are ``lrpo.evaluation.tables``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from lrpo.evaluation.aggregate import SCALAR_METRICS, mean

BOOTSTRAP_RESAMPLES = 1000


def default_seen_languages() -> tuple[str, ...]:
    """The paper's mGSM training languages (``lrpo.languages.SEEN_LANGUAGES``)."""
    from lrpo.languages import SEEN_LANGUAGES

    return SEEN_LANGUAGES


def _group_by_language(samples: Sequence[dict]) -> dict[str, dict[str, tuple[bool, float]]]:
    """lang -> id -> (correct, fidelity), in the order languages first appear."""
    by_lang: dict[str, dict[str, tuple[bool, float]]] = {}
    for sample in samples:
        for key in ("id", "lang", "correct", "fidelity"):
            if key not in sample:
                raise ValueError(f"sample has no {key!r} field: {sorted(sample)}")
        items = by_lang.setdefault(sample["lang"], {})
        if sample["id"] in items:
            raise ValueError(f"item {sample['id']!r} is scored twice in language {sample['lang']!r}")
        items[sample["id"]] = (bool(sample["correct"]), float(sample["fidelity"]))
    if not by_lang:
        raise ValueError("no samples to score")
    return by_lang


def _common_ids(by_lang: dict[str, dict]) -> list[str]:
    """Ids present in every language, in the first language's order."""
    first, *rest = by_lang.values()
    return [item for item in first if all(item in other for other in rest)]


def _consistency_counts(by_lang: dict[str, dict], ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per common item: correct in some language, correct in all of them."""
    correct = np.array([[by_lang[lang][item][0] for lang in by_lang] for item in ids], dtype=bool)
    return correct.any(axis=1), correct.all(axis=1)


def _split_languages(languages: Sequence[str], seen_languages) -> tuple[list[str], list[str]]:
    seen_set = set(default_seen_languages() if seen_languages is None else seen_languages)
    seen = [lang for lang in languages if lang in seen_set]
    return seen, [lang for lang in languages if lang not in seen_set]


def _interval(values: np.ndarray, level: float = 0.95) -> list[float] | None:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return [float(low), float(high)]


def bootstrap_intervals(by_lang: dict[str, dict[str, tuple[bool, float]]], seen: Sequence[str],
                        unseen: Sequence[str], n_resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
                        ) -> dict:
    """95% intervals of the per-language accuracies, the averages and consistency
    (see the module docstring for why parallel items are resampled jointly)."""
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    rng = np.random.default_rng(seed)
    languages = list(by_lang)
    id_lists = [list(by_lang[lang]) for lang in languages]
    parallel = all(set(ids) == set(id_lists[0]) for ids in id_lists)
    order = id_lists[0]
    shared = rng.integers(0, len(order), size=(n_resamples, len(order))) if parallel else None
    accuracy, fidelity = {}, {}
    for lang in languages:
        ids = order if parallel else list(by_lang[lang])
        correct = np.array([by_lang[lang][item][0] for item in ids], dtype=float)
        faithful = np.array([by_lang[lang][item][1] for item in ids], dtype=float)
        draws = shared if parallel else rng.integers(0, len(ids), size=(n_resamples, len(ids)))
        accuracy[lang] = correct[draws].mean(axis=1)
        fidelity[lang] = faithful[draws].mean(axis=1)

    def macro(langs: Sequence[str], table: dict[str, np.ndarray]) -> list[float] | None:
        return _interval(np.mean([table[lang] for lang in langs], axis=0)) if langs else None

    intervals = {
        "per_language": {lang: _interval(accuracy[lang]) for lang in languages},
        "average": macro(languages, accuracy),
        "seen_average": macro(seen, accuracy),
        "unseen_average": macro(unseen, accuracy),
        "fidelity_average": macro(languages, fidelity),
        "consistency": None,
    }
    common = _common_ids(by_lang)
    if len(languages) >= 2 and common:
        some, every = _consistency_counts(by_lang, common)
        draws = rng.integers(0, len(common), size=(n_resamples, len(common)))
        denominators = some[draws].sum(axis=1).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            intervals["consistency"] = _interval(every[draws].sum(axis=1) / denominators)
    return intervals


def build_scorecard(samples: Sequence[dict], *, task: str, split: str, model: str, method: str | None = None,
                    seed: int | None = 0, seen_languages: Iterable[str] | None = None,
                    n_resamples: int = BOOTSTRAP_RESAMPLES, bootstrap_seed: int = 0) -> dict:
    """The scorecard of scored samples (one per item and language).

    ``seen_languages``: the languages the model was trained on; None means the
    paper's mGSM split (``lrpo.languages.SEEN_LANGUAGES``). Only the evaluated ones
    count; ``seen_average`` / ``unseen_average`` are null when a side is empty.
    """
    by_lang = _group_by_language(samples)
    languages = list(by_lang)
    per_language = {}
    for lang, items in by_lang.items():
        per_language[lang] = {
            "accuracy": mean(float(correct) for correct, _ in items.values()),
            "fidelity": mean(fidelity for _, fidelity in items.values()),
            "n": len(items),
        }
    seen, unseen = _split_languages(languages, None if seen_languages is None else tuple(seen_languages))
    accuracies = {lang: per_language[lang]["accuracy"] for lang in languages}
    counts = {stats["n"] for stats in per_language.values()}

    common = _common_ids(by_lang)
    consistency, consistency_items = None, 0
    if len(languages) >= 2 and common:
        some, every = _consistency_counts(by_lang, common)
        consistency_items = int(some.sum())
        consistency = float(every.sum() / some.sum()) if consistency_items else None

    return {
        "task": task,
        "split": split,
        "model": model,
        "method": method,
        "seed": seed,
        "n_per_language": counts.pop() if len(counts) == 1 else None,
        "per_language": per_language,
        "average": mean(accuracies.values()),
        "seen_average": mean(accuracies[lang] for lang in seen),
        "unseen_average": mean(accuracies[lang] for lang in unseen),
        # Ties go to the language listed first.
        "worst_language": min(languages, key=lambda lang: accuracies[lang]),
        "fidelity_average": mean(per_language[lang]["fidelity"] for lang in languages),
        "consistency": consistency,
        "baseline": None,
        "seen_languages": seen,
        "unseen_languages": unseen,
        # The denominator of consistency: parallel items correct in at least one language.
        "consistency_items": consistency_items,
        "ci95": bootstrap_intervals(by_lang, seen, unseen, n_resamples, bootstrap_seed),
    }


def delta(this: float | None, base: float | None) -> float | None:
    """this − base, or None when either is missing."""
    return None if this is None or base is None else this - base


def with_baseline(scorecard: dict, baseline: dict) -> dict:
    """A copy of ``scorecard`` whose ``baseline`` block compares it with another
    run's scorecard (normally GRPO with the same model, seed and budget):
    the baseline's scores and ``delta_*`` = this − baseline."""
    for key in ("task", "split"):
        if scorecard.get(key) != baseline.get(key):
            raise ValueError(f"cannot compare scorecards of different {key}s: "
                             f"{scorecard.get(key)!r} vs baseline {baseline.get(key)!r}")
    base_accuracy = {lang: stats["accuracy"] for lang, stats in baseline["per_language"].items()}
    block = {
        "method": baseline.get("method"),
        "model": baseline.get("model"),
        "seed": baseline.get("seed"),
        "per_language": base_accuracy,
        **{key: baseline.get(key) for key in SCALAR_METRICS},
        "delta_per_language": {lang: delta(stats["accuracy"], base_accuracy.get(lang))
                               for lang, stats in scorecard["per_language"].items()},
        **{f"delta_{key}": delta(scorecard.get(key), baseline.get(key)) for key in SCALAR_METRICS},
    }
    return {**scorecard, "baseline": block}
