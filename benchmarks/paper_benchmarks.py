"""The paper's five benchmarks at the paper scale: their commands, scorecards and cells.

Every model of a paper-scale table on open-ended data (the base model, the warm
start, each trained run; ``benchmarks/paper_scale.py``) is scored on the five
benchmarks of Guo et al. (ICML 2026), each into
``<run>/benchmarks/<dir>/scorecard.json`` (``BENCHMARK_DIRS``) with seen /
unseen / average by the paper's rules (``../shared/paper/README.md``):

- ``care``: CARE through ``python -m lrpo.judge --protocol care`` (an LLM judge's
  1-10 rating; score = rating / 10, so points = rating x 10). The paper prints its
  average only; CARE's languages (ar en ja zh) are all seen.
- ``care_pro``: CARE-pro through ``python -m lrpo.judge --protocol care_pro``
  (SimpleQA-style labels; CORRECT scores 1): zh, es seen, hi unseen. ``python -m
  lrpo.data prepare care_pro`` keeps the rows of languages in ``lrpo.languages``
  only: were Hindi not there, the unseen side would stay empty, and with it the
  overall unseen and average (the plan says which).
- ``mgsm_v2``: mGSM through our lm-eval task ``lrpo_mgsm`` (``python -m
  lrpo.evaluation.lm_eval_tasks.cli``: our prompts, verifier and language gate,
  0-shot, chat template), read from ``<root>/mgsm/mgsm_<lang>.tsv``: the MGSM v1
  files of the data directory stand in for mGSM-v2 unless ``--mgsm-v2-dir`` names an
  mGSM-v2 root of the same layout; each scorecard records which
  (``benchmark_data``). Seen de en es fr ja ru zh, unseen bn sw te th.
- ``global_mmlu_lite``: lm-eval's own ``global_mmlu_<code>`` tasks (``python -m
  lm_eval``, 0-shot loglikelihood over the four letters, no chat template: lm-eval's
  defaults), 11 seen of 15.
- ``include_lite``: lm-eval's own ``include_base_44_<language>``, 14 seen of 44.
  lm-eval reads include-base-44, the superset (about twice the questions) of the
  paper's Include-Lite: ``lrpo.evaluation.lm_eval_import`` says how the numbers
  differ.

Both lm-eval results are turned into scorecards by ``python -m lrpo.leaderboard
import-lm-eval --scorecard-dir --no-leaderboard`` (benchmarks/reproduce.py puts
them on the leaderboards itself, with the run's rollout budget). Seen languages
are the router's 15 candidates (``PAPER_LANGUAGES``) everywhere, which gives each
benchmark the paper's split. ``cells`` turns the five scorecards into the
paper's cells in points, overall included (``lrpo.evaluation.paper.overall``).
"""

from __future__ import annotations

import hashlib
import json
import math
import shlex
from dataclasses import dataclass
from pathlib import Path

from lrpo.evaluation.lm_eval_import import GLOBAL_MMLU_LITE_LANGUAGES, INCLUDE_LANGUAGES, scorecard_path
from lrpo.evaluation.paper import BENCHMARKS, LANGUAGE_COUNTS, OVERALL, SPLITS, overall
from lrpo.evaluation.tables import INCONSISTENT_MARK, RECOMPUTED_MARK, render_table
from lrpo.languages import LANGUAGES, MGSM_LANGUAGES, PAPER_LANGUAGES

# Where each benchmark's scorecard is, under <run>/benchmarks/ (the lm-eval ones as import-lm-eval names them).
BENCHMARK_DIRS = {"care": "care", "care_pro": "care_pro", "mgsm_v2": "mgsm",
                  "global_mmlu_lite": "global_mmlu_lite", "include_lite": "include_base_44"}
TITLES = {"care": "CARE", "care_pro": "CARE-pro", "mgsm_v2": "mGSM", "global_mmlu_lite": "Global-MMLU-Lite",
          "include_lite": "Include"}
# What evaluating one model on the five benchmarks needs installed: lm-eval (three benchmarks), vLLM (its
# generation and lm-eval's model backend), the openai client (the judge's endpoint).
EVALUATION_EXTRAS = ("lm_eval", "vllm", "openai")
LM_EVAL_MODEL_ARGS = "dtype=bfloat16,gpu_memory_utilization=0.8"
JUDGE_PLACEHOLDERS = ("$JUDGE_ENDPOINT", "$JUDGE_MODEL")


