"""Throughput of ``lrpo.evaluate`` on one core with a tiny random model.

Measures items (question × language) per second through the whole evaluation,
generation included, on the real MGSM test files, at two batch sizes; and the
scoring alone (verifier + language gate + scorecard with its bootstrap) on
hand-written responses, which is the evaluator's own overhead on top of a
model's generation. Prints the median over repeats.

    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_eval.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.tiny_model

from lrpo.evaluation.evaluator import evaluate, evaluation_gate, response_languages, score_responses  # noqa: E402
from lrpo.evaluation.scorecard import build_scorecard  # noqa: E402
from lrpo.languages import get_language  # noqa: E402
from lrpo.tasks import get_task  # noqa: E402
from tests.tiny_model import build_random_tiny_model  # noqa: E402


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--limit", type=int, default=8, help="questions per language (11 languages)")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    mgsm = get_task("mgsm")
    examples = mgsm.load("test", data_dir=args.data_dir, limit=args.limit)
    corpus = [message["content"] for ex in examples for message in mgsm.prompt(ex)]
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        model = build_random_tiny_model(Path(directory), corpus)
        for batch_size in (8, 32):
            def run(batch_size=batch_size):
                evaluate(mgsm, model, limit=args.limit, data_dir=args.data_dir, batch_size=batch_size,
                         max_new_tokens=args.max_new_tokens, seen_languages=["de", "en"], progress=False)

            run()  # warm up: first model load, tokenizer, identifier model
            seconds = median_seconds(run, args.repeats)
            rows.append((f"evaluate (hf, batch {batch_size}, {args.max_new_tokens} new tokens)", len(examples),
                         seconds))

    langs = response_languages(examples)
    responses = [f"{ex.question}\n{get_language(ex.lang).answer_phrase} {ex.answer}." for ex in examples]

    def score():
        samples = score_responses(mgsm, examples, responses, langs, evaluation_gate(mgsm, langs))
        build_scorecard(samples, task="mgsm", split="test", model="m", seen_languages=["de", "en"])

    score()
    rows.append(("scoring only (verifier + gate + scorecard)", len(examples), median_seconds(score, args.repeats)))

    print(f"{'measure':<50} {'items':>6} {'median s':>9} {'items/s':>9}")
    for measure, n, seconds in rows:
        print(f"{measure:<50} {n:>6} {seconds:>9.3f} {n / seconds:>9.1f}")


if __name__ == "__main__":
    main()
