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
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

BOOTSTRAP_RESAMPLES = 1000
SCALAR_METRICS = ("average", "seen_average", "unseen_average", "fidelity_average", "consistency")


def default_seen_languages() -> tuple[str, ...]:
    """The paper's mGSM training languages (``lrpo.languages.SEEN_LANGUAGES``)."""
    from lrpo.languages import SEEN_LANGUAGES

    return SEEN_LANGUAGES


def _mean(values: Iterable[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return math.fsum(values) / len(values) if values else None


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
        n = len(items)
        per_language[lang] = {
            "accuracy": sum(correct for correct, _ in items.values()) / n,
            "fidelity": math.fsum(fidelity for _, fidelity in items.values()) / n,
            "n": n,
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
        "average": _mean(accuracies.values()),
        "seen_average": _mean(accuracies[lang] for lang in seen),
        "unseen_average": _mean(accuracies[lang] for lang in unseen),
        # Ties go to the language listed first.
        "worst_language": min(languages, key=lambda lang: accuracies[lang]),
        "fidelity_average": _mean(per_language[lang]["fidelity"] for lang in languages),
        "consistency": consistency,
        "baseline": None,
        "seen_languages": seen,
        "unseen_languages": unseen,
        # The denominator of consistency: parallel items correct in at least one language.
        "consistency_items": consistency_items,
        "ci95": bootstrap_intervals(by_lang, seen, unseen, n_resamples, bootstrap_seed),
    }


def _delta(this: float | None, base: float | None) -> float | None:
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
        "delta_per_language": {lang: _delta(stats["accuracy"], base_accuracy.get(lang))
                               for lang, stats in scorecard["per_language"].items()},
        **{f"delta_{key}": _delta(scorecard.get(key), baseline.get(key)) for key in SCALAR_METRICS},
    }
    return {**scorecard, "baseline": block}


# Aggregation over seeds


def _mean_std(values: Sequence[float | None]) -> dict | None:
    """Mean and sample standard deviation (n − 1) of the non-null values; std is
    null for a single value, where a spread cannot be estimated."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    std = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return {"mean": math.fsum(values) / len(values), "std": std, "n": len(values)}


def aggregate_scorecards(scorecards: Sequence[dict]) -> dict:
    """Mean ± std over runs (normally seeds) of the same task, split and languages.

    Each metric becomes {"mean", "std", "n"} (n = runs that had a value; a null
    consistency is skipped, not counted as 0).
    """
    if not scorecards:
        raise ValueError("no scorecards to aggregate")
    first = scorecards[0]
    for card in scorecards[1:]:
        for key in ("task", "split"):
            if card.get(key) != first.get(key):
                raise ValueError(f"cannot aggregate scorecards of different {key}s: "
                                 f"{first.get(key)!r} and {card.get(key)!r}")
        if list(card["per_language"]) != list(first["per_language"]):
            raise ValueError(f"cannot aggregate scorecards over different languages: "
                             f"{list(first['per_language'])} and {list(card['per_language'])}")
    languages = list(first["per_language"])
    per_language = {
        lang: {
            "accuracy": _mean_std([card["per_language"][lang]["accuracy"] for card in scorecards]),
            "fidelity": _mean_std([card["per_language"][lang]["fidelity"] for card in scorecards]),
            "n": sum(card["per_language"][lang]["n"] for card in scorecards),
        }
        for lang in languages
    }
    models = sorted({str(card.get("model")) for card in scorecards})
    methods = sorted({str(card.get("method")) for card in scorecards})
    aggregate = {
        "task": first["task"],
        "split": first["split"],
        "model": models[0] if len(models) == 1 else None,
        "models": models,
        "method": first.get("method") if len(methods) == 1 else None,
        "seeds": [card.get("seed") for card in scorecards],
        "n_runs": len(scorecards),
        "per_language": per_language,
        **{key: _mean_std([card.get(key) for card in scorecards]) for key in SCALAR_METRICS},
        "worst_language": min(languages, key=lambda lang: per_language[lang]["accuracy"]["mean"]),
        "seen_languages": first.get("seen_languages"),
        "unseen_languages": first.get("unseen_languages"),
        "baseline": None,
    }
    if all(card.get("baseline") for card in scorecards):
        aggregate["baseline"] = {
            "method": scorecards[0]["baseline"].get("method"),
            **{key: _mean_std([card["baseline"].get(key) for card in scorecards]) for key in SCALAR_METRICS},
            **{f"delta_{key}": _mean_std([card["baseline"].get(f"delta_{key}") for card in scorecards])
               for key in SCALAR_METRICS},
        }
    return aggregate


# Tables

TABLE_STYLES = ("markdown", "console")


def percent(value: float | None, signed: bool = False) -> str:
    """A fraction as a percentage with one decimal ("24.9"); "-" for null."""
    if value is None:
        return "-"
    return f"{value * 100:+.1f}" if signed else f"{value * 100:.1f}"


def _cell(value, signed: bool = False) -> str:
    """A plain fraction, or an aggregate's {"mean", "std"} as "mean ± std"."""
    if isinstance(value, dict):
        if value.get("std") is None:
            return percent(value["mean"], signed)
        return f"{percent(value['mean'], signed)} ± {value['std'] * 100:.1f}"
    return percent(value, signed)


def _point(value) -> float | None:
    return value["mean"] if isinstance(value, dict) else value


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], style: str = "markdown",
                 right_align_from: int = 1) -> str:
    """A table as Markdown (pipes) or as aligned console text; columns from
    ``right_align_from`` on hold numbers and are right-aligned."""
    if style not in TABLE_STYLES:
        raise ValueError(f"unknown table style {style!r}; available: {', '.join(TABLE_STYLES)}")
    header = [str(h) for h in header]
    rows = [[str(cell) for cell in row] for row in rows]
    if style == "markdown":
        rule = ["---" if i < right_align_from else "---:" for i in range(len(header))]
        lines = [header, rule, *rows]
        return "\n".join("| " + " | ".join(line) + " |" for line in lines)
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]

    def fmt(line):
        return "  ".join(cell.ljust(w) if i < right_align_from else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(line, widths, strict=True))).rstrip()

    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def _language_label(scorecard: dict, name: str) -> str:
    languages = scorecard.get(f"{name}_languages")
    return f"{name} average ({' '.join(languages)})" if languages else f"{name} average"


