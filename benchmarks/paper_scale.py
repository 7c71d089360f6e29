"""``benchmarks/reproduce.py --scale paper``: the paper's own setting, on GPUs.

    python benchmarks/reproduce.py --table 5 --scale paper --backbone qwen2.5-1.5b --dry-run
    python benchmarks/reproduce.py --table 1 --scale paper --backbone gemma3-4b --data-dir DATA \\
        --judge-endpoint http://localhost:8001/v1 --judge-model NAME

Every row of ``benchmarks.paper_tables.OPEN_TABLES`` trains on open-ended data
with the ``paper-open`` preset (calibrated similarity reward, topic and region
routing over 15 candidates; ``accelerate launch ... -m lrpo.train``, its own
evaluation skipped) and every model (the base model, the warm start, each
trained run) is then scored on the paper's five benchmarks
(``benchmarks.paper_benchmarks``). Rows marked ``warm_start`` start from ``python
-m lrpo.warmstart`` (run once per backbone, before them) with ``--language_cue
tag``. Table 7's quantile row needs a quantile table, which the authors' pair
statistics (means only) are not: ``python -m lrpo.calibrate --source jsonl
--input PARALLEL.jsonl --encoder jhu-clsp/mmBERT-small --langs <the 15
candidates> --out TABLE.csv``, passed as ``--quantile-table`` (MGSM and XCOPA do
not cover the 15 languages, so parallel text of one's own).

``--dry-run`` works offline on a CPU: it parses every row's config (with
``--bf16 false --use_vllm false --report_to none`` added, and the backbone's hub
id for warm-started rows, whose model does not exist yet), prints the rows, the
exact commands, the benchmarks, the paper's numbers for the rows, which extras
(``find_spec``: vllm, deepspeed, lm_eval, openai, the tracker of ``report_to``)
and data files are missing, and the compute estimate. It lists and exits 0;
``--strict`` exits 1 when something is missing, and a real run refuses (2)
before anything starts.

Compute (issue 16, part 6): training runs (rows x seeds, plus the warm start),
rollouts (per step x steps, as the pipeline counts them; the training questions
counted from the file, else the paper's 4,885 of Table 6) and GPU-hours =
rollouts x (prompt + completion tokens) / tokens per GPU-second. No GPU was
available when this was written, so the throughput is an assumption, not a
measurement (``ASSUMED_TOKENS_PER_GPU_SECOND``): pass ``--tokens-per-second``
with a measured one (TRL logs ``num_tokens`` and the step time, so the first
steps of a run give it: tokens per step / step seconds / GPUs).

Results: the cache, leaderboards and sections of ``benchmarks/reproduce.py``;
one record per run holds its five scorecards and the paper's cells
(``paper_benchmarks.cells``); each scorecard goes to the leaderboard of its
benchmark (``care``, ``care_pro``, ``mgsm``, ``global_mmlu_lite``,
``include_base_44``), the section to ``<leaderboard-dir>/reproduce_paper_open_<backbone>.md``.
This module is over 400 lines because the plan, its checks, its compute estimate
and the run share one context object; splitting them would pass it around.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from benchmarks import paper_benchmarks as pb
from benchmarks.paper_tables import OPEN_TABLES, Row, Table, load_paper_results
from lrpo.evaluation.paper import find_row, paper_rows

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAPER_DIR = REPO_ROOT.parent / "shared" / "paper"
MEAN_TABLE = "mmbert_small_translation_pair_stats.csv"
PRESET = "paper-open"


@dataclass(frozen=True)
class Backbone:
    hub_id: str
    paper_name: str  # the backbone column of the paper's tables
    billions: float  # parameters, as the name gives them (for the throughput scaling only)


BACKBONES = {"qwen2.5-1.5b": Backbone("Qwen/Qwen2.5-1.5B-Instruct", "Qwen2.5-1.5B-Instruct", 1.5),
             "llama3.2-1b": Backbone("meta-llama/Llama-3.2-1B-Instruct", "Llama-3.2-1B-Instruct", 1.0),
             "gemma3-4b": Backbone("google/gemma-3-4b-it", "Gemma-3-4B-it", 4.0)}
DEFAULT_BACKBONE = "qwen2.5-1.5b"

# ASSUMED, not measured (no GPU here): end-to-end GRPO tokens (prompt + completion) per GPU-second for the
# 1.5B backbone on an 80 GB A100/H100-class GPU, scaled by 1.5B / size for the others. Where it comes from:
# per token the policy's forward and backward with activation checkpointing and the reference model's forward
# are about 10 x 1.5e9 FLOPs, at 40% of an H100's 989 bf16 TFLOP/s about 26,000 tokens/s; vLLM's decoding of
# 256 rollouts per GPU to up to 1,024 tokens is bound by memory and by its longest rollout, which takes about
# as long again as the training passes, plus weight syncs and the reward model: 7,500 is that, rounded down.
ASSUMED_TOKENS_PER_GPU_SECOND = 7500.0
# Mean tokens of a rollout, ASSUMED too: the authors cut prompts at 512 tokens and responses at 1,024.
ASSUMED_PROMPT_TOKENS, ASSUMED_COMPLETION_TOKENS = 256, 512
INSTALL = {"vllm": "pip install 'lrpo[vllm]'", "lm_eval": "pip install 'lrpo[lmeval]'",
           "openai": "pip install openai (a dependency of lrpo: reinstall it)",
           "deepspeed": "pip install deepspeed (the accelerate config's distributed_type is DEEPSPEED)",
           "tensorboard": "pip install 'lrpo[tracking]'", "wandb": "pip install 'lrpo[tracking]'",
           "trackio": "pip install 'lrpo[tracking]'"}


def add_arguments(parser) -> None:
    """The paper scale's options of ``benchmarks/reproduce.py``."""
    group = parser.add_argument_group("paper scale")
    group.add_argument("--backbone", choices=list(BACKBONES), default=None,
                       help=f"the paper's backbone (default {DEFAULT_BACKBONE}); --model overrides the model only")
    group.add_argument("--train-task", choices=["open_ended", "mgsm"], default=None,
                       help="open_ended: the paper's setting (paper-open preset, five benchmarks); mgsm: the "
                            "MGSM-trained second configuration (paper preset, scored on MGSM)")
    group.add_argument("--paper-dir", default=str(DEFAULT_PAPER_DIR), help="the paper's data (../shared/paper)")
    group.add_argument("--calibration-table", default=None,
                       help=f"mean calibration (default <paper-dir>/{MEAN_TABLE})")
    group.add_argument("--quantile-table", default=None,
                       help="Table 7's quantile row: a python -m lrpo.calibrate table for jhu-clsp/mmBERT-small")
    group.add_argument("--warmstart-data", default=None,
                       help="python -m lrpo.warmstart's JSONL (default <data-dir>/open_ended/warmstart.jsonl)")
    group.add_argument("--mgsm-v2-dir", default=None,
                       help="an mGSM-v2 root laid out as MGSM (ROOT/mgsm/mgsm_<lang>.tsv); default: MGSM v1 of "
                            "the data directory (else the hub's), labelled as standing in")
    group.add_argument("--care-file", default=None,
                       help="CARE records (default <data-dir>/open_ended/care-test.jsonl)")
    group.add_argument("--care-pro-file", default=None,
                       help="CARE-pro records (default <data-dir>/open_ended/care_pro-test.jsonl)")
    group.add_argument("--judge-endpoint", default=None, help="OpenAI-compatible URL of the LLM judge")
    group.add_argument("--judge-model", default=None, help="the judge's model name at the endpoint")
    group.add_argument("--tokens-per-second", type=float, default=None,
                       help="measured GRPO tokens per GPU-second for the compute estimate (default: assumed)")
    group.add_argument("--prompt-tokens", type=int, default=ASSUMED_PROMPT_TOKENS)
    group.add_argument("--completion-tokens", type=int, default=ASSUMED_COMPLETION_TOKENS)
    group.add_argument("--strict", action="store_true", help="dry run: exit 1 when an extra or a file is missing")


