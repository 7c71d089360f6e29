"""The private TRL methods LRPOTrainer overrides keep the signatures it was written against.

LRPO hooks three private methods of TRL's GRPOTrainer (see lrpo.training.trainer).
A TRL release that renames or re-orders their parameters would make the override
silently receive the wrong arguments, or never be called; this test fails first,
naming the method to re-read before the ``trl`` pin is widened.
"""

import inspect

import pytest
from trl import GRPOTrainer

from lrpo.training.trainer import LRPOTrainer

# Parameter names as of TRL 1.16 (the pin in pyproject.toml).
PINNED = {
    "_generate_and_score_completions": ["self", "inputs"],
    "_calculate_rewards": ["self", "inputs", "prompts", "completions", "completion_ids_list"],
    "_generate_single_turn": ["self", "prompt_ids", "images", "multimodal_fields", "num_generations",
                              "has_tool_images"],
}


@pytest.mark.parametrize("method", sorted(PINNED))
def test_trl_signature_is_the_one_the_override_copies(method):
    trl_params = list(inspect.signature(getattr(GRPOTrainer, method)).parameters)
    assert trl_params == PINNED[method], (
        f"TRL changed GRPOTrainer.{method}{inspect.signature(getattr(GRPOTrainer, method))}: "
        f"LRPOTrainer.{method} copies {PINNED[method]}; re-read TRL's method and update the override")
    ours = list(inspect.signature(getattr(LRPOTrainer, method)).parameters)
    assert ours == trl_params


def test_overrides_call_the_trl_methods_they_replace():
    # Each override wraps TRL's method rather than replacing its body.
    for method in PINNED:
        assert f"super().{method}(" in inspect.getsource(getattr(LRPOTrainer, method)), method


def test_the_gathered_reward_contract_is_documented_by_trl():
    # _calculate_rewards must return the rewards of every rank (the router update relies on it).
    source = inspect.getsource(GRPOTrainer._generate_and_score_completions)
    assert "rewards_per_func aggregates rewards across all processes" in source
