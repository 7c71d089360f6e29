"""Wall time of lm-eval's harness against ``lrpo.evaluate`` on the same model, items and decoding.

Both score the same MGSM test items (``--limit`` per language, 11 languages) with
the same tiny model on one CPU thread: the same prompts (lm-eval through the
``lrpo_mgsm`` tasks with ``apply_chat_template``), greedy decoding, the same batch
size and the same ``max_new_tokens``, the same verifier and language gate. Each is
timed end to end as a user calls it (model loading, data, generation, scoring),
after one untimed warm-up call each, and the median over repeats is printed,
together with both average accuracies (they should agree: the responses are the
same).

    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_lm_eval.py
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
for _name, _value in (("HF_DATASETS_OFFLINE", "1"), ("HF_HUB_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false")):
    os.environ.setdefault(_name, _value)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.tiny_model

from lrpo.evaluation.evaluator import evaluate  # noqa: E402
from lrpo.languages import MGSM_LANGUAGES  # noqa: E402
from lrpo.tasks import get_task  # noqa: E402


def run_lrpo(model: str, args) -> float:
    card = evaluate("mgsm", model, limit=args.limit, data_dir=args.data_dir, batch_size=args.batch_size,
                    max_new_tokens=args.max_new_tokens, device="cpu", progress=False)
    return card["average"]


def run_lm_eval(model: str, args) -> float:
    import lm_eval
    from lm_eval.tasks import TaskManager

    from lrpo.evaluation.lm_eval_tasks import include_path

    data_dir = args.data_dir or os.environ.get("LRPO_DATA_DIR")
    manager = TaskManager(include_path=include_path(), include_defaults=False,
                          metadata={"data_dir": str(data_dir)} if data_dir else None)
    results = lm_eval.simple_evaluate(
        model="hf", model_args={"pretrained": model}, tasks=["lrpo_mgsm"],
        batch_size=args.batch_size, device="cpu", limit=args.limit, apply_chat_template=True,
        gen_kwargs={"max_gen_toks": args.max_new_tokens}, task_manager=manager)
    accuracies = [results["results"][f"lrpo_mgsm_{lang}"]["accuracy,none"] for lang in MGSM_LANGUAGES]
    return sum(accuracies) / len(accuracies)


def timed(run, model: str, args) -> tuple[float, float]:
    """Median seconds over ``args.repeats`` calls (after a warm-up) and the last result."""
    result = run(model, args)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        result = run(model, args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--model", default=None, help="model directory (default: a random tiny model)")
    parser.add_argument("--limit", type=int, default=10, help="questions per language (11 languages)")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("lm_eval").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as directory:
        model = args.model
        if model is None:
            from tests.tiny_model import build_random_tiny_model

            mgsm = get_task("mgsm")
            examples = mgsm.load("test", data_dir=args.data_dir, limit=args.limit)
            corpus = [message["content"] for example in examples for message in mgsm.prompt(example)]
            model = str(build_random_tiny_model(Path(directory), corpus))
        items = args.limit * len(MGSM_LANGUAGES)
        rows = [(name, *timed(run, model, args)) for name, run in
                (("lrpo.evaluate", run_lrpo), ("lm_eval.simple_evaluate (lrpo_mgsm)", run_lm_eval))]

    print(f"evaluation wall time: MGSM test, {items} items ({args.limit} per language), batch {args.batch_size}, "
          f"{args.max_new_tokens} new tokens, median of {args.repeats}, OMP_NUM_THREADS=1")
    print(f"{'harness':<38} {'median s':>9} {'items/s':>9} {'average acc':>12}")
    for name, seconds, average in rows:
        print(f"{name:<38} {seconds:>9.3f} {items / seconds:>9.1f} {average * 100:>11.1f}%")
    print(f"lm-eval / lrpo.evaluate time ratio: {rows[1][1] / rows[0][1]:.2f}")


if __name__ == "__main__":
    main()