def backbone_key(args) -> str:
    return args.backbone or DEFAULT_BACKBONE


# The context: everything the rows read besides their own flags


@dataclass
class OpenJob:
    """One model of a table: the row's run for one seed (or the model evaluated only),
    what it starts from, where it writes, its commands and its key (None in a dry run)."""

    row: Row
    seed: int | None
    config: object
    model: str
    output_dir: Path
    train_command: str | None
    benchmarks: dict[str, list[str]]
    key: str | None = None

    @property
    def name(self) -> str:
        return f"{self.row.key} ({'once' if self.seed is None else f'seed {self.seed}'})"


@dataclass
class Context:
    args: object
    table: Table
    rows: list[Row]
    backbone: Backbone
    model: str
    work: Path
    data_dir: str | None
    tables: dict[str, str | None]  # calibration -> table path
    warmstart_data: str
    settings: pb.BenchmarkSettings
    chosen: list[str]  # flags of every row (--model, --data_dir, --override)
    missing_data: list[tuple[str, str]] = field(default_factory=list)
    missing_extras: dict[str, list[str]] = field(default_factory=dict)  # module -> what needs it
    notes: list[str] = field(default_factory=list)

    @property
    def warm_model(self) -> Path:
        """The warm start's directory: named by what makes it (model, records, options)."""
        records = Path(self.warmstart_data)
        stamp = hashlib.sha256(records.read_bytes()).hexdigest() if records.is_file() else str(records)
        digest = hashlib.sha256(json.dumps([self.model, stamp]).encode()).hexdigest()[:8]
        return self.work / f"warmstart-{digest}"

    def warm_start_command(self) -> str:
        return shlex.join(["python", "-m", "lrpo.warmstart", "--model", self.model, "--data", self.warmstart_data,
                           "--output-dir", str(self.warm_model), "--bf16"])


