"""``python -m lrpo.warmstart``: the SFT warm start that teaches the ``<|out_lang_xx|>`` tags.

    python -m lrpo.warmstart --model Qwen/Qwen2.5-1.5B-Instruct --data warmstart.jsonl \\
        --output-dir runs/qwen-warmstart
    python -m lrpo.train --model runs/qwen-warmstart --language_cue tag ...   # the paper's LRPO

``--data``: JSONL, one record a line, ``{"messages": [...], "target_language":
"de", "response": "..."}``; the last message is the user's question without a
tag, the response is in the target language (the paper: about 420 prompts, two
responses each in two random target languages, written by a stronger model).
``--from-task arith --write-data FILE`` writes such a file from a task's own
worked solutions instead (for tests and tasks that have them). The model's
tokenizer gets the tags as special tokens where it lacks them (embeddings
resized); the library is ``lrpo.training.warmstart``.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lrpo.warmstart", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="hub id or directory of the model to fine-tune")
    parser.add_argument("--data", help="the warm-start JSONL (messages, target_language, response)")
    parser.add_argument("--output-dir", help="where the fine-tuned model and tokenizer are saved")
    parser.add_argument("--languages", nargs="+", default=None,
                        help="languages whose tags are added (default: every language lrpo knows)")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--learning-rate", type=float, default=1e-5)
    parser.add_argument("--batch-size", type=int, default=8, help="per device")
    parser.add_argument("--gradient-accumulation-steps", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=1024, help="tokens of prompt and response")
    parser.add_argument("--max-steps", type=int, default=-1, help="> 0: stop after this many steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--report-to", default="none", help="TRL/transformers report_to (e.g. tensorboard)")
    parser.add_argument("--from-task", default=None, help="write records from this task's solutions (arith)")
    parser.add_argument("--write-data", default=None, help="with --from-task: the JSONL to write, then stop")
    parser.add_argument("--prompts", type=int, default=420, help="with --from-task: questions drawn")
    return parser


def main(argv=None) -> int:
    """Run the command; 2 with one line on stderr for a missing flag or bad data (file:line)."""
    from lrpo.tasks import get_task
    from lrpo.training.warmstart import read_records, task_records, warm_start, write_records

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.from_task:
            if not args.write_data:
                raise ValueError("--from-task needs --write-data FILE")
            task = get_task(args.from_task)
            records = task_records(task, args.languages or list(task.languages), args.prompts, seed=args.seed)
            print(f"wrote {len(records)} records to {write_records(records, args.write_data)}")
            return 0
        missing = [flag for flag, value in (("--model", args.model), ("--data", args.data),
                                            ("--output-dir", args.output_dir)) if not value]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        records = read_records(args.data)
    except (ValueError, FileNotFoundError) as error:
        print(f"python -m lrpo.warmstart: error: {error}", file=sys.stderr)
        return 2
    output = warm_start(args.model, records, args.output_dir, languages=args.languages, epochs=args.epochs,
                        learning_rate=args.learning_rate, batch_size=args.batch_size,
                        gradient_accumulation_steps=args.gradient_accumulation_steps, max_length=args.max_length,
                        max_steps=args.max_steps, seed=args.seed, bf16=args.bf16, report_to=args.report_to)
    print(f"warm-started model saved to {output}; train with: python -m lrpo.train --model {output} "
          "--language_cue tag ...")
    return 0


if __name__ == "__main__":
    sys.exit(main())
