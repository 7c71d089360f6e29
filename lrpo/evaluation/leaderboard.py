"""The leaderboards: every real run's per-language scores, one CSV per task, and
the Markdown table rendered from it (``lrpo.evaluation.leaderboard_markdown``).

    <dir>/<task>.csv   one row per (run, language): the record, appended to
    <dir>/<task>.md    one row per group of comparable runs (same split, method, model,
                       rollout budget, questions per language, response language and
                       cue), the mean over its runs, with n, runs and distinct seeds

Two directories: ``leaderboards/`` (``DEFAULT_DIR``) holds the committed results,
written by ``benchmarks/reproduce.py`` or on request; a user's own runs
(``python -m lrpo.train``, ``append``, ``import-lm-eval``) go to ``runs/leaderboards/``
(``USER_DIR``, git-ignored), so a run never rewrites a tracked file.

A run is identified by its configuration hash (``config_hash``, the key of
``lrpo.evaluation.run_cache.run_key``): appending a run whose hash is already in
the file changes nothing, so a rerun of the same command is one run, not two.

The CSV is the source of truth and the Markdown is always regenerated from it, so
the two cannot disagree. Appends take an exclusive ``fcntl.flock`` on
``<task>.lock`` and replace the CSV atomically (write a temporary file, then
``os.replace``): two runs finishing at once both land, and a reader never sees a
half-written file (``lrpo.evaluation.atomic``). A CSV that does not parse is an error naming the file and
line, never silently dropped rows: the leaderboard is the project's record of
results. A CSV of the first schema (no response_lang, cue, config_hash) is an
error that names ``python -m lrpo.leaderboard migrate``, which adds the columns; one
of the second (no cross-lingual columns) is read with them empty, and the next
append rewrites it with them.
The ``accuracy`` column holds the task's metric (``lrpo.evaluation.scorecard``:
accuracy, or the mean similarity for open_ended); a scorecard of another metric is
refused rather than averaged with the task's.
Command line: ``python -m lrpo.leaderboard``; lm-eval results come in through
``lrpo.evaluation.lm_eval_import``.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import math
import secrets
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from lrpo.evaluation.aggregate import CROSSLINGUAL_METRICS
from lrpo.evaluation.atomic import write_atomically
from lrpo.evaluation.leaderboard_markdown import render_markdown
from lrpo.evaluation.metrics import leaderboard_metric, scorecard_metric
from lrpo.manifest import git_commit

DEFAULT_DIR = "leaderboards"  # the committed results
USER_DIR = "runs/leaderboards"  # a user's own runs (git-ignored)
# The first twelve columns are the documented record; split and seen (1 = a
# language the run trained on, 0 = held out, empty = unknown) follow, then how the
# answers were asked for (response_lang: "same" or a code; cue: instruction / tag;
# empty = unknown) and the run's identity (config_hash; empty = not known).
# rollout_budget: the rollouts generated in training, in total (per step x steps);
# empty for a model that was not trained.
PREVIOUS_COLUMNS = ("run_id", "task", "model", "method", "seed", "rollout_budget", "language", "accuracy",
                    "fidelity", "n", "commit", "date", "split", "seen")
SECOND_COLUMNS = PREVIOUS_COLUMNS + ("response_lang", "cue", "config_hash")
# The cross-lingual measures of the scorecard's language (``lrpo.evaluation.scorecard``):
# line_fidelity and code_switching are fractions, response_tokens the mean tokens generated
# per response; empty when the run did not measure them (older runs, lm-eval's tokens).
COLUMNS = SECOND_COLUMNS + ("line_fidelity", "code_switching", "response_tokens")
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


def _optional_count(text: str, column: str, where: str) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{where}: column {column!r} must be a number >= 0 or empty, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{where}: column {column!r} must be a number >= 0 or empty, got {text!r}")
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
        "line_fidelity": _fraction(fields["line_fidelity"], "line_fidelity", where, required=False),
        "code_switching": _fraction(fields["code_switching"], "code_switching", where, required=False),
        "response_tokens": _optional_count(fields["response_tokens"], "response_tokens", where),
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
        if tuple(header) == PREVIOUS_COLUMNS:
            raise ValueError(f"{path}:1: a leaderboard of the previous schema (without response_lang, cue, "
                             f"config_hash); add them with: python -m lrpo.leaderboard migrate {path} "
                             "--response-lang same --cue instruction (the values its runs used)")
        if tuple(header) not in (COLUMNS, SECOND_COLUMNS):
            raise ValueError(f"{path}:1: not a leaderboard header: expected {','.join(COLUMNS)}, "
                             f"got {','.join(header)}")
        # The second schema's rows lack the cross-lingual columns: read them as empty.
        missing = {column: "" for column in COLUMNS[len(header):]}
        rows, run_languages = [], set()
        for fields in reader:
            where = f"{path}:{reader.line_num}"
            if not fields:
                continue
            if len(fields) != len(header):
                raise ValueError(f"{where}: expected {len(header)} fields, got {len(fields)}")
            row = parse_row({**dict(zip(header, fields, strict=True)), **missing}, where)
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
                   model_label: str | None = None, config_hash: str | None = None) -> list[dict]:
    """The CSV rows of one scorecard: one per evaluated language. The response
    language and cue are the scorecard's (``response_lang``, ``cue``), empty when absent.

    The ``accuracy`` column holds the task's metric (``leaderboard_metric``): a scorecard
    of another metric (an LLM judge's ratings of open_ended answers beside their
    similarities) is a ValueError, as its numbers would be averaged with the others'."""
    metric, task_metric = scorecard_metric(scorecard)[0], leaderboard_metric(scorecard["task"]).name
    if metric != task_metric:
        raise ValueError(f"run {run_id!r}: a scorecard of metric {metric!r} cannot go on the {scorecard['task']} "
                         f"leaderboard, whose accuracy column holds {task_metric!r}")
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
            **{metric: None if stats.get(metric) is None else float(stats[metric])
               for metric in CROSSLINGUAL_METRICS},
            "commit": commit, "date": date, "split": scorecard.get("split", ""),
            "seen": None if seen is None else language in seen,
            "response_lang": scorecard.get("response_lang") or "", "cue": scorecard.get("cue") or "",
            "config_hash": config_hash or "",
        })
    for row in rows:  # the same checks as rows read back, before anything is written
        parse_row({column: _csv_value(row[column]) for column in COLUMNS}, f"scorecard of run {run_id!r}")
    return rows


