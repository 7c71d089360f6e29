"""Training rollouts stop at the run-on markers evaluation stops at, where TRL allows.

vLLM (colocate and server) gets them as its ``stop``; TRL's transformers path cannot
pass stop strings (``lrpo.training.trainer``'s docstring says why), so there the
reward reads a rollout only up to the first marker. Both halves are checked against
the real libraries: TRL's and transformers' code, and a TRL step on the smoke model.
"""

import inspect

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
from trl import GRPOTrainer
from trl.generation.vllm_generation import VLLMGeneration

from lrpo.languages import LANGUAGES
from lrpo.tasks import Example, get_task
from lrpo.tasks.answers import cut_at_stop, run_on_stops
from lrpo.training.config import LRPOConfig
from lrpo.training.setup import build_reward
from lrpo.training.trainer import LRPOTrainer, rollout_generation_kwargs


@pytest.fixture(scope="module")
def smoke_model() -> str:
    from lrpo.models.tiny import TinyModelConfig, build_tiny_model

    return str(build_tiny_model(TinyModelConfig.smoke(), progress=False))


def test_vllm_rollouts_stop_at_the_run_on_markers():
    given = {"top_k": 5}
    kwargs = rollout_generation_kwargs(given)
    assert kwargs == {"top_k": 5, "stop": list(run_on_stops())}
    assert given == {"top_k": 5}  # the run's configuration is left as given
    assert "\nQuestion:" in kwargs["stop"] and "\n问题：" in kwargs["stop"]
    assert rollout_generation_kwargs(None)["stop"] == list(run_on_stops())
    # A run that names its own stop strings keeps them; an empty list turns them off.
    assert rollout_generation_kwargs({"stop": ["\n\n"]})["stop"] == ["\n\n"]
    assert rollout_generation_kwargs({"stop": []})["stop"] == []


def test_trl_reads_vllm_options_at_every_generation():
    """The trainer sets ``vllm_generation.generation_kwargs`` after TRL built it: that
    holds only while both of TRL's vLLM modes read the attribute when generating."""
    source = inspect.getsource(VLLMGeneration.generate)
    assert '"generation_kwargs": self.generation_kwargs' in source  # server: the request's parameters
    assert "generation_kwargs.update(self.generation_kwargs)" in source  # colocate: SamplingParams(**...)
    assert "SamplingParams(**generation_kwargs)" in source


def test_transformers_path_cannot_take_stop_strings(smoke_model):
    """Why the transformers path has no stop strings: TRL's generate call passes no
    tokenizer, and transformers refuses stop strings without one."""
    call = inspect.getsource(GRPOTrainer._generate_single_turn).split("unwrapped_model.generate(", 1)[1]
    assert "tokenizer" not in call.split(")", 1)[0]
    model = AutoModelForCausalLM.from_pretrained(smoke_model)
    tokenizer = AutoTokenizer.from_pretrained(smoke_model)
    inputs = tokenizer(["3 + 4 ="], return_tensors="pt")
    config = GenerationConfig(max_new_tokens=4, do_sample=False, stop_strings=list(run_on_stops()),
                              pad_token_id=tokenizer.pad_token_id)
    with pytest.raises(ValueError, match="tokenizer"):
        model.generate(**inputs, generation_config=config)
    with torch.no_grad():  # with the tokenizer transformers would stop: TRL is what does not pass it
        assert model.generate(**inputs, generation_config=config, tokenizer=tokenizer).shape[0] == 1


def test_a_trl_step_on_the_transformers_path(smoke_model, tmp_path):
    config = LRPOConfig(output_dir=str(tmp_path), task="arith", tiny_model="smoke", train_languages=["en", "de"],
                        train_limit=2, method="grpo", num_generations=2, per_device_train_batch_size=2,
                        max_completion_length=8, max_steps=1, beta=0.0, use_cpu=True, bf16=False,
                        report_to="none", save_strategy="no", seed=0, disable_tqdm=True)
    trainer = LRPOTrainer.from_config(config, smoke_model)
    assert not trainer.use_vllm
    assert trainer.generation_config.stop_strings is None  # would make TRL's generate raise
    assert "stop" not in trainer.generation_kwargs
    trainer.train()  # a real generation and update step
    assert trainer.state.global_step == 1


@pytest.mark.parametrize("lang", ["en", "de", "zh", "sw"])
def test_the_reward_ignores_text_after_a_run_on_marker(lang, data_dir, tmp_path):
    """A rollout that did not stop scores as if it had stopped at the marker."""
    config = LRPOConfig(output_dir=str(tmp_path), task="mgsm", data_dir=str(data_dir), train_languages=[lang],
                        use_cpu=True, report_to="none")
    task = get_task("mgsm")
    reward = build_reward(config, task)
    example = task.load("test", [lang], data_dir=data_dir, limit=1)[0]
    spec = LANGUAGES[lang]
    question = example.question[:120]
    committed = f"{question}\n{spec.answer_phrase} {example.answer}."
    run_on = f"{committed}\n{spec.question_labels[0]}: {question}\n{spec.answer_phrase} 12345."
    assert cut_at_stop(run_on, run_on_stops()) == committed  # what vLLM would have returned
    wrong = Example(example.id, lang, example.question, "12345")
    rewards = reward(prompts=[None] * 3, completions=[run_on, committed, run_on],
                     example=[example, example, wrong], response_lang=[lang] * 3)
    assert rewards[0] == rewards[1] == 1.0
    assert rewards[2] == 0.0  # the run-on's own answer does not count
