"""Step time of LRPO, of GRPO through the LRPO trainer, and of plain TRL GRPOTrainer.

Same tiny model, same questions, same reward function, same batch (8 questions x
8 rollouts), every completion forced to the same length so that generation
costs the same; the three trainers run interleaved, round after round, so that
machine noise falls on all of them alike. Prints the median step time of each
and the ratios to plain GRPOTrainer.

    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_trainer.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datasets import Dataset  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

from lrpo.tasks import get_task  # noqa: E402
from lrpo.training.config import LRPOConfig  # noqa: E402
from lrpo.training.setup import build_train_rows  # noqa: E402
from lrpo.training.trainer import LRPOTrainer  # noqa: E402
from lrpo.training.trl_reward import TaskReward  # noqa: E402

LANGUAGES = ["de", "en", "ja", "zh"]
COMPLETION_TOKENS = 24


def common_settings(output_dir: str, steps: int) -> dict:
    return dict(
        output_dir=output_dir, num_generations=8, per_device_train_batch_size=64, max_steps=steps,
        max_completion_length=COMPLETION_TOKENS, generation_kwargs={"min_new_tokens": COMPLETION_TOKENS},
        learning_rate=1e-5, beta=0.0, use_cpu=True, bf16=False, report_to="none", logging_steps=1,
        save_strategy="no", disable_tqdm=True, seed=0,
    )


def step_times(trainer) -> list[float]:
    trainer.train()
    # The first step pays one-off costs (optimizer state, caches); leave it out.
    return [entry["step_time"] for entry in trainer.state.log_history if "step_time" in entry][1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--model", default=None, help="model directory (default: a random tiny model)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()

    task = get_task("mgsm")
    work = Path(tempfile.mkdtemp(prefix="bench_trainer_"))
    model = args.model
    if model is None:
        from tests.tiny_model import build_random_tiny_model

        examples = task.load("train", LANGUAGES, data_dir=args.data_dir, limit=30)
        corpus = [task.prompt(ex, lang)[0]["content"] for ex in examples for lang in LANGUAGES]
        model = str(build_random_tiny_model(work / "model", corpus))

    def lrpo_config(method: str) -> LRPOConfig:
        return LRPOConfig(**common_settings(str(work / method), args.steps), task="mgsm", data_dir=args.data_dir,
                          train_languages=LANGUAGES, train_limit=64, method=method, k_on=2)

    rows = build_train_rows(lrpo_config("grpo"), task)
    reward = TaskReward(task, candidates=LANGUAGES)
    plain_rows = [{**row, "response_lang": row["question_lang"]} for row in rows]

    def run(method: str) -> list[float]:
        if method == "plain GRPOTrainer":
            trainer = GRPOTrainer(model=model, reward_funcs=[reward], train_dataset=Dataset.from_list(plain_rows),
                                  args=GRPOConfig(**common_settings(str(work / "plain"), args.steps)))
        else:
            trainer = LRPOTrainer(model=model, reward_funcs=[reward], args=lrpo_config(method),
                                  train_dataset=Dataset.from_list(rows))
        return step_times(trainer)

    methods = ("plain GRPOTrainer", "grpo", "lrpo")
    times = {method: [] for method in methods}
    for _ in range(args.rounds):
        for method in methods:
            times[method].extend(run(method))

    base = statistics.median(times["plain GRPOTrainer"])
    print(f"trainer step time: tiny model, 8 questions x 8 rollouts, {COMPLETION_TOKENS}-token completions, "
          f"{args.rounds} interleaved rounds x {args.steps - 1} steps, OMP_NUM_THREADS=1")
    print(f"{'trainer':<20} {'median s/step':>14} {'ratio to plain':>15}")
    for method in methods:
        median = statistics.median(times[method])
        print(f"{method:<20} {median:>14.4f} {median / base:>15.3f}")
    print("target: lrpo <= 1.05 x plain GRPOTrainer")


if __name__ == "__main__":
    main()
