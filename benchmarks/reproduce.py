"""Reproduce the paper's tables with this project's own pipeline, one command per table.

    python benchmarks/reproduce.py --table 2 --scale tiny --quick       # CPU, minutes
    python benchmarks/reproduce.py --table 1 --scale tiny               # CPU, the tiny preset
    python benchmarks/reproduce.py --table 5 --scale paper --backbone qwen2.5-1.5b --dry-run  # the GPU plan
    python benchmarks/reproduce.py --table 2 --scale paper              # on a GPU machine

Tables (rows = methods, as in Guo et al., "Learning to Route Languages for
Multilingual Policy Optimization", ICML 2026, arXiv 2605.25360; the rows are
data in ``benchmarks/paper_tables.py``):
  1  base model, GRPO, LRPO
  2  base model, GRPO, the fixed mixes (input-dominant, English-dominant, uniform), LRPO
  4  LRPO's router variants: the paper's ema-softmax, its two ablations (a
     non-uniform initialisation, ``--router_prior en:4,zh:2``; no annealing,
     ``--router_tau_decay 1 --router_eps_decay 1``), and ours: ucb, exp3, thompson,
     the learning signal, and the center / none normalisations of router rewards
  5  (paper scale, open-ended) base model, warm start, GRPO, LRPO, LRPO-Zero, LRPO-Fixed(-Zero)
  7  (paper scale, open-ended) base model, LRPO with quantile and with mean calibration

Scales (one runner each, ``TinyRunner`` and ``PaperRunner``):
  tiny   the offline ``arith_cot`` world (``--override task=arith``: the null world) and the
         tiny model on a CPU: every row is trained
         with ``lrpo.training.config.parse_config`` (the ``tiny`` preset, or ``quick`` with
         --quick) plus the row's flags and ``--seed``, ``lrpo.training.pipeline.train_method``
         and scored by ``lrpo.training.pipeline.evaluate_model`` (the base model by
         ``lrpo.training.pipeline.base_scorecard``), all in this process. Same rollout budget and
         seeds (0..N-1) for every row; ``--baseline none``, since the table holds GRPO.
  paper  the paper's own setting (``--train-task open_ended``, the default): every
         row of ``OPEN_TABLES`` trained on open-ended data with the ``paper-open``
         preset for ``--backbone`` (qwen2.5-1.5b, llama3.2-1b, gemma3-4b), warm-started
         rows after ``python -m lrpo.warmstart``, and every model scored on the
         paper's five benchmarks: ``benchmarks/paper_scale.py`` (plan, checks of
         extras and data, compute estimate, run) and ``benchmarks/paper_benchmarks.py``.
         ``--train-task mgsm`` is the second configuration, kept as it was: the
         ``paper`` preset (MGSM training set, vLLM, DeepSpeed ZeRO-2), each row the
         printed ``accelerate launch ... -m lrpo.train`` command (``python -m
         lrpo.evaluate`` for the base model), scored on MGSM only, tables 1, 2 and 4.
         Both run as subprocesses on a GPU machine; ``--dry-run`` parses and
         validates every row's config offline, on a CPU, by adding ``--bf16 false
         --use_vllm false`` (the printed commands do not carry them), and prints the plan.

Resumable: every row x seed has a key, ``lrpo.evaluation.run_cache.run_key`` (sha256
of the resolved LRPOConfig minus output and logging fields, plus the model's
identity: a hub id, or a digest of a model directory's files; plus the task's
identity: its parameters and a digest of its data files; the base model's key is
the one the pipeline caches its scorecard under). A finished run is stored as
``<work-dir>/cache/<key>.json``; a row whose key is there is not run again
("cached"), so an interrupted table resumes where it stopped and rows shared by
tables (GRPO, LRPO) are trained once. Results are read from that cache only, not
from the leaderboards. Each run is appended once to the leaderboards
(``lrpo.evaluation.leaderboard.append_scorecard``, run id ``reproduce-<key[:16]>``).

Output: the table (seen / unseen / all-language average, mean +- std over seeds,
fidelity, per-language accuracy) as a section of ``--output`` (one section per
table, the command that produced it in its header), and beside it the paper's
row for each of ours (``Row.paper_method``) for the same backbone, benchmark and
split, from ``benchmarks/paper_results.csv`` (the paper's published cells; see
``benchmarks/paper_numbers.py``). The backbone is the paper's one the model is
(else Qwen2.5-1.5B-Instruct) and the benchmark the one the task is (``mgsm``:
mGSM-v2; else mGSM-v2 too, marked "for orientation only"); where a row's printed
overall cells do not follow from its per-benchmark cells, the recomputed ones are
shown, marked (``lrpo.evaluation.paper``). The dry run prints the same table under
its plan. The rendering is ``lrpo.evaluation.tables.reproduced_table_section``
and ``paper_numbers_table``.

Over 400 lines: the two runners, the planning, running and recording of a table
share one command line; the open-ended paper scale lives in ``paper_scale.py``.
"""