@dataclass(frozen=True)
class BenchmarkSettings:
    """What the five benchmarks read besides the model: the MGSM root (None: the hub's
    MGSM v1) and its label, the CARE and CARE-pro records (open-ended JSONL, from
    ``python -m lrpo.data prepare care|care_pro``), and the judge (None: not given)."""

    mgsm_root: str | None
    mgsm_version: str  # "v1" (standing in) or "v2"
    care_file: str
    care_pro_file: str
    judge_endpoint: str | None
    judge_model: str | None

    @property
    def mgsm_label(self) -> str:
        where = f"{self.mgsm_root}/mgsm" if self.mgsm_root else "the hub's juletxara/mgsm"
        if self.mgsm_version == "v2":
            return f"mGSM-v2 ({where})"
        return f"MGSM v1 ({where}), standing in for the paper's mGSM-v2"

    def missing(self) -> list[tuple[str, str]]:
        """(what, how to provide it) for every input that is not there."""
        missing = []
        if self.mgsm_root is not None:
            absent = [f"mgsm_{code}.tsv" for code in MGSM_LANGUAGES
                      if not (Path(self.mgsm_root) / "mgsm" / f"mgsm_{code}.tsv").is_file()]
            if absent:
                hint = ("the layout is ROOT/mgsm/mgsm_<lang>.tsv: pass the folder above mgsm/"
                        if (Path(self.mgsm_root) / f"mgsm_{MGSM_LANGUAGES[0]}.tsv").is_file() else
                        "MGSM's 11 test files, as in ../shared/data/mgsm")
                missing.append((f"{self.mgsm_root}/mgsm/ lacks {', '.join(absent)}", hint))
        for name, path in (("care", self.care_file), ("care_pro", self.care_pro_file)):
            if not Path(path).is_file():
                # prepare writes DIR/<name>-<split>.jsonl; CARE's train split is training data, its test split
                # the benchmark.
                split = "test" if name == "care" else "SPLIT"
                flag = f"--{name.replace('_', '-')}-file"
                missing.append((f"{TITLES[name]} records {path}",
                                f"python -m lrpo.data prepare {name} --split {split} --out DIR, then {flag} "
                                f"DIR/{name}-{split}.jsonl" + (" (SPLIT: the hub's evaluation split)"
                                                                if split == "SPLIT" else "")))
        absent = [flag for flag, value in (("--judge-endpoint", self.judge_endpoint),
                                           ("--judge-model", self.judge_model)) if not value]
        if absent:
            missing.append((f"the LLM judge of CARE and CARE-pro ({', '.join(absent)})",
                            "an OpenAI-compatible endpoint (e.g. vllm serve MODEL) and the model's name there"))
        return missing

    def describe(self) -> list[str]:
        """One line per benchmark: what runs it and what its numbers are."""
        judge = f"{self.judge_model or JUDGE_PLACEHOLDERS[1]} at {self.judge_endpoint or JUDGE_PLACEHOLDERS[0]}"
        return [
            f"care: CARE ({self.care_file}), python -m lrpo.judge --protocol care, judge {judge}; rating x 10",
            f"care_pro: CARE-pro ({self.care_pro_file}), --protocol care_pro; "
            + ("seen zh es, unseen hi" if "hi" in LANGUAGES else
               "its unseen side (hi) stays empty while lrpo.languages has no Hindi (python -m lrpo.data prepare "
               "care_pro skips those rows), and with it the overall unseen and average"),
            f"mgsm_v2: {self.mgsm_label}, through lm-eval's lrpo_mgsm (our prompts, verifier and gate)",
            "global_mmlu_lite: lm-eval's global_mmlu_<code> (15 languages, 0-shot loglikelihood)",
            "include_lite: lm-eval's include_base_44_<language> (44 languages): include-base-44, the superset of "
            "the paper's Include-Lite (about twice the questions; lrpo.evaluation.lm_eval_import)",
        ]

    def identity(self) -> dict:
        """What the benchmarks' scores depend on besides the model (for run keys): the data
        files' digests, the judge and its prompts, and lm-eval's version."""
        from importlib.metadata import PackageNotFoundError, version

        from lrpo.evaluation.judge import PROTOCOLS

        def digest(path) -> str | None:
            path = Path(path)
            if path.is_dir():
                files = sorted(path.glob("*.tsv"))
                return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest() if files else None
            return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None

        try:
            lm_eval_version = version("lm_eval")
        except PackageNotFoundError:
            lm_eval_version = None
        prompts = {name: protocol.template for name, protocol in PROTOCOLS.items()}
        return {"mgsm": [self.mgsm_version, digest(Path(self.mgsm_root) / "mgsm") if self.mgsm_root else "hub"],
                "care": digest(self.care_file), "care_pro": digest(self.care_pro_file),
                "judge": self.judge_model, "judge_prompts": hashlib.sha256(
                    json.dumps(prompts, sort_keys=True).encode()).hexdigest(), "lm_eval": lm_eval_version}


