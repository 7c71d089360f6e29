"""Verifiers must return quickly on hostile text and never execute it: on the main
thread, in a worker thread and in a multiprocessing worker (where math-verify's
signal timeouts cannot run), with no help from SIGALRM."""

import multiprocessing
import threading
import time

import pytest

from lrpo.tasks import Example, get_task
from lrpo.tasks.math_answers import math_answers_equal

ADVERSARIAL = {
    "1 MB of text": "lorem ipsum dolor " * 58_255,
    "1 MB ending in a phrase": "x" * 1_000_000 + " The answer is 5",
    "10,000 nested braces": "\\boxed{" + "{" * 10_000 + "1" + "}" * 10_000 + "}",
    "10,000 unclosed boxes": "\\boxed{" * 10_000,
    "100,000 digits": "The answer is " + "9" * 100_000,
    "100,000 bare digits": "7" * 100_000,
    "long runs of numbers": " ".join(["1,234.5"] * 50_000),
    "number soup": "1 2 3 4 5 6 7 8 9 0 " * 50_000,
    "many answer phrases": "The answer is 1. " * 50_000,
    "power tower": "The answer is $2^{2^{2^{2^{2^{99999}}}}}$",
    "huge exponent": "The answer is $10^{1000000000}$",
    "huge factorial": "The answer is $99999999!$",
    "code": "The answer is __import__('os').system('echo pwned')",
    # Issue 17: each ran past 60 s off the main thread, or 2.4 s on it.
    "power tower from the inside": "The answer is $\\boxed{{{9^{999}}^{999}}^{999}}$",
    "huge binomial": "The answer is $\\boxed{\\binom{10^{9}}{5 \\cdot 10^{8}}}$",
    "square-root tower": "The answer is $\\boxed{" + "\\sqrt{" * 12 + "2^{999}" + "}" * 12 + "}$",
    "1 MB box of ones": "\\boxed{" + "1 " * 500_000 + "}",
    "1 MB answer phrase run": "Answer: " + "1 " * 500_000,
    "run-on markers": "The answer is 5.\n" + "Question: what?\n" * 50_000,
}

EXAMPLES = {
    "mgsm": Example("mgsm-0", "en", "q", "18"),
    "xcopa": Example("xcopa-test-0", "en", "premise", "1",
                     meta={"choice1": "It was fragile.", "choice2": "It was small.",
                           "relation": "cause"}),
    "mmath": Example("mmath-0", "en", "q", "$\\frac{\\pi}{3}$"),
}
BOUND_SECONDS = 2.0


@pytest.mark.parametrize("task_name", sorted(EXAMPLES))
@pytest.mark.parametrize("label", sorted(ADVERSARIAL))
def test_bounded_time(task_name, label):
    task = get_task(task_name)
    start = time.perf_counter()
    for lang in ("en", "de", "zh"):
        score = task.score(ADVERSARIAL[label], EXAMPLES[task_name], response_lang=lang)
        assert score in (0.0, 1.0)
    elapsed = time.perf_counter() - start
    assert elapsed < BOUND_SECONDS * 3, f"{task_name} took {elapsed:.2f}s on {label}"


# Per call; generous so a loaded two-core machine does not fail it (the 1 s claim is
# measured by benchmarks/bench_verifiers.py).
PER_CALL_SECONDS = 5.0
# What math-verify itself is asked (the worker path): costly but short enough to pass
# the length caps, so only the worker's time bound stops them.
SYMPY_HOSTILE = [
    ("{{9^{999}}^{999}}^{999}", "1"),
    ("\\binom{10^{9}}{5 \\cdot 10^{8}}", "1"),
    ("\\sqrt{\\sqrt{\\sqrt{\\sqrt{2^{999}}}}}", "1"),
    ("9^{9^{9}}", "9^{9^{9}}+1"),
]


def _slowest_call(_=None) -> float:
    """The longest time of one score/extract call over every hostile input and task."""
    slowest = 0.0
    for task_name, example in EXAMPLES.items():
        task = get_task(task_name)
        for text in ADVERSARIAL.values():
            start = time.perf_counter()
            task.score(text, example, "en")
            task.extract(text, "en")
            slowest = max(slowest, time.perf_counter() - start)
    for gold, predicted in SYMPY_HOSTILE:
        start = time.perf_counter()
        math_answers_equal(gold, predicted, "en")
        slowest = max(slowest, time.perf_counter() - start)
    return slowest


