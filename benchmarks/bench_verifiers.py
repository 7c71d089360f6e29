"""Throughput of each task's verifier (`task.score`), in responses per second on one core.

Two kinds of response per item of the real test sets:
- gold-formatted: short reasoning, then the native answer phrase and the gold;
- model-like: a longer chain of thought with many numbers (or LaTeX), half of
  them ending in a wrong answer, committed by the answer phrase or \\boxed{}.

Prints the median over repeats; the math verifier's cache is cleared before
every repeat, so math-verify (in its worker process) is paid in full each time.

Then the worst time of one ``task.score`` + ``task.extract`` call over the hostile
inputs of ``tests/test_adversarial.py`` (a megabyte of digits, power towers, huge
binomials, ...: the bound is 1 s), on the main thread and in a worker thread.

Math-Verify's own test suite (the gold/prediction pairs of issue 17's peer
benchmark) is not on this machine (the installed math-verify 0.9.0 ships no
tests), so that agreement row is not measured here.

    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_verifiers.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' hostile inputs

from lrpo.languages import get_language  # noqa: E402
from lrpo.tasks import get_task  # noqa: E402
from lrpo.tasks.math_answers import verified  # noqa: E402
from tests.test_adversarial import _slowest_call  # noqa: E402

TARGETS = {"mgsm": 20_000, "xcopa": 20_000, "mmath": 300}


def gold_response(ex) -> str:
    return f"3 + 4 = 7. 7 * 2 = 14.\n{get_language(ex.lang).answer_phrase} {ex.answer}."


def model_like_response(ex, rng: random.Random, others: list[str]) -> str:
    phrase = get_language(ex.lang).answer_phrase
    steps = " ".join(f"Step {i}: {rng.randint(1, 99)} + {rng.randint(1, 99)} = {rng.randint(2, 198)}."
                     for i in range(1, 9))
    answer = ex.answer if rng.random() < 0.5 else rng.choice(others)
    if rng.random() < 0.5:
        return f"{ex.question[:200]}\n{steps}\n{phrase} {answer}."
    return f"{steps}\nWe simplify $x^2 + {rng.randint(1, 9)} = y$ and obtain \\boxed{{{answer.strip('$')}}}"


def wrong_choices(task_name: str, examples) -> list[str]:
    if task_name == "xcopa":
        return ["1", "2"]
    return sorted({ex.answer for ex in examples})


def measure(task, examples, responses, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        verified.cache_clear()
        start = time.perf_counter()
        for ex, response in zip(examples, responses, strict=True):
            task.score(response, ex)
        rates.append(len(examples) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--per-language", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(0)

    print(f"{'task':<7} {'responses':<15} {'n':>6} {'median resp/s':>14} {'target':>8}")
    for name in ("mgsm", "xcopa", "mmath"):
        task = get_task(name)
        examples = task.load("test", data_dir=args.data_dir, limit=args.per_language)
        others = wrong_choices(name, examples)
        for kind in ("gold-formatted", "model-like"):
            if kind == "gold-formatted":
                responses = [gold_response(ex) for ex in examples]
            else:
                responses = [model_like_response(ex, rng, others) for ex in examples]
            rate = measure(task, examples, responses, args.repeats)
            print(f"{name:<7} {kind:<15} {len(examples):>6} {rate:>14,.0f} {TARGETS[name]:>8,}")

    _slowest_call()  # starts the math-verify worker of this thread (once per thread and process)
    print(f"\n{'hostile inputs':<23} {'worst call (s)':>14} {'bound':>8}")
    print(f"{'main thread':<23} {_slowest_call():>14.3f} {1.0:>8.1f}")
    worst = []
    thread = threading.Thread(target=lambda: (_slowest_call(), worst.append(_slowest_call())))
    thread.start()
    thread.join()
    print(f"{'worker thread':<23} {worst[0]:>14.3f} {1.0:>8.1f}")


if __name__ == "__main__":
    main()
