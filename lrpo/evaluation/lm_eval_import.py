"""Recording lm-evaluation-harness results on the leaderboards and as scorecards.

``lm_eval --tasks lrpo_mgsm ... --output_path DIR`` writes ``results_*.json``;
``import_lm_eval(DIR)`` appends the results in them to
``runs/leaderboards/<task>.csv`` (``lrpo.evaluation.leaderboard``; another
directory with ``leaderboard_dir``), one run per (results file, task, split),
listed under the method ``lm-eval``; ``write_lm_eval_scorecards(DIR, OUT)``
writes each as ``OUT/<task>[-<split>]/scorecard.json``. Command line:
``python -m lrpo.leaderboard import-lm-eval DIR [--scorecard-dir OUT]``.

Two kinds of lm-eval task are read:

- our lrpo subtasks (``lrpo/evaluation/lm_eval_tasks``), ``lrpo_<task>_<language>``:
  generative, scored by our verifier and language gate;
- the paper's two multiple-choice benchmarks through lm-eval's own tasks, reused
  as they are (``MC_GROUPS``): Global-MMLU-Lite (``global_mmlu_<code>``, task
  ``global_mmlu_lite``) and INCLUDE (``include_base_44_<language name>``, task
  ``include_base_44``). A language is one group; its accuracy is the group's
  ``acc`` (the size-weighted mean over the group's subjects, as the groups'
  ``aggregate_metric_list`` says, so every question counts once) and its n the
  questions of its subtasks. Their languages need not be in ``lrpo.languages``
  (nothing is generated or gated).

  lm-eval 0.4.13's INCLUDE tasks read ``CohereForAI/include-base-44`` (22,637
  questions, about 550 a language); the paper reports Include-Lite
  (``include-lite-44``, 11,095 questions, about 250 a language, a subset of
  base). Same 44 languages, subjects and 4-option format, so the numbers estimate
  the same accuracy, on about twice the questions: expect differences of a few
  points per language from the sample (and a smaller interval), not a shift of
  the whole table. lm-eval has no include-lite task to use instead.

Seen and unseen: a scorecard's ``seen_languages`` are the evaluated languages
among ``seen_languages`` (the languages a model was trained on or routed to).
The paper counts every router candidate as seen (English too: its rollouts
occur), so its rules are ``seen_languages`` = the 15 candidates
(``lrpo.languages.PAPER_LANGUAGES``), the default for the multiple-choice
benchmarks: Global-MMLU-Lite 11 seen of 15, INCLUDE 14 of 44, mGSM 7 of 11 (pass
them for ``lrpo_mgsm``, whose default stays unknown as before). ``average`` is
the macro mean over languages, i.e. the paper's (n_seen x seen + n_unseen x
unseen) / n.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path

from lrpo.evaluation.aggregate import mean
from lrpo.evaluation.leaderboard import USER_DIR, append_scorecard

LM_EVAL_METHOD = "lm-eval"
# The split recorded for XCOPA's loglikelihood formulation: its own table, since
# choosing by likelihood is not comparable with generating an answer.
LOGLIKELIHOOD_SPLIT = "test-loglikelihood"
MC_SPLIT = "test"

# Global-MMLU-Lite's 15 languages (lm-eval's tasks/global_mmlu/default/<code>).
GLOBAL_MMLU_LITE_LANGUAGES = ("ar", "bn", "de", "en", "es", "fr", "hi", "id", "it", "ja", "ko", "pt", "sw", "yo",
                              "zh")
# INCLUDE's 44 languages: lm-eval's group name part (tasks/include/default/<Name>) -> ISO 639-1 code.
INCLUDE_LANGUAGES = {
    "albanian": "sq", "arabic": "ar", "armenian": "hy", "azerbaijani": "az", "basque": "eu", "belarusian": "be",
    "bengali": "bn", "bulgarian": "bg", "chinese": "zh", "croatian": "hr", "dutch": "nl", "estonian": "et",
    "finnish": "fi", "french": "fr", "georgian": "ka", "german": "de", "greek": "el", "hebrew": "he",
    "hindi": "hi", "hungarian": "hu", "indonesian": "id", "italian": "it", "japanese": "ja", "kazakh": "kk",
    "korean": "ko", "lithuanian": "lt", "malay": "ms", "malayalam": "ml", "nepali": "ne",
    "north_macedonian": "mk", "persian": "fa", "polish": "pl", "portuguese": "pt", "russian": "ru",
    "serbian": "sr", "spanish": "es", "tagalog": "tl", "tamil": "ta", "telugu": "te", "turkish": "tr",
    "ukrainian": "uk", "urdu": "ur", "uzbek": "uz", "vietnamese": "vi",
}
# lm-eval group name -> (our task name, language code).
MC_GROUPS = {**{f"global_mmlu_{code}": ("global_mmlu_lite", code) for code in GLOBAL_MMLU_LITE_LANGUAGES},
             **{f"include_base_44_{name}": ("include_base_44", code) for name, code in INCLUDE_LANGUAGES.items()}}
# What each multiple-choice task's numbers are, recorded in its scorecards.
MC_DATA = {
    "global_mmlu_lite": "Global-MMLU-Lite (CohereLabs/Global-MMLU-Lite) through lm-eval's global_mmlu_<code>",
    "include_base_44": ("INCLUDE base-44 (CohereForAI/include-base-44) through lm-eval's "
                        "include_base_44_<language>; the paper's Include-Lite is its subset include-lite-44 "
                        "(about half the questions)"),
}
MC_ACCURACY = "acc,none"


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


def language_averages(per_language: dict[str, dict], seen_languages: Sequence[str] | None) -> dict:
    """The scorecard fields over languages (``lrpo.evaluation.scorecard``'s names):
    ``average`` (macro mean of the per-language accuracies), ``seen_average`` /
    ``unseen_average`` over the languages in / not in ``seen_languages`` (None:
    unknown, both null and no language lists), ``worst_language``,
    ``fidelity_average`` (null when no language has one) and ``n_per_language``
    (null when the languages differ)."""
    accuracies = {language: stats["accuracy"] for language, stats in per_language.items()}
    counts = {stats["n"] for stats in per_language.values()}
    fields = {
        "n_per_language": counts.pop() if len(counts) == 1 else None,
        "average": mean(accuracies.values()),
        "worst_language": min(accuracies, key=accuracies.get) if accuracies else None,
        "fidelity_average": mean(stats["fidelity"] for stats in per_language.values()
                                 if stats.get("fidelity") is not None),
        "seen_average": None, "unseen_average": None,
    }
    if seen_languages is not None:
        seen = [language for language in accuracies if language in set(seen_languages)]
        unseen = [language for language in accuracies if language not in set(seen_languages)]
        fields.update({"seen_average": mean(accuracies[language] for language in seen),
                       "unseen_average": mean(accuracies[language] for language in unseen),
                       "seen_languages": seen, "unseen_languages": unseen})
    return fields


def _sample_count(results: dict, name: str, source: str) -> int:
    """Questions behind task or group ``name``: lm-eval's effective count of a task,
    the sum over a group's subtasks (``group_subtasks``), else a group's
    ``sample_len`` (lm-eval 0.4.13 writes it; older versions only the subtasks')."""
    samples = results.get("n-samples", {})
    if name in samples:
        count = samples[name].get("effective", samples[name].get("original"))
        if count is not None:
            return int(count)
    subtasks = (results.get("group_subtasks") or {}).get(name)
    if subtasks and all(sub in samples or sub in (results.get("group_subtasks") or {}) for sub in subtasks):
        return sum(_sample_count(results, sub, source) for sub in subtasks)
    sample_len = (results.get("results", {}).get(name) or {}).get("sample_len")
    if sample_len is not None:
        return int(sample_len)
    raise ValueError(f"{source}: {name} has no sample count ('n-samples', 'group_subtasks' or 'sample_len')")


def lm_eval_scorecards(results: dict, source: str = "", seen_languages: Sequence[str] | None = None) -> list[dict]:
    """Scorecards (the fields the leaderboard reads, and the averages of
    ``language_averages``) of one lm-eval ``results_*.json``, one per (task, split).

    lrpo subtasks: per-language accuracy (our verifier; ``acc`` for loglikelihood
    tasks), fidelity, line fidelity and code-switching (null where lm-eval did not
    report them: loglikelihood tasks, older results), response tokens (null:
    lm-eval reports no token counts) and n (lm-eval's effective sample count);
    seen / unseen by ``seen_languages`` (None: unknown). ``MC_GROUPS``: accuracy
    ``acc``, no fidelity measures, seen / unseen by ``seen_languages``, else the
    paper's (``PAPER_LANGUAGES``). Other tasks and groups are skipped.
    ValueError naming ``source`` and the task for a missing metric or count."""
    from lrpo.languages import LANGUAGES, PAPER_LANGUAGES

    families = _lm_eval_families()
    config = results.get("config") or {}
    date = results.get("date")
    created = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(float(date))) if date else None
    cards: dict[tuple[str, str], dict] = {}

    def card_for(task: str, split: str, **fields) -> dict:
        return cards.setdefault((task, split), {
            "task": task, "split": split, "model": _lm_eval_model(config), "method": None, "seed": None,
            "per_language": {}, "commit": results.get("git_hash"), "created": created, **fields})

    for name, metrics in sorted(results.get("results", {}).items()):
        if name in MC_GROUPS:
            task, language = MC_GROUPS[name]
            if MC_ACCURACY not in metrics:
                raise ValueError(f"{source}: {name} has no {MC_ACCURACY!r} metric (found {', '.join(metrics)})")
            # Multiple choice: nothing is generated, so no response language is asked for.
            card = card_for(task, MC_SPLIT, response_lang="same", cue="none", benchmark_data=MC_DATA[task])
            card["per_language"][language] = {
                "accuracy": metrics[MC_ACCURACY], "fidelity": None, "line_fidelity": None, "code_switching": None,
                "response_tokens": None, "n": _sample_count(results, name, source)}
            continue
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
        # The lm-eval hooks ask each question with task.prompt(example, example.lang): its own language,
        # native instruction (lrpo/evaluation/lm_eval_tasks/hooks.py).
        card = card_for(task, split, response_lang="same", cue="instruction")
        card["per_language"][language] = {
            "accuracy": metrics[accuracy_key], "fidelity": metrics.get("fidelity,none"),
            "line_fidelity": metrics.get("line_fidelity,none"),
            "code_switching": metrics.get("code_switching,none"),
            "response_tokens": None, "n": int(n)}
    for (task, _), card in cards.items():
        seen = seen_languages
        if seen is None and task in MC_DATA:
            seen = PAPER_LANGUAGES
        card.update(language_averages(card["per_language"], seen))
    return list(cards.values())


def _read_results(results_dir, seen_languages=None) -> list[tuple[Path, bytes, list[dict]]]:
    """(path, content, scorecards) of every ``results_*.json`` under ``results_dir``
    (recursively). FileNotFoundError when there is none; ValueError naming the file
    for one that is not JSON or not of lm-eval's shape, and when none holds a task
    this module reads."""
    paths = sorted(Path(results_dir).rglob("results_*.json"))
    if not paths:
        raise FileNotFoundError(f"no lm-eval results_*.json under {results_dir}")
    found = []
    for path in paths:
        content = path.read_bytes()
        try:
            results = json.loads(content)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"{path}: not an lm-eval results file (not JSON: {e})") from None
        if not isinstance(results, dict) or not isinstance(results.get("results", {}), dict):
            raise ValueError(f"{path}: not an lm-eval results file (expected an object with a 'results' object)")
        try:
            found.append((path, content, lm_eval_scorecards(results, str(path), seen_languages)))
        except (AttributeError, TypeError, KeyError) as e:  # a field of the wrong shape
            raise ValueError(f"{path}: not an lm-eval results file of a known shape ({type(e).__name__}: {e})") \
                from None
    if not any(cards for _, _, cards in found):
        raise ValueError(f"no lrpo_*, global_mmlu_<code> or include_base_44_<language> results in {len(paths)} "
                         f"results file(s) under {results_dir}")
    return found


