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
continues the latest one), and then (see ``lrpo.training.pipeline``) the scorecard with
its GRPO comparison, plots, and rows in ``leaderboards/``.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main(argv=None) -> int:
    from lrpo.training.config import parse_config
    from lrpo.training.pipeline import run
    from lrpo.training.setup import resolve_model

    argv = list(sys.argv[1:] if argv is None else argv)
    config = parse_config(argv)

    def derive_config(**overrides):
        flags = [item for key, value in overrides.items() for item in (f"--{key}", str(value))]
        return parse_config(argv + flags)  # later flags win

    run(config, resolve_model(config), derive_config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