def scorecard_file(benchmarks_dir: Path, benchmark: str) -> Path:
    """``<run>/benchmarks/<dir>/scorecard.json`` of ``benchmark``."""
    if benchmark in ("care", "care_pro"):
        return Path(benchmarks_dir) / BENCHMARK_DIRS[benchmark] / "scorecard.json"
    return scorecard_path(benchmarks_dir, BENCHMARK_DIRS[benchmark], "test")


def benchmark_commands(settings: BenchmarkSettings, model: str, benchmarks_dir: Path) -> dict[str, list[str]]:
    """The commands that score ``model`` (a hub id or directory) on each benchmark,
    writing ``scorecard_file(benchmarks_dir, benchmark)``; benchmark -> commands."""
    out = Path(benchmarks_dir)
    seen = ["--seen-languages", ",".join(PAPER_LANGUAGES)]
    model_args = f"pretrained={model},{LM_EVAL_MODEL_ARGS}"

    def imported(name: str, label: str | None = None) -> str:
        argv = ["python", "-m", "lrpo.leaderboard", "import-lm-eval", str(out / "lm-eval" / name),
                "--scorecard-dir", str(out), "--no-leaderboard", *seen]
        return shlex.join(argv + (["--data-label", label] if label else []))

    def lm_eval(module: str, tasks: list[str], name: str, *extra: str) -> str:
        return shlex.join(["python", "-m", module, "--model", "vllm", "--model_args", model_args, "--tasks",
                           ",".join(tasks), "--batch_size", "auto", *extra, "--output_path",
                           str(out / "lm-eval" / name)])

    endpoint = settings.judge_endpoint or JUDGE_PLACEHOLDERS[0]
    judge = settings.judge_model or JUDGE_PLACEHOLDERS[1]

    def judged(name: str, records: str) -> str:
        return shlex.join(["python", "-m", "lrpo.judge", "--model", model, "--eval-file", records, "--protocol",
                           name, "--endpoint", endpoint, "--judge-model", judge, "--backend", "vllm",
                           "--seen-languages", *PAPER_LANGUAGES, "--output-dir", str(out / name), "--quiet"])

    metadata = ["--apply_chat_template"]
    if settings.mgsm_root:
        metadata += ["--metadata", json.dumps({"data_dir": settings.mgsm_root})]
    return {
        "care": [judged("care", settings.care_file)],
        "care_pro": [judged("care_pro", settings.care_pro_file)],
        "mgsm_v2": [lm_eval("lrpo.evaluation.lm_eval_tasks.cli", ["lrpo_mgsm"], "mgsm", *metadata),
                    imported("mgsm", settings.mgsm_label)],
        "global_mmlu_lite": [lm_eval("lm_eval", [f"global_mmlu_{code}" for code in GLOBAL_MMLU_LITE_LANGUAGES],
                                     "global_mmlu_lite"), imported("global_mmlu_lite")],
        "include_lite": [lm_eval("lm_eval", [f"include_base_44_{name}" for name in INCLUDE_LANGUAGES],
                                 "include_base_44"), imported("include_base_44")],
    }