def context(args, table: Table, rows: list[Row], overrides: list[str]) -> Context:
    backbone = BACKBONES[backbone_key(args)]
    model = args.model or backbone.hub_id
    data_dir = args.data_dir or os.environ.get("LRPO_DATA_DIR")
    paper_dir = Path(args.paper_dir)
    open_dir = Path(data_dir or "<data-dir>") / "open_ended"
    mgsm_v1 = data_dir if data_dir and (Path(data_dir) / "mgsm").is_dir() else None
    chosen = ["--model", model] + (["--data_dir", args.data_dir] if args.data_dir else []) + overrides
    variant = "-".join([PRESET, backbone_key(args)]
                       + ([hashlib.sha256(json.dumps(chosen).encode()).hexdigest()[:8]] if args.model or
                          args.data_dir or overrides else []))
    settings = pb.BenchmarkSettings(
        mgsm_root=args.mgsm_v2_dir or mgsm_v1, mgsm_version="v2" if args.mgsm_v2_dir else "v1",
        care_file=args.care_file or str(open_dir / "care-test.jsonl"),
        care_pro_file=args.care_pro_file or str(open_dir / "care_pro-test.jsonl"),
        judge_endpoint=args.judge_endpoint, judge_model=args.judge_model)
    tables = {"mean": args.calibration_table or str(paper_dir / MEAN_TABLE), "quantile": args.quantile_table}
    return Context(args, table, rows, backbone, model, Path(args.work_dir) / variant, data_dir, tables,
                   args.warmstart_data or str(open_dir / "warmstart.jsonl"), settings, chosen)


def _row_argv(ctx: Context, row: Row, model: str, validate: bool) -> tuple[list[str], list[str]]:
    """(argv, notes): ``lrpo.train``'s flags of ``row`` from ``model``; ``validate``: the
    flags that check it on a CPU instead (what a GPU machine adds removed, files absent
    replaced by what parses)."""
    table = ctx.tables[row.calibration or "mean"]
    argv = ["--config", PRESET, *row.argv(), *ctx.chosen, "--baseline", "none", "--skip_evaluation", "true"]
    argv[argv.index("--model") + 1] = model
    notes = []
    if table and Path(table).is_file() or not validate:
        argv += ["--calibration_table", table or f"<{row.calibration}-table>"]
    else:
        argv += ["--calibration", "none"]
        notes.append(f"its {row.calibration or 'mean'} calibration table is missing: checked with "
                     "--calibration none")
    if validate:
        argv += ["--bf16", "false", "--use_vllm", "false", "--report_to", "none"]
    return argv, notes


