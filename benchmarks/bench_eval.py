"""Throughput of ``lrpo.evaluate`` on one core with a tiny random model.

Measures items (question × language) per second through the whole evaluation,
generation included, on the real MGSM test files, at two batch sizes; and the
scoring alone (verifier + language gate + scorecard with its bootstrap) on
hand-written responses, which is the evaluator's own overhead on top of a
model's generation; and the cross-lingual metrics (issue 17): the hard gate alone,
the gate with its line-by-line verdicts (line fidelity, code-switching: what
``samples.jsonl`` gets) and the "lines" gate mode, in responses per second on
model-like responses (the question restated one sentence a line, a line of
arithmetic, the answer phrase; every third with a line of the English question, or
the German one in English, put in). Prints the median over repeats.

    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_eval.py
    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_eval.py --no-generation
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.tiny_model

from lrpo.evaluation.evaluator import evaluate, evaluation_gate, response_languages, score_responses  # noqa: E402
from lrpo.evaluation.scorecard import build_scorecard  # noqa: E402
from lrpo.languages import MGSM_LANGUAGES, get_language  # noqa: E402
from lrpo.rewards.gated_reward import LanguageGate  # noqa: E402
from lrpo.tasks import get_task  # noqa: E402
from tests.tiny_model import build_random_tiny_model  # noqa: E402


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def model_like_lines(example, other) -> str:
    """``example``'s question restated one sentence a line, a line of arithmetic and
    the answer phrase; with ``other`` (the parallel item in another language) its
    first sentence put in as the second line: a code-switched response."""
    lines = re.split(r"(?<=[.?!。？！।])\s*", example.question.strip())
    lines = [line for line in lines if line]
    if other is not None:
        lines.insert(1, re.split(r"(?<=[.?!])\s+", other.question.strip())[0])
    answer = f"{get_language(example.lang).answer_phrase} {example.answer}."
    return "\n".join([*lines, "3 * 4 = 12, 12 + 6 = 18", answer])


def crosslingual_rows(examples, repeats: int) -> list[tuple[str, int, float]]:
    """The gate's cost without and with its line-by-line verdicts, and the "lines" mode."""
    by_key = {(ex.id, ex.lang): ex for ex in examples}
    responses, langs = [], []
    for i, ex in enumerate(examples):
        other = by_key.get((ex.id, "de" if ex.lang == "en" else "en")) if i % 3 == 0 else None
        responses.append(model_like_lines(ex, other))
        langs.append(ex.lang)
    hard, lines = LanguageGate("hard", MGSM_LANGUAGES), LanguageGate("lines", MGSM_LANGUAGES)
    hard.evaluate_batch(responses, langs, lines=True)  # warm up: the identifier model
    measures = [("hard gate (whole response)", lambda: hard.evaluate_batch(responses, langs)),
                ("gate + line fidelity + code-switching",
                 lambda: hard.evaluate_batch(responses, langs, lines=True)),
                ('"lines" gate mode', lambda: lines.evaluate_batch(responses, langs))]
    verdicts = hard.evaluate_batch(responses, langs, lines=True)
    switched = sum(v.code_switched for v in verdicts)
    print(f"model-like responses: {len(responses)}, {sum(len(r) for r in responses) / len(responses):.0f} "
          f"characters each on average; code-switched {switched:.0f}, line fidelity "
          f"{sum(v.line_fidelity for v in verdicts) / len(verdicts):.3f}, fidelity "
          f"{sum(v.fidelity for v in verdicts) / len(verdicts):.3f}")
    return [(label, len(responses), median_seconds(run, repeats)) for label, run in measures]


def generation_rows(mgsm, examples, args) -> list[tuple[str, int, float]]:
    """Whole evaluations with a tiny random model, at two batch sizes."""
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
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--limit", type=int, default=8, help="questions per language (11 languages)")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-generation", action="store_true",
                        help="skip the runs with the tiny model (scoring and metrics only)")
    args = parser.parse_args()

    mgsm = get_task("mgsm")
    examples = mgsm.load("test", data_dir=args.data_dir, limit=args.limit)
    rows = [] if args.no_generation else generation_rows(mgsm, examples, args)

    langs = response_languages(examples)
    responses = [f"{ex.question}\n{get_language(ex.lang).answer_phrase} {ex.answer}." for ex in examples]

    def score():
        samples = score_responses(mgsm, examples, responses, langs, evaluation_gate(mgsm, langs))
        build_scorecard(samples, task="mgsm", split="test", model="m", seen_languages=["de", "en"])

    score()
    rows.append(("scoring only (verifier + gate + scorecard)", len(examples), median_seconds(score, args.repeats)))
    rows += crosslingual_rows(examples, args.repeats)

    print(f"{'measure':<50} {'items':>6} {'median s':>9} {'items/s':>9}")
    for measure, n, seconds in rows:
        print(f"{measure:<50} {n:>6} {seconds:>9.3f} {n / seconds:>9.1f}")


if __name__ == "__main__":
    main()
