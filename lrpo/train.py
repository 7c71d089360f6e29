"""``python -m lrpo.train``: LRPO (or GRPO, or a fixed language mix) on a task.

    python -m lrpo.train --task mgsm --data-dir ../shared/data --method lrpo \\
        --model Qwen/Qwen2.5-1.5B-Instruct --config configs/paper.yaml --output-dir runs/mgsm-lrpo

Every field of ``LRPOConfig`` (TRL's GRPOConfig plus LRPO's) is a flag; a YAML
preset given with ``--config`` (a path, or a preset name: ``tiny`` — the
default, CPU-sized, on the offline ``arith_cot`` world — ``quick`` or ``paper``)
sets defaults that flags override. The whole configuration is checked before a
model is loaded. The run leaves in its output directory the model, the router
state, ``manifest.json`` (resolved config, package versions, seed, git commit),
TRL's checkpoints (each with the router state; ``--resume_from_checkpoint true``
continues the latest complete one), and then (see ``lrpo.training.pipeline``) the
scorecard with its GRPO comparison, plots, and rows in ``runs/leaderboards/``
(``--leaderboard_dir``). A GRPO baseline trained for the comparison trains at the same
time as the run, in a child process, on a CPU with two cores or more (its output in
``<output_dir>-grpo-baseline/train.log``; ``--baseline_parallel false``: after the run).
An output directory holding another run is refused unless ``--overwrite_output_dir true``
or ``--resume_from_checkpoint true``.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")


PROG = "python -m lrpo.train"


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The module docstring as written, and each flag's default after its help."""


def help_parser():
    """The parser that ``--help`` prints: the shorthands, then LRPO's own fields (task,
    planner, router, reward, evaluation) with their help text, then the GRPOConfig and
    TrainingArguments fields TRL inherits. Parsing itself is TRL's parser over the same
    dataclass (``lrpo.training.config.parse_config``), so the two cannot disagree on a flag."""
    import dataclasses
    import typing

    from transformers import HfArgumentParser
    from trl import GRPOConfig

    from lrpo.training.config import DEFAULT_PRESET, LRPOConfig

    # A short usage line: argparse's own lists all ~300 flags before the first help text.
    parser = HfArgumentParser(prog=PROG, usage=f"{PROG} [--config PRESET_OR_YAML | --quick] [--no-baseline] "
                              "[--FIELD VALUE ...]", description=__doc__.split("\n\n", 2)[2],
                              formatter_class=HelpFormatter)
    shorthands = parser.add_argument_group("configuration and shorthands")
    # SUPPRESS: no "(default: ...)" after a shorthand; --config says its default itself.
    shorthands.add_argument("--config", metavar="PRESET_OR_YAML", default=argparse.SUPPRESS, help=(
        f"A preset name (tiny, quick, paper) or a YAML file of LRPOConfig fields; flags override it. "
        f"Default: {DEFAULT_PRESET}."))
    shorthands.add_argument("--quick", action="store_true", default=argparse.SUPPRESS, help=(
        "Same as --config quick: the whole pipeline in about 3 minutes on a CPU (a smaller tiny model, "
        "10 steps)."))
    shorthands.add_argument("--no-baseline", action="store_true", default=argparse.SUPPRESS,
                            help="Same as --baseline none.")
    hints = typing.get_type_hints(LRPOConfig)
    inherited = {f.name for f in dataclasses.fields(GRPOConfig)}
    own = parser.add_argument_group("LRPO: task, rollout planner, language router, reward, evaluation")
    trl = parser.add_argument_group("TRL GRPOConfig and Transformers TrainingArguments")
    for group, wanted in ((own, False), (trl, True)):
        for f in dataclasses.fields(LRPOConfig):
            if f.init and (f.name in inherited) == wanted:
                f.type = hints[f.name]  # as HfArgumentParser does: the resolved annotation
                HfArgumentParser._parse_dataclass_field(group, f)
    return parser


def quiet_library_progress_bars() -> None:
    """Turn off Transformers' own bars (loading and writing weights): the one written at
    every checkpoint broke into TRL's training bar mid-line. The hub's download bars stay."""
    from huggingface_hub.utils import enable_progress_bars
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # also the hub's ...
    enable_progress_bars()  # ... which come before training and show a long download's progress


def main(argv=None) -> int:
    """Run the command; 2 with one line on stderr naming the field or file for a setting
    found wrong before training starts (config, directories, checkpoint to resume).
    ``-h`` / ``--help`` prints ``help_parser()``'s help and returns 0."""
    from lrpo.training.config import check_data_files, parse_config
    from lrpo.training.parallel_baseline import baseline_alongside
    from lrpo.training.pipeline import check_before_training, check_directories, run
    from lrpo.training.setup import resolve_model

    argv = list(sys.argv[1:] if argv is None else argv)
    if "-h" in argv or "--help" in argv:
        help_parser().print_help()
        return 0
    quiet_library_progress_bars()
    try:
        config = parse_config(argv)
        check_data_files(config)  # records of open_ended: a bad line fails here, not after the model loads
        check_directories(config)  # before a tiny model is built, which takes minutes
        model = resolve_model(config)
        check_before_training(config, model)
    except (ValueError, FileNotFoundError) as e:
        print(f"python -m lrpo.train: error: {e}", file=sys.stderr)
        return 2

    def derive_config(**overrides):
        flags = [item for key, value in overrides.items() for item in (f"--{key}", str(value))]
        return parse_config(argv + flags)  # later flags win

    # A GRPO baseline the run needs may train meanwhile, as this command with the baseline's flags.
    run(config, model, derive_config, alongside=baseline_alongside(config, model, argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
