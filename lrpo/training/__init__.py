"""Training: LRPO and GRPO on TRL's GRPOTrainer, and what a run does around it.

- ``config``: ``LRPOConfig`` (TRL's GRPOConfig plus the task, planner, router,
  reward and evaluation fields), presets, and parsing a command line into it.
- ``setup``: from a config to the pieces of a run (router, planner, training
  set, reward, the model to train), built once per run.
- ``trl_reward``: the adapter that gives TRL the language-gated task reward.
- ``trainer``: ``LRPOTrainer``, the three TRL overrides (per-rollout language
  and prompt, router update from the gathered rewards, vLLM server prompts).
- ``pipeline``: everything after training (scoring, the GRPO baseline,
  comparison table, leaderboard rows, plots); ``model_card``: the run's README.
- ``warmstart``: the SFT warm start that teaches the ``<|out_lang_xx|>`` tags
  (command line: ``python -m lrpo.warmstart``).

Command line: ``python -m lrpo.train``. Names are imported on first use, so
``import lrpo.training.config`` does not import the trainer.
"""

from importlib import import_module

_EXPORTS = {"LRPOConfig": "lrpo.training.config", "LRPOTrainer": "lrpo.training.trainer"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lrpo.training' has no attribute {name!r}")
