"""The leaderboards: every real run's per-language scores, one CSV per task, and
the Markdown table rendered from it.

    leaderboards/<task>.csv   one row per (run, language): the record, appended to
    leaderboards/<task>.md    one row per (method, model, rollout budget), the mean
                              over its runs (seeds), best of each column in bold

The CSV is the source of truth and the Markdown is always regenerated from it, so
the two cannot disagree. Appends take an exclusive ``fcntl.flock`` on
``<task>.lock`` and replace the CSV atomically (write a temporary file, then
``os.replace``): two runs finishing at once both land, and a reader never sees a
half-written file. A CSV that does not parse is an error naming the file and
line, never silently dropped rows: the leaderboard is the project's record of
results. Command line: ``python -m lrpo.leaderboard``.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import math
import os
import secrets
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from lrpo.evaluation.scorecard import percent, render_table
from lrpo.manifest import git_commit

DEFAULT_DIR = "leaderboards"
# The first twelve columns are the documented record; split and seen (1 = a
# language the run trained on, 0 = held out, empty = unknown) follow.
COLUMNS = ("run_id", "task", "model", "method", "seed", "rollout_budget", "language", "accuracy", "fidelity", "n",
           "commit", "date", "split", "seen")
# How a run without a training method (a base model) is listed.
BASE_METHOD = "base"


def csv_path(task: str, leaderboard_dir=DEFAULT_DIR) -> Path:
    return Path(leaderboard_dir) / f"{task}.csv"


def markdown_path(task: str, leaderboard_dir=DEFAULT_DIR) -> Path:
    return Path(leaderboard_dir) / f"{task}.md"


# Reading and checking


def _optional_int(text: str, column: str, where: str) -> int | None:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{where}: column {column!r} must be an integer or empty, got {text!r}") from None


def _fraction(text: str, column: str, where: str, required: bool) -> float | None:
    if text == "" and not required:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: column {column!r} must be a number in [0, 1], got {text!r}") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"{where}: column {column!r} must be a number in [0, 1], got {text!r}")
    return value


def parse_row(fields: dict[str, str], where: str) -> dict:
    """A CSV row with typed values; ValueError naming ``where`` for anything malformed."""
    for column in ("run_id", "task", "model", "language"):
        if not fields[column]:
            raise ValueError(f"{where}: column {column!r} is empty")
    if fields["seen"] not in ("", "0", "1"):
        raise ValueError(f"{where}: column 'seen' must be 1, 0 or empty, got {fields['seen']!r}")
    n = _optional_int(fields["n"], "n", where)
    if n is None or n < 1:
        raise ValueError(f"{where}: column 'n' must be a positive integer, got {fields['n']!r}")
    return {
        **fields,
        "seed": _optional_int(fields["seed"], "seed", where),
        "rollout_budget": _optional_int(fields["rollout_budget"], "rollout_budget", where),
        "accuracy": _fraction(fields["accuracy"], "accuracy", where, required=True),
        "fidelity": _fraction(fields["fidelity"], "fidelity", where, required=False),
        "n": n,
        "seen": None if fields["seen"] == "" else fields["seen"] == "1",
    }


def read_rows(path) -> list[dict]:
    """Every row of a leaderboard CSV, typed; [] when the file does not exist.

    Raises ValueError naming the file (and line) for a wrong header, a row with
    the wrong number of fields, or a value of the wrong type.
    """
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return []
        if tuple(header) != COLUMNS:
            raise ValueError(f"{path}:1: not a leaderboard header: expected {','.join(COLUMNS)}, "
                             f"got {','.join(header)}")
        rows, run_languages = [], set()
        for fields in reader:
            where = f"{path}:{reader.line_num}"
            if not fields:
                continue
            if len(fields) != len(COLUMNS):
                raise ValueError(f"{where}: expected {len(COLUMNS)} fields, got {len(fields)}")
            row = parse_row(dict(zip(COLUMNS, fields, strict=True)), where)
            if (row["run_id"], row["language"]) in run_languages:
                raise ValueError(f"{where}: run {row['run_id']!r} lists language {row['language']!r} twice")
            run_languages.add((row["run_id"], row["language"]))
            rows.append(row)
    except csv.Error as e:
        raise ValueError(f"{path}:{reader.line_num}: unparseable CSV: {e}") from None
    return rows


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over
    ``path``: readers see the old file or the new one, never a mix."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _csv_text(rows: Sequence[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_csv_value(row[column]) for column in COLUMNS])
    return buffer.getvalue()


@contextlib.contextmanager
def _locked(task: str, leaderboard_dir) -> Iterator[None]:
    """Hold the task's exclusive lock. The lock file is never deleted: removing it
    while another process waits on it would let a third lock a new file."""
    directory = Path(leaderboard_dir)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{task}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Appending


def new_run_id(scorecard: dict) -> str:
    """A readable id that two processes finishing in the same second do not share."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    method = scorecard.get("method") or BASE_METHOD
    return f"{scorecard['task']}-{method}-s{scorecard.get('seed')}-{stamp}-{secrets.token_hex(3)}"


