"""``python -m lrpo.evaluate``: score a model on a task in every language and write its scorecard.

    python -m lrpo.evaluate --task mgsm --model Qwen/Qwen2.5-1.5B-Instruct --output-dir runs/eval

The command line of ``lrpo.evaluation.evaluator.evaluate`` (see there for what is measured
and written).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from lrpo.evaluation.evaluator import SAME, check_model_reference, evaluate
from lrpo.evaluation.generation import BACKENDS
from lrpo.evaluation.tables import format_comparison_table, format_table
from lrpo.tasks.prompts import LANGUAGE_CUES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lrpo.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", required=True, help="task name (see lrpo.tasks.available_tasks())")
    parser.add_argument("--model", required=True, help="model id or directory")
    parser.add_argument("--split", default="test")
    parser.add_argument("--langs", nargs="+", default=None, help="question languages (default: all the task's)")
    parser.add_argument("--response-lang", default=SAME,
                        help="'same' (each question's language) or one language code for every answer")
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_model_reference(args.model, "--model")
    except ValueError as e:
        parser.error(str(e))
    baseline = None
    if args.baseline:
        baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
    scorecard = evaluate(
        args.task, args.model, split=args.split, langs=args.langs, response_lang=args.response_lang,
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
