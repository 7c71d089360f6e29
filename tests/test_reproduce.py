"""benchmarks/reproduce.py and the paper's numbers it prints beside its tables.

The tables themselves take minutes to hours; here the plans, the run key
(``lrpo.evaluation.run_cache``) and the cache are checked, with one real micro run
(one training step on a random tiny model) to show that a finished row is taken
from the cache.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lrpo.evaluation.run_cache import run_key
from lrpo.evaluation.tables import replace_section
from lrpo.tasks import get_task
from lrpo.training import pipeline
from lrpo.training.config import parse_config
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
    for table in reproduce.TABLES.values():
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


def test_paper_dry_run_runs_offline_and_names_every_row():
    done = subprocess.run([sys.executable, "benchmarks/reproduce.py", "--table", "2", "--scale", "paper",
                           "--dry-run"], capture_output=True, text=True, cwd=REPO_ROOT,
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
def test_paper_dry_run_of_the_other_tables(number, capsys):
    assert reproduce.main(["--table", str(number), "--scale", "paper", "--dry-run", "--seeds", "1"]) == 0
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
    rows_before = (leaderboards / "arith.csv").read_text(encoding="utf-8")

    assert reproduce.main(argv) == 0
    second = capsys.readouterr().out
    assert "base (once): cached" in second and "grpo (seed 0): cached" in second
    assert "running" not in second
    # Each run is on the leaderboard once, however often the table is rebuilt.
    assert (leaderboards / "arith.csv").read_text(encoding="utf-8") == rows_before
