"""``python -m lrpo.data``: prepare open-ended records from public datasets, and label them.

    python -m lrpo.data prepare helpsteer3 --out DIR [--split train] [--data-files FILE ...]
    python -m lrpo.data prepare care --out DIR [--care-reference chosen|answer]
    python -m lrpo.data prepare care_pro --out DIR
    python -m lrpo.data label --endpoint http://localhost:8000/v1 --model NAME IN.jsonl OUT.jsonl

``prepare`` writes ``DIR/<name>-<split>.jsonl`` and its ``.meta.json``
(``lrpo.data.converters``); ``label`` fills in missing topics and regions
(``lrpo.data.labeller``) and records the labeller in OUT's metadata. Exit status 1
when some records could not be labelled (they are written unlabelled; rerunning
asks only for them, the other answers are cached).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lrpo.data.converters import CARE_REFERENCES, SOURCES, prepare
from lrpo.data.endpoint import add_endpoint_arguments
from lrpo.data.schema import count_by, read_meta, read_records, write_records
from lrpo.tasks.data import DataError


def _default_cache() -> Path:
    # $LRPO_CACHE_DIR as lrpo.models.tiny reads it (not imported here: it loads torch).
    return Path(os.environ.get("LRPO_CACHE_DIR") or Path.home() / ".cache" / "lrpo") / "labels.jsonl"


def _prepare(args) -> int:
    options = {"reference": args.care_reference} if args.name == "care" else {}
    records, meta = prepare(args.name, args.split, args.data_files, **options)
    path = write_records(Path(args.out) / f"{args.name}-{args.split}.jsonl", records, meta)
    print(f"wrote {len(records)} records to {path}; languages {count_by(records, 'lang')}")
    skipped = meta["counts"].get("skipped_languages")
    if skipped:
        print(f"skipped rows in languages outside lrpo.languages: {skipped}", file=sys.stderr)
    return 0


def _label(args) -> int:
    from lrpo.data.endpoint import ChatEndpoint
    from lrpo.data.labeller import label_records

    records = read_records(args.input)
    endpoint = ChatEndpoint(args.endpoint, args.model, api_key=args.api_key, concurrency=args.concurrency,
                            max_attempts=args.max_attempts, timeout_s=args.timeout, backoff_s=args.backoff,
                            cache=None if args.no_cache else (args.cache or _default_cache()))
    labelled, label_meta = label_records(records, endpoint, progress=not args.quiet)
    write_records(args.output, labelled, {**read_meta(args.input), **label_meta})
    counts = label_meta["label_counts"]
    print(f"labelled {counts['asked'] - counts['failed']} records ({counts['kept']} kept their labels, "
          f"{counts['failed']} failed, {counts['requests']} requests) -> {args.output}; "
          f"topics {count_by(labelled, 'topic')}")
    for failure in label_meta["label_failures"][:5]:
        print(f"  failed {failure['id']} ({failure['lang']}): {failure['error']}", file=sys.stderr)
    return 1 if counts["failed"] else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lrpo.data", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("prepare", help="convert a public dataset into open-ended records")
    p.add_argument("name", choices=sorted(SOURCES))
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--split", default="train", help="hub split (default: train)")
    p.add_argument("--data-files", nargs="+", default=None,
                   help="local JSON/JSONL/Parquet files in the dataset's own schema instead of the hub")
    p.add_argument("--care-reference", choices=CARE_REFERENCES, default="chosen",
                   help="CARE only: the highest-rated response (chosen, default) or the answer field")

    q = commands.add_parser("label", help="add topic and region labels with an LLM")
    q.add_argument("input", help="records (JSONL)")
    q.add_argument("output", help="labelled records (JSONL)")
    q.add_argument("--endpoint", required=True, help="OpenAI-compatible base URL, e.g. http://localhost:8000/v1")
    q.add_argument("--model", required=True, help="the labelling model's name at the endpoint")
    add_endpoint_arguments(q, what="labelling requests", timeout_s=60.0)
    q.add_argument("--cache", default=None, help="answer cache (default $LRPO_CACHE_DIR/labels.jsonl)")
    q.add_argument("--no-cache", action="store_true", help="keep answers in memory only")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        return _prepare(args) if args.command == "prepare" else _label(args)
    except (DataError, ValueError, FileNotFoundError, RuntimeError) as e:
        parser.exit(2, f"error: {e}\n")


if __name__ == "__main__":
    sys.exit(main())