def plan(ctx: Context, dry_run: bool) -> list[OpenJob]:
    """The jobs of the table's rows: each trained row once per seed, each evaluated
    one once; configs parsed (to validate, in a dry run). Keys are computed when the
    models exist (a real run, after the warm start)."""
    from lrpo.evaluation.run_cache import run_key
    from lrpo.training.config import parse_config

    identity = None if dry_run else ctx.settings.identity()
    jobs = []
    for row in ctx.rows:
        model = str(ctx.warm_model) if row.warm_start else ctx.model
        for seed in [None] if row.method is None else range(ctx.args.seeds):
            output_dir = ctx.work / row.key / ("" if seed is None else f"seed{seed}")
            argv, notes = _row_argv(ctx, row, ctx.model if dry_run and row.warm_start else model, validate=dry_run)
            argv += ["--seed", str(seed or 0), "--output_dir", str(output_dir)]
            try:
                config = parse_config(argv)
            except (ValueError, SystemExit) as error:
                raise SystemExit(f"table {ctx.table.number}, row {row.key}: its config does not parse: "
                                 f"{error}") from error
            ctx.notes += [note for note in (f"row {row.key}: {note}" for note in notes) if note not in ctx.notes]
            command = None
            if row.method is not None:
                real, _ = _row_argv(ctx, row, model, validate=False)
                real += ["--seed", str(seed), "--output_dir", str(output_dir)]
                command = shlex.join(["accelerate", "launch", "--config_file", ctx.args.accelerate_config, "-m",
                                      "lrpo.train", *real])
            trained = str(output_dir) if row.method is not None else model
            key = None
            if not dry_run:
                base = run_key(config, model, None if row.method else {"paper_benchmarks": True})
                key = hashlib.sha256(json.dumps([base, identity], sort_keys=True).encode()).hexdigest()
            jobs.append(OpenJob(row, seed, config, model, output_dir, command,
                                pb.benchmark_commands(ctx.settings, trained, output_dir / "benchmarks"), key))
    return jobs


# Checks: extras and data


def accelerate_processes_and_deepspeed(path: str) -> tuple[int, bool]:
    """(num_processes, whether it is a DeepSpeed config) of an accelerate config file."""
    import yaml

    file = Path(path) if Path(path).is_absolute() else REPO_ROOT / path
    config = (yaml.safe_load(file.read_text()) or {}) if file.is_file() else {}
    return int(config.get("num_processes") or 1), config.get("distributed_type") == "DEEPSPEED"


def _chosen(ctx: Context, flag: str, default: str) -> str:
    """The value of ``flag`` among the flags of every row (``--override``), else ``default``."""
    return ctx.chosen[ctx.chosen.index(flag) + 1] if flag in ctx.chosen else default


def check(ctx: Context, jobs: list[OpenJob]) -> None:
    """Fill ``ctx.missing_extras`` (module -> what needs it) and ``ctx.missing_data``."""
    from lrpo.training.config import TRACKING_BACKENDS

    needs: dict[str, set[str]] = {module: {"evaluation"} for module in pb.EVALUATION_EXTRAS}
    trains = any(job.train_command for job in jobs)
    if trains:
        _, deepspeed = accelerate_processes_and_deepspeed(ctx.args.accelerate_config)
        for module, wanted in (("vllm", _chosen(ctx, "--use_vllm", "true") != "false"), ("deepspeed", deepspeed)):
            if wanted:
                needs.setdefault(module, set()).add("training")
    ctx.missing_extras = {module: sorted(what) for module, what in needs.items() if find_spec(module) is None}
    for tracker in _chosen(ctx, "--report_to", "none").split(",") if trains else ():
        if tracker in TRACKING_BACKENDS and not any(find_spec(module) for module in TRACKING_BACKENDS[tracker]):
            ctx.missing_extras[tracker] = ["training (report_to)"]
    missing = []
    train_file = _train_file(ctx, jobs)
    if train_file is None or not train_file.is_file():
        missing.append((f"training records {train_file or '<data-dir>/open_ended/train.jsonl'}",
                        "python -m lrpo.data prepare helpsteer3 --out RAW and prepare care --out RAW (their "
                        "train splits), cat RAW/helpsteer3-train.jsonl RAW/care-train.jsonl > RAW/train.jsonl, "
                        "python -m lrpo.data label --endpoint URL --model NAME RAW/train.jsonl "
                        "DIR/open_ended/train.jsonl; "
                        "then --data-dir DIR, or --override train_file=FILE"))
    if any(row.warm_start for row in ctx.rows) and not Path(ctx.warmstart_data).is_file():
        missing.append((f"warm-start records {ctx.warmstart_data}",
                        "JSONL of {messages, target_language, response} (python -m lrpo.warmstart --help)"))
    for calibration in dict.fromkeys(row.calibration or "mean" for row in ctx.rows if row.method):
        table = ctx.tables[calibration]
        if not table or not Path(table).is_file():
            how = ("python -m lrpo.calibrate --source jsonl --input PARALLEL.jsonl --encoder "
                   "jhu-clsp/mmBERT-small --langs <the 15 candidates> --out TABLE.csv, then --quantile-table "
                   "TABLE.csv (the authors' pair statistics hold means, no quantiles)" if calibration == "quantile"
                   else f"--calibration-table, or --paper-dir holding {MEAN_TABLE}")
            missing.append((f"{calibration} calibration table {table or '(none given)'}", how))
    ctx.missing_data = missing + ctx.settings.missing()


