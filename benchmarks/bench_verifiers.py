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

Then the agreement of the ``mmath`` verifier with Math-Verify's own test suite
(issue 17's peer benchmark): its 270 (gold, prediction, expected) cases, recorded
in ``benchmarks/data/math_verify_cases.jsonl`` by ``extract_math_verify_cases.py``
from a snapshot of huggingface/Math-Verify. (a) Each prediction scored as given
against its gold; (b) for the default-setting cases whose gold and prediction are
both plain answers (a formula or number, perhaps in math delimiters or, for the
prediction, one box; no prose), the prediction written as a model commits to it:
"The answer is $x$." and "\\boxed{x}". Disagreements are counted by class (the
suite's own non-default setting, a gold written as a response, the time bound,
other); ``--list`` prints each.

    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_verifiers.py
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' hostile inputs

from unittest import mock  # noqa: E402

import lrpo.tasks.math_answers as math_answers  # noqa: E402
from lrpo.languages import get_language  # noqa: E402
from lrpo.tasks import Example, get_task  # noqa: E402
from lrpo.tasks.math_answers import MAX_ANSWER_CHARS, prose_words, verified  # noqa: E402
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


PEER_CASES = Path(__file__).resolve().parent / "data" / "math_verify_cases.jsonl"
_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def plain_answer(text: str, box: bool) -> str | None:
    """The formula a string holds when it is nothing but one (math delimiters and,
    with ``box``, one enclosing \\boxed{} removed); None when it holds prose or a box."""
    text = text.strip()
    for opening, closing in _DELIMITERS:
        if len(text) > len(opening) + len(closing) and text.startswith(opening) and text.endswith(closing):
            text = text[len(opening):-len(closing)].strip()
            break
    if box and text.startswith("\\boxed{") and text.endswith("}") and text.count("\\boxed") == 1:
        text = text[len("\\boxed{"):-1].strip()
    if "\\boxed" in text or len(text) > MAX_ANSWER_CHARS or prose_words(text):
        return None
    return text


def _disagreement_class(case: dict, agrees_unbounded: bool) -> str:
    if agrees_unbounded:
        return "time bound (math-verify agrees given more than TIMEOUT_SECONDS)"
    if plain_answer(case["gold"], box=False) is None:
        return "gold written as a response (boxes or prose in the gold)"
    if not case["default"]:
        return "the suite's own setting (extraction types, precision, strict, set relations)"
    return "other"


def peer_agreement(list_cases: bool) -> None:
    """Print the agreement rows of Math-Verify's own cases (see the module docstring)."""
    task = get_task("mmath")
    cases = [json.loads(line) for line in PEER_CASES.read_text(encoding="utf-8").splitlines()]

    def agrees(response: str, case: dict) -> bool:
        example = Example("math-verify", "en", "", case["gold"])
        return int(task.score(response, example, "en")) == case["expected"]

    rows: dict[str, list[int]] = {}
    classes: dict[str, list[str]] = {}
    for case in cases:
        forms = [("(a) as given, every setting", case["prediction"])]
        if case["default"]:
            forms.append(("(a) as given, default setting", case["prediction"]))
            x = plain_answer(case["prediction"], box=True)
            if x is not None and plain_answer(case["gold"], box=False) is not None:
                forms += [("(b) \"The answer is $x$.\"", f"The answer is ${x}$."),
                          ("(b) \"\\boxed{x}\"", f"\\boxed{{{x}}}")]
        for row, response in forms:
            ok = agrees(response, case)
            counts = rows.setdefault(row, [0, 0])
            counts[0] += ok
            counts[1] += 1
            if not ok and row != "(a) as given, default setting":  # (a)'s default cases are classed once
                # math-verify without the time bound, on the same extracted strings (its warning
                # that the bound is off is expected here)
                logging.getLogger("math_verify").setLevel(logging.ERROR)
                with mock.patch.object(math_answers, "verified", math_answers._verify_here):
                    unbounded = agrees(response, case)
                label = _disagreement_class(case, unbounded)
                classes.setdefault(label, []).append(f"{row[:3]} {case['source']}: {response[:90]!r}")
    commit = cases[0]["commit"][:12]
    print(f"\n{'Math-Verify test cases (' + commit + ')':<48} {'agree':>6} {'of':>5}")
    for row, (ok, total) in rows.items():
        print(f"{row:<48} {ok:>6} {total:>5}")
    print("disagreements by class:")
    for label, items in sorted(classes.items()):
        print(f"  {len(items):>3}  {label}")
        for item in items if list_cases else ():
            print(f"         {item}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--per-language", type=int, default=100)
    parser.add_argument("--list", action="store_true", help="print each disagreement with Math-Verify's cases")
    parser.add_argument("--only-peer", action="store_true", help="only the Math-Verify agreement rows")
    args = parser.parse_args()
    if args.only_peer:
        peer_agreement(args.list)
        return
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
    peer_agreement(args.list)


if __name__ == "__main__":
    main()