# ruff: noqa: E402  (OMP_NUM_THREADS and the import path are set before torch and this repository load)
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # benchmarks.paper_tables, when run as a script

import argparse
import gc
import hashlib
import json
import math
import multiprocessing
import shlex
import subprocess
import time
from abc import ABC, abstractmethod
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass

from benchmarks import paper_scale
from benchmarks.paper_tables import GRPO, OPEN_TABLES, TABLES, Row, Table, load_paper_results
from lrpo.evaluation.atomic import write_atomically
from lrpo.evaluation.leaderboard import append_scorecard
from lrpo.evaluation.paired import difference_table, evaluation_item_scores
from lrpo.evaluation.paper import paper_setting
from lrpo.evaluation.run_cache import RunCache, run_key
from lrpo.evaluation.tables import paper_numbers_table, percent, replace_section, reproduced_table_section
from lrpo.manifest import git_commit
from lrpo.models.tiny import WORLDS, model_dir, tiny_model_config, world_of
from lrpo.tasks import get_task
from lrpo.training.config import parse_config
from lrpo.training.pipeline import (
    base_scorecard,
    evaluate_model,
    evaluation_settings,
    model_label,
    rollout_budget,
    rollouts_per_step,
    train_method,
)
from lrpo.training.setup import resolve_model, train_languages

# In plain words, what each offline world can and cannot tell, printed under its tables (issue 13,
# acceptance 5). The measured facts they cite are in leaderboards/arith_cot_world.md; each
# table's own rows are read from their paired intervals (lrpo.evaluation.paired.difference_reading).
WORLD_READINGS = {
    "arith_cot": (
        "**What this world can tell.** The response language changes correctness here: the base model "
        "answers the test questions 41 to 83 points better in English than in the question's own language, "
        "in every language but English (`benchmarks/arith_cot_channel.py`; leaderboards/arith_cot_world.md), "
        "and RL moves the model. So rows that send their rollouts to different response languages can come "
        "apart, and a difference whose interval excludes 0 is an effect of where the rollouts went, on this "
        "model. It can tell whether a method spends rollouts where the reward still varies (each language's "
        "own answer format) or where it does not (English, near its ceiling: all-correct groups have zero "
        "advantage), and whether a router finds the high-reward language.\n\n"
        "**What it cannot tell.** Whether a method helps a real LLM (a 1.3M-parameter model trained on one "
        "synthetic task, with an exact-match reward); finer routing among the non-English languages (the "
        "channel matrix has one strong column, English, so beyond \"English first\" a router has nothing to "
        "rank); open-ended answers, the similarity reward and the LLM judge, which it does not exercise; and "
        "differences smaller than the intervals above."),
    "arith": (
        "**The null world: a negative control.** The answer is one language-neutral arithmetic line, so the "
        "response language barely changes correctness (the null world's base model, 200 questions per "
        "language, 48 new tokens: 39.2% average answering in the question's language, 40.1% in English; "
        "`python -m lrpo.evaluate --task arith --limit 200 --max-new-tokens 48 --response-lang same` / `en`). "
        "Rows that differ only in where their rollouts go should not come apart here; a difference that did "
        "would point at a bug in the measurement, not at routing. What it can tell: that RL moves the model at "
        "all (GRPO against the base model). What it cannot: anything about routing."),
}
DEFAULT_ACCELERATE_CONFIG = "configs/accelerate/deepspeed_zero2.yaml"
QUICK_EVAL_LIMIT = 50


