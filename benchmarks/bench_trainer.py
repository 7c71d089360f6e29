"""Step time of LRPO, of GRPO through the LRPO trainer, and of plain TRL GRPOTrainer.

Real steps: the pretrained default tiny model on the ``arith`` training split (built
on first use, as ``python -m lrpo.train`` does), the task's language-gated reward
(non-zero, so advantages, the router's folds — every step here — and the planner
are on the hot path), 8 questions x 8 rollouts per step, every completion forced
to the same length so that generation costs the same. The three trainers run
interleaved, round after round, so that machine noise falls on all of them alike.
Prints the median step time of each, the ratios to plain GRPOTrainer, and each
trainer's mean reward (to show the rewards were not all zero). A step's time also
depends on the prompts: LRPO's routed rollouts ask in other languages, whose
prompts differ in length. So a last, profiled LRPO run splits out the time spent
in LRPO's own code per step (planning, prompt rewriting, router update, metrics).

    OMP_NUM_THREADS=1 python benchmarks/bench_trainer.py
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trl import GRPOConfig, GRPOTrainer  # noqa: E402

from lrpo.tasks import get_task  # noqa: E402
from lrpo.training.config import LRPOConfig  # noqa: E402
from lrpo.training.setup import build_reward, build_training_set, resolve_model  # noqa: E402
from lrpo.training.trainer import LRPOTrainer  # noqa: E402

LANGUAGES = ["de", "en", "es", "fr"]
COMPLETION_TOKENS = 24


def common_settings(output_dir: str, steps: int) -> dict:
    return dict(
        output_dir=output_dir, num_generations=8, per_device_train_batch_size=64, max_steps=steps,
        max_completion_length=COMPLETION_TOKENS, generation_kwargs={"min_new_tokens": COMPLETION_TOKENS},
        learning_rate=1e-5, beta=0.0, use_cpu=True, bf16=False, report_to="none", logging_steps=1,
        save_strategy="no", disable_tqdm=True, seed=0,
    )


def step_times(trainer) -> tuple[list[float], float]:
    trainer.train()
    history = trainer.state.log_history
    # The first step pays one-off costs (optimizer state, caches); leave it out.
    times = [entry["step_time"] for entry in history if "step_time" in entry][1:]
    return times, statistics.mean(entry["reward"] for entry in history if "reward" in entry)


class IndexedReward:
    """The task reward for plain GRPOTrainer, whose rows can only carry the example's index."""

    def __init__(self, reward, examples):
        self.reward, self.examples, self.__name__ = reward, examples, reward.__name__

    def __call__(self, prompts, completions, example_index, question_lang, **kwargs):
        return self.reward(prompts, completions, [self.examples[i] for i in example_index], question_lang,
                           **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory (default: the default tiny model)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=6)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench_trainer_"))

    def lrpo_config(method: str, run: str | None = None) -> LRPOConfig:
        return LRPOConfig(**common_settings(str(work / (run or method)), args.steps), task="arith",
                          model=args.model, train_languages=LANGUAGES, train_limit=64, method=method, k_on=2,
                          router_update_every=1)

    model = resolve_model(lrpo_config("grpo"))
    task = get_task("arith")
    training_set = build_training_set(lrpo_config("grpo"), task)
    plain_reward = IndexedReward(build_reward(lrpo_config("grpo"), task), training_set.examples)

    def run(method: str) -> tuple[list[float], float]:
        if method == "plain GRPOTrainer":
            trainer = GRPOTrainer(model=model, reward_funcs=[plain_reward], train_dataset=training_set.dataset(),
                                  args=GRPOConfig(**common_settings(str(work / "plain"), args.steps)))
        else:
            trainer = LRPOTrainer.from_config(lrpo_config(method), model)
        return step_times(trainer)

    methods = ("plain GRPOTrainer", "grpo", "lrpo")
    times = {method: [] for method in methods}
    rewards = {method: [] for method in methods}
    for _ in range(args.rounds):
        for method in methods:
            step, reward = run(method)
            times[method].extend(step)
            rewards[method].append(reward)

    base = statistics.median(times["plain GRPOTrainer"])
    print(f"trainer step time: pretrained tiny model on arith, 8 questions x 8 rollouts, "
          f"{COMPLETION_TOKENS}-token "
          f"completions, router fold every step, {args.rounds} interleaved rounds x {args.steps - 1} steps, "
          "OMP_NUM_THREADS=1")
    print(f"{'trainer':<20} {'median s/step':>14} {'ratio to plain':>15} {'mean reward':>12}")
    for method in methods:
        median = statistics.median(times[method])
        print(f"{method:<20} {median:>14.4f} {median / base:>15.3f} {statistics.mean(rewards[method]):>12.3f}")
    print("target: lrpo <= 1.02 x plain GRPOTrainer")
    print(own_work(lrpo_config("lrpo", run="lrpo-profiled"), model, base))


# LRPO's own code on the step path: (function name, file fragment).
OWN_WORK = (("plan_languages", "trainer.py"), ("prompt", "tasks"), ("update", "language_router.py"),
            ("_log_language_metrics", "trainer.py"), ("gather_object", "accelerate"))


def own_work(config: LRPOConfig, model: str, plain_step: float) -> str:
    """Seconds per step spent in LRPO's own hooks, from a profiled run of ``config``."""
    trainer = LRPOTrainer.from_config(config, model)
    profile = cProfile.Profile()
    profile.runcall(trainer.train)
    stats = pstats.Stats(profile).stats
    steps = trainer.state.global_step
    seconds = sum(row[3] for (path, _, name), row in stats.items()
                  for wanted, where in OWN_WORK if name == wanted and where in path) / steps
    return (f"LRPO's own work per step (profiled run, {steps} steps): {seconds * 1000:.1f} ms "
            f"= {seconds / plain_step:.2%} of a plain GRPOTrainer step")


if __name__ == "__main__":
    main()
