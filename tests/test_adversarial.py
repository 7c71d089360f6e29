"""Verifiers must return quickly on hostile text and never execute it."""

import threading
import time

import pytest

from lrpo.tasks import Example, get_task

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