@dataclass(frozen=True)
class Job:
    """One run of one row: its parsed config, where it writes, the command it
    stands for, and its cache key (None when it cannot be known yet: the tiny
    model is not built, or the paper configs were parsed with the GPU flags off)."""

    row: Row
    seed: int | None  # None: the base model, evaluated once whatever the seed
    config: object
    output_dir: Path
    command: str
    key: str | None

    @property
    def name(self) -> str:
        return f"{self.row.key} ({'once' if self.seed is None else f'seed {self.seed}'})"


# The two scales


class Runner(ABC):
    """What differs between scales: the preset and flags of every row, how a
    config is parsed, the command a training run stands for, and running a job."""

    scale: str
    preset: str
    flags: tuple[str, ...] = ()

    def __init__(self, args):
        self.args = args

    def parse(self, argv: list[str]):
        return parse_config(argv)

    def keys_known(self) -> bool:
        return True

    def unavailable(self) -> str | None:
        """Why this machine cannot run the rows (None: it can)."""
        return None

    def processes(self) -> int:
        return 1

    @abstractmethod
    def describe(self) -> list[str]:
        """The plan's lines on how rows run at this scale."""

    @abstractmethod
    def train_command(self, argv: list[str], output_dir: Path) -> str:
        """The command line that trains (and scores) a row with ``lrpo.train`` flags ``argv``."""

    @abstractmethod
    def run(self, job: Job, model: str, label: str) -> dict:
        """Run ``job``: {"scorecard", "rollout_budget" (None for the base model), "global_step",
        "item_scores" (``lrpo.evaluation.paired.ITEM_SCORES``: {lang: {item id: score}}, None when the
        evaluation's samples.jsonl is not there)}."""

    def model(self, config) -> str | None:
        """The configured model id or directory, else the tiny model (built now unless
        this is a dry run; then its path only if it is already built)."""
        if config.model:
            return config.model
        if not self.args.dry_run:
            return resolve_model(config)
        path = model_dir(tiny_model_config(config.tiny_model, world_of(config.task)))
        return str(path) if path.is_dir() else None

    def evaluate_command(self, config, model: str, label: str, output_dir: Path) -> str:
        """``python -m lrpo.evaluate`` with the evaluation settings a trained row is scored under."""
        settings = evaluation_settings(config)
        argv = ["python", "-m", "lrpo.evaluate", "--task", config.task, "--model", model, "--model-name", label,
                "--split", settings["split"], "--max-new-tokens", str(settings["max_new_tokens"]),
                "--batch-size", str(settings["batch_size"]), "--cue", settings["cue"],
                "--seen-langs", *settings["seen_languages"], "--output-dir", str(output_dir)]
        if settings["langs"]:
            argv += ["--langs", *settings["langs"]]
        if settings["limit"]:
            argv += ["--limit", str(settings["limit"])]
        if config.data_dir:
            argv += ["--data-dir", config.data_dir]
        return shlex.join(argv)


class TinyRunner(Runner):
    """The tiny (or quick) preset, trained and scored in this process."""

    scale = "tiny"

    def __init__(self, args):
        super().__init__(args)
        self.preset = "quick" if args.quick else "tiny"
        self.flags = ("--save_strategy", "no", "--disable_tqdm", "true")
        if args.quick:
            self.flags += ("--eval_limit", str(QUICK_EVAL_LIMIT))

    def describe(self) -> list[str]:
        return ["run: in this process through lrpo.training.pipeline.train_method / evaluate_model / "
                "base_scorecard (each command below is the equivalent lrpo.train call)"]

    def train_command(self, argv: list[str], output_dir: Path) -> str:
        return "python -m lrpo.train " + shlex.join(argv)

    def run(self, job: Job, model: str, label: str) -> dict:
        """Train and score one row through the pipeline's own functions; the per-item scores are
        read back from the evaluation's samples, kept in the record since run directories may go."""
        from lrpo.models.tiny import default_cache_dir

        config = job.config
        if job.row.method is None:
            card = base_scorecard(config, model, label)
            # base_scorecard evaluates into the base-model cache under this very key (pinned by
            # tests/test_reproduce.py::test_the_pipeline_caches_the_base_model_under_reproduces_key).
            scores = evaluation_item_scores(default_cache_dir() / "base_scorecards" / job.key, card)
            return {"scorecard": card, "rollout_budget": None, "global_step": 0, "item_scores": scores}
        trainer = train_method(config, model)
        budget, steps = rollout_budget(trainer), trainer.state.global_step
        del trainer
        gc.collect()
        card = evaluate_model(config, str(job.output_dir), config.method, job.output_dir / "evaluation", label)
        (job.output_dir / "scorecard.json").write_text(json.dumps(card, indent=2, ensure_ascii=False),
                                                       encoding="utf-8")
        return {"scorecard": card, "rollout_budget": budget, "global_step": steps,
                "item_scores": evaluation_item_scores(job.output_dir / "evaluation", card)}


