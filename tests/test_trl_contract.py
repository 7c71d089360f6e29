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


def test_router_learning_signal_agrees_with_trls_zero_std_groups(tmp_path, data_dir):
    """The router's ``learning`` signal (a group with unequal rewards gives a gradient) is
    computed from the gathered rewards the router receives; TRL computes its own zero-std
    mask from the same rewards but keeps it local to _generate_and_score_completions. Every
    step, the share of the router's records with signal 0 must equal TRL's logged
    ``frac_reward_zero_std``."""
    from lrpo.languages import get_language
    from lrpo.tasks import get_task
    from lrpo.training.config import LRPOConfig
    from tests.tiny_model import build_random_tiny_model

    task = get_task("mgsm")
    examples = task.load("train", ["de", "en"], data_dir=data_dir, limit=20)
    model = build_random_tiny_model(tmp_path / "model", [task.prompt(ex, "en")[0]["content"] for ex in examples])
    config = LRPOConfig(
        output_dir=str(tmp_path / "run"), task="mgsm", data_dir=str(data_dir), train_languages=["de", "en"],
        train_limit=8, method="lrpo", router_signal="learning", num_generations=4, k_on=1,
        per_device_train_batch_size=16, max_completion_length=8, max_steps=4, learning_rate=1e-3, beta=0.0,
        use_cpu=True, bf16=False, report_to="none", logging_steps=1, save_strategy="no", seed=0,
        disable_tqdm=True, router_update_every=1)

    def coin(prompts, completions, example, response_lang, **_):
        # Rewards that differ within some groups and not within others (a random model's
        # completions would all score 0): one bit of each completion's text.
        get_language(response_lang[0])
        return [float(len(str(c)) % 2) for c in completions]

    trainer = LRPOTrainer.from_config(config, str(model), reward_funcs=[coin])
    zero_signal_shares = []
    update = trainer.router.update

    def recording_update(records):
        records = list(records)
        signals = trainer.router._signal_values([trainer.router._parse_record(r) for r in records])
        zero_signal_shares.append(signals.count(0.0) / len(signals))
        update(records)

    trainer.router.update = recording_update
    trainer.train()
    logged = [entry["frac_reward_zero_std"] for entry in trainer.state.log_history
              if "frac_reward_zero_std" in entry]
    assert len(logged) == len(zero_signal_shares) == 4
    assert zero_signal_shares == pytest.approx(logged)
    assert 0 < sum(logged) < len(logged)  # both kinds of groups occurred: the comparison could fail
