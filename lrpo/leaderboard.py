"""``python -m lrpo.leaderboard``: render, append to and import into the leaderboards.

    python -m lrpo.leaderboard render mgsm              # re-render leaderboards/mgsm.md from mgsm.csv
    python -m lrpo.leaderboard append runs/x/scorecard.json --rollout-budget 6400   # into runs/leaderboards/
    python -m lrpo.leaderboard import-lm-eval runs/lm-eval     # lm_eval's results_*.json of lrpo_* tasks
    python -m lrpo.leaderboard import-lm-eval runs/gmmlu --scorecard-dir runs/x/benchmarks --no-leaderboard
    python -m lrpo.leaderboard migrate leaderboards/arith.csv --response-lang same --cue instruction

``render`` works on the committed ``leaderboards/`` by default; ``append`` and
``import-lm-eval`` record a user's own runs in ``runs/leaderboards/`` (git-ignored)
unless ``--dir`` says otherwise. The rollout budget is the rollouts generated in
training, in total (per step x steps), as ``python -m lrpo.train`` records it.

The leaderboards themselves (files, locking) are ``lrpo.evaluation.leaderboard``, their Markdown
``lrpo.evaluation.leaderboard_markdown`` and the import ``lrpo.evaluation.lm_eval_import``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from lrpo.evaluation.leaderboard import DEFAULT_DIR, USER_DIR, append_scorecard, migrate, render
from lrpo.evaluation.lm_eval_import import LM_EVAL_METHOD, import_lm_eval, write_lm_eval_scorecards

BUDGET_HELP = "rollouts generated in training, in total (per step x steps); omit for an untrained model"

# Command line


def _render_command(args) -> int:
    print(render(args.task, args.dir))
    return 0


def _append_command(args) -> int:
    try:
        scorecard = json.loads(Path(args.scorecard).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ValueError(f"{args.scorecard}: not a scorecard (not JSON: {e})") from None
    path = append_scorecard(scorecard, args.dir, run_id=args.run_id, rollout_budget=args.rollout_budget,
                            model_label=args.model_label, config_hash=args.config_hash)
    print(path or f"a run with configuration hash {args.config_hash} is already on the leaderboard: not added")
    return 0


def _migrate_command(args) -> int:
    print(migrate(args.csv, response_lang=args.response_lang, cue=args.cue))
    return 0


def _import_lm_eval_command(args) -> int:
    seen = [code for value in args.seen_languages for code in value.split(",") if code] if args.seen_languages \
        else None
    if args.scorecard_dir:
        for path in write_lm_eval_scorecards(args.results_dir, args.scorecard_dir, seen_languages=seen,
                                             method=args.method, data_label=args.data_label):
            print(f"scorecard: {path}")
    elif args.no_leaderboard:
        raise SystemExit("import-lm-eval: --no-leaderboard writes nothing without --scorecard-dir")
    if args.no_leaderboard:
        return 0
    for run_id, path in import_lm_eval(args.results_dir, args.dir, method=args.method,
                                       rollout_budget=args.rollout_budget, model_label=args.model_label,
                                       seen_languages=seen):
        print(f"{run_id}: {path}" if path else f"{run_id}: already on the leaderboard, skipped")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Subcommands each set ``func``; a new one is one more ``add_parser`` block."""
    parser = argparse.ArgumentParser(prog="python -m lrpo.leaderboard", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    render_parser = commands.add_parser("render", help="re-render <task>.md from <task>.csv")
    render_parser.add_argument("task")
    render_parser.add_argument("--dir", default=DEFAULT_DIR, help=f"leaderboard directory ({DEFAULT_DIR})")
    render_parser.set_defaults(func=_render_command)

    append_parser = commands.add_parser("append", help="append a scorecard.json to its task's leaderboard")
    append_parser.add_argument("scorecard", help="path to a scorecard.json")
    append_parser.add_argument("--dir", default=USER_DIR, help=f"leaderboard directory (default: {USER_DIR})")
    append_parser.add_argument("--run-id", default=None)
    append_parser.add_argument("--rollout-budget", type=int, default=None, help=BUDGET_HELP)
    append_parser.add_argument("--config-hash", default=None,
                               help="the run's identity; a run with this hash already there is not added again")
    append_parser.add_argument("--model-label", default=None, help="model name to list instead of the path")
    append_parser.set_defaults(func=_append_command)

    import_parser = commands.add_parser(
        "import-lm-eval", help="append the results of lm_eval runs (lrpo_* tasks, global_mmlu_<code>, "
                               "include_base_44_<language>); optionally write them as scorecards")
    import_parser.add_argument("results_dir", help="lm_eval --output_path (results_*.json searched recursively)")
    import_parser.add_argument("--dir", default=USER_DIR, help=f"leaderboard directory (default: {USER_DIR})")
    import_parser.add_argument("--method", default=LM_EVAL_METHOD, help="method to list the runs under")
    import_parser.add_argument("--rollout-budget", type=int, default=None, help=BUDGET_HELP)
    import_parser.add_argument("--model-label", default=None, help="model name to list instead of the path")
    import_parser.add_argument("--seen-languages", nargs="+", default=None,
                               help="languages trained on (space- or comma-separated); the paper's rule is its "
                                    "15 router candidates, the default for global_mmlu / include (lrpo_*: "
                                    "unknown)")
    import_parser.add_argument("--scorecard-dir", default=None,
                               help="also write each (task, split) as DIR/<task>[-<split>]/scorecard.json")
    import_parser.add_argument("--data-label", default=None,
                               help="what the benchmark data were (e.g. 'mGSM-v2 (DIR)'), kept in the scorecards")
    import_parser.add_argument("--no-leaderboard", action="store_true",
                               help="with --scorecard-dir: write the scorecards only, append nothing")
    import_parser.set_defaults(func=_import_lm_eval_command)

    migrate_parser = commands.add_parser("migrate", help="add the columns of the current schema to an older CSV")
    migrate_parser.add_argument("csv", help="path to a <task>.csv of the previous schema")
    migrate_parser.add_argument("--response-lang", required=True,
                                help="the response language its runs asked for: 'same' or a code")
    migrate_parser.add_argument("--cue", required=True, help="how its runs asked for it: instruction or tag")
    migrate_parser.set_defaults(func=_migrate_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; 2 with one line on stderr naming the file or field for bad input
    (a missing file, a scorecard or results file that cannot be read)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError) as e:  # json.JSONDecodeError is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
