"""Reproduce the paper's tables with this project's own pipeline, one command per table.

    python benchmarks/reproduce.py --table 2 --scale tiny --quick       # CPU, minutes
    python benchmarks/reproduce.py --table 1 --scale tiny               # CPU, the tiny preset
    python benchmarks/reproduce.py --table 2 --scale paper --dry-run    # check and print the GPU plan
    python benchmarks/reproduce.py --table 2 --scale paper              # on a GPU machine

Tables (rows = methods, as in Guo et al., "Learning to Route Languages for
Multilingual Policy Optimization", ICML 2026, arXiv 2605.25360):
  1  base model, GRPO, LRPO
  2  base model, GRPO, the fixed mixes (input-dominant, English-dominant, uniform), LRPO
  4  LRPO's router variants: the paper's ema-softmax, ucb, exp3, thompson, the
     learning signal, and the center / none normalisations of router rewards

Scales:
  tiny   the offline ``arith`` world and the tiny model on a CPU: every row is trained
         with ``lrpo.training.config.parse_config`` (the ``tiny`` preset, or ``quick`` with
         --quick) plus the row's flags and ``--seed``, ``lrpo.training.pipeline.train_method``
         and scored by ``lrpo.training.pipeline.evaluate_model`` (the base model by
         ``lrpo.training.pipeline.base_scorecard``), all in this process. Same rollout budget and
         seeds (0..N-1) for every row; ``--baseline none``, since the table holds GRPO.
  paper  the ``paper`` preset (Qwen2.5-1.5B-Instruct, MGSM, vLLM, DeepSpeed ZeRO-2):
         each row is the printed ``accelerate launch ... -m lrpo.train`` command
         (``python -m lrpo.evaluate`` for the base model), run as a subprocess on a GPU
         machine. ``--dry-run`` parses and validates every row's config offline, on
         a CPU, by adding ``--bf16 false --use_vllm false`` (the printed commands do
         not carry them), and prints the plan.

Resumable: every row x seed has a configuration hash (sha256 of the resolved
LRPOConfig minus output and logging fields, plus the model's identity: a hub id,
or a digest of a model directory's files; plus the task's identity: its
parameters and a digest of its data files). A finished run is stored as
``<work-dir>/cache/<hash>.json``; a row whose hash is there is not run again
("cached"), so an interrupted table resumes where it stopped and rows shared by
tables (GRPO, LRPO) are trained once. Each run is appended once to the
leaderboards (``lrpo.leaderboard.append_scorecard``, run id ``reproduce-<hash>``).

Output: the table (seen / unseen / all-language average, mean +- std over seeds,
fidelity, per-language accuracy) as a section of ``--output`` (one section per
table, the command that produced it in its header), and beside it the paper's
numbers for the same rows from ``benchmarks/paper_results.csv``, for orientation
only: a different model and different benchmarks. That CSV holds what could be
read of the paper (the table bodies of https://arxiv.org/html/2605.25360 were
not reachable; each row names its source).
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import json
import math
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent
PAPER_RESULTS = Path(__file__).resolve().parent / "paper_results.csv"
DEFAULT_ACCELERATE_CONFIG = "configs/accelerate/deepspeed_zero2.yaml"
QUICK_EVAL_LIMIT = 50
# Fields of the resolved config that say where a run writes or how it logs, not what it computes.
VOLATILE_FIELDS = frozenset({
    "output_dir", "run_name", "leaderboard_dir", "report_to", "disable_tqdm", "resume_from_checkpoint",
    "save_strategy", "save_steps", "save_total_limit", "save_only_model", "save_on_each_node", "push_to_hub",
    "project", "skip_memory_metrics", "num_completions_to_print", "router_log_every", "baseline",
    "skip_evaluation",
})
VOLATILE_PREFIXES = ("logging_", "log_", "hub_", "trackio_")
# Files above this size enter a model directory's digest by size and their first and last MiB.
FULL_HASH_LIMIT = 64 * 2**20


# The tables


@dataclass(frozen=True)
class Row:
    """One row of a table: a method (None: the base model, evaluated only) and the
    LRPOConfig flags that distinguish it."""

    key: str
    label: str
    method: str | None
    flags: tuple[tuple[str, str], ...] = ()

    @property
    def leaderboard_method(self) -> str:
        """The method name on the leaderboard: a router variant must not be averaged with plain LRPO."""
        method = self.method or "base"
        if not self.flags:
            return method
        return f"{method}[{','.join(f'{name}={value}' for name, value in self.flags)}]"

    def argv(self) -> list[str]:
        if self.method is None:
            return []
        return ["--method", self.method] + [part for name, value in self.flags for part in (f"--{name}", value)]


@dataclass(frozen=True)
class Table:
    number: int
    title: str
    rows: tuple[Row, ...]


BASE = Row("base", "Base model", None)
GRPO = Row("grpo", "GRPO", "grpo")
LRPO = Row("lrpo", "LRPO", "lrpo")

TABLES = {
    1: Table(1, "LRPO against GRPO and the base model", (BASE, GRPO, LRPO)),
    2: Table(2, "fixed language mixes against learned routing", (
        BASE, GRPO,
        Row("input-dominant", "Input-dominant mix", "input-dominant"),
        Row("en-dominant", "English-dominant mix", "en-dominant"),
        Row("uniform", "Uniform mix", "uniform"),
        LRPO,
    )),
    4: Table(4, "router ablations", (
        Row("lrpo", "LRPO, ema-softmax router (paper)", "lrpo"),
        Row("ucb", "LRPO, UCB router", "lrpo", (("router_algorithm", "ucb"),)),
        Row("exp3", "LRPO, EXP3 router", "lrpo", (("router_algorithm", "exp3"),)),
        Row("thompson", "LRPO, Thompson router", "lrpo", (("router_algorithm", "thompson"),)),
        Row("learning-signal", "LRPO, learning signal", "lrpo", (("router_signal", "learning"),)),
        Row("center", "LRPO, centred router rewards", "lrpo", (("router_normalization", "center"),)),
        Row("no-normalization", "LRPO, raw router rewards", "lrpo", (("router_normalization", "none"),)),
    )),
}


# One run of one row: its config and its place on disk


@dataclass
class Job:
    row: Row
    seed: int | None  # None: the base model, evaluated once whatever the seed
    argv: list[str]  # flags of lrpo.train (the preset first)
    output_dir: Path
    config: object = None
    config_hash: str | None = None
    command: str = ""


@dataclass(frozen=True)
class Scale:
    name: str
    preset: str
    flags: tuple[str, ...]


def make_scale(args) -> Scale:
    if args.scale == "paper":
        return Scale("paper", "paper", ())
    flags = ("--save_strategy", "no", "--disable_tqdm", "true")
    if args.quick:
        return Scale("tiny", "quick", flags + ("--eval_limit", str(QUICK_EVAL_LIMIT)))
    return Scale("tiny", "tiny", flags)


def override_flags(overrides) -> list[str]:
    """``KEY=VALUE`` pairs as LRPOConfig flags."""
    flags = []
    for item in overrides or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"--override expects KEY=VALUE, got {item!r}")
        flags += [f"--{name.strip().lstrip('-')}", value]
    return flags


def build_jobs(table: Table, rows, scale: Scale, args) -> list[Job]:
    """The runs of a table: the base model once, every other row once per seed. Run
    directories are named by preset, row and seed (plus a digest of --model,
    --data-dir and --override when given), so different settings never share one."""
    chosen = []
    if args.model:
        chosen += ["--model", args.model]
    if args.data_dir:
        chosen += ["--data_dir", args.data_dir]
    chosen += override_flags(args.override)
    variant = scale.preset
    if chosen:
        variant += "-" + hashlib.sha256(json.dumps(chosen).encode()).hexdigest()[:8]
    work = Path(args.work_dir) / variant
    common = list(scale.flags) + ["--baseline", "none", *chosen]
    jobs = []
    for row in rows:
        if row.method is None:
            jobs.append(Job(row, None, ["--config", scale.preset, *common, "--seed", "0"], work / "base"))
            continue
        for seed in range(args.seeds):
            output_dir = work / row.key / f"seed{seed}"
            argv = ["--config", scale.preset, *row.argv(), *common, "--seed", str(seed),
                    "--output_dir", str(output_dir)]
            jobs.append(Job(row, seed, argv, output_dir))
    return jobs


def select_rows(table: Table, keys) -> list[Row]:
    if not keys:
        return list(table.rows)
    known = {row.key: row for row in table.rows}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise SystemExit(f"table {table.number} has no row {', '.join(unknown)}; rows: {', '.join(known)}")
    return [known[key] for key in keys]


# Identity of a configuration


def _volatile(name: str) -> bool:
    return name in VOLATILE_FIELDS or name.startswith(VOLATILE_PREFIXES)


def training_identity(config) -> dict:
    """The resolved config minus what only says where to write and how to log; the
    model (``model``, or the ``tiny_model`` built) and the data enter through their
    own identities."""
    return {name: value for name, value in config.to_dict().items()
            if not _volatile(name) and name not in ("model", "tiny_model", "data_dir")}


def evaluation_identity(config) -> dict:
    """What a base-model evaluation depends on (it trains nothing)."""
    from lrpo.training.pipeline import evaluation_settings

    settings = evaluation_settings(config)
    settings.pop("data_dir")
    return {"task": config.task, **settings,
            "seen_languages": settings.get("seen_languages") or _default_seen(config)}


def _default_seen(config) -> list[str]:
    from lrpo.tasks import get_task
    from lrpo.training.setup import train_languages

    return train_languages(config, get_task(config.task))


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    size = path.stat().st_size
    with path.open("rb") as handle:
        if size <= FULL_HASH_LIMIT:
            for block in iter(lambda: handle.read(2**20), b""):
                digest.update(block)
        else:
            digest.update(handle.read(2**20))
            handle.seek(size - 2**20)
            digest.update(handle.read(2**20))
    return digest.hexdigest()


def directory_digest(directory: Path, contents: bool = True) -> str:
    """A digest of the files under ``directory`` (relative path, size and, with
    ``contents``, their bytes), independent of where the directory lies."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        relative = path.relative_to(directory).as_posix()
        if any(part.startswith(".") for part in Path(relative).parts):
            continue
        digest.update(f"{relative}\0{path.stat().st_size}\0".encode())
        if contents:
            digest.update(_file_digest(path).encode())
    return digest.hexdigest()