def append_scorecard(scorecard: dict, leaderboard_dir=USER_DIR, run_id: str | None = None,
                     rollout_budget: int | None = None, model_label: str | None = None,
                     skip_existing: bool = False, config_hash: str | None = None) -> Path | None:
    """Append a scorecard's per-language rows to ``<dir>/<task>.csv`` and re-render
    ``<dir>/<task>.md``; return the CSV's path, or None when the run is already there.

    ``rollout_budget``: the rollouts generated in training, in total (per step x
    steps), so runs are compared at equal budgets. ``model_label``: the name to list
    instead of the scorecard's model (often a local path). ``config_hash``: the run's
    identity (``lrpo.evaluation.run_cache.run_key``); a run with the same hash already
    in the file is the same run, so nothing is appended and None is returned. A run id
    already in the file is an error (appending a run twice would count it twice in
    the means), or with ``skip_existing`` the file is left as it is and None returned:
    for runs recorded under an id derived from what they are (a results file).
    """
    task = scorecard["task"]
    run_id = run_id or new_run_id(scorecard)
    new_rows = scorecard_rows(scorecard, run_id, rollout_budget, model_label, config_hash)
    path = csv_path(task, leaderboard_dir)
    with _locked(task, leaderboard_dir):
        rows = read_rows(path)
        if config_hash and any(row["config_hash"] == config_hash for row in rows):
            return None
        if any(row["run_id"] == run_id for row in rows):
            if skip_existing:
                return None
            raise ValueError(f"{path}: run {run_id!r} is already on the leaderboard")
        rows.extend(new_rows)
        _write_leaderboard(task, leaderboard_dir, rows)
    return path


def _write_leaderboard(task: str, leaderboard_dir, rows: Sequence[dict]) -> None:
    """Replace the CSV and its Markdown (the lock held)."""
    write_atomically(csv_path(task, leaderboard_dir), _csv_text(rows))
    write_atomically(markdown_path(task, leaderboard_dir), render_markdown(task, rows))


def find_runs(task: str, leaderboard_dir=USER_DIR, **wanted) -> list[dict]:
    """Rows of ``task``'s leaderboard whose columns equal every value given (None =
    any), e.g. ``method="grpo", seed=0, rollout_budget=320``; [] when the file is missing."""
    unknown = sorted(set(wanted) - set(COLUMNS))
    if unknown:
        raise ValueError(f"find_runs: no column {', '.join(unknown)}; columns: {', '.join(COLUMNS)}")
    return [row for row in read_rows(csv_path(task, leaderboard_dir))
            if all(value is None or row[key] == value for key, value in wanted.items())]


def migrate(path, response_lang: str, cue: str) -> Path:
    """Rewrite a CSV of the first schema (``PREVIOUS_COLUMNS``) with the columns
    added since: ``response_lang`` and ``cue`` set to the values given (what its runs
    used; the previous schema did not record them), ``config_hash`` and the
    cross-lingual columns empty (not known). Every other value is kept as written;
    the Markdown is re-rendered.
    ValueError naming the file for a file of another header.
    """
    path = Path(path)
    with _locked(path.stem, path.parent):
        with path.open(encoding="utf-8", newline="") as f:
            records = list(csv.reader(f))
        if not records or tuple(records[0]) != PREVIOUS_COLUMNS:
            raise ValueError(f"{path}:1: not a leaderboard of the previous schema "
                             f"(expected {','.join(PREVIOUS_COLUMNS)})")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        unknown = [""] * (len(COLUMNS) - len(PREVIOUS_COLUMNS) - 2)
        writer.writerows(record + [response_lang, cue, *unknown] for record in records[1:] if record)
        write_atomically(path, buffer.getvalue())
        write_atomically(path.with_suffix(".md"), render_markdown(path.stem, read_rows(path)))
    return path


def render(task: str, leaderboard_dir=DEFAULT_DIR) -> Path:
    """Re-render ``<task>.md`` from ``<task>.csv``."""
    path = csv_path(task, leaderboard_dir)
    if not path.exists():
        raise FileNotFoundError(f"no leaderboard for task {task!r}: {path} does not exist")
    with _locked(task, leaderboard_dir):
        target = markdown_path(task, leaderboard_dir)
        write_atomically(target, render_markdown(task, read_rows(path)))
    return target
