"""benchmarks/reproduce.py and the paper's numbers it prints beside its tables.

The tables themselves take minutes to hours; here the plans, the run key
(``lrpo.evaluation.run_cache``) and the cache are checked, with one real micro run
(one training step on a random tiny model) to show that a finished row is taken
from the cache.
"""

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lrpo.evaluation.leaderboard import read_rows
from lrpo.evaluation.lm_eval_import import language_averages
from lrpo.evaluation.run_cache import run_key
from lrpo.evaluation.tables import replace_section
from lrpo.leaderboard import main as leaderboard_main
from lrpo.tasks import get_task
from lrpo.training import pipeline
from lrpo.training.config import parse_config
from tests.test_lm_eval_import import global_mmlu_results, include_results
from tests.tiny_model import build_random_tiny_model

REPO_ROOT = Path(__file__).resolve().parent.parent
OFFLINE = {"OMP_NUM_THREADS": "1", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}

EXPECTED_ROWS = {
    1: ["base", "grpo", "lrpo"],
    2: ["base", "grpo", "input-dominant", "en-dominant", "uniform", "lrpo"],
    4: ["lrpo", "non-uniform-init", "no-annealing", "ucb", "exp3", "thompson", "learning-signal", "center",
        "no-normalization"],
}


def _load_reproduce():
    spec = importlib.util.spec_from_file_location("reproduce", REPO_ROOT / "benchmarks" / "reproduce.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


reproduce = _load_reproduce()


@pytest.fixture(scope="module")
def random_model(tmp_path_factory) -> str:
    arith = get_task("arith")
    corpus = [message["content"] for example in arith.load("train", limit=20) for message in arith.prompt(example)]
    return str(build_random_tiny_model(tmp_path_factory.mktemp("model"), corpus))


# The paper's numbers beside ours (the numbers and rules themselves: tests/test_paper_numbers.py)


def test_every_paper_method_a_row_names_is_in_the_papers_tables():
    methods = {(int(r["table"]), r["method"]) for r in reproduce.load_paper_results()}
    for table in [*reproduce.TABLES.values(), *reproduce.OPEN_TABLES.values()]:
        for row in table.rows:
            if row.paper_method is not None:
                assert (table.number, row.paper_method) in methods or (1, row.paper_method) in methods, row


def test_a_table_section_replaces_its_own_and_keeps_the_others_in_order():
    def section(number: int, body: str) -> str:
        return f"<!-- reproduce table {number} -->\n{body}\n<!-- end reproduce table {number} -->"

    text = replace_section("", 4, section(4, "four"))
    text = replace_section(text, 1, section(1, "one"))
    text = replace_section(text, 4, section(4, "four again"))
    assert text.startswith("# The paper's tables")
    assert text.index("one") < text.index("four again") and "four\n" not in text


# Plans


@pytest.mark.parametrize("number", sorted(EXPECTED_ROWS))
def test_each_table_plans_the_papers_rows(number):
    assert [row.key for row in reproduce.TABLES[number].rows] == EXPECTED_ROWS[number]


def test_router_variants_are_listed_apart_on_the_leaderboard():
    methods = [row.leaderboard_method for row in reproduce.TABLES[4].rows]
    assert methods[0] == "lrpo" and len(set(methods)) == len(methods)
    assert "lrpo[router_algorithm=ucb]" in methods


def test_mgsm_trained_dry_run_runs_offline_and_names_every_row():
    done = subprocess.run([sys.executable, "benchmarks/reproduce.py", "--table", "2", "--scale", "paper",
                           "--train-task", "mgsm", "--dry-run"], capture_output=True, text=True, cwd=REPO_ROOT,
                          env={**os.environ, **OFFLINE}, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    plan = done.stdout
    for key in EXPECTED_ROWS[2]:
        assert f"\nrow {key} (" in plan, key
    assert "--bf16 false --use_vllm false" in plan
    launches = [line for line in plan.splitlines() if "accelerate launch" in line and "seed " in line]
    assert len(launches) == 5 * 3  # five trained rows x three seeds
    assert all("--config paper" in line and "--bf16" not in line for line in launches)
    assert "python -m lrpo.evaluate --task mgsm --model Qwen/Qwen2.5-1.5B-Instruct" in plan
    assert "2048 rollouts per step" in plan


@pytest.mark.parametrize("number", [1, 4])
def test_mgsm_trained_dry_run_of_the_other_tables(number, capsys):
    assert reproduce.main(["--table", str(number), "--scale", "paper", "--train-task", "mgsm", "--dry-run",
                           "--seeds", "1"]) == 0
    plan = capsys.readouterr().out
    for key in EXPECTED_ROWS[number]:
        assert f"\nrow {key} (" in plan, key
    if number == 4:
        assert "--router_algorithm thompson" in plan and "--router_normalization none" in plan
        # The paper's two ablations, and its numbers for them beside the plan.
        assert "--router_prior en:4,zh:2 --baseline none" in plan
        assert "--router_tau_decay 1 --router_eps_decay 1" in plan
        assert "| LRPO, no annealing (tau, eps fixed) | W.o. annealing (T4) | 51.03 | 12.30 | 36.95 |" in plan
    else:
        assert "| Base model | Vanilla (T1) |" in plan and "| LRPO | LRPO (T1) | 52.51 |" in plan
    assert "orientation only" not in plan  # Qwen2.5-1.5B on MGSM: the paper's backbone and benchmark


def test_tiny_dry_run_of_table_4_validates_the_ablations(capsys):
    """The prior's languages and the decay factors of 1 pass the tiny preset's checks too."""
    assert reproduce.main(["--table", "4", "--scale", "tiny", "--dry-run", "--seeds", "1",
                           "--rows", "non-uniform-init", "no-annealing"]) == 0
    plan = capsys.readouterr().out
    assert "overrides: --router_prior en:4,zh:2" in plan and "orientation only" in plan


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message of a machine without a GPU")
def test_paper_scale_without_a_gpu_says_so(capsys):
    assert reproduce.main(["--table", "1", "--scale", "paper"]) == 2
    assert "no CUDA GPU" in capsys.readouterr().err


# The paper scale on open-ended data (benchmarks/paper_scale.py): every table and backbone

OPEN_ROWS = {
    1: ["base", "grpo", "lrpo"],
    2: ["base", "grpo", "input-dominant", "en-dominant", "uniform", "lrpo"],
    4: EXPECTED_ROWS[4],
    5: ["base", "warm-start", "grpo", "lrpo", "lrpo-zero", "input-dominant", "input-dominant-zero"],
    7: ["base", "quantile", "lrpo"],
}
BENCHMARK_LINES = ("care: python -m lrpo.judge", "care_pro: python -m lrpo.judge",
                   "mgsm_v2: python -m lrpo.evaluation.lm_eval_tasks.cli", "global_mmlu_lite: python -m lm_eval",
                   "include_lite: python -m lm_eval")
# (table, backbone) -> a cell of the paper's that the plan must print: Table 1 for every backbone, the others for
# Qwen2.5-1.5B only (the paper runs them on it alone).
PAPER_CELLS = {(1, "qwen2.5-1.5b"): "| 52.51 |", (1, "llama3.2-1b"): "| 22.29 |", (1, "gemma3-4b"): "| 46.89 |",
               (2, "qwen2.5-1.5b"): "| 31.89 |", (4, "qwen2.5-1.5b"): "| 31.48 |",
               (5, "qwen2.5-1.5b"): "| 30.44 |", (7, "qwen2.5-1.5b"): "| 31.92 |"}


def test_open_tables_hold_the_papers_rows():
    tables = reproduce.OPEN_TABLES
    assert {number: [row.key for row in table.rows] for number, table in tables.items()} == OPEN_ROWS
    # The rows the paper warm-starts (its Table 1 LRPO is Table 5's warm-started one; Table 2's input-dominant
    # mix is Table 5's LRPO-Fixed), and the ones it does not.
    warm = {(number, row.key) for number, table in reproduce.OPEN_TABLES.items() for row in table.rows
            if row.warm_start}
    assert {(1, "lrpo"), (2, "input-dominant"), (4, "no-annealing"), (5, "warm-start"), (5, "input-dominant"),
            (7, "quantile"), (7, "lrpo")} <= warm
    assert not warm & {(1, "grpo"), (5, "lrpo-zero"), (5, "input-dominant-zero"), (5, "base")}
    # A run shared by two tables is one run (same key, method, flags and start): trained once.
    mix, fixed = tables[2].rows[2], tables[5].rows[5]
    assert (mix.key, mix.argv(), mix.warm_start) == (fixed.key, fixed.argv(), fixed.warm_start)
    assert (mix.paper_method, fixed.paper_method) == ("Input-dominant", "LRPO-Fixed")


@pytest.mark.parametrize("backbone", ["qwen2.5-1.5b", "llama3.2-1b", "gemma3-4b"])
@pytest.mark.parametrize("number", sorted(OPEN_ROWS))
def test_open_ended_dry_run_of_every_table_and_backbone(number, backbone, capsys, monkeypatch):
    monkeypatch.delenv("LRPO_DATA_DIR", raising=False)
    assert reproduce.main(["--table", str(number), "--scale", "paper", "--backbone", backbone, "--dry-run",
                           "--seeds", "2"]) == 0
    plan = capsys.readouterr().out
    hub_id = reproduce.paper_scale.BACKBONES[backbone].hub_id
    table = reproduce.OPEN_TABLES[number]
    for row in table.rows:
        assert f"\nrow {row.key} (" in plan, row.key
    launches = [line for line in plan.splitlines() if line.startswith("  seed ")]
    assert len(launches) == 2 * sum(row.method is not None for row in table.rows)
    assert all("-m lrpo.train --config paper-open" in line and "--bf16" not in line for line in launches)
    warm_launches = [line for line in launches if "--language_cue tag" in line]
    assert all("/warmstart-" in line for line in warm_launches)
    assert len(warm_launches) == 2 * sum(row.warm_start and row.method is not None for row in table.rows)
    assert ("python -m lrpo.warmstart --model " + hub_id in plan) == any(row.warm_start for row in table.rows)
    # Every model evaluated once on each of the five benchmarks.
    models = len(launches) + sum(row.method is None for row in table.rows)
    for line in BENCHMARK_LINES:
        assert sum(text.strip().startswith(line) for text in plan.splitlines()) == models, line
    assert (f"pretrained={hub_id}," in plan) == (table.rows[0].key == "base")  # Table 4 has no base row
    assert "--seen-languages ar de en es fr id it ja ko nl pl pt ru vi zh" in plan
    # Checks and the compute plan.
    assert "missing extras: " in plan and "missing data: training records" in plan
    assert "GPU-hours:" in plan and "ASSUMED, not measured" in plan
    if number == 7:
        assert "missing data: quantile calibration table" in plan and "python -m lrpo.calibrate" in plan
    # The paper's numbers for the rows; tables 2, 4, 5, 7 exist for Qwen2.5-1.5B only.
    expected = PAPER_CELLS.get((number, backbone))
    if expected:
        assert expected in plan
    if backbone != "qwen2.5-1.5b" and number != 1:
        assert "paper: not reported" in plan
    if number == 1:
        assert "DPO, LIDR, MAPO, MPO" in plan


def test_the_compute_plan_counts_runs_rollouts_and_gpu_hours(capsys, monkeypatch):
    monkeypatch.delenv("LRPO_DATA_DIR", raising=False)
    assert reproduce.main(["--table", "1", "--scale", "paper", "--dry-run", "--tokens-per-second", "10000"]) == 0
    plan = capsys.readouterr().out
    # Two trained rows x 3 seeds; 4 epochs x ceil(4,885 questions / 256 per step) steps of 2,048 rollouts.
    assert "training runs: 6 (2 rows x 3 seeds) + 1 warm start (SFT)" in plan
    assert "= 163,840 per run, 983,040 in all" in plan
    tokens = 983_040 * (256 + 512)
    assert f"tokens: {tokens:,}" in plan
    assert f"GPU-hours: {tokens / 10_000 / 3600:,.1f} for training" in plan
    # With a training file its questions are counted (the fixture's 5, in the languages it has).
    fixture = REPO_ROOT / "tests" / "fixtures" / "open_ended"
    assert reproduce.main(["--table", "1", "--scale", "paper", "--dry-run", "--seeds", "1", "--data-dir",
                           str(fixture), "--override", "train_languages=ar,ko,it,pt,ru"]) == 0
    plan = capsys.readouterr().out
    assert f"x 4 steps (4 epochs over 5 questions, counted in {fixture}/open_ended/train.jsonl)" in plan
    assert "missing data: training records" not in plan


def test_a_dry_run_lists_and_strict_fails_on_what_is_missing(capsys, monkeypatch):
    monkeypatch.delenv("LRPO_DATA_DIR", raising=False)
    argv = ["--table", "1", "--scale", "paper", "--dry-run", "--seeds", "1", "--rows", "base"]
    assert reproduce.main(argv) == 0
    assert reproduce.main([*argv, "--strict"]) == 1
    monkeypatch.setattr(reproduce.paper_scale, "find_spec", lambda name: None)
    assert reproduce.main([*argv, "--override", "report_to=tensorboard"]) == 0
    plan = capsys.readouterr().out
    assert "missing extras: lm_eval, openai, vllm;" in plan  # the base row trains nothing: no deepspeed
    assert reproduce.main([*argv[:-1], "grpo", "--override", "report_to=tensorboard"]) == 0
    plan = capsys.readouterr().out
    assert "missing extras: deepspeed, lm_eval, openai, tensorboard, vllm;" in plan
    assert "missing extra: tensorboard (for training (report_to)): pip install 'lrpo[tracking]'" in plan


def _open_ended_setup(tmp_path: Path) -> list[str]:
    """A data directory and files for a paper-scale run on a CPU (the GPU flags off)."""
    data = tmp_path / "data"
    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "open_ended" / "open_ended", data / "open_ended")
    (data / "open_ended" / "warmstart.jsonl").write_text('{"messages": []}\n', encoding="utf-8")
    records = str(data / "open_ended" / "test.jsonl")
    return ["--scale", "paper", "--seeds", "1", "--data-dir", str(data), "--care-file", records,
            "--care-pro-file", records, "--judge-endpoint", "http://localhost:1/v1", "--judge-model", "judge",
            "--override", "bf16=false", "--override", "use_vllm=false", "--work-dir", str(tmp_path / "work"),
            "--leaderboard-dir", str(tmp_path / "boards")]


class FakeGPU:
    """Stands in for the GPU machine: each printed command writes what the real one writes
    (the warm start's model, a training run's manifest, lm-eval's results_*.json, the judge's
    scorecard); import-lm-eval runs for real."""

    def __init__(self):
        self.commands = []

    def __call__(self, command: str) -> None:
        self.commands.append(command)
        argv = shlex.split(command)

        def value(flag):
            return argv[argv.index(flag) + 1]

        if "lrpo.warmstart" in argv:
            Path(value("--output-dir")).mkdir(parents=True)
            (Path(value("--output-dir")) / "config.json").write_text("{}")
        elif "lrpo.train" in argv:
            Path(value("--output_dir")).mkdir(parents=True, exist_ok=True)
            (Path(value("--output_dir")) / "manifest.json").write_text(
                json.dumps({"rollout_budget": 4096, "global_step": 2}))
        elif "lrpo.judge" in argv:
            languages = ("ar", "en", "ja", "zh") if value("--protocol") == "care" else ("zh", "es")
            per_language = {code: {"accuracy": 0.5, "fidelity": 1.0, "n": 2} for code in languages}
            seen = argv[argv.index("--seen-languages") + 1:argv.index("--output-dir")]
            # As lrpo.evaluation.judge.judged_scorecard names a judge's scores.
            card = {"task": "open_ended", "split": "test", "model": value("--model"), "method": None, "seed": 0,
                    "metric": f"judge:{value('--protocol')}", "per_language": per_language,
                    "metric_kind": "continuous" if value("--protocol") == "care" else "binary",
                    **language_averages(per_language, seen)}
            Path(value("--output-dir")).mkdir(parents=True, exist_ok=True)
            (Path(value("--output-dir")) / "scorecard.json").write_text(json.dumps(card))
        elif "import-lm-eval" in argv:
            assert leaderboard_main(argv[argv.index("import-lm-eval"):]) == 0
        elif value("--tasks") == "lrpo_mgsm":
            codes = ("bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh")
            results = {"results": {f"lrpo_mgsm_{code}": {"accuracy,none": 0.05 * (i + 1)}
                                   for i, code in enumerate(codes)},
                       "n-samples": {f"lrpo_mgsm_{code}": {"effective": 250} for code in codes}}
            self._write(value("--output_path"), results)
        elif value("--tasks").startswith("global_mmlu_"):
            self._write(value("--output_path"), global_mmlu_results())
        elif value("--tasks").startswith("include_base_44_"):
            self._write(value("--output_path"), include_results())
        else:
            raise AssertionError(f"a command the plan should not have: {command}")

    @staticmethod
    def _write(directory: str, results: dict) -> None:
        path = Path(directory) / "model" / "results_2026-01-01T00-00-00.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results))


def test_a_paper_run_executes_the_plan_and_tables_the_five_benchmarks(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("LRPO_DATA_DIR", raising=False)
    fake = FakeGPU()
    monkeypatch.setattr(reproduce.paper_scale, "execute", fake)
    monkeypatch.setattr(reproduce.paper_scale, "find_spec", lambda name: object())  # every extra installed
    monkeypatch.setattr(reproduce, "gpu_available", lambda: True)
    argv = ["--table", "5", "--rows", "base", "warm-start", "lrpo", *_open_ended_setup(tmp_path)]
    assert reproduce.main(argv) == 0
    first = capsys.readouterr().out
    # The warm start first; the trained row starts from it; each of three models scored on five benchmarks.
    assert "lrpo.warmstart" in fake.commands[0]
    trains = [command for command in fake.commands if "lrpo.train" in command]
    assert len(trains) == 1 and "/warmstart-" in trains[0] and "--language_cue tag" in trains[0]
    assert sum("lrpo.judge" in command for command in fake.commands) == 2 * 3
    assert sum("import-lm-eval" in command for command in fake.commands) == 3 * 3
    # The leaderboards: one per benchmark, every model under its row's method.
    boards = tmp_path / "boards"
    methods = {row["method"] for row in read_rows(boards / "include_base_44.csv")}
    assert methods == {"base", "warm-start", "lrpo[warm-start,language_cue=tag]"}
    assert {row["rollout_budget"] for row in read_rows(boards / "care.csv")} == {None, 4096}
    # The section: ours beside the paper's. mGSM: 5% .. 55% in bn de en es fr ja ru sw te th zh, so seen
    # (de en es fr ja ru zh) 27.14, unseen (bn sw te th) 35.00, the average of all 11 30.00.
    written = (boards / "reproduce_paper_open_qwen2.5-1.5b.md").read_text(encoding="utf-8")
    assert "## Table 5" in written and "| ours (1 run) |" in written and "paper: LRPO (T5)" in written
    assert "| 27.14 | 35.00 | 30.00 |" in written and "| 37.94 |" in written
    # CARE-pro has no Hindi here: no unseen side, so neither its average nor the overall unseen and average.
    assert "| Base model | ours (1 run) | 50.00 | 50.00 | - | - |" in written
    assert "| 44.28 | - | - |" in written
    assert "running" in first
    # Again: every model from the cache, nothing executed, nothing appended twice.
    fake.commands.clear()
    rows = len(read_rows(boards / "care.csv"))
    assert reproduce.main(argv) == 0
    assert fake.commands == [] and "running" not in capsys.readouterr().out
    assert len(read_rows(boards / "care.csv")) == rows


def test_a_paper_run_refuses_to_start_without_its_extras(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("LRPO_DATA_DIR", raising=False)
    monkeypatch.setattr(reproduce.paper_scale, "find_spec", lambda name: None if name == "vllm" else object())
    monkeypatch.setattr(reproduce, "gpu_available", lambda: True)
    monkeypatch.setattr(reproduce.paper_scale, "execute", lambda command: pytest.fail(f"ran {command}"))
    assert reproduce.main(["--table", "1", "--rows", "base", *_open_ended_setup(tmp_path)]) == 2
    assert "missing extra: vllm: pip install 'lrpo[vllm]'" in capsys.readouterr().err


# The run key and the cache


def _config(model: str, *flags: str):
    return parse_config(["--config", "quick", "--method", "lrpo", "--model", model, *flags])


def _base_key(config, model: str) -> str:
    return run_key(config, model, pipeline.evaluation_settings(config))


def test_run_key_is_stable_and_follows_what_changes_the_result(random_model, tmp_path):
    base = run_key(_config(random_model, "--output_dir", "a"), random_model)
    assert run_key(_config(random_model, "--output_dir", "a"), random_model) == base
    # Where a run writes and how it logs do not change what it computes.
    assert run_key(_config(random_model, "--output_dir", "b", "--logging_steps", "7"), random_model) == base
    for flags in (("--learning_rate", "3e-5"), ("--seed", "1"), ("--router_algorithm", "ucb"),
                  ("--eval_limit", "7")):
        assert run_key(_config(random_model, "--output_dir", "a", *flags), random_model) != base
    # The model enters by its files, not by its path.
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in Path(random_model).iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    assert run_key(_config(random_model, "--output_dir", "a"), str(copy)) == base
    # Any change to its files is another model.
    (copy / "config.json").write_text((copy / "config.json").read_text() + "\n")
    assert run_key(_config(random_model, "--output_dir", "a"), str(copy)) != base


def test_data_directory_enters_the_hash_only_of_tasks_that_read_it(random_model, data_dir, tmp_path,
                                                                   monkeypatch):
    for task, reads in (("arith", False), ("mgsm", True)):
        monkeypatch.delenv("LRPO_DATA_DIR", raising=False)
        config = _config(random_model, "--task", task, "--train_languages", "en", "--output_dir", "a")
        without = run_key(config, random_model)
        monkeypatch.setenv("LRPO_DATA_DIR", str(data_dir))
        assert (run_key(config, random_model) != without) is reads
    # The tiny model's name does not enter either: the model's files do.
    smoke = _config(random_model, "--output_dir", "a", "--tiny_model", "smoke")
    assert run_key(smoke, random_model) == run_key(_config(random_model, "--output_dir", "a"), random_model)


def test_base_evaluation_key_ignores_training_fields(random_model):
    config = _config(random_model, "--output_dir", "a")
    other = _config(random_model, "--output_dir", "a", "--learning_rate", "3e-5", "--method", "grpo")
    assert _base_key(config, random_model) == _base_key(other, random_model)
    assert _base_key(config, random_model) != run_key(config, random_model)


def test_the_pipeline_caches_the_base_model_under_reproduces_key(random_model, tmp_path, monkeypatch):
    """One recipe: the base row of a table and ``pipeline.base_scorecard`` key the
    same config and model alike, so their caches cannot disagree."""
    monkeypatch.setenv("LRPO_CACHE_DIR", str(tmp_path / "lrpo-cache"))
    args = reproduce.build_parser().parse_args(["--table", "1", "--quick", "--model", random_model,
                                                "--work-dir", str(tmp_path / "work")])
    jobs, model, label = reproduce.plan_jobs(list(reproduce.TABLES[1].rows), reproduce.TinyRunner(args), args)
    base = next(job for job in jobs if job.row.method is None)
    scored_into = []

    def evaluate_model(config, model, method, output_dir, label):  # where the real one would write
        scored_into.append(Path(output_dir))
        return {"model": label}

    monkeypatch.setattr(pipeline, "evaluate_model", evaluate_model)
    pipeline.base_scorecard(base.config, model, label)
    assert scored_into == [tmp_path / "lrpo-cache" / "base_scorecards" / base.key]
    assert len({job.key for job in jobs}) == len(jobs)  # and every trained run has a key of its own


def test_a_finished_row_is_taken_from_the_cache(random_model, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LRPO_CACHE_DIR", str(tmp_path / "lrpo-cache"))
    output, leaderboards = tmp_path / "reproduce.md", tmp_path / "leaderboards"
    argv = ["--table", "1", "--scale", "tiny", "--quick", "--model", random_model, "--seeds", "1",
            "--rows", "base", "grpo", "--override", "max_steps=1", "--override", "eval_limit=1",
            "--work-dir", str(tmp_path / "work"), "--output", str(output), "--leaderboard-dir", str(leaderboards)]
    assert reproduce.main(argv) == 0
    first = capsys.readouterr().out
    assert "base (once): running" in first and "grpo (seed 0): running" in first
    cached = sorted((tmp_path / "work" / "cache").glob("*.json"))
    assert len(cached) == 2
    # The base row went through the pipeline's base-model cache, under the same key.
    assert all((tmp_path / "lrpo-cache" / "base_scorecards" / path.stem / "scorecard.json").is_file()
               == ('"row": "base"' in path.read_text()) for path in cached)
    written = output.read_text(encoding="utf-8")
    assert "## Table 1" in written and "python benchmarks/reproduce.py --table 1" in written
    assert "| GRPO |" in written and "| Base model |" in written
    # Each record keeps its per-item scores (one question per language here), those its scorecard averages,
    # and the table pairs the base model with GRPO on them.
    for path in cached:
        record = json.loads(path.read_text(encoding="utf-8"))
        per_language = record["scorecard"]["per_language"]
        assert {lang: list(scores.values()) for lang, scores in record["item_scores"].items()} == {
            lang: [stats["accuracy"]] for lang, stats in per_language.items()}
    assert "| Method | Δ seen vs GRPO (95% CI) | Δ average vs GRPO (95% CI) |" in written
    assert re.search(r"\| Base model \| [+-]\d+\.\d \[[+-]\d+\.\d, [+-]\d+\.\d\] \| [+-]\d", written)
    # In plain words: each row read from its interval, and what the world (the quick preset's arith_cot) can tell.
    assert "Read against GRPO (seen average, 95% intervals above):" in written and "- **Base model** " in written
    assert reproduce.WORLD_READINGS["arith_cot"] in written
    (board,) = leaderboards.glob("*.csv")  # the quick preset's task's
    rows_before = board.read_text(encoding="utf-8")

    # A record cached before per-item scores were kept: the table says so instead of failing.
    base_record = next(path for path in cached if '"row": "base"' in path.read_text())
    base_record.write_text(json.dumps({key: value for key, value in json.loads(base_record.read_text()).items()
                                       if key != "item_scores"}), encoding="utf-8")
    assert reproduce.main(argv) == 0
    second = capsys.readouterr().out
    assert "base (once): cached" in second and "grpo (seed 0): cached" in second
    assert "running" not in second
    assert "| Base model | – | – |" in output.read_text(encoding="utf-8")
    # Each run is on the leaderboard once, however often the table is rebuilt.
    assert board.read_text(encoding="utf-8") == rows_before


def test_table_4_reads_grpos_runs_from_the_cache_for_the_difference_to_grpo(random_model, tmp_path, capsys,
                                                                              monkeypatch):
    monkeypatch.setenv("LRPO_CACHE_DIR", str(tmp_path / "lrpo-cache"))
    output = tmp_path / "reproduce.md"
    common = ["--scale", "tiny", "--quick", "--model", random_model, "--seeds", "1", "--override", "max_steps=1",
              "--override", "eval_limit=1", "--work-dir", str(tmp_path / "work"), "--output", str(output),
              "--leaderboard-dir", str(tmp_path / "leaderboards")]
    table_4 = ["--table", "4", "--rows", "lrpo", "ucb", *common]
    assert reproduce.main(table_4) == 0
    written = output.read_text(encoding="utf-8")
    assert "| LRPO, UCB router | " in written
    assert "Δ seen vs LRPO, ema-softmax router (paper) (95% CI)" in written  # the ablation's own reference
    assert "GRPO's runs at these settings are not all in the run cache (0 of 1 seeds)" in written
    assert "Δ seen vs GRPO" not in written

    assert reproduce.main(["--table", "1", "--rows", "grpo", *common]) == 0
    capsys.readouterr()
    assert reproduce.main(table_4) == 0
    assert "running" not in capsys.readouterr().out  # Table 4's runs cached, GRPO's only read
    written = output.read_text(encoding="utf-8")
    table_4_section = written[written.index("## Table 4"):]
    against_grpo = table_4_section[table_4_section.index("Against GRPO: its runs at the same settings and seeds, "
                                                         "taken from the run cache"):]
    assert against_grpo.startswith("Against GRPO") and "<!-- end reproduce table 4 -->" in against_grpo
    assert "| Method | Δ seen vs GRPO (95% CI) | Δ average vs GRPO (95% CI) |" in against_grpo
    for label in ("LRPO, ema-softmax router (paper)", "LRPO, UCB router"):  # both rows, against GRPO
        assert re.search(rf"\| {re.escape(label)} \| [+-]\d+\.\d \[[+-]\d+\.\d, [+-]\d+\.\d\] \|", against_grpo)
    assert "not all in the run cache" not in table_4_section