def read_scorecards(benchmarks_dir: Path) -> dict[str, dict]:
    """The five scorecards under ``benchmarks_dir``; FileNotFoundError naming a missing one."""
    cards = {}
    for benchmark in BENCHMARKS:
        path = scorecard_file(benchmarks_dir, benchmark)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no scorecard of {TITLES[benchmark]} (did its command fail?)")
        cards[benchmark] = json.loads(path.read_text(encoding="utf-8"))
    return cards


def cells(scorecards: dict[str, dict]) -> dict[tuple[str, str], float]:
    """The paper's cells (points) of five scorecards: CARE's average, each other
    benchmark's seen / unseen / average, and the overall of each split whose inputs
    are all there (``lrpo.evaluation.paper.overall``). A side without languages
    (CARE-pro's Hindi) has no cell, and then neither has the benchmark's average
    (the paper's weighs both sides: a scorecard's mean of one side is another
    number) nor an overall that needs them."""
    found = {("care", "average"): 100 * scorecards["care"]["average"]}
    for benchmark in LANGUAGE_COUNTS:
        card = scorecards[benchmark]
        sides = {"seen": card.get("seen_average"), "unseen": card.get("unseen_average")}
        if None not in sides.values():
            sides["average"] = card.get("average")
        found.update({(benchmark, split): 100 * value for split, value in sides.items() if value is not None})
    # overall() raises for a missing cell; a NaN in its place leaves exactly the splits that need it NaN.
    needed = {("care", "average"), *((b, s) for b in LANGUAGE_COUNTS for s in SPLITS)}
    for split, value in overall({**dict.fromkeys(needed, math.nan), **found}).items():
        if not math.isnan(value):
            found[(OVERALL, split)] = value
    return found


# The paper's columns: CARE's average, then seen / unseen / average of the other four and of the overall.
COLUMNS = [("care", "average"), *((name, split) for name in [*LANGUAGE_COUNTS, OVERALL] for split in SPLITS)]


def header() -> list[str]:
    """Row label, then one column per cell (CARE's average; seen / unseen / average of the others)."""
    short = {"seen": "s", "unseen": "u", "average": "avg"}
    return ["Row", "Source"] + [f"{TITLES.get(b, 'Overall')} {short[s]}" for b, s in COLUMNS]


def cell_line(label: str, source: str, values: dict, marks: dict | None = None) -> list[str]:
    """One table line: ``values`` {(benchmark, split): points} ("-" where absent),
    each followed by its mark in ``marks`` (the paper's flags)."""
    marks = marks or {}
    return [label, source] + ["-" if values.get(column) is None else f"{values[column]:.2f}{marks.get(column, '')}"
                              for column in COLUMNS]


def paper_line(label: str, paper_row) -> tuple[list[str], list[str]]:
    """The table line of the paper's row (``lrpo.evaluation.paper.PaperRow``; None:
    "not reported") and its footnotes: recomputed overall cells (†) and flagged ones (‡)."""
    if paper_row is None:
        return [label, "paper: not reported"] + [""] * len(COLUMNS), []
    values, marks, notes = dict(paper_row.cells), {}, []
    for split, value in paper_row.recomputed_overall().items():
        values[(OVERALL, split)], marks[(OVERALL, split)] = value, RECOMPUTED_MARK
        printed = paper_row.cells[(OVERALL, split)]
        notes.append(f"{RECOMPUTED_MARK} {paper_row.method} (Table {paper_row.table}): overall {split} recomputed "
                     f"from the row's per-benchmark cells; the paper prints {printed:.2f}.")
    for column in paper_row.flagged:
        marks[column] = INCONSISTENT_MARK
    if paper_row.flagged:
        notes.append(f"{INCONSISTENT_MARK} {paper_row.method} (Table {paper_row.table}): flagged inconsistent in "
                     "the paper's data (see benchmarks/paper_results.csv).")
    return cell_line(label, f"paper: {paper_row.method} (T{paper_row.table})", values, marks), notes


def render(lines: list[list[str]], notes: list[str]) -> str:
    """Markdown of ``lines`` (from ``cell_line`` / ``paper_line``) and their footnotes, deduplicated."""
    return "\n\n".join([render_table(header(), lines, "markdown", right_align_from=2)]
                       + (["  \n".join(dict.fromkeys(notes))] if notes else []))