def import_lm_eval(results_dir, leaderboard_dir=USER_DIR, method: str = LM_EVAL_METHOD,
                   rollout_budget: int | None = None, model_label: str | None = None,
                   seen_languages: Sequence[str] | None = None) -> list[tuple[str, Path | None]]:
    """Append the results of every lm-eval ``results_*.json`` under
    ``results_dir`` (searched recursively) to the leaderboards.

    One run per (results file, task, split), with an id made from the file, so
    importing a directory again appends only the results not yet imported. The
    commit recorded is lm-eval's ``git_hash`` (of the directory it ran in).
    ``seen_languages``: as ``lm_eval_scorecards``.
    Returns (run id, CSV path) per run; the path is None for a run already there.
    """
    imported = []
    for path, content, cards in _read_results(results_dir, seen_languages):
        stamp = path.stem.removeprefix("results_")
        for card in cards:
            # From the file's content, not its path: a moved results directory is not imported twice.
            digest = hashlib.sha1(content + card["split"].encode()).hexdigest()[:6]
            run_id = f"{card['task']}-{method}-{card['split']}-{stamp}-{digest}"
            card["method"] = method
            imported.append((run_id, append_scorecard(card, leaderboard_dir, run_id=run_id,
                                                      rollout_budget=rollout_budget, model_label=model_label,
                                                      skip_existing=True)))
    return imported


def scorecard_path(output_dir, task: str, split: str) -> Path:
    """Where ``write_lm_eval_scorecards`` writes the scorecard of (task, split)."""
    return Path(output_dir) / (task if split == "test" else f"{task}-{split}") / "scorecard.json"


def write_lm_eval_scorecards(results_dir, output_dir, seen_languages: Sequence[str] | None = None,
                             method: str | None = None, data_label: str | None = None) -> list[Path]:
    """Write the scorecards of the lm-eval results under ``results_dir`` as
    ``scorecard_path(output_dir, task, split)`` (one per task and split; a later
    results file of the same task replaces an earlier one). ``method`` and
    ``data_label`` (what data the benchmark was, e.g. "MGSM v1 ...", kept as
    ``benchmark_data``) are recorded in each. Returns the paths written."""
    written = {}
    for path, _, cards in _read_results(results_dir, seen_languages):
        for card in cards:
            card.update({"method": method, "lm_eval_results": str(path)})
            if data_label:
                card["benchmark_data"] = data_label
            target = scorecard_path(output_dir, card["task"], card["split"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written[target] = None
    return list(written)
