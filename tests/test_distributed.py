"""Two processes (torchrun, gloo on the CPU) keep identical routers without exchanging them."""

import json
import os
import subprocess
import sys

from lrpo.tasks import get_task
from tests.test_pipeline import argv
from tests.test_trainer import TRAIN_LANGUAGES
from tests.tiny_model import build_random_tiny_model


def test_two_ranks_hold_identical_routers(tmp_path, data_dir):
    task = get_task("mgsm")
    examples = task.load("train", TRAIN_LANGUAGES, data_dir=data_dir, limit=20)
    corpus = [task.prompt(ex, lang)[0]["content"] for ex in examples for lang in TRAIN_LANGUAGES]
    model_dir = build_random_tiny_model(tmp_path / "model", corpus)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.getcwd()}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29517",
         "tests/distributed_router_check.py", str(model_dir), str(data_dir), str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    ranks = [json.loads((tmp_path / "out" / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["world_size"] == 2
    assert ranks[0]["router"] == ranks[1]["router"]
    assert ranks[0]["router"]["step"] == 3
    # The straddling group (global group 1) was planned identically on both ranks,
    # and each rank took its own half of that plan.
    for step0, step1 in zip(ranks[0]["planned"], ranks[1]["planned"], strict=True):
        assert step0["group"] == [0, 0, 0, 0, 1, 1] and step1["group"] == [1, 1, 2, 2, 2, 2]
        plan = step0["plans"]["1"]
        assert plan == step1["plans"]["1"]
        assert step0["response_lang"][4:] == plan[:2] and step1["response_lang"][:2] == plan[2:]


def test_train_command_on_two_ranks_trains_the_missing_baseline_on_both(tmp_path, data_dir):
    """`torchrun -m lrpo.train`: both ranks train LRPO and then the GRPO baseline
    the leaderboard lacks; rank 0 alone evaluates and records."""
    task = get_task("mgsm")
    examples = task.load("train", TRAIN_LANGUAGES, data_dir=data_dir, limit=8)
    corpus = [task.prompt(ex, lang)[0]["content"] for ex in examples for lang in TRAIN_LANGUAGES]
    model_dir = build_random_tiny_model(tmp_path / "model", corpus)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.getcwd(), "LRPO_CACHE_DIR": str(tmp_path / "c")}
    args = argv(tmp_path, data_dir, model_dir, "lrpo", "run") + ["--use_cpu", "true", "--ddp_backend", "gloo"]
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29518",
         "-m", "lrpo.train", *args],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("training it now") == 1 and "Δ vs GRPO" in result.stdout
    for run in ("run", "run-grpo-baseline"):
        manifest = json.loads((tmp_path / run / "manifest.json").read_text())
        assert manifest["rollout_budget"] == 2 * 8 * 2  # ranks x per-device batch x steps
    card = json.loads((tmp_path / "run" / "scorecard.json").read_text())
    assert card["baseline"]["method"] == "grpo"
    assert len((tmp_path / "lb" / "mgsm.csv").read_text().splitlines()) == 1 + 2 * 3