class PaperRunner(Runner):
    """The paper preset, each row an ``accelerate launch`` subprocess on GPUs."""

    scale = preset = "paper"

    def __init__(self, args):
        if args.quick:
            raise SystemExit("--quick is for --scale tiny (the paper scale has one configuration: the paper's)")
        super().__init__(args)

    def unavailable(self) -> str | None:
        if self.args.dry_run or gpu_available():
            return None
        return ("--scale paper trains Qwen2.5-1.5B-Instruct with vLLM and DeepSpeed on GPUs (the paper's runs "
                "used 8 per job) and this machine has no CUDA GPU. Use --dry-run to validate every row and print "
                "the commands, or run this on a GPU machine.")

    def parse(self, argv: list[str]):
        # A dry run on a CPU validates with what only a GPU machine with vLLM can do without.
        return parse_config([*argv, "--bf16", "false", "--use_vllm", "false"] if self.args.dry_run else argv)

    def keys_known(self) -> bool:
        return not self.args.dry_run  # the configs parsed for validation are not the ones that run

    def processes(self) -> int:
        import yaml

        path = Path(self.args.accelerate_config)
        file = path if path.is_absolute() else REPO_ROOT / path
        processes = (yaml.safe_load(file.read_text()) or {}).get("num_processes") if file.is_file() else None
        return processes or 1

    def describe(self) -> list[str]:
        lines = ["configuration: MGSM-trained (--train-task mgsm), scored on MGSM only; the paper trains on "
                 "open-ended data and scores five benchmarks (--train-task open_ended, the default)",
                 f"launch: accelerate launch --config_file {self.args.accelerate_config} ({self.processes()} "
                 "processes); bf16 and vLLM (colocate) as the preset sets them"]
        if self.args.dry_run:
            lines.append("validation: every row's config was parsed and checked on this CPU with --bf16 false "
                         "--use_vllm false added (no GPU or vLLM here); the commands below do not carry them")
        return lines

    def train_command(self, argv: list[str], output_dir: Path) -> str:
        # The run's own leaderboard rows go beside it; reproduce appends them under the row's name.
        argv = [*argv, "--leaderboard_dir", str(output_dir / "leaderboard")]
        return shlex.join(["accelerate", "launch", "--config_file", self.args.accelerate_config, "-m",
                           "lrpo.train", *argv])

    def run(self, job: Job, model: str, label: str) -> dict:
        """Run the row's printed command; read back the scorecard, the per-item scores (the samples
        of ``lrpo.evaluate`` beside the scorecard, of ``lrpo.train`` in ``evaluation/``) and the
        manifest's budget."""

        print(f"$ {job.command}", flush=True)
        subprocess.run(job.command, shell=True, check=True, cwd=REPO_ROOT)
        card = json.loads((job.output_dir / "scorecard.json").read_text(encoding="utf-8"))
        if job.row.method is None:
            return {"scorecard": card, "rollout_budget": None, "global_step": 0,
                    "item_scores": evaluation_item_scores(job.output_dir, card)}
        manifest = json.loads((job.output_dir / "manifest.json").read_text(encoding="utf-8"))
        return {"scorecard": card, "rollout_budget": manifest.get("rollout_budget"),
                "global_step": manifest.get("global_step"),
                "item_scores": evaluation_item_scores(job.output_dir / "evaluation", card)}


