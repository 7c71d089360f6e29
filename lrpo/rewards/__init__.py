"""Rewards: how good a rollout is, and whether it is in the language asked for.

- ``gated_reward``: ``LanguageGate`` and ``LanguageGatedReward`` (r = quality ×
  gate + format weight), ``VerifierReward``, ``ChrFReward``.
- ``lid``: language identification restricted to the languages in play.
- ``similarity``: the paper's calibrated cross-lingual similarity reward;
  ``encoders``: the sentence encoders it uses.
- ``calibration``: per-language-pair calibration tables from parallel text
  (command line: ``python -m lrpo.calibrate``).

    from lrpo.rewards import LanguageGate, LanguageGatedReward, detect_language
"""

from lrpo.rewards.gated_reward import (
    ChrFReward,
    LanguageGate,
    LanguageGatedReward,
    RewardBreakdown,
    VerifierReward,
)
from lrpo.rewards.lid import detect_language

__all__ = ["ChrFReward", "LanguageGate", "LanguageGatedReward", "RewardBreakdown", "VerifierReward",
           "detect_language"]
