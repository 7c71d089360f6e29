"""Recording lm-evaluation-harness results on the leaderboards.

``lm_eval --tasks lrpo_mgsm ... --output_path DIR`` writes ``results_*.json``;
``import_lm_eval(DIR)`` appends the lrpo subtasks in them to
``runs/leaderboards/<task>.csv`` (``lrpo.evaluation.leaderboard``; another
directory with ``leaderboard_dir``), one run per (results file, task, split),
listed under the method ``lm-eval``. Command line:
``python -m lrpo.leaderboard import-lm-eval DIR``.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from lrpo.evaluation.leaderboard import USER_DIR, append_scorecard

LM_EVAL_METHOD = "lm-eval"
# The split recorded for XCOPA's loglikelihood formulation: its own table, since
# choosing by likelihood is not comparable with generating an answer.
LOGLIKELIHOOD_SPLIT = "test-loglikelihood"


def _lm_eval_families() -> dict[str, tuple[str, str, str]]:
    """Prefix of our lm-eval subtask names -> (task, split, accuracy metric key);
    a subtask is ``<prefix>_<language>`` (``lrpo/evaluation/lm_eval_tasks``)."""
    from lrpo.tasks.mmath import POLYMATH_LEVELS

    return {"lrpo_mgsm": ("mgsm", "test", "accuracy,none"), "lrpo_mmath": ("mmath", "test", "accuracy,none"),
            "lrpo_xcopa": ("xcopa", "test", "accuracy,none"),
            "lrpo_xcopa_ll": ("xcopa", LOGLIKELIHOOD_SPLIT, "acc,none"),
            **{f"lrpo_polymath_{level}": ("polymath", level, "accuracy,none") for level in POLYMATH_LEVELS}}


def _lm_eval_model(config: dict) -> str:
    """The model lm-eval evaluated: ``pretrained`` of its model arguments (a dict,
    or the ``key=value,...`` string of the command line), else the model type."""
    arguments = config.get("model_args") or {}
    if isinstance(arguments, str):
        arguments = dict(item.split("=", 1) for item in arguments.split(",") if "=" in item)
    return str(arguments.get("pretrained") or config.get("model") or "unknown")


def lm_eval_scorecards(results: dict, source: str = "") -> list[dict]:
    """Scorecards (the fields the leaderboard reads) of the lrpo subtasks in one
    lm-eval ``results_*.json``, one per (task, split): per-language accuracy (our
    verifier; ``acc`` for loglikelihood tasks), fidelity and n (lm-eval's
    effective sample count). Groups and other tasks are skipped."""
    from lrpo.languages import LANGUAGES

    families = _lm_eval_families()
    config = results.get("config") or {}
    date = results.get("date")
    created = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(float(date))) if date else None
    cards: dict[tuple[str, str], dict] = {}
    for name, metrics in sorted(results.get("results", {}).items()):
        prefix, _, language = name.rpartition("_")
        if prefix not in families or language not in LANGUAGES:
            continue
        task, split, accuracy_key = families[prefix]
        if accuracy_key not in metrics:
            raise ValueError(f"{source}: {name} has no {accuracy_key!r} metric (found {', '.join(metrics)})")
        samples = results.get("n-samples", {}).get(name, {})
        n = samples.get("effective", samples.get("original"))
        if n is None:
            raise ValueError(f"{source}: {name} has no sample count in 'n-samples'")
        card = cards.setdefault((task, split), {
            "task": task, "split": split, "model": _lm_eval_model(config), "method": None, "seed": None,
            "per_language": {}, "commit": results.get("git_hash"), "created": created,
            # The lm-eval hooks ask each question with task.prompt(example, example.lang): its own language,
            # native instruction (lrpo/evaluation/lm_eval_tasks/hooks.py).
            "response_lang": "same", "cue": "instruction"})
        card["per_language"][language] = {"accuracy": metrics[accuracy_key],
                                          "fidelity": metrics.get("fidelity,none"), "n": int(n)}
    return list(cards.values())


def import_lm_eval(results_dir, leaderboard_dir=USER_DIR, method: str = LM_EVAL_METHOD,
                   rollout_budget: int | None = None, model_label: str | None = None
                   ) -> list[tuple[str, Path | None]]:
    """Append the lrpo subtasks of every lm-eval ``results_*.json`` under
    ``results_dir`` (searched recursively) to the leaderboards.

    One run per (results file, task, split), with an id made from the file, so
    importing a directory again appends only the results not yet imported. The
    commit recorded is lm-eval's ``git_hash`` (of the directory it ran in).
    Returns (run id, CSV path) per run; the path is None for a run already there.
    """
    paths = sorted(Path(results_dir).rglob("results_*.json"))
    if not paths:
        raise FileNotFoundError(f"no lm-eval results_*.json under {results_dir}")
    imported = []
    for path in paths:
        content = path.read_bytes()
        results = json.loads(content)
        stamp = path.stem.removeprefix("results_")
        for card in lm_eval_scorecards(results, str(path)):
            # From the file's content, not its path: a moved results directory is not imported twice.
            digest = hashlib.sha1(content + card["split"].encode()).hexdigest()[:6]
            run_id = f"{card['task']}-{method}-{card['split']}-{stamp}-{digest}"
            card["method"] = method
            imported.append((run_id, append_scorecard(card, leaderboard_dir, run_id=run_id,
                                                      rollout_budget=rollout_budget, model_label=model_label,
                                                      skip_existing=True)))
    if not imported:
        raise ValueError(f"no lrpo_* subtask results in {len(paths)} results file(s) under {results_dir}")
    return imported