def scorecard_rows(scorecard: dict, run_id: str, rollout_budget: int | None = None,
                   model_label: str | None = None) -> list[dict]:
    """The CSV rows of one scorecard: one per evaluated language."""
    seen = scorecard.get("seen_languages")
    commit = scorecard.get("commit") or git_commit() or ""
    date = (scorecard.get("created") or time.strftime("%Y-%m-%dT%H:%M:%S%z"))[:10]
    rows = []
    for language, stats in scorecard["per_language"].items():
        rows.append({
            "run_id": run_id, "task": scorecard["task"], "model": model_label or scorecard["model"],
            "method": scorecard.get("method") or BASE_METHOD, "seed": scorecard.get("seed"),
            "rollout_budget": rollout_budget, "language": language, "accuracy": float(stats["accuracy"]),
            "fidelity": None if stats.get("fidelity") is None else float(stats["fidelity"]), "n": int(stats["n"]),
            "commit": commit, "date": date, "split": scorecard.get("split", ""),
            "seen": None if seen is None else language in seen,
        })
    for row in rows:  # the same checks as rows read back, before anything is written
        parse_row({column: _csv_value(row[column]) for column in COLUMNS}, f"scorecard of run {run_id!r}")
    return rows


def append_scorecard(scorecard: dict, leaderboard_dir=DEFAULT_DIR, run_id: str | None = None,
                     rollout_budget: int | None = None, model_label: str | None = None) -> Path:
    """Append a scorecard's per-language rows to ``<dir>/<task>.csv`` and re-render
    ``<dir>/<task>.md``; return the CSV's path.

    ``rollout_budget``: rollouts per question of the run (K), so runs are compared
    at equal budgets. ``model_label``: the name to list instead of the scorecard's
    model (often a local path). A run id already in the file is an error: appending
    a run twice would count it twice in the means.
    """
    task = scorecard["task"]
    run_id = run_id or new_run_id(scorecard)
    new_rows = scorecard_rows(scorecard, run_id, rollout_budget, model_label)
    path = csv_path(task, leaderboard_dir)
    with _locked(task, leaderboard_dir):
        rows = read_rows(path)
        if any(row["run_id"] == run_id for row in rows):
            raise ValueError(f"{path}: run {run_id!r} is already on the leaderboard")
        rows.extend(new_rows)
        _write_atomically(path, _csv_text(rows))
        _write_atomically(markdown_path(task, leaderboard_dir), render_markdown(task, rows))
    return path


def find_runs(task: str, model: str | None = None, method: str | None = None, seed: int | None = None,
              rollout_budget: int | None = None, leaderboard_dir=DEFAULT_DIR, split: str | None = None
              ) -> list[dict]:
    """Rows of ``task``'s leaderboard matching every filter given (None = any),
    e.g. the GRPO run with the same model, seed and budget as an LRPO run."""
    wanted = {"model": model, "method": method, "seed": seed, "rollout_budget": rollout_budget, "split": split}
    return [row for row in read_rows(csv_path(task, leaderboard_dir))
            if all(value is None or row[key] == value for key, value in wanted.items())]


# Importing lm-eval results

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
            "per_language": {}, "commit": results.get("git_hash"), "created": created})
        card["per_language"][language] = {"accuracy": metrics[accuracy_key],
                                          "fidelity": metrics.get("fidelity,none"), "n": int(n)}
    return list(cards.values())