def _train_file(ctx: Context, jobs: list[OpenJob]) -> Path | None:
    from lrpo.training.config import build_task

    config = next((job.config for job in jobs if job.train_command), jobs[0].config)
    try:
        return build_task(config).data_file("train", config.data_dir)
    except FileNotFoundError:
        return None


# Compute


def training_questions(ctx: Context, jobs: list[OpenJob]) -> tuple[int, str]:
    """(questions, where the count comes from): the training file's, else the paper's Table 6."""
    import csv

    from lrpo.training.config import build_task, train_languages

    config = next((job.config for job in jobs if job.train_command), jobs[0].config)
    train_file = _train_file(ctx, jobs)
    problem = "no training file here"
    if train_file is not None and train_file.is_file():
        task = build_task(config)
        try:
            examples = task.load(config.train_split, langs=train_languages(config, task), data_dir=config.data_dir,
                                 limit=config.train_limit)
            return len(examples), f"counted in {train_file}"
        except (OSError, ValueError) as error:  # DataError names the file and line
            problem = f"{train_file} could not be read: {error}"
    path = Path(ctx.args.paper_dir) / "training_languages.csv"
    if not path.is_file():
        raise SystemExit(f"--paper-dir {ctx.args.paper_dir}: no training_languages.csv (the paper's Table 6, "
                         "the training-question count of the compute plan while no training file is read: "
                         f"{problem}); "
                         "pass the directory of the paper's data (../shared/paper), or --data-dir holding "
                         "open_ended/train.jsonl")
    with path.open(newline="", encoding="utf-8") as handle:
        total = sum(int(record["train_examples"]) for record in csv.DictReader(handle))
    return total, f"the paper's Table 6 ({path}; {problem})"