RUNNERS = {"tiny": TinyRunner, "paper": PaperRunner}


# The jobs of a table


def override_flags(overrides) -> list[str]:
    """``KEY=VALUE`` pairs as LRPOConfig flags."""
    flags = []
    for item in overrides or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"--override expects KEY=VALUE, got {item!r}")
        flags += [f"--{name.strip().lstrip('-')}", value]
    return flags


def select_rows(table: Table, keys) -> list[Row]:
    if not keys:
        return list(table.rows)
    known = {row.key: row for row in table.rows}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise SystemExit(f"table {table.number} has no row {', '.join(unknown)}; rows: {', '.join(known)}")
    return [known[key] for key in keys]


def plan_jobs(rows: list[Row], runner: Runner, args) -> tuple[list[Job], str | None, str | None]:
    """The runs of a table's rows (the base model once, every other row once per
    seed), every config parsed and checked, and the model and its leaderboard label
    (None while the tiny model is not built). Run directories are named by preset,
    row and seed (plus a digest of --model, --data-dir and --override when given),
    so different settings never share one."""
    chosen = []
    if args.model:
        chosen += ["--model", args.model]
    if args.data_dir:
        chosen += ["--data_dir", args.data_dir]
    chosen += override_flags(args.override)
    variant = runner.preset + ("-" + hashlib.sha256(json.dumps(chosen).encode()).hexdigest()[:8] if chosen else "")
    work = Path(args.work_dir) / variant
    common = [*runner.flags, "--baseline", "none", *chosen]
    base_argv = ["--config", runner.preset, *common, "--seed", "0"]
    base_config = runner.parse(base_argv)
    model = runner.model(base_config)
    label = model_label(base_config, model) if model else None
    jobs = []
    for row in rows:
        for seed in [None] if row.method is None else range(args.seeds):
            if seed is None:
                output_dir, config = work / "base", base_config
                command = runner.evaluate_command(config, model or "<tiny model>", label or "tiny", output_dir)
            else:
                output_dir = work / row.key / f"seed{seed}"
                argv = ["--config", runner.preset, *row.argv(), *common, "--seed", str(seed),
                        "--output_dir", str(output_dir)]
                config, command = runner.parse(argv), runner.train_command(argv, output_dir)
            key = None
            if model is not None and runner.keys_known():
                key = run_key(config, model, evaluation_settings(config) if seed is None else None)
            jobs.append(Job(row, seed, config, output_dir, command, key))
    return jobs, model, label


# Running and recording


