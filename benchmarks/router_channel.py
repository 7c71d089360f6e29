"""Does the router see the channel? An LRPO run's final router probabilities per
question language beside the base model's accuracy by response language.

In the ``arith_cot`` world the response language decides what the model can do
(``benchmarks/arith_cot_channel.py --response-langs all`` measures it: the
channel matrix, question language x response language). A reward-driven router
whose context includes the question language (``--router_context qlang`` or
``topic,qlang``) should come to prefer, for each question language, the response
languages that earn more reward. For every ``qlang:xx`` row this prints the
router's probabilities over its candidates next to that row of the matrix and
their Spearman rank correlation (pandas), then the mean correlation.

    python benchmarks/router_channel.py --run runs/arith_cot-lrpo-seed0 \
        --channel runs/channel/channel.json

``--run`` is a run's output directory (or a checkpoint): the router state is
its ``lrpo_router.json``, else that of its last ``checkpoint-*``. A context that
holds the question language alone is read as is; with more context fields the
probabilities of every context key combination seen in training that contains
``qlang:xx`` are averaged. Raises SystemExit naming the file when the state or
the matrix is missing, or when the router has no question-language context.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from lrpo.router.language_router import LanguageRouter

STATE_FILE = "lrpo_router.json"


def router_state_path(run: Path) -> Path:
    """``run``'s router state, else that of its last checkpoint (by step)."""
    if (run / STATE_FILE).is_file():
        return run / STATE_FILE
    checkpoints = sorted(run.glob("checkpoint-*/" + STATE_FILE), key=lambda p: int(p.parent.name.split("-")[-1]))
    if not checkpoints:
        raise SystemExit(f"{run}: no {STATE_FILE} in the run or any checkpoint-* (was it an lrpo run?)")
    return checkpoints[-1]


def probabilities_by_question_language(router: LanguageRouter) -> dict[str, dict[str, float]]:
    """{question language: {response language: probability}} from the router's
    ``qlang:`` rows (each row read as the context of its key alone)."""
    rows = [key for key in router.state_dict()["rows"] if key.startswith("qlang:")]
    return {key.split(":", 1)[1]: router.probs((key,)) for key in sorted(rows)}


def compare(probs: dict[str, dict[str, float]], matrix: dict[str, dict[str, float]]) -> pd.DataFrame:
    """One row per question language in both: the Spearman correlation between the
    router's probabilities and the channel row over the router's candidates, the
    router's top language and the channel's best."""
    records = []
    for lang, row in probs.items():
        if lang not in matrix:
            continue
        candidates = [r for r in row if r in matrix[lang]]
        frame = pd.DataFrame({"router": [row[r] for r in candidates],
                              "channel": [matrix[lang][r] for r in candidates]}, index=candidates)
        best = frame["channel"].idxmax()
        records.append({"question": lang, "spearman": frame["router"].corr(frame["channel"], method="spearman"),
                        "router top": frame["router"].idxmax(), "p(top)": frame["router"].max(),
                        "channel best": best, "p(channel best)": row[best], "candidates": len(candidates)})
    return pd.DataFrame.from_records(records).set_index("question")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", required=True, type=Path, help="an lrpo run's output directory or checkpoint")
    parser.add_argument("--channel", required=True, type=Path,
                        help="channel.json of benchmarks/arith_cot_channel.py with --response-langs all")
    args = parser.parse_args(argv)
    state_path = router_state_path(args.run)
    router = LanguageRouter.from_state_dict(json.loads(state_path.read_text()))
    if not args.channel.is_file():
        raise SystemExit(f"{args.channel}: no such file")
    matrix = json.loads(args.channel.read_text())["matrix"]
    probs = probabilities_by_question_language(router)
    if not probs:
        raise SystemExit(f"{state_path}: the router has no qlang: rows; train with --router_context qlang")
    table = compare(probs, matrix)
    if table.empty:
        raise SystemExit(f"{args.channel}: no question language in common with the router's rows")
    languages = list(router.languages)
    print(f"router: {state_path} (step {router.step}); channel: {args.channel}\n")
    print("| question | " + " | ".join(languages) + " |")
    print("|" + " --- |" * (len(languages) + 1))
    for lang in table.index:
        print(f"| {lang} router | " + " | ".join(f"{probs[lang][r]:.2f}" for r in languages) + " |")
        print(f"| {lang} channel | " + " | ".join(
            f"{100 * matrix[lang][r]:.0f}" if r in matrix[lang] else "" for r in languages) + " |")
    print()
    columns = list(table.columns)
    print("| question | " + " | ".join(columns) + " |\n|" + " --- |" * (len(columns) + 1))
    for lang, row in table.iterrows():
        print(f"| {lang} | " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row) + " |")
    print(f"\nmean Spearman correlation over {len(table)} question languages: {table['spearman'].mean():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
