"""Means over languages, runs and seeds: the project's one ``mean`` and ``mean_std``.

Every average the project reports goes through these two, so a scorecard, a
leaderboard row, a GRPO baseline read back from the leaderboard and a
reproduced table average the same way:

- ``mean``: the arithmetic mean of the non-null values (``math.fsum``, so the
  order of the values does not change the last digit); null when none is left.
- ``mean_std``: {"mean", "std", "n"} with the sample standard deviation
  (n − 1), null for a single value, where a spread cannot be estimated.

``aggregate_scorecards`` applies ``mean_std`` to every metric of the scorecards
of one configuration's runs (normally its seeds). A metric an older scorecard does
not have (the cross-lingual ones) is null there and skipped, like a null consistency.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from lrpo.evaluation.metrics import check_same_metric, scorecard_metric

# The per-language cross-lingual measures of a scorecard (``lrpo.evaluation.scorecard``): the
# share of responses in the requested language line by line, the share that switch language,
# and the mean tokens generated per response; each also averaged over all / seen / unseen languages.
CROSSLINGUAL_METRICS = ("line_fidelity", "code_switching", "response_tokens")
LANGUAGE_GROUPS = ("average", "seen_average", "unseen_average")
CROSSLINGUAL_SCALARS = tuple(f"{metric}_{group}" for metric in CROSSLINGUAL_METRICS for group in LANGUAGE_GROUPS)
# The scorecard's scalar metrics: the ones compared with a baseline and aggregated over seeds.
SCALAR_METRICS = ("average", "seen_average", "unseen_average", "fidelity_average", "consistency",
                  *CROSSLINGUAL_SCALARS)


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the non-null values, or None when there are none."""
    values = [v for v in values if v is not None]
    return math.fsum(values) / len(values) if values else None


def mean_std(values: Iterable[float | None]) -> dict | None:
    """{"mean", "std", "n"} of the non-null values (std: sample, n − 1; None for a
    single value), or None when there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    std = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return {"mean": mean(values), "std": std, "n": len(values)}


def aggregate_scorecards(scorecards: Sequence[dict]) -> dict:
    """Mean ± std over runs (normally seeds) of the same task, split and languages.

    Each metric becomes {"mean", "std", "n"} (n = runs that had a value; a null
    consistency is skipped, not counted as 0); ``metric`` and ``metric_kind`` are the
    scorecards' own (``lrpo.evaluation.scorecard.Metric``). ValueError for no
    scorecards, or scorecards of different tasks, splits, metrics or languages.
    """
    if not scorecards:
        raise ValueError("no scorecards to aggregate")
    first = scorecards[0]
    for card in scorecards[1:]:
        for key in ("task", "split"):
            if card.get(key) != first.get(key):
                raise ValueError(f"cannot aggregate scorecards of different {key}s: "
                                 f"{first.get(key)!r} and {card.get(key)!r}")
        check_same_metric(first, card, "aggregate")
        if list(card["per_language"]) != list(first["per_language"]):
            raise ValueError(f"cannot aggregate scorecards over different languages: "
                             f"{list(first['per_language'])} and {list(card['per_language'])}")
    languages = list(first["per_language"])
    per_language = {
        lang: {
            "accuracy": mean_std([card["per_language"][lang]["accuracy"] for card in scorecards]),
            "fidelity": mean_std([card["per_language"][lang]["fidelity"] for card in scorecards]),
            **{metric: mean_std([card["per_language"][lang].get(metric) for card in scorecards])
               for metric in CROSSLINGUAL_METRICS},
            "n": sum(card["per_language"][lang]["n"] for card in scorecards),
        }
        for lang in languages
    }
    models = sorted({str(card.get("model")) for card in scorecards})
    methods = sorted({str(card.get("method")) for card in scorecards})
    metric, kind = scorecard_metric(first)
    aggregate = {
        "task": first["task"],
        "split": first["split"],
        "metric": metric,
        "metric_kind": kind,
        "model": models[0] if len(models) == 1 else None,
        "models": models,
        "method": first.get("method") if len(methods) == 1 else None,
        "seeds": [card.get("seed") for card in scorecards],
        "n_runs": len(scorecards),
        "per_language": per_language,
        **{key: mean_std([card.get(key) for card in scorecards]) for key in SCALAR_METRICS},
        "worst_language": min(languages, key=lambda lang: per_language[lang]["accuracy"]["mean"]),
        "seen_languages": first.get("seen_languages"),
        "unseen_languages": first.get("unseen_languages"),
        "baseline": None,
    }
    if all(card.get("baseline") for card in scorecards):
        aggregate["baseline"] = {
            "method": scorecards[0]["baseline"].get("method"),
            **{key: mean_std([card["baseline"].get(key) for card in scorecards]) for key in SCALAR_METRICS},
            **{f"delta_{key}": mean_std([card["baseline"].get(f"delta_{key}") for card in scorecards])
               for key in SCALAR_METRICS},
        }
    return aggregate