def compute_lines(ctx: Context, jobs: list[OpenJob]) -> list[str]:
    """The compute plan: training runs, rollouts and GPU-hours, with the assumptions stated."""
    from lrpo.training.pipeline import rollouts_per_step

    processes, _ = accelerate_processes_and_deepspeed(ctx.args.accelerate_config)
    trained = [job for job in jobs if job.train_command]
    lines = [f"compute ({ctx.backbone.hub_id}, {processes} GPUs per run):"]
    if trained:
        config = trained[0].config
        questions, source = training_questions(ctx, jobs)
        per_step = rollouts_per_step(config, processes)
        steps = math.ceil(config.num_train_epochs * math.ceil(questions * config.num_generations / per_step))
        per_run = per_step * steps
        lines += [f"  training runs: {len(trained)} ({len({job.row.key for job in trained})} rows x "
                  f"{ctx.args.seeds} seeds)" + (" + 1 warm start (SFT)" if any(r.warm_start for r in ctx.rows)
                                                 else ""),
                  f"  rollouts: {per_step} per step x {steps} steps ({config.num_train_epochs:g} epochs over "
                  f"{questions:,} questions, {source}) = {per_run:,} per run, {per_run * len(trained):,} in all"]
    rate = ctx.args.tokens_per_second
    if rate:
        rate_text = f"{rate:,.0f} tokens per GPU-second (given: --tokens-per-second)"
    else:
        rate = ASSUMED_TOKENS_PER_GPU_SECOND * 1.5 / ctx.backbone.billions
        rate_text = (f"{rate:,.0f} tokens per GPU-second: ASSUMED, not measured (no GPU where this was written; "
                     f"{ASSUMED_TOKENS_PER_GPU_SECOND:,.0f} for a 1.5B model on an 80 GB A100/H100-class GPU, "
                     "from FLOPs and decoding time, scaled by size: benchmarks/paper_scale.py; pass "
                     "--tokens-per-second)")
    tokens_each = ctx.args.prompt_tokens + ctx.args.completion_tokens
    if trained:
        tokens = per_run * len(trained) * tokens_each
        hours = tokens / rate / 3600
        lines += [f"  tokens: {tokens:,} ({ctx.args.prompt_tokens} prompt + {ctx.args.completion_tokens} "
                  "completion tokens per rollout, assumed: --prompt-tokens / --completion-tokens)",
                  f"  throughput: {rate_text}",
                  f"  GPU-hours: {hours:,.1f} for training ({hours / len(trained):,.1f} per run, "
                  f"{hours / processes:,.1f} h of wall time on {processes} GPUs)"]
    else:
        lines.append("  training runs: none (the table's rows are evaluated only)")
    lines.append(f"  evaluation: {len(jobs)} models x 5 benchmarks (greedy generation: mGSM 2,750 prompts, CARE "
                 "and CARE-pro their records; one loglikelihood pass per choice: Global-MMLU-Lite, Include); not "
                 "in the GPU-hours")
    return lines


# The plan as printed


def paper_row(records, ctx: Context, row: Row):
    """The paper's row for ``row`` on the backbone (this table's, else another table's
    row of the same method: Table 1's Vanilla, GRPO, LRPO), or None."""
    if row.paper_method is None:
        return None
    return find_row(paper_rows(records), ctx.table.number, ctx.backbone.paper_name, row.paper_method)


def paper_numbers(ctx: Context, results: dict[str, list[dict]] | None = None) -> str:
    """Markdown: per row, ours (mean over seeds of ``results[row.key]``'s cells, when
    given) and the paper's row beneath; Table 1's rows we do not run are named."""
    records = load_paper_results()
    lines, notes = [], []
    for row in ctx.rows:
        if results is not None:
            runs = results.get(row.key) or []
            values = {column: sum(found) / len(found) for column in pb.COLUMNS
                      if (found := [run["cells"][column] for run in runs if column in run["cells"]])}
            lines.append(pb.cell_line(row.label, f"ours ({len(runs)} run{'s' * (len(runs) != 1)})", values))
        line, row_notes = pb.paper_line(row.label if results is None else "", paper_row(records, ctx, row))
        lines.append(line)
        notes += row_notes
    text = pb.render(lines, notes)
    if ctx.table.number == 1:
        ours = {row.paper_method for row in ctx.rows}
        others = sorted({r["method"] for r in records if r["table"] == "1" and r["backbone"] ==
                         ctx.backbone.paper_name} - ours)
        text += (f"\n\nThe paper's other rows of Table 1 ({', '.join(others)}: preference-optimisation baselines) "
                 "are not run by this toolkit; their cells are in benchmarks/paper_results.csv.")
    return (f"Points as printed (CARE: rating x 10). Seen = the 15 router candidates; T<n> = the paper's table "
            f"the row is from; {ctx.backbone.paper_name}.\n\n{text}")


