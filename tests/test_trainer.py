"""Real TRL training steps of LRPO and GRPO on a tiny model built offline."""

import json
from collections import Counter

import pytest

from lrpo.languages import get_language
from lrpo.tasks import get_task
from lrpo.training.config import LRPOConfig
from lrpo.training.trainer import ROUTER_STATE_FILE, LRPOTrainer
from lrpo.training.trl_reward import TaskReward, completion_text
from tests.tiny_model import build_random_tiny_model

TRAIN_LANGUAGES = ["de", "en", "ja", "zh"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, data_dir):
    task = get_task("mgsm")
    examples = task.load("train", TRAIN_LANGUAGES, data_dir=data_dir, limit=30)
    corpus = [task.prompt(ex, lang)[0]["content"] for ex in examples for lang in TRAIN_LANGUAGES]
    return build_random_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


def make_config(output_dir, data_dir, **overrides) -> LRPOConfig:
    settings = dict(
        output_dir=str(output_dir), task="mgsm", data_dir=str(data_dir), train_languages=TRAIN_LANGUAGES,
        train_limit=6, method="lrpo", num_generations=4, k_on=1, per_device_train_batch_size=8,
        max_completion_length=12, max_steps=3, learning_rate=1e-3, beta=0.0, use_cpu=True, bf16=False,
        report_to="none", logging_steps=1, save_strategy="no", router_update_every=1, seed=0,
        disable_tqdm=True,
    )
    settings.update(overrides)
    return LRPOConfig(**settings)


class RecordingReward(TaskReward):
    """The real reward, remembering what it was asked to score."""

    def __init__(self, task, **kwargs):
        super().__init__(task, **kwargs)
        self.calls = []

    def __call__(self, prompts, completions, example, response_lang, **kwargs):
        rewards = super().__call__(prompts, completions, example, response_lang, **kwargs)
        self.calls.append({"prompts": prompts, "completions": [completion_text(c) for c in completions],
                           "response_lang": list(response_lang), "question_lang": list(kwargs["question_lang"]),
                           "group": list(kwargs["group"]), "rewards": rewards})
        return rewards


def make_trainer(config, model_dir, reward=None):
    task = get_task(config.task)
    reward = reward or RecordingReward(task, candidates=TRAIN_LANGUAGES)
    return LRPOTrainer.from_config(config, str(model_dir), reward_funcs=[reward]), reward


def test_lrpo_routes_each_group_and_feeds_the_router(model_dir, data_dir, tmp_path):
    trainer, reward = make_trainer(make_config(tmp_path, data_dir), model_dir)
    trainer.train()
    assert trainer.state.global_step == 3
    assert len(reward.calls) == 3
    routed = 0
    for call in reward.calls:
        groups = {}
        for i, group in enumerate(call["group"]):
            groups.setdefault(group, []).append(i)
        assert len(groups) == 2 and all(len(members) == 4 for members in groups.values())
        for members in groups.values():
            question_lang = call["question_lang"][members[0]]
            languages = [call["response_lang"][i] for i in members]
            assert languages[0] == question_lang  # K_on = 1 in the question's language, first
            assert set(languages) <= set(TRAIN_LANGUAGES)
            routed += sum(lang != question_lang for lang in languages)
            for i in members:
                # The prompt asks, natively, for the rollout's own language.
                asked = get_language(call["response_lang"][i]).instruction
                assert call["prompts"][i][-1]["content"].endswith(
                    get_language(call["response_lang"][i]).finish_instruction("N"))
                assert asked in call["prompts"][i][-1]["content"]
    assert routed > 0
    # The rewards reached the router: one update per step, folded into the row of the
    # questions' context key.
    state = trainer.router.state_dict()
    assert state["step"] == 3 and list(state["rows"]) == ["topic:math"]