def model_identity(model: str) -> dict:
    path = Path(model)
    if path.is_dir():
        return {"kind": "directory", "digest": directory_digest(path)}
    return {"kind": "hub", "id": model}


def task_identity(config) -> dict:
    """The task's class and parameters, and its data: a digest of the data files'
    names and sizes when they are read from a directory, else the hub; just
    "generated" for a task that makes its own items (``$LRPO_DATA_DIR`` must not
    change arith's hash)."""
    from lrpo.tasks import get_task

    task = get_task(config.task)
    parameters = {name: value for name, value in vars(task).items()
                  if not name.startswith("_") and isinstance(value, (bool, int, float, str, type(None)))}
    data_dir = config.data_dir or os.environ.get("LRPO_DATA_DIR")
    if not task.reads_data:
        data = "generated"
    elif data_dir and Path(data_dir).is_dir():
        data = {"files": directory_digest(Path(data_dir), contents=False)}
    else:
        data = {"directory": data_dir} if data_dir else "hub"
    return {"task": config.task, "class": f"{type(task).__module__}.{type(task).__qualname__}",
            "parameters": parameters, "data": data}


def config_hash(config, model: str, evaluation_only: bool = False) -> str:
    payload = {
        "kind": "base-evaluation" if evaluation_only else "training-run",
        "config": evaluation_identity(config) if evaluation_only else training_identity(config),
        "model": model_identity(model),
        "task": task_identity(config),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


# The cache of finished runs


def cache_path(work_dir, digest: str) -> Path:
    return Path(work_dir) / "cache" / f"{digest}.json"


def load_cached(work_dir, digest: str) -> dict | None:
    path = cache_path(work_dir, digest)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def store(work_dir, record: dict) -> Path:
    path = cache_path(work_dir, record["hash"])
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def record_on_leaderboard(record: dict, leaderboard_dir) -> bool:
    """Append a run once per leaderboard directory (its run id comes from its hash)."""
    from lrpo.evaluation.leaderboard import append_scorecard, csv_path, read_rows

    card = {**record["scorecard"], "method": record["leaderboard_method"]}
    run_id = f"reproduce-{record['hash'][:16]}"
    if any(row["run_id"] == run_id for row in read_rows(csv_path(card["task"], leaderboard_dir))):
        return False
    append_scorecard(card, leaderboard_dir, run_id=run_id, rollout_budget=record["rollout_budget"],
                     model_label=record["model_label"])
    return True


# Running a job


def tiny_train_command(job: Job) -> str:
    return "python -m lrpo.train " + shlex.join(job.argv)


def paper_train_command(job: Job, accelerate_config: str) -> str:
    # The run's own leaderboard rows go beside it; reproduce appends them under the row's name.
    argv = [*job.argv, "--leaderboard_dir", str(job.output_dir / "leaderboard")]
    return shlex.join(["accelerate", "launch", "--config_file", accelerate_config, "-m", "lrpo.train", *argv])


def base_evaluate_command(config, model: str, label: str, output_dir: Path) -> str:
    """``python -m lrpo.evaluate`` with the evaluation settings a trained row is scored under."""
    from lrpo.training.pipeline import evaluation_settings

    settings = evaluation_settings(config)
    argv = ["python", "-m", "lrpo.evaluate", "--task", config.task, "--model", model, "--model-name", label,
            "--split", settings["split"], "--max-new-tokens", str(settings["max_new_tokens"]),
            "--batch-size", str(settings["batch_size"]), "--cue", settings["cue"],
            "--seen-langs", *(settings["seen_languages"] or _default_seen(config)),
            "--output-dir", str(output_dir)]
    if settings["langs"]:
        argv += ["--langs", *settings["langs"]]
    if settings["limit"]:
        argv += ["--limit", str(settings["limit"])]
    if config.data_dir:
        argv += ["--data-dir", config.data_dir]
    return shlex.join(argv)


def run_tiny(job: Job, model: str, label: str) -> dict:
    """Train and score one row in this process, through the pipeline's own functions."""
    from lrpo.training.pipeline import base_scorecard, evaluate_model, rollout_budget, train_method

    config = job.config
    if job.row.method is None:
        return {"scorecard": base_scorecard(config, model, label), "rollout_budget": None, "global_step": 0}
    trainer = train_method(config, model)
    budget, steps = rollout_budget(trainer), trainer.state.global_step
    del trainer
    gc.collect()
    output_dir = Path(config.output_dir)
    card = evaluate_model(config, str(output_dir), config.method, output_dir / "evaluation", label)
    (output_dir / "scorecard.json").write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    return {"scorecard": card, "rollout_budget": budget, "global_step": steps}


def run_paper(job: Job) -> dict:
    """Run the row's printed command; read back the scorecard (and the manifest's budget)."""
    print(f"$ {job.command}", flush=True)
    subprocess.run(job.command, shell=True, check=True, cwd=REPO_ROOT)
    card = json.loads((job.output_dir / "scorecard.json").read_text(encoding="utf-8"))
    if job.row.method is None:
        return {"scorecard": card, "rollout_budget": None, "global_step": 0}
    manifest = json.loads((job.output_dir / "manifest.json").read_text(encoding="utf-8"))
    return {"scorecard": card, "rollout_budget": manifest.get("rollout_budget"),
            "global_step": manifest.get("global_step")}


def run_job(job: Job, model: str, label: str, args, table: Table) -> dict:
    cached = load_cached(args.work_dir, job.config_hash)
    seed = "once" if job.seed is None else f"seed {job.seed}"
    if cached is not None:
        print(f"[table {table.number}] {job.row.key} ({seed}): cached ({job.config_hash[:12]})", flush=True)
        record = cached
    else:
        print(f"[table {table.number}] {job.row.key} ({seed}): running ({job.config_hash[:12]})", flush=True)
        started = time.perf_counter()
        result = run_paper(job) if args.scale == "paper" else run_tiny(job, model, label)
        from lrpo.manifest import git_commit

        record = {
            "hash": job.config_hash, "row": job.row.key, "label": job.row.label, "method": job.row.method,
            "leaderboard_method": job.row.leaderboard_method, "seed": job.seed, "model": model,
            "model_label": label, "scale": args.scale, "command": job.command,
            "wall_seconds": round(time.perf_counter() - started, 1), "commit": git_commit(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **result,
        }
        store(args.work_dir, record)
        print(f"[table {table.number}] {job.row.key} ({seed}): done in {record['wall_seconds']} s, "
              f"average {_fmt(record['scorecard'].get('average'))}", flush=True)
    if record_on_leaderboard(record, args.leaderboard_dir):
        print(f"[table {table.number}] {job.row.key} ({seed}): appended to {args.leaderboard_dir}", flush=True)
    return record


def _fmt(value) -> str:
    from lrpo.evaluation.scorecard import percent

    return percent(value)


# Configs and the plan


def parse_job_configs(jobs: list[Job], validate_only: bool) -> None:
    """Parse every job's config through ``lrpo.training.config.parse_config`` (all checks run).

    ``validate_only`` (the paper dry run on a CPU): adds ``--bf16 false --use_vllm
    false``, which only a GPU machine with vLLM can do without; the commands keep
    the preset's values."""
    from lrpo.training.config import parse_config

    extra = ["--bf16", "false", "--use_vllm", "false"] if validate_only else []
    for job in jobs:
        job.config = parse_config([*job.argv, *extra])


def resolve_model(config, build: bool) -> str | None:
    """The model of the rows: the configured id or directory, else the tiny model
    (built now when ``build``; otherwise its path only if it is already built)."""
    if config.model:
        return config.model
    from lrpo.models.tiny import model_dir, tiny_model_config
    from lrpo.training.setup import resolve_model as build_or_find

    if build:
        return build_or_find(config)
    path = model_dir(tiny_model_config(config.tiny_model))
    return str(path) if path.is_dir() else None


def read_accelerate_processes(path: str) -> int | None:
    import yaml

    file = REPO_ROOT / path if not Path(path).is_absolute() else Path(path)
    if not file.is_file():
        return None
    return (yaml.safe_load(file.read_text()) or {}).get("num_processes")


def count_training_questions(config) -> int | None:
    """Training questions of the config, if its data can be read offline (else None)."""
    if config.task != "arith" and not (config.data_dir or os.environ.get("LRPO_DATA_DIR")):
        return None
    from lrpo.tasks import get_task
    from lrpo.training.setup import train_languages

    task = get_task(config.task)
    try:
        return len(task.load(config.train_split, langs=train_languages(config, task), data_dir=config.data_dir,
                             limit=config.train_limit))
    except (OSError, ValueError) as error:
        print(f"(could not count training questions: {error})")
        return None


def expected_budget(config, processes: int) -> str:
    """The rollouts a run will generate, as the pipeline counts them (per step x steps)."""
    per_step = config.per_device_train_batch_size * config.gradient_accumulation_steps * processes
    questions_per_step = per_step // config.num_generations
    head = (f"{per_step} rollouts per step ({config.per_device_train_batch_size} per device x "
            f"{config.gradient_accumulation_steps} accumulation x {processes} process(es) = {questions_per_step} "
            f"questions x {config.num_generations})")
    if config.max_steps and config.max_steps > 0:
        return f"{head} x {config.max_steps} steps = {per_step * config.max_steps} rollouts per run"
    questions = count_training_questions(config)
    epochs = config.num_train_epochs
    if questions is None:
        return (f"{head} x steps, steps = {epochs:g} epochs x ceil(training questions / {questions_per_step}) "
                "(count unknown offline: pass --data-dir to count)")
    steps = math.ceil(epochs * math.ceil(questions * config.num_generations / per_step))
    return (f"{head} x {steps} steps ({epochs:g} epochs over {questions} questions) ~= {per_step * steps} "
            "rollouts per run")


def print_plan(table: Table, jobs: list[Job], args, scale: Scale, model: str | None) -> None:
    first = next(job.config for job in jobs if job.config is not None)
    processes = read_accelerate_processes(args.accelerate_config) if scale.name == "paper" else 1
    processes = processes or 1
    seeds = " ".join(str(seed) for seed in range(args.seeds))
    print(f"Reproduction plan: table {table.number} ({table.title}), {scale.name} scale")
    print(f"preset: {scale.preset} (model {first.model or 'tiny (built on first use)'}, task {first.task}, "
          f"evaluation split {first.eval_split}, eval limit {first.eval_limit or 'all'} per language)")
    if scale.name == "paper":
        print(f"launch: accelerate launch --config_file {args.accelerate_config} ({processes} processes); "
              "bf16 and vLLM (colocate) as the preset sets them")
        if args.dry_run:
            print("validation: every row's config was parsed and checked on this CPU with --bf16 false "
                  "--use_vllm false added (no GPU or vLLM here); the commands below do not carry them")
    else:
        print("run: in this process through lrpo.training.pipeline.train_method / evaluate_model / base_scorecard "
              "(each command below is the equivalent lrpo.train call)")
    print(f"seeds: {seeds} (the base model is evaluated once)")
    print(f"rollout budget: {expected_budget(first, processes)}")
    print(f"cache: {Path(args.work_dir) / 'cache'}; leaderboards: {args.leaderboard_dir}")
    for row in dict.fromkeys(job.row for job in jobs):
        row_jobs = [job for job in jobs if job.row == row]
        flags = " ".join(f"--{name} {value}" for name, value in row.flags) or "none"
        kind = "evaluation only, once" if row.method is None else f"method {row.method}, overrides: {flags}"
        print(f"\nrow {row.key} ({row.label}): {kind}")
        for job in row_jobs:
            seed = "" if job.seed is None else f"seed {job.seed}: "
            status = ""
            if job.config_hash:
                status = " [cached]" if load_cached(args.work_dir, job.config_hash) else " [to run]"
                status += f" hash {job.config_hash[:12]}"
            print(f"  {seed}{job.command}{status}")
    if model is None and scale.name == "tiny":
        print("\n(the tiny model is not built yet: hashes are computed when it is)")


# The table


def load_paper_results(path=PAPER_RESULTS) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _mean_std(stat) -> str:
    from lrpo.evaluation.scorecard import percent

    if not stat:
        return "-"
    if stat.get("std") is None:
        return percent(stat["mean"])
    return f"{percent(stat['mean'])} ± {stat['std'] * 100:.1f}"


def results_table(table: Table, records: dict[str, list[dict]]) -> str:
    from lrpo.evaluation.scorecard import aggregate_scorecards, percent, render_table

    rows_done = [row for row in table.rows if records.get(row.key)]
    languages = list(records[rows_done[0].key][0]["scorecard"]["per_language"])
    header = ["Method", "Seen avg", "Unseen avg", "Average", "Fidelity", *languages, "Runs"]
    lines = []
    for row in rows_done:
        aggregate = aggregate_scorecards([record["scorecard"] for record in records[row.key]])
        lines.append([row.label, _mean_std(aggregate["seen_average"]), _mean_std(aggregate["unseen_average"]),
                      _mean_std(aggregate["average"]), _mean_std(aggregate["fidelity_average"]),
                      *(percent(aggregate["per_language"][lang]["accuracy"]["mean"]) for lang in languages),
                      str(aggregate["n_runs"])])
    return render_table(header, lines, "markdown")


def _paper_key(row: Row) -> str | None:
    """The row's method in paper_results.csv; a router variant has none of its own."""
    return None if row.flags else (row.method or "base")


def _column_label(table: str, backbone: str, benchmark: str, split: str, metric: str) -> str:
    parts = [f"T{table}", "" if backbone == "unspecified" else backbone, benchmark,
             "" if split == "all" else split, metric.replace("_", " ")]
    return " ".join(part for part in parts if part)


def paper_table(table: Table, paper_rows: list[dict]) -> str:
    """The paper's recovered numbers for this table's methods: from this table first,
    then the same methods in the paper's other tables (columns say which, "T1 ...")."""
    from lrpo.evaluation.scorecard import render_table

    keys = {_paper_key(row) for row in table.rows} - {None}
    relevant = sorted((r for r in paper_rows if r["method"] in keys),
                      key=lambda r: (r["table"] != str(table.number), int(r["table"])))
    own = any(r["table"] == str(table.number) for r in relevant)
    note = "" if own else (f"None of the paper's Table {table.number} numbers were recovered; the columns below "
                           "are the same methods in its other tables.\n\n")
    if not relevant:
        return "None of the paper's numbers for these rows were recovered (see benchmarks/paper_results.csv)."
    columns = list(dict.fromkeys((r["table"], r["backbone"], r["benchmark"], r["split"], r["metric"])
                                 for r in relevant))
    values = {(r["method"], (r["table"], r["backbone"], r["benchmark"], r["split"], r["metric"])): r["value"]
              for r in relevant}
    header = ["Method"] + [_column_label(*column) for column in columns]
    lines = [[row.label] + [values.get((_paper_key(row), column), "-") for column in columns]
             for row in table.rows]
    return note + render_table(header, lines, "markdown")


def section_markdown(table: Table, scale: Scale, records: dict[str, list[dict]], command: str, args,
                     wall_seconds: float) -> str:
    from lrpo.manifest import git_commit

    all_records = [record for rows in records.values() for record in rows]
    trained = [record for record in all_records if record["method"] is not None]
    budgets = sorted({record["rollout_budget"] for record in trained if record["rollout_budget"] is not None})
    card = all_records[0]["scorecard"]
    seen = ", ".join(card.get("seen_languages") or [])
    budget_text = ", ".join(str(b) for b in budgets) or "-"
    if len(budgets) > 1:
        budget_text += " (NOT equal across runs)"
    lines = [
        f"<!-- reproduce table {table.number} -->",
        f"## Table {table.number}: {table.title} ({scale.name} scale)",
        "",
        f"Command: `{command}`",
        "",
        f"Model {all_records[0]['model_label']} · task {card['task']} ({card['split']} split, "
        f"{card.get('n_per_language') or 'varying'} questions per language) · preset {scale.preset} · "
        f"seeds {', '.join(str(s) for s in range(args.seeds))} · rollouts per training run: {budget_text} · "
        f"commit {(git_commit() or 'unknown')[:10]} · {time.strftime('%Y-%m-%d')} · "
        f"wall time {wall_seconds / 60:.1f} min (runs taken from the cache cost nothing; the runs themselves "
        f"took {sum(record.get('wall_seconds') or 0 for record in all_records) / 60:.1f} min in all)",
        "",
        results_table(table, records),
        "",
        f"Accuracy (%) per language and averaged over languages, mean ± sample std over seeds. Seen = the "
        f"training languages ({seen}); unseen = the rest. Fidelity = answers in the requested language. The "
        "base model is evaluated once (greedy decoding, nothing trained).",
        "",
        "The paper's numbers for these rows, for orientation only: a different model (Qwen2.5-1.5B-Instruct, "
        "Gemma3-4B; not the tiny model) and different benchmarks (mGSM-v2 and four others; not arith), so "
        "compare which rows come out ahead, not the values. T1/T2 = the paper's table; - = no number "
        "recovered. Source: benchmarks/paper_results.csv.",
        "",
        paper_table(table, load_paper_results()),
        f"<!-- end reproduce table {table.number} -->",
    ]
    return "\n".join(lines)


def write_section(path: Path, number: int, section: str) -> None:
    """Replace table ``number``'s section of the file (other tables' sections stay)."""
    sections = {}
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("<!-- reproduce table ")[1:]:
            table_number = int(chunk.split(" ", 1)[0])
            body = chunk.split("<!-- end reproduce table", 1)[0]
            sections[table_number] = f"<!-- reproduce table {body}<!-- end reproduce table {table_number} -->"
    sections[number] = section
    title = ("# The paper's tables, reproduced by `benchmarks/reproduce.py`\n\n"
             "Generated: do not edit by hand. Each section names the command that wrote it.\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(title + "".join(f"\n{sections[key]}\n" for key in sorted(sections)), encoding="utf-8")


# Command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", type=int, choices=sorted(TABLES), required=True)
    parser.add_argument("--scale", choices=("tiny", "paper"), default="tiny")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per trained row (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help=f"tiny scale: the quick preset and {QUICK_EVAL_LIMIT} test questions per language")
    parser.add_argument("--dry-run", action="store_true", help="validate every row's config and print the plan")
    parser.add_argument("--output", default=None, help="Markdown file (default leaderboards/reproduce_<scale>.md)")
    parser.add_argument("--work-dir", default="runs/reproduce", help="run directories and the cache of results")
    parser.add_argument("--leaderboard-dir", default="leaderboards")
    parser.add_argument("--model", default=None, help="model id or directory instead of the preset's")
    parser.add_argument("--data-dir", default=None, help="benchmark files (paper scale); else $LRPO_DATA_DIR")
    parser.add_argument("--rows", nargs="+", default=None, help="only these rows (keys as in the plan)")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="an LRPOConfig field for every row (part of the configuration hash)")
    parser.add_argument("--accelerate-config", default=DEFAULT_ACCELERATE_CONFIG,
                        help="paper scale: accelerate config of the launch commands")
    return parser


def gpu_available() -> bool:
    import torch

    return torch.cuda.is_available()


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.seeds < 1:
        raise SystemExit("--seeds must be >= 1")
    if args.quick and args.scale == "paper":
        raise SystemExit("--quick is for --scale tiny (the paper scale has one configuration: the paper's)")
    command = "python benchmarks/reproduce.py " + shlex.join(argv)
    table = TABLES[args.table]
    scale = make_scale(args)
    jobs = build_jobs(table, select_rows(table, args.rows), scale, args)

    if scale.name == "paper" and not args.dry_run and not gpu_available():
        print("--scale paper trains Qwen2.5-1.5B-Instruct with vLLM and DeepSpeed on GPUs (the paper's runs "
              "used 8 per job) and this machine has no CUDA GPU. Use --dry-run to validate every row and print "
              "the commands, or run this on a GPU machine.", file=sys.stderr)
        return 2

    parse_job_configs(jobs, validate_only=scale.name == "paper" and args.dry_run)
    model = resolve_model(jobs[0].config, build=not args.dry_run)
    label = None
    if model is not None:
        from lrpo.training.pipeline import model_label

        label = model_label(jobs[0].config, model)
    for job in jobs:
        if job.row.method is None:
            job.command = base_evaluate_command(job.config, model or "<tiny model>", label or "tiny",
                                                job.output_dir)
        elif scale.name == "paper":
            job.command = paper_train_command(job, args.accelerate_config)
        else:
            job.command = tiny_train_command(job)
        if model is not None and not (scale.name == "paper" and args.dry_run):
            job.config_hash = config_hash(job.config, model, evaluation_only=job.row.method is None)

    if args.dry_run:
        print_plan(table, jobs, args, scale, model)
        return 0

    started = time.perf_counter()
    records: dict[str, list[dict]] = {}
    for job in jobs:
        records.setdefault(job.row.key, []).append(run_job(job, model, label, args, table))
    wall = time.perf_counter() - started
    output = Path(args.output or Path(args.leaderboard_dir) / f"reproduce_{scale.name}.md")
    section = section_markdown(table, scale, records, command, args, wall)
    write_section(output, table.number, section)
    print()
    print(section)
    print(f"\nwrote table {table.number} to {output} ({wall / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