def print_plan(ctx: Context, jobs: list[OpenJob]) -> None:
    args = ctx.args
    processes, _ = accelerate_processes_and_deepspeed(args.accelerate_config)
    print(f"Reproduction plan: table {ctx.table.number} ({ctx.table.title}), paper scale, open-ended training "
          f"(preset {PRESET}; --train-task mgsm is the MGSM-trained configuration)")
    print(f"backbone: {backbone_key(args)} = {ctx.backbone.hub_id} (the paper's {ctx.backbone.paper_name}); "
          f"model {ctx.model}")
    print(f"launch: accelerate launch --config_file {args.accelerate_config} ({processes} processes); bf16 and "
          "vLLM (colocate) as the preset sets them; lrpo.train's own evaluation skipped (--skip_evaluation true)")
    print("validation: every row's config was parsed on this CPU with --bf16 false --use_vllm false --report_to "
          "none added (the commands below do not carry them); warm-started rows with the backbone's hub id as "
          "model")
    print(f"seeds: {' '.join(str(s) for s in range(args.seeds))} (models evaluated only: once)")
    print(f"benchmarks (each model: <run>/benchmarks/<dir>/scorecard.json, dir = "
          f"{', '.join(pb.BENCHMARK_DIRS.values())}; seen = the 15 router candidates, the paper's rule):")
    for line in ctx.settings.describe():
        print(f"  {line}")
    for note in ctx.notes:
        print(f"note: {note}")
    if any(row.warm_start for row in ctx.rows):
        print(f"\nwarm start (once, before the rows that start from it):\n  {ctx.warm_start_command()}")
    for row in ctx.rows:
        kind = ("evaluated only, once" if row.method is None else
                f"method {row.method}, flags: {' '.join(row.argv()[2:]) or 'none'}")
        start = "the warm start" if row.warm_start else "the base model"
        print(f"\nrow {row.key} ({row.label}): {kind}; from {start}")
        for job in (job for job in jobs if job.row == row):
            if job.train_command:
                print(f"  seed {job.seed}: {job.train_command}")
            for benchmark, commands in job.benchmarks.items():
                for command in commands:
                    print(f"    {benchmark}: {command}")
    print()
    print("\n".join(compute_lines(ctx, jobs)))
    print()
    for module, needed_by in sorted(ctx.missing_extras.items()):
        install = INSTALL.get(module, f"pip install {module}")
        print(f"missing extra: {module} (for {', '.join(needed_by)}): {install}")
    for what, how in ctx.missing_data:
        print(f"missing data: {what}: {how}")
    print(f"missing extras: {', '.join(sorted(ctx.missing_extras)) or 'none'}; missing data: "
          f"{len(ctx.missing_data) or 'none'}")
    print(f"\nThe paper's numbers for these rows:\n\n{paper_numbers(ctx)}")


# Running (GPU machines)


def execute(command: str) -> None:
    """Run one printed command from the repository root; CalledProcessError when it fails."""
    print(f"$ {command}", flush=True)
    subprocess.run(command, shell=True, check=True, cwd=REPO_ROOT)


