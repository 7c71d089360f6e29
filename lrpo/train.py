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
continues the latest one), and then (see ``lrpo.pipeline``) the scorecard with
its GRPO comparison, plots, and rows in ``leaderboards/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

DEFAULT_OUTPUT_DIR = "trainer_output"  # TrainingArguments' own default, replaced below
PRESETS_DIR = Path(__file__).resolve().parent / "presets"
DEFAULT_PRESET = "tiny"


def preset_path(name_or_path: str) -> str:
    """A preset name ("tiny", "quick", "paper") or a YAML path."""
    candidate = PRESETS_DIR / f"{name_or_path}.yaml"
    if candidate.is_file():
        return str(candidate)
    if not Path(name_or_path).is_file():
        names = sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))
        raise FileNotFoundError(f"--config {name_or_path!r}: no such file or preset (presets: {', '.join(names)})")
    return name_or_path


def normalize_argv(argv) -> list[str]:
    """Shorthands: ``--quick`` is ``--config quick``; ``--no-baseline`` is
    ``--baseline none``; without ``--config`` the ``tiny`` preset (CPU-sized) applies."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--quick" in argv:
        argv.remove("--quick")
        argv = ["--config", "quick", *argv]
    argv = [part for arg in argv for part in (["--baseline", "none"] if arg in ("--no-baseline", "--no_baseline")
                                             else [arg])]
    if "--config" in argv:
        index = argv.index("--config") + 1
        if index < len(argv):
            argv[index] = preset_path(argv[index])
    else:
        argv = ["--config", preset_path(DEFAULT_PRESET), *argv]
    return argv


def parse_config(argv=None):
    """The validated config from flags and a YAML preset (no model is loaded)."""
    from trl import TrlParser

    from lrpo.config import LRPOConfig

    parser = TrlParser(LRPOConfig)
    (config,) = parser.parse_args_and_config(args=normalize_argv(argv))
    if config.output_dir in (None, DEFAULT_OUTPUT_DIR):
        config.output_dir = str(Path("runs") / f"{config.task}-{_slug(config.method)}-seed{config.seed}")
    return config


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)


def resolve_model(config) -> str:
    """The model to train: the configured id or directory, else the tiny offline model."""
    if config.model:
        return config.model
    from lrpo.models.tiny import build_tiny_model, tiny_model_config

    return str(build_tiny_model(tiny_model_config(config.tiny_model)))


def build_trainer(config, model: str | None = None):
    from datasets import Dataset

    from lrpo.tasks import get_task
    from lrpo.trainer import LRPOTrainer
    from lrpo.training_setup import build_train_rows, candidate_languages
    from lrpo.trl_reward import TaskReward

    task = get_task(config.task)
    rows = build_train_rows(config, task)
    if not rows:
        raise ValueError(f"task {config.task!r} split {config.train_split!r} gave no training questions")
    # The gate tells apart the languages in play: the task's and the planner's candidates.
    gate_languages = sorted(set(task.languages) | set(candidate_languages(config, task)))
    reward = TaskReward(task, gate=config.gate, format_weight=config.format_weight, candidates=gate_languages)
    return LRPOTrainer(model=model or resolve_model(config), reward_funcs=[reward], args=config,
                       train_dataset=Dataset.from_list(rows))


def main(argv=None) -> int:
    from lrpo.pipeline import run

    argv = list(sys.argv[1:] if argv is None else argv)
    config = parse_config(argv)

    def derive_config(**overrides):
        flags = [item for key, value in overrides.items() for item in (f"--{key}", str(value))]
        return parse_config(argv + flags)  # later flags win

    run(config, resolve_model(config), derive_config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