def test_bounded_per_call_on_the_main_thread():
    _slowest_call()  # starts the math-verify worker (a one-time import)
    assert _slowest_call() < PER_CALL_SECONDS


def test_bounded_per_call_in_a_worker_thread():
    results = []
    thread = threading.Thread(target=lambda: (_slowest_call(), results.append(_slowest_call())))
    thread.start()
    thread.join(timeout=300)
    assert not thread.is_alive() and results[0] < PER_CALL_SECONDS


def test_bounded_per_call_in_a_multiprocessing_worker():
    """A daemonic worker, as a DataLoader's: it may not use multiprocessing children,
    and its main thread is not the parent's."""
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        pool.apply(_slowest_call)
        assert pool.apply(_slowest_call) < PER_CALL_SECONDS


def test_off_main_thread_still_bounded():
    """math-verify's signal timeouts cannot run off the main thread; our input
    limits must bound it there too."""
    task = get_task("mmath")
    results = []

    def work():
        for text in ADVERSARIAL.values():
            results.append(task.score(text, EXAMPLES["mmath"], "en"))
        results.append(task.score("The answer is $\\frac{\\pi}{3}$.", EXAMPLES["mmath"], "en"))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert results[-1] == 1.0 and set(results[:-1]) <= {0.0, 1.0}


def test_a_worker_past_its_time_is_killed_and_replaced():
    """A comparison past its time kills the worker; the spare, started with the first,
    takes over at once, so the next comparison is judged; and a "not verified" given
    while no worker was ready is not cached."""
    from lrpo.tasks import math_answers

    assert math_answers.verified("\\frac{1}{2}", "0.5")
    workers = math_answers._workers()
    first, spare = workers.active.process, workers.spare
    assert spare.wait_ready(time.monotonic() + math_answers.STARTUP_SECONDS)  # importing since the first started
    start = time.perf_counter()
    assert not math_answers.verified("\\frac{(10^{99})!}{(10^{98})!}", "2")  # sympy computes the factorials
    assert time.perf_counter() - start < PER_CALL_SECONDS
    assert first.poll() is not None  # killed
    assert workers.active is spare
    assert math_answers.verified("\\frac{1}{4}", "0.25")  # judged by the spare right away

    # Two kills in a row: the new spare may still be importing, and its "not verified" is not kept.
    math_answers.verified("\\frac{(10^{97})!}{(10^{96})!}", "2")
    math_answers.verified("\\frac{(10^{95})!}{(10^{94})!}", "2")
    pair = ("\\frac{3}{4}", "0.75")
    answered = math_answers.verified(*pair)
    assert answered or pair not in math_answers.verified.verdicts
    deadline = time.monotonic() + 60
    while not math_answers.verified(*pair):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert math_answers.verified.verdicts[pair] is True


def test_a_pair_is_cached_as_not_verified_only_after_its_second_time_out():
    """One time-out may be a busy machine (it cached 3/4 = 0.75 as wrong under load);
    two mean the pair itself is too costly, and it is not asked a third time."""
    from lrpo.tasks import math_answers

    pair = ("\\frac{(10^{89})!}{(10^{88})!}", "2")  # sympy computes the factorials
    for attempt in (1, 2):
        workers = math_answers._workers()
        # A ready worker, so that the call times out rather than finding none ready.
        assert workers.active.wait_ready(time.monotonic() + math_answers.STARTUP_SECONDS)
        start = time.perf_counter()
        assert not math_answers.verified(*pair)
        assert time.perf_counter() - start < PER_CALL_SECONDS
        assert (pair in math_answers.verified.verdicts) == (attempt == 2)
    assert math_answers.verified.verdicts[pair] is False and pair not in math_answers.verified.timed_out
    start = time.perf_counter()
    assert not math_answers.verified(*pair)  # the cached verdict: no worker asked
    assert time.perf_counter() - start < 0.01
