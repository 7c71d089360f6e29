"""The model card (``README.md``) of a trained run's output directory.

TRL writes one when the model is saved, but names the base model only when it is a
hub id that is not a local directory: for the tiny offline model (a directory in the
cache) or any local model it says "a fine-tuned version of [None]" and its quick
start loads ``model="None"``. ``write_model_card`` replaces it with one that names
the base model (its leaderboard label and where it was loaded from), the method,
task, seed, steps and rollouts, and points to the run's scorecard and manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lrpo.training.config import LRPOConfig


# What each method's rollouts are, in a sentence (lrpo.router.planner.METHODS).
METHODS = {
    "lrpo": "LRPO: GRPO whose rollouts are answered in response languages chosen by a learned language router",
    "grpo": "GRPO: every rollout in the question's language",
    "uniform": "GRPO with response languages drawn uniformly",
    "input-dominant": "GRPO with most rollouts in the question's language",
    "en-dominant": "GRPO with most rollouts in English",
}


def model_card(config: LRPOConfig, model: str, label: str, global_step: int, rollouts: int) -> str:
    """The card's Markdown. ``model``: the base model's id or directory as loaded;
    ``label``: its leaderboard name (``lrpo.training.pipeline.model_label``);
    ``global_step`` / ``rollouts``: optimizer steps and rollouts generated in training."""
    hub_id = config.model if config.model and not Path(config.model).exists() else None
    front = ["---", "library_name: transformers", "tags: [lrpo, grpo, trl]"]
    if hub_id:  # the hub's metadata field takes a hub id only
        front.insert(1, f"base_model: {hub_id}")
    where = "" if label == model else f" (loaded from `{model}`)"
    return "\n".join([
        *front, "---", "",
        f"# {Path(config.output_dir).name}", "",
        f"Fine-tuned from the base model `{label}`{where} by `python -m lrpo.train`, method "
        f"`{config.method}` ({METHODS.get(config.method, 'a fixed mix of response languages')}), on task "
        f"`{config.task}` (split `{config.train_split}`), seed {config.seed}: {global_step} optimizer steps, "
        f"{rollouts} rollouts.", "",
        "- `manifest.json`: the resolved configuration, package versions, git commit and configuration hash;",
        "- `scorecard.json`: per-language accuracy and language fidelity on the evaluation split, with the "
        "GRPO baseline's (written after evaluation);",
        "- `lrpo_router.json`: the language router's state (method `lrpo`).", "",
        "```python",
        "from transformers import AutoModelForCausalLM, AutoTokenizer",
        f'model = AutoModelForCausalLM.from_pretrained("{config.output_dir}")',
        f'tokenizer = AutoTokenizer.from_pretrained("{config.output_dir}")',
        "```", "",
    ])


def write_model_card(config: LRPOConfig, model: str, label: str, global_step: int, rollouts: int) -> Path:
    """Write ``model_card(...)`` to ``<output_dir>/README.md`` (replacing TRL's); its path."""
    path = Path(config.output_dir) / "README.md"
    path.write_text(model_card(config, model, label, global_step, rollouts), encoding="utf-8")
    return path
