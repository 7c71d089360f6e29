"""How fast the language router is, and how quickly each algorithm learns.

Prints, per algorithm, over the paper's 15 languages and 3-key contexts:
- microseconds per sampled rollout (``sample``, including the per-step rebuild of
  each context's cached distribution, since the schedules change every step);
- microseconds per update record (``update``, including the fold every M steps);
- the number of updates ``router_simulation.updates_to_find_best`` needed
  (best language rewarded 0.7, the others 0.4; 16 questions x 8 rollouts per step).

Times are the median over several repeats. Target: <= 20 us per rollout.

    python benchmarks/bench_router.py
"""

import os

# Before numpy loads: on 2-core machines threaded BLAS makes timings swing wildly.
os.environ["OMP_NUM_THREADS"] = "1"

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from lrpo.languages import PAPER_LANGUAGES  # noqa: E402
from lrpo.router.algorithms import ALGORITHMS  # noqa: E402
from lrpo.router.language_router import LanguageRouter, RouterRecord  # noqa: E402
from lrpo.router.simulation import updates_to_find_best  # noqa: E402

TARGET_US_PER_ROLLOUT = 20.0
QUESTIONS_PER_STEP = 256  # the paper's batch
K, K_ON = 8, 2
STEPS = 20
REPEATS = 5
SIMULATION_SEEDS = range(5)

TOPICS = [f"topic:{name}" for name in ("arithmetic", "algebra", "geometry", "probability",
                                       "reasoning", "science", "history", "culture")]
REGIONS = [f"region:{name}" for name in ("China", "Japan", "Europe", "none")]
QUESTION_LANGUAGES = ("de", "en", "es", "fr", "ja", "ru", "zh")


def make_workload(seed: int) -> list[list[tuple[tuple[str, ...], str, list[float]]]]:
    """Per step: each question's 3-key context, its language and its K rewards."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(STEPS):
        questions = []
        for _ in range(QUESTIONS_PER_STEP):
            qlang = QUESTION_LANGUAGES[rng.integers(len(QUESTION_LANGUAGES))]
            context = (TOPICS[rng.integers(len(TOPICS))], REGIONS[rng.integers(len(REGIONS))],
                       f"qlang:{qlang}")
            questions.append((context, qlang, rng.random(K).round(1).tolist()))
        steps.append(questions)
    return steps


def time_router(algorithm: str, workload) -> tuple[float, float]:
    """Microseconds per sampled rollout and per update record over one training run."""
    router = LanguageRouter(PAPER_LANGUAGES, algorithm)
    sample_seconds = update_seconds = 0.0
    n_sampled = n_records = 0
    for step, questions in enumerate(workload):
        rng = np.random.default_rng([0, step])
        start = time.perf_counter()
        routed = [[router.sample(context, rng) for _ in range(K - K_ON)]
                  for context, _, _ in questions]
        sample_seconds += time.perf_counter() - start
        n_sampled += len(questions) * (K - K_ON)

        records = [
            RouterRecord(context, language, reward, group)
            for group, ((context, qlang, rewards), languages) in enumerate(zip(questions, routed, strict=True))
            for language, reward in zip([qlang] * K_ON + languages, rewards, strict=True)
        ]
        start = time.perf_counter()
        router.update(records)
        update_seconds += time.perf_counter() - start
        n_records += len(records)
    return 1e6 * sample_seconds / n_sampled, 1e6 * update_seconds / n_records


def main() -> None:
    workload = make_workload(seed=0)
    print(f"router benchmark: {len(PAPER_LANGUAGES)} languages, 3 context keys, "
          f"{QUESTIONS_PER_STEP} questions x {K - K_ON} routed rollouts per step, "
          f"{K} records per question, {STEPS} steps, median of {REPEATS} repeats")
    seeds = f"seeds {SIMULATION_SEEDS.start}-{SIMULATION_SEEDS.stop - 1}"
    print(f"{'algorithm':<12} {'us/rollout':>10} {'us/record':>10}   "
          f"updates to find best ({seeds})")
    worst = 0.0
    for algorithm in ALGORITHMS:
        timings = [time_router(algorithm, workload) for _ in range(REPEATS)]
        per_rollout = statistics.median(t[0] for t in timings)
        per_record = statistics.median(t[1] for t in timings)
        worst = max(worst, per_rollout)
        updates = [updates_to_find_best(algorithm, seed=seed) for seed in SIMULATION_SEEDS]
        shown = " ".join("never" if u is None else str(u) for u in updates)
        print(f"{algorithm:<12} {per_rollout:>10.2f} {per_record:>10.2f}   {shown}")
    verdict = "met" if worst <= TARGET_US_PER_ROLLOUT else "MISSED"
    print(f"target <= {TARGET_US_PER_ROLLOUT:.0f} us per rollout: {verdict} "
          f"(slowest {worst:.2f} us)")


if __name__ == "__main__":
    main()