def test_router_learns_from_the_gathered_rewards(model_dir, data_dir, tmp_path):
    """A reward that pays only Japanese rollouts must raise the router's Japanese share."""

    def japanese_only(prompts, completions, response_lang, **_):
        return [1.0 if lang == "ja" else 0.0 for lang in response_lang]

    config = make_config(tmp_path, data_dir, max_steps=4, router_alpha=0.5, router_eps=0.0,
                         learning_rate=1e-6)
    trainer, _ = make_trainer(config, model_dir, reward=japanese_only)
    before = trainer.router.probs(("topic:math",))
    trainer.train()
    after = trainer.router.probs(("topic:math",))
    assert before["ja"] == pytest.approx(0.25)
    assert after["ja"] > 0.4 and after["ja"] == max(after.values())


def test_grpo_never_changes_the_response_language(model_dir, data_dir, tmp_path):
    trainer, reward = make_trainer(make_config(tmp_path, data_dir, method="grpo"), model_dir)
    trainer.train()
    assert trainer.router is None
    for call in reward.calls:
        assert call["response_lang"] == call["question_lang"]


def test_fixed_mix_uses_its_languages(model_dir, data_dir, tmp_path):
    trainer, reward = make_trainer(make_config(tmp_path, data_dir, method="en:1", k_on=1), model_dir)
    trainer.train()
    counts = Counter(lang for call in reward.calls for lang in call["response_lang"])
    questions = Counter(lang for call in reward.calls for lang in call["question_lang"])
    assert counts["en"] >= 3 * sum(questions.values()) // 4


def test_resume_restores_router_state_and_step(model_dir, data_dir, tmp_path):
    config = make_config(tmp_path, data_dir, save_strategy="steps", save_steps=2, max_steps=3)
    trainer, _ = make_trainer(config, model_dir)
    trainer.train()
    checkpoint = tmp_path / "checkpoint-2"
    saved = json.loads((checkpoint / ROUTER_STATE_FILE).read_text())
    assert saved["step"] == 2

    resumed, _ = make_trainer(make_config(tmp_path, data_dir, save_strategy="steps", save_steps=2,
                                          max_steps=4), model_dir)
    resumed.load_router_state(checkpoint)
    assert resumed.router.state_dict() == saved
    resumed.train(resume_from_checkpoint=str(checkpoint))
    assert resumed.state.global_step == 4
    assert resumed.router.step == 4  # two more updates on top of the restored two
    # Step 3 was logged by the first run and again by the resumed one: the log keeps one copy.
    logged = [json.loads(line)["step"] for line in (tmp_path / "router_log.jsonl").read_text().splitlines()]
    assert sorted(set(logged)) == [1, 2, 3, 4]
    assert all(logged.count(step) == logged.count(1) for step in (2, 3, 4))


def test_resume_without_router_state_is_an_error(model_dir, data_dir, tmp_path):
    trainer, _ = make_trainer(make_config(tmp_path, data_dir), model_dir)
    with pytest.raises(FileNotFoundError, match=ROUTER_STATE_FILE):
        trainer.load_router_state(tmp_path)


def test_kl_to_reference_model(model_dir, data_dir, tmp_path):
    trainer, _ = make_trainer(make_config(tmp_path, data_dir, beta=0.05, max_steps=2), model_dir)
    trainer.train()
    kl = [entry["kl"] for entry in trainer.state.log_history if "kl" in entry]
    assert len(kl) == 2 and all(value >= 0 for value in kl)


def test_router_metrics_are_logged(model_dir, data_dir, tmp_path):
    trainer, _ = make_trainer(make_config(tmp_path, data_dir, max_steps=1), model_dir)
    trainer.train()
    logged = trainer.state.log_history[0]
    assert "router/tau" in logged and "router/eps" in logged
    assert any(key.startswith("router/p/") for key in logged)
    assert any(key.startswith("lang/") and key.endswith("/fidelity") for key in logged)
    assert "reward/accuracy" in logged and "reward/fidelity" in logged