def import_lm_eval(results_dir, leaderboard_dir=DEFAULT_DIR, method: str = LM_EVAL_METHOD,
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
            if any(row["run_id"] == run_id for row in read_rows(csv_path(card["task"], leaderboard_dir))):
                imported.append((run_id, None))
                continue
            card["method"] = method
            imported.append((run_id, append_scorecard(card, leaderboard_dir, run_id=run_id,
                                                      rollout_budget=rollout_budget, model_label=model_label)))
    if not imported:
        raise ValueError(f"no lrpo_* subtask results in {len(paths)} results file(s) under {results_dir}")
    return imported


# Rendering


def _group_key(row: dict) -> tuple:
    return row["split"], row["method"], row["model"], row["rollout_budget"]


def summarize(rows: Sequence[dict]) -> list[dict]:
    """One entry per (split, method, model, rollout budget): per-language accuracy
    and the averages, each the mean over the group's runs."""
    runs: dict[tuple, dict[str, list[dict]]] = {}
    for row in rows:
        runs.setdefault(_group_key(row), {}).setdefault(row["run_id"], []).append(row)
    summaries = []
    for (split, method, model, budget), by_run in runs.items():
        per_run = []
        for run_rows in by_run.values():
            accuracy = {row["language"]: row["accuracy"] for row in run_rows}
            fidelities = [row["fidelity"] for row in run_rows if row["fidelity"] is not None]

            def mean_over(selected: list[dict]) -> float | None:
                return math.fsum(r["accuracy"] for r in selected) / len(selected) if selected else None

            per_run.append({
                "accuracy": accuracy,
                "average": mean_over(run_rows),
                "seen_average": mean_over([r for r in run_rows if r["seen"] is True]),
                "unseen_average": mean_over([r for r in run_rows if r["seen"] is False]),
                "fidelity": math.fsum(fidelities) / len(fidelities) if fidelities else None,
            })

        def mean(values) -> float | None:
            values = [v for v in values if v is not None]
            return math.fsum(values) / len(values) if values else None

        languages = sorted({lang for run in per_run for lang in run["accuracy"]})
        summaries.append({
            "split": split, "method": method, "model": model, "rollout_budget": budget, "runs": len(per_run),
            "accuracy": {lang: mean(run["accuracy"].get(lang) for run in per_run) for lang in languages},
            **{key: mean(run[key] for run in per_run)
               for key in ("average", "seen_average", "unseen_average", "fidelity")},
        })
    return summaries


def _best_marked(column: list[float | None]) -> list[str]:
    """Percent cells with the column's best value(s) in bold (as displayed, so
    values that print the same are tied); a column with one value has no best."""
    shown = [None if value is None else percent(value) for value in column]
    numbers = [float(cell) for cell in shown if cell is not None]
    best = max(numbers) if len(numbers) > 1 else None
    return ["-" if cell is None else f"**{cell}**" if best is not None and float(cell) == best else cell
            for cell in shown]


def render_split_table(summaries: Sequence[dict]) -> str:
    languages = sorted({lang for entry in summaries for lang in entry["accuracy"]})
    metrics = [("average", "avg")]
    for key, label in (("seen_average", "seen"), ("unseen_average", "unseen")):
        if any(entry[key] is not None for entry in summaries):
            metrics.append((key, label))
    metrics.append(("fidelity", "fidelity"))
    entries = sorted(summaries, key=lambda e: (-(e["average"] or 0.0), e["method"], e["model"]))
    columns = [_best_marked([entry["accuracy"].get(lang) for entry in entries]) for lang in languages]
    columns += [_best_marked([entry[key] for entry in entries]) for key, _ in metrics]
    rows = []
    for i, entry in enumerate(entries):
        budget = "-" if entry["rollout_budget"] is None else str(entry["rollout_budget"])
        rows.append([entry["method"], entry["model"], budget, str(entry["runs"])] + [c[i] for c in columns])
    header = ["method", "model", "rollouts", "runs"] + languages + [label for _, label in metrics]
    return render_table(header, rows, "markdown", right_align_from=2)


def render_markdown(task: str, rows: Sequence[dict]) -> str:
    """The Markdown leaderboard of ``task`` (one table per split)."""
    lines = [f"# {task} leaderboard", "",
             f"Accuracy (%) per language, mean over runs (seeds); avg = macro average over languages; "
             f"best of each column in **bold**. Generated from `{task}.csv` by "
             f"`python -m lrpo.leaderboard render {task}`: do not edit by hand.", ""]
    if not rows:
        return "\n".join(lines + ["No runs yet.", ""])
    summaries = summarize(rows)
    for split in sorted({entry["split"] for entry in summaries}):
        lines += [f"## {split or 'unknown split'}", "",
                  render_split_table([entry for entry in summaries if entry["split"] == split]), ""]
    return "\n".join(lines)


def render(task: str, leaderboard_dir=DEFAULT_DIR) -> Path:
    """Re-render ``<task>.md`` from ``<task>.csv``."""
    path = csv_path(task, leaderboard_dir)
    if not path.exists():
        raise FileNotFoundError(f"no leaderboard for task {task!r}: {path} does not exist")
    with _locked(task, leaderboard_dir):
        target = markdown_path(task, leaderboard_dir)
        _write_atomically(target, render_markdown(task, read_rows(path)))
    return target
