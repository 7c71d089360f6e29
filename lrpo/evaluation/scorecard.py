"""The scorecard: the cross-lingual scores of one evaluation, as one JSON object.

Every training run and every ``python -m lrpo.evaluate`` writes one, so runs are
compared on the same numbers (DESIGN.md §3)::

    {"task", "split", "model", "method", "seed", "metric", "metric_kind", "n_per_language",
     "per_language": {lang: {"accuracy", "fidelity", "line_fidelity", "code_switching",
                             "response_tokens", "n"}},
     "average", "seen_average", "unseen_average", "worst_language",
     "fidelity_average", "consistency",
     "line_fidelity_average", "line_fidelity_seen_average", "line_fidelity_unseen_average",
     "code_switching_average", ..., "response_tokens_average", ...,
     "baseline": {...} | null, "ci95": {...}, ...}

It is computed from scored samples (``lrpo.evaluation.evaluator.score_responses``),
one per (item, language), each with at least ``id``, ``lang``, ``fidelity`` and the
score of its metric. All rates are fractions in [0, 1]; tables print percentages.

- The metric (``Metric``): what the per-language ``accuracy`` and the averages hold,
  named by ``metric`` and ``metric_kind``. ``accuracy`` (binary: the share of
  responses the task's verifier marks correct, from the samples' ``correct``) for
  verifier tasks; ``similarity`` (continuous: the mean of the samples' ``similarity``,
  the calibrated similarity to the reference in [0, 1]) for tasks scored against a
  reference (open_ended); ``judge:<protocol>`` for an LLM judge's scores
  (``lrpo.evaluation.judge``: ``judge_score``, binary for CARE-pro's labels, continuous
  for CARE's ratings). The key stays ``accuracy`` whatever the metric, so that
  leaderboards, plots, seed aggregates and baseline comparisons read every
  scorecard the same way; ``metric`` says what it holds, and a scorecard without it
  (written before it existed) holds accuracy. Scorecards of different metrics are
  never compared or aggregated (ValueError).

- The cross-lingual measures (``lrpo.evaluation.aggregate.CROSSLINGUAL_METRICS``)
  come from the samples' ``line_fidelity``, ``code_switched`` (the gate's
  line-by-line verdicts, ``lrpo.rewards.gated_reward.GateResult``) and
  ``response_tokens`` (tokens generated): per language the share of responses in
  the requested language line by line, the share that are code-switched and the
  mean tokens per response; then their ``<metric>_average`` / ``_seen_average`` /
  ``_unseen_average`` over languages, as ``fidelity_average`` (a macro mean of the
  languages that have a value). Samples without them (older runs, judged
  ratings) make them null; a scorecard written before they existed lacks them,
  and everything that reads scorecards takes a missing one as null.

- ``average`` is the macro mean over languages, so a language with more items
  does not weigh more; ``seen_average`` / ``unseen_average`` are the same over the
  languages trained on / held out (null when there are none).
- ``consistency`` is over parallel items (the same ``id`` in every evaluated
  language): of the items answered correctly in at least one language, the
  share answered correctly in all of them. Null when no item is correct in any
  language (0/0) or fewer than two languages were evaluated (trivially 1), and
  for a continuous metric, where no response is right or wrong
  (``consistency_items`` 0).
- ``ci95`` holds 95% percentile-bootstrap intervals of the metric (the items'
  scores, 0/1 or continuous, averaged per draw). Items are resampled within
  each language; when the languages hold the same items (parallel benchmarks)
  one draw of item indices is shared by all languages, because a hard problem is
  hard in every language: resampling languages independently would ignore that
  correlation and make the interval of the average too narrow.

Seed aggregation (mean ± std) is ``lrpo.evaluation.aggregate``; the tables that
print scorecards are ``lrpo.evaluation.tables``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from lrpo.evaluation.aggregate import CROSSLINGUAL_METRICS, SCALAR_METRICS, mean
from lrpo.evaluation.metrics import ACCURACY, Metric, check_same_metric

# The sample field each per-language cross-lingual measure is the mean of.
SAMPLE_FIELDS = {"line_fidelity": "line_fidelity", "code_switching": "code_switched",
                 "response_tokens": "response_tokens"}

BOOTSTRAP_RESAMPLES = 1000

def default_seen_languages() -> tuple[str, ...]:
    """The paper's mGSM training languages (``lrpo.languages.SEEN_LANGUAGES``)."""
    from lrpo.languages import SEEN_LANGUAGES

    return SEEN_LANGUAGES


def _score(sample: dict, metric: Metric) -> float:
    """A sample's score under ``metric``: 1.0 / 0.0 for a binary one, else the value, which
    must be a number in [0, 1] (ValueError naming the sample)."""
    value = sample[metric.field]
    if metric.binary:
        return float(bool(value))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"sample {sample['id']!r} ({sample['lang']}): {metric.field} must be a number in [0, 1], "
                         f"got {value!r}")
    return float(value)


def _group_by_language(samples: Sequence[dict], metric: Metric = ACCURACY
                       ) -> dict[str, dict[str, tuple[float, float]]]:
    """lang -> id -> (score, fidelity), in the order languages first appear; the score is
    the sample's ``metric.field`` (1.0 / 0.0 for a binary metric)."""
    by_lang: dict[str, dict[str, tuple[float, float]]] = {}
    for sample in samples:
        for key in ("id", "lang", metric.field, "fidelity"):
            if key not in sample:
                raise ValueError(f"sample has no {key!r} field: {sorted(sample)}")
        items = by_lang.setdefault(sample["lang"], {})
        if sample["id"] in items:
            raise ValueError(f"item {sample['id']!r} is scored twice in language {sample['lang']!r}")
        items[sample["id"]] = (_score(sample, metric), float(sample["fidelity"]))
    if not by_lang:
        raise ValueError("no samples to score")
    return by_lang


