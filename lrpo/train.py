"""``python -m lrpo.train``: LRPO (or GRPO, or a fixed language mix) on a task.

    python -m lrpo.train --task mgsm --data-dir ../shared/data --method lrpo \\
        --model Qwen/Qwen2.5-1.5B-Instruct --config configs/paper.yaml --output-dir runs/mgsm-lrpo

Every field of ``LRPOConfig`` (TRL's GRPOConfig plus LRPO's) is a flag; a YAML
preset given with ``--config`` (a path, or a preset name: ``tiny`` — the
default, CPU-sized, on the offline ``arith`` world — ``quick`` or ``paper``)
sets defaults that flags override. The whole configuration is checked before a
model is loaded. The run leaves in its output directory the model, the router
state, ``manifest.json`` (resolved config, package versions, seed, git commit),
TRL's checkpoints (each with the router state; ``--resume_from_checkpoint true``
continues the latest complete one), and then (see ``lrpo.training.pipeline``) the
scorecard with its GRPO comparison, plots, and rows in ``runs/leaderboards/``
(``--leaderboard_dir``). An output directory holding another run is refused unless
``--overwrite_output_dir true`` or ``--resume_from_checkpoint true``.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main(argv=None) -> int:
    """Run the command; 2 with one line on stderr naming the field or file for a setting
    found wrong before training starts (config, directories, checkpoint to resume)."""
    from lrpo.training.config import parse_config
    from lrpo.training.pipeline import check_before_training, check_directories, run
    from lrpo.training.setup import resolve_model

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        config = parse_config(argv)
        check_directories(config)  # before a tiny model is built, which takes minutes
        model = resolve_model(config)
        check_before_training(config, model)
    except (ValueError, FileNotFoundError) as e:
        print(f"python -m lrpo.train: error: {e}", file=sys.stderr)
        return 2

    def derive_config(**overrides):
        flags = [item for key, value in overrides.items() for item in (f"--{key}", str(value))]
        return parse_config(argv + flags)  # later flags win

    run(config, model, derive_config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
