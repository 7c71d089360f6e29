"""TRL's vLLM server mode sends one prompt per group with n = K; LRPO's groups hold
K different prompts, so every rollout's own prompt must reach the server."""

from trl.generation.vllm_generation import VLLMGeneration

from lrpo.languages import get_language
from tests.test_trainer import make_config, make_trainer, model_dir  # noqa: F401  (fixture)


class FakeVLLMClient:
    """Stands in for a vLLM server: records what it is asked and answers with EOS."""

    def __init__(self, eos_id: int):
        self.eos_id = eos_id
        self.requests = []

    def generate(self, prompts, features=None, n=1, **sampling):
        self.requests.append({"prompts": [list(p) for p in prompts], "n": n})
        completions = [[7, self.eos_id] for _ in prompts for _ in range(n)]
        return {"prompt_ids": prompts, "completion_ids": completions,
                "logprobs": [[[-1.0], [-1.0]] for _ in completions]}


def server_mode_generation(trainer, client) -> VLLMGeneration:
    """TRL's real VLLMGeneration (its `generate` holds the server-mode logic), wired to
    the fake client instead of a running server; vLLM itself is not needed."""
    generation = object.__new__(VLLMGeneration)
    generation.mode = "server"
    generation.accelerator = trainer.accelerator
    generation.vllm_client = client
    generation.enable_sleep_mode = False
    generation.temperature, generation.top_p, generation.top_k, generation.min_p = 1.0, 1.0, 0, 0.0
    generation.repetition_penalty = 1.0
    generation.max_completion_length = trainer.args.max_completion_length
    generation.logprobs = 0
    generation.structured_outputs_regex = None
    generation.generation_kwargs = {}
    generation.sync_weights = lambda: None  # no server to push weights to
    return generation


def test_every_rollout_prompt_reaches_the_server(model_dir, data_dir, tmp_path):  # noqa: F811
    trainer, reward = make_trainer(make_config(tmp_path, data_dir, max_steps=1), model_dir)
    client = FakeVLLMClient(trainer.processing_class.eos_token_id)
    trainer.use_vllm = True
    trainer.vllm_generation = server_mode_generation(trainer, client)
    trainer._last_loaded_step = -1  # set by TRL only when it builds vLLM itself
    trainer.train()

    assert len(client.requests) == 1
    request = client.requests[0]
    assert request["n"] == 1
    assert len(request["prompts"]) == trainer.args.per_device_train_batch_size  # one per rollout
    tokenizer = trainer.processing_class
    sent = [tokenizer.decode(ids) for ids in request["prompts"]]
    call = reward.calls[0]
    k = trainer.num_generations
    for start in range(0, len(sent), k):
        group_languages = call["response_lang"][start:start + k]
        for text, language in zip(sent[start:start + k], group_languages, strict=True):
            assert get_language(language).instruction in text
        if len(set(group_languages)) > 1:
            assert len(set(sent[start:start + k])) > 1  # distinct prompts, all sent