def _crosslingual_means(samples: Sequence[dict]) -> dict[str, dict[str, float | None]]:
    """lang -> each cross-lingual measure's mean over the language's samples that
    have it (None when none has)."""
    values: dict[str, dict[str, list[float]]] = {}
    for sample in samples:
        by_metric = values.setdefault(sample["lang"], {metric: [] for metric in CROSSLINGUAL_METRICS})
        for metric, field in SAMPLE_FIELDS.items():
            if sample.get(field) is not None:
                by_metric[metric].append(float(sample[field]))
    return {lang: {metric: mean(found) for metric, found in by_metric.items()}
            for lang, by_metric in values.items()}


def crosslingual_averages(per_language: dict[str, dict], languages: Sequence[str], seen: Sequence[str],
                          unseen: Sequence[str]) -> dict[str, float | None]:
    """``<metric>_average`` / ``_seen_average`` / ``_unseen_average`` of each
    cross-lingual measure: the mean over those languages that have a value."""
    groups = {"average": languages, "seen_average": seen, "unseen_average": unseen}
    return {f"{metric}_{name}": mean(per_language[lang].get(metric) for lang in group)
            for metric in CROSSLINGUAL_METRICS for name, group in groups.items()}


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


def bootstrap_intervals(by_lang: dict[str, dict[str, tuple[float, float]]], seen: Sequence[str],
                        unseen: Sequence[str], n_resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0,
                        binary: bool = True) -> dict:
    """95% intervals of the per-language means of the items' scores (``by_lang``: lang ->
    id -> (score, fidelity), scores 0/1 or in [0, 1]), the averages and, for a
    ``binary`` metric, consistency (null otherwise); see the module docstring for why
    parallel items are resampled jointly."""
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
    if binary and len(languages) >= 2 and common:
        some, every = _consistency_counts(by_lang, common)
        draws = rng.integers(0, len(common), size=(n_resamples, len(common)))
        denominators = some[draws].sum(axis=1).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            intervals["consistency"] = _interval(every[draws].sum(axis=1) / denominators)
    return intervals


def build_scorecard(samples: Sequence[dict], *, task: str, split: str, model: str, method: str | None = None,
                    seed: int | None = 0, seen_languages: Iterable[str] | None = None,
                    n_resamples: int = BOOTSTRAP_RESAMPLES, bootstrap_seed: int = 0,
                    metric: Metric = ACCURACY) -> dict:
    """The scorecard of scored samples (one per item and language).

    ``seen_languages``: the languages the model was trained on; None means the
    paper's mGSM split (``lrpo.languages.SEEN_LANGUAGES``). Only the evaluated ones
    count; ``seen_average`` / ``unseen_average`` are null when a side is empty.
    ``metric``: what each sample is scored by (``Metric``; the module docstring).
    ValueError for no samples, an item scored twice in a language, a missing field,
    or a continuous score that is not a number in [0, 1].
    """
    by_lang = _group_by_language(samples, metric)
    crosslingual = _crosslingual_means(samples)
    languages = list(by_lang)
    per_language = {}
    for lang, items in by_lang.items():
        per_language[lang] = {
            "accuracy": mean(score for score, _ in items.values()),
            "fidelity": mean(fidelity for _, fidelity in items.values()),
            **crosslingual[lang],
            "n": len(items),
        }
    seen, unseen = _split_languages(languages, None if seen_languages is None else tuple(seen_languages))
    accuracies = {lang: per_language[lang]["accuracy"] for lang in languages}
    counts = {stats["n"] for stats in per_language.values()}

    common = _common_ids(by_lang)
    consistency, consistency_items = None, 0
    if metric.binary and len(languages) >= 2 and common:
        some, every = _consistency_counts(by_lang, common)
        consistency_items = int(some.sum())
        consistency = float(every.sum() / some.sum()) if consistency_items else None

    return {
        "task": task,
        "split": split,
        "model": model,
        "method": method,
        "seed": seed,
        "metric": metric.name,
        "metric_kind": metric.kind,
        "n_per_language": counts.pop() if len(counts) == 1 else None,
        "per_language": per_language,
        "average": mean(accuracies.values()),
        "seen_average": mean(accuracies[lang] for lang in seen),
        "unseen_average": mean(accuracies[lang] for lang in unseen),
        # Ties go to the language listed first.
        "worst_language": min(languages, key=lambda lang: accuracies[lang]),
        "fidelity_average": mean(per_language[lang]["fidelity"] for lang in languages),
        "consistency": consistency,
        **crosslingual_averages(per_language, languages, seen, unseen),
        "baseline": None,
        "seen_languages": seen,
        "unseen_languages": unseen,
        # The denominator of consistency: parallel items correct in at least one language.
        "consistency_items": consistency_items,
        "ci95": bootstrap_intervals(by_lang, seen, unseen, n_resamples, bootstrap_seed, metric.binary),
    }


def delta(this: float | None, base: float | None) -> float | None:
    """this − base, or None when either is missing."""
    return None if this is None or base is None else this - base


def with_baseline(scorecard: dict, baseline: dict) -> dict:
    """A copy of ``scorecard`` whose ``baseline`` block compares it with another
    run's scorecard (normally GRPO with the same model, seed and budget):
    the baseline's scores and ``delta_*`` = this − baseline. ValueError for scorecards
    of different tasks, splits or metrics."""
    for key in ("task", "split"):
        if scorecard.get(key) != baseline.get(key):
            raise ValueError(f"cannot compare scorecards of different {key}s: "
                             f"{scorecard.get(key)!r} vs baseline {baseline.get(key)!r}")
    check_same_metric(scorecard, baseline, "compare")
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