def run_job(job: Job, runner: Runner, cache: RunCache, model: str, label: str, table: Table) -> dict:
    """The job's record: from the cache, or run now and stored; appended to the
    leaderboards unless it is there already."""
    args = runner.args
    record = cache.load(job.key)
    if record is not None:
        print(f"[table {table.number}] {job.name}: cached ({job.key[:12]})", flush=True)
    else:
        print(f"[table {table.number}] {job.name}: running ({job.key[:12]})", flush=True)
        started = time.perf_counter()
        result = runner.run(job, model, label)
        record = {
            "hash": job.key, "row": job.row.key, "label": job.row.label, "method": job.row.method,
            "leaderboard_method": job.row.leaderboard_method, "seed": job.seed, "model": model,
            "model_label": label, "scale": runner.scale, "command": job.command,
            "wall_seconds": round(time.perf_counter() - started, 1), "commit": git_commit(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **result,
        }
        cache.store(job.key, record)
        print(f"[table {table.number}] {job.name}: done in {record['wall_seconds']} s, "
              f"average {percent(record['scorecard'].get('average'))}", flush=True)
    card = {**record["scorecard"], "method": record["leaderboard_method"]}
    # The key is lrpo.train's run key (run_cache.run_key): a row lrpo.train already appended for
    # this very run is recognised by its config_hash and not appended twice.
    if append_scorecard(card, args.leaderboard_dir, run_id=f"reproduce-{record['hash'][:16]}",
                        rollout_budget=record["rollout_budget"], model_label=record["model_label"],
                        skip_existing=True, config_hash=record["hash"]):
        print(f"[table {table.number}] {job.name}: appended to {args.leaderboard_dir}", flush=True)
    return record


def grpo_differences(rows_run, runner: Runner, cache: RunCache, args) -> str:
    """For a table without a GRPO row (Table 4): its rows' paired differences to GRPO's
    runs at the same settings and seeds, read from the cache (Tables 1 and 2 train them;
    nothing is trained here), under a line saying so; else a line naming what to run."""
    grpo_jobs, _, _ = plan_jobs([GRPO], runner, args)
    cached = [cache.load(job.key) if job.key else None for job in grpo_jobs]
    if any(record is None for record in cached):
        found = sum(record is not None for record in cached)
        return (f"GRPO's runs at these settings are not all in the run cache ({found} of {len(cached)} "
                "seeds), so the difference to GRPO is not shown: run Table 1 or 2 with the "
                "same --seeds (and --quick, --model, --override) first; this table then reads them.")
    table = difference_table([(GRPO.label, cached), *rows_run], GRPO.label)
    return ("Against GRPO: its runs at the same settings and seeds, taken from the run cache (Tables 1 and 2 "
            f"train them).\n\n{table}")


def run_jobs(jobs: list[Job], runner: Runner, cache: RunCache, model: str, label: str, table: Table,
             workers: int) -> list[dict]:
    """``run_job`` for every job, in order; with ``workers`` > 1 the jobs run in that many
    spawned processes (one thread each: OMP_NUM_THREADS is 1 here, and inherited), so a
    2-core machine trains two rows at once. Every job is finished (and cached) before a
    failure is raised, so a rerun redoes only the failed ones."""
    if workers <= 1:
        return [run_job(job, runner, cache, model, label, table) for job in jobs]
    context = multiprocessing.get_context("spawn")  # no fork of a process that holds torch threads
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(run_job, job, runner, cache, model, label, table) for job in jobs]
        wait(futures)
    failed = [(job, future.exception()) for job, future in zip(jobs, futures, strict=True) if future.exception()]
    for job, error in failed:
        print(f"[table {table.number}] {job.name}: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
    if failed:
        raise failed[0][1]
    return [future.result() for future in futures]


# The plan


def count_training_questions(config) -> int | None:
    """Training questions of the config, if its data can be read offline (else None)."""
    if config.task not in WORLDS and not (config.data_dir or os.environ.get("LRPO_DATA_DIR")):
        return None
    task = get_task(config.task)
    try:
        return len(task.load(config.train_split, langs=train_languages(config, task), data_dir=config.data_dir,
                             limit=config.train_limit))
    except (OSError, ValueError) as error:
        print(f"(could not count training questions: {error})")
        return None


def expected_budget(config, processes: int) -> str:
    """The rollouts a run will generate, as the pipeline counts them (per step x steps)."""
    per_step = rollouts_per_step(config, processes)
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


def print_plan(table: Table, jobs: list[Job], runner: Runner, cache: RunCache, model: str | None) -> None:
    args, first = runner.args, jobs[0].config
    print(f"Reproduction plan: table {table.number} ({table.title}), {runner.scale} scale")
    print(f"preset: {runner.preset} (model {first.model or 'tiny (built on first use)'}, task {first.task}, "
          f"evaluation split {first.eval_split}, eval limit {first.eval_limit or 'all'} per language)")
    print("\n".join(runner.describe()))
    print(f"seeds: {' '.join(str(seed) for seed in range(args.seeds))} (the base model is evaluated once)")
    print(f"rollout budget: {expected_budget(first, runner.processes())}")
    print(f"cache: {cache.directory}; leaderboards: {args.leaderboard_dir}")
    for row in dict.fromkeys(job.row for job in jobs):
        flags = " ".join(f"--{name} {value}" for name, value in row.flags) or "none"
        print(f"\nrow {row.key} ({row.label}): "
              + ("evaluation only, once" if row.method is None else f"method {row.method}, overrides: {flags}"))
        for job in (job for job in jobs if job.row == row):
            status = ""
            if job.key:
                status = f"{' [cached]' if cache.load(job.key) else ' [to run]'} hash {job.key[:12]}"
            print(f"  {'' if job.seed is None else f'seed {job.seed}: '}{job.command}{status}")
    if model is None:
        print("\n(the tiny model is not built yet: hashes are computed when it is)")


def paper_table(table: Table, config, model: str | None) -> str:
    """The paper's rows beside the table's (Markdown), for the backbone and benchmark of ``config``."""
    backbone, benchmark, same = paper_setting(config.model or model, config.task)
    return paper_numbers_table(table.number, [(row.label, row.paper_method) for row in table.rows],
                               load_paper_results(), backbone, benchmark, same)


# Command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", type=int, choices=sorted(set(TABLES) | set(OPEN_TABLES)), required=True)
    parser.add_argument("--scale", choices=list(RUNNERS), default="tiny")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per trained row (default 3)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="tiny scale: runs at once, each in its own process with one thread (default 1; "
                             "2 on a 2-core machine halves a table's wall time)")
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
    paper_scale.add_arguments(parser)
    return parser