def run_job(ctx: Context, job: OpenJob) -> dict:
    """Train (unless the run directory already holds this run), then score on each
    benchmark whose scorecard is not there yet; the record of the run."""
    from lrpo.evaluation.run_cache import run_key
    from lrpo.manifest import git_commit

    started = time.perf_counter()
    manifest_file = job.output_dir / "manifest.json"
    manifest = {}
    if job.train_command:
        done = manifest_file.is_file() and json.loads(manifest_file.read_text(encoding="utf-8")).get(
            "config_hash") == run_key(job.config, job.model)
        if not done:
            shutil.rmtree(job.output_dir / "benchmarks", ignore_errors=True)  # scores of another model
            execute(job.train_command)
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    benchmarks_dir = job.output_dir / "benchmarks"
    for benchmark, commands in job.benchmarks.items():
        if not pb.scorecard_file(benchmarks_dir, benchmark).is_file():
            for command in commands:
                execute(command)
    cards = pb.read_scorecards(benchmarks_dir)
    return {"hash": job.key, "row": job.row.key, "label": job.row.label, "method": job.row.method,
            "leaderboard_method": job.row.leaderboard_method, "seed": job.seed, "model": job.model,
            "model_label": ctx.model, "scale": "paper", "train_task": "open_ended",
            "backbone": backbone_key(ctx.args),
            "commands": [job.train_command, *(c for cs in job.benchmarks.values() for c in cs)],
            "wall_seconds": round(time.perf_counter() - started, 1), "commit": git_commit(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "scorecards": cards,
            "cells": {f"{b}|{s}": v for (b, s), v in pb.cells(cards).items()},
            "rollout_budget": manifest.get("rollout_budget"), "global_step": manifest.get("global_step", 0)}


def record_cells(record: dict) -> dict:
    return {tuple(key.split("|")): value for key, value in record["cells"].items()}


def run(ctx: Context, cache, command_line: str) -> int:
    """Warm start, every job (from the cache where done), leaderboards, the section."""
    from lrpo.evaluation.atomic import write_atomically
    from lrpo.evaluation.leaderboard import append_scorecard
    from lrpo.evaluation.tables import SECTION_END, SECTION_START, replace_section

    args, started = ctx.args, time.perf_counter()
    if any(row.warm_start for row in ctx.rows) and not (ctx.warm_model / "config.json").is_file():
        execute(ctx.warm_start_command())
    results: dict[str, list[dict]] = {}
    for job in plan(ctx, dry_run=False):
        record = cache.load(job.key)
        print(f"[table {ctx.table.number}] {job.name}: {'cached' if record else 'running'} ({job.key[:12]})",
              flush=True)
        if record is None:
            record = run_job(ctx, job)
            cache.store(job.key, record)
        for benchmark, card in record["scorecards"].items():
            task = pb.BENCHMARK_DIRS[benchmark]
            append_scorecard({**card, "task": task, "method": record["leaderboard_method"]}, args.leaderboard_dir,
                             run_id=f"reproduce-{record['hash'][:16]}-{task}",
                             rollout_budget=record["rollout_budget"], model_label=record["model_label"],
                             skip_existing=True)
        results.setdefault(job.row.key, []).append({**record, "cells": record_cells(record)})
    wall = time.perf_counter() - started
    budgets = sorted({r["rollout_budget"] for rs in results.values() for r in rs if r["rollout_budget"]})
    section = "\n".join([
        f"{SECTION_START}{ctx.table.number} -->",
        f"## Table {ctx.table.number}: {ctx.table.title} (paper scale, open-ended, {ctx.backbone.paper_name})", "",
        f"Command: `{command_line}`", "",
        f"Model {ctx.model} · preset {PRESET} · seeds {', '.join(str(s) for s in range(args.seeds))} · rollouts "
        f"per training run: {', '.join(map(str, budgets)) or '-'} · {ctx.settings.mgsm_label} · "
        f"{time.strftime('%Y-%m-%d')} · wall time {wall / 3600:.1f} h", "",
        paper_numbers(ctx, results), f"{SECTION_END} {ctx.table.number} -->"])
    output = Path(args.output or Path(args.leaderboard_dir) / f"reproduce_paper_open_{backbone_key(args)}.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output, replace_section(output.read_text(encoding="utf-8") if output.is_file() else "",
                                             ctx.table.number, section))
    print(f"\n{section}\n\nwrote table {ctx.table.number} to {output} ({wall / 3600:.1f} h)")
    return 0


def main(args, table_number: int, row_keys, overrides: list[str], cache, command_line: str,
         gpu_available) -> int:
    """``reproduce.py --scale paper`` on open-ended data: the plan (dry run) or the run."""
    if args.quick:
        raise SystemExit("--quick is for --scale tiny (the paper scale has one configuration: the paper's)")
    table = OPEN_TABLES[table_number]
    known = {row.key: row for row in table.rows}
    unknown = [key for key in row_keys or () if key not in known]
    if unknown:
        raise SystemExit(f"table {table_number} has no row {', '.join(unknown)}; rows: {', '.join(known)}")
    ctx = context(args, table, [known[key] for key in row_keys] if row_keys else list(table.rows), overrides)
    jobs = plan(ctx, dry_run=True)  # validates every row before anything runs, on any machine
    check(ctx, jobs)
    if args.dry_run:
        print_plan(ctx, jobs)
        return 1 if args.strict and (ctx.missing_extras or ctx.missing_data) else 0
    if not gpu_available():
        print("--scale paper trains with vLLM and DeepSpeed on GPUs (the paper's runs used 8 per job) and this "
              "machine has no CUDA GPU. Use --dry-run to validate every row and print the commands.",
              file=sys.stderr)
        return 2
    if ctx.missing_extras or ctx.missing_data:
        for module in sorted(ctx.missing_extras):
            print(f"missing extra: {module}: {INSTALL.get(module, 'pip install ' + module)}", file=sys.stderr)
        for what, how in ctx.missing_data:
            print(f"missing data: {what}: {how}", file=sys.stderr)
        return 2
    return run(ctx, cache, command_line)