def format_table(scorecard: dict, style: str = "markdown") -> str:
    """Languages × accuracy / 95% interval / fidelity / n, then the averages, for a
    scorecard or an ``aggregate_scorecards`` result (cells "mean ± std")."""
    ci = scorecard.get("ci95") or {}

    def interval(bounds) -> str:
        return "-" if not bounds else f"{percent(bounds[0])}–{percent(bounds[1])}"

    rows = []
    for lang, stats in scorecard["per_language"].items():
        rows.append([lang, _cell(stats["accuracy"]), interval(ci.get("per_language", {}).get(lang)),
                     _cell(stats["fidelity"]), str(stats["n"])])
    total = sum(stats["n"] for stats in scorecard["per_language"].values())
    rows.append(["average", _cell(scorecard["average"]), interval(ci.get("average")),
                 _cell(scorecard["fidelity_average"]), str(total)])
    for name in ("seen", "unseen"):
        if _point(scorecard.get(f"{name}_average")) is not None:
            rows.append([_language_label(scorecard, name), _cell(scorecard[f"{name}_average"]),
                         interval(ci.get(f"{name}_average")), "", ""])
    table = render_table(["language", "accuracy %", "95% CI", "fidelity %", "n"], rows, style)
    worst = scorecard["worst_language"]
    consistency = scorecard.get("consistency")
    notes = [f"worst language: {worst} ({_cell(scorecard['per_language'][worst]['accuracy'])})",
             "consistency: " + ("- (no item correct in any language)" if _point(consistency) is None
                                else _cell(consistency))]
    baseline = scorecard.get("baseline")
    if baseline:
        notes.append(f"Δ average vs {baseline.get('method') or 'baseline'}: "
                     f"{_cell(baseline.get('delta_average'), signed=True)}")
    separator = "  \n" if style == "markdown" else "\n"
    return table + "\n\n" + separator.join(notes)


def _column_label(card: dict, fallback: str) -> str:
    method = card.get("method")
    if fallback == "GRPO" and method in (None, "grpo"):
        return "GRPO"
    return str(method) if method else fallback


def format_comparison_table(base: dict | None, baseline: dict | None, this: dict, style: str = "console") -> str:
    """Languages × {base model, GRPO, this method, Δ} plus the average, seen and
    unseen rows. Δ = this − GRPO, or this − base when there is no GRPO run; base
    and baseline may be None (their columns are left out)."""
    columns = [(card, label) for card, label in ((base, "base"), (baseline, "GRPO")) if card is not None]
    columns.append((this, "this"))
    reference = baseline if baseline is not None else base
    header = ["language"] + [_column_label(card, label) for card, label in columns]
    if reference is not None:
        header.append("Δ vs " + ("GRPO" if reference is baseline else "base"))

    def accuracy(card: dict, lang: str) -> float | None:
        stats = card["per_language"].get(lang)
        return None if stats is None else _point(stats["accuracy"])

    def row(label: str, values: list[float | None]) -> list[str]:
        cells = [label] + [percent(v) for v in values]
        if reference is not None:
            cells.append(percent(_delta(values[-1], values[-2]), signed=True))
        return cells

    rows = [row(lang, [accuracy(card, lang) for card, _ in columns]) for lang in this["per_language"]]
    rows.append(row("average", [_point(card.get("average")) for card, _ in columns]))
    for name in ("seen", "unseen"):
        if _point(this.get(f"{name}_average")) is not None:
            rows.append(row(_language_label(this, name),
                            [_point(card.get(f"{name}_average")) for card, _ in columns]))
    return render_table(header, rows, style)