def gpu_available() -> bool:
    import torch

    return torch.cuda.is_available()


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.seeds < 1:
        raise SystemExit("--seeds must be >= 1")
    if args.jobs < 1 or (args.jobs > 1 and args.scale != "tiny"):
        raise SystemExit("--jobs must be >= 1, and above 1 only at --scale tiny (the paper scale launches "
                         "accelerate itself)")
    if args.scale == "paper" and (args.train_task or "open_ended") == "open_ended":
        return paper_scale.main(args, args.table, args.rows, override_flags(args.override),
                                RunCache(Path(args.work_dir) / "cache"),
                                "python benchmarks/reproduce.py " + shlex.join(argv), gpu_available)
    if args.scale != "paper" and (args.backbone or args.train_task):
        raise SystemExit("--backbone and --train-task are for --scale paper (the tiny scale trains the tiny "
                         "model)")
    if args.table not in TABLES:
        raise SystemExit(f"table {args.table} is run at --scale paper on open-ended data only (--train-task "
                         "open_ended): it needs the warm start or the similarity reward's calibration")
    if args.backbone and not args.model:
        args.model = paper_scale.BACKBONES[args.backbone].hub_id
    runner = RUNNERS[args.scale](args)
    table = TABLES[args.table]
    rows = select_rows(table, args.rows)
    if reason := runner.unavailable():
        print(reason, file=sys.stderr)
        return 2
    jobs, model, label = plan_jobs(rows, runner, args)
    cache = RunCache(Path(args.work_dir) / "cache")
    paper = paper_table(table, jobs[0].config, model)
    if args.dry_run:
        print_plan(table, jobs, runner, cache, model)
        print(f"\nThe paper's numbers for these rows:\n\n{paper}")
        return 0

    started = time.perf_counter()
    records: dict[str, list[dict]] = {}
    for job, record in zip(jobs, run_jobs(jobs, runner, cache, model, label, table, args.jobs), strict=True):
        records.setdefault(job.row.key, []).append(record)
    wall = time.perf_counter() - started
    command = "python benchmarks/reproduce.py " + shlex.join(argv)

    rows_run = [(row.label, records[row.key]) for row in table.rows if records.get(row.key)]
    # Each row against GRPO; a table without GRPO (4, the router's variants) against its first row, the
    # paper's router that every other row varies, and against GRPO's runs if Table 1 or 2 left them in the
    # cache. Left out when that row was not run (--rows).
    reference = next((row for row in table.rows if row.key == "grpo"), table.rows[0])
    differences = difference_table(rows_run, reference.label)
    if reference.key != "grpo":
        differences = "\n\n".join(filter(None, [differences, grpo_differences(rows_run, runner, cache, args)]))
    section = reproduced_table_section(table.number, table.title, runner.scale, runner.preset, command,
                                       range(args.seeds), rows_run, paper, wall, differences or None,
                                       WORLD_READINGS.get(jobs[0].config.task) if runner.scale == "tiny" else None)
    output = Path(args.output or Path(args.leaderboard_dir) / f"reproduce_{runner.scale}.md")
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output, replace_section(output.read_text(encoding="utf-8") if output.is_file() else "",
                                             table.number, section))
    print()
    print(section)
    print(f"\nwrote table {table.number} to {output} ({wall / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
