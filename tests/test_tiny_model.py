"""The tiny model builds offline, loads with the Auto classes, chats, stops, and caches.

Built once per module with the quick configuration (a few seconds on one core).
"""

import dataclasses

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from lrpo.models.tiny import (
    TinyModelConfig,
    build_tiny_model,
    evaluate_accuracy,
    generate,
    model_dir,
    read_build_info,
)
from lrpo.models.tokenizer import END, TAG_LANGUAGES
from lrpo.tasks.arith import ArithTask
from lrpo.tasks.prompts import language_tag

CONFIG = TinyModelConfig.smoke()


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("lrpo-cache")


@pytest.fixture(scope="module")
def built(cache_dir):
    return build_tiny_model(CONFIG, cache_dir=cache_dir, progress=False)


@pytest.fixture(scope="module")
def tokenizer(built):
    return AutoTokenizer.from_pretrained(built)


@pytest.fixture(scope="module")
def model(built):
    return AutoModelForCausalLM.from_pretrained(built).eval()


def test_builds_into_the_cache_under_its_configuration_hash(built, cache_dir):
    assert built == model_dir(CONFIG, cache_dir)
    assert built.name == f"tiny-arith-{CONFIG.fingerprint()}"
    info = read_build_info(built)
    assert TinyModelConfig.from_dict(info["config"]) == CONFIG and info["seed"] == CONFIG.seed
    assert info["train_tokens"] >= CONFIG.train_tokens
    assert info["wall_time_seconds"] > 0 and info["final_train_loss"] > 0


def test_fingerprint_follows_the_configuration():
    assert TinyModelConfig().fingerprint() == TinyModelConfig().fingerprint()
    assert TinyModelConfig().fingerprint() != dataclasses.replace(TinyModelConfig(), seed=1).fingerprint()
    assert TinyModelConfig.from_dict(TinyModelConfig().to_dict()) == TinyModelConfig()


def test_default_cache_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LRPO_CACHE_DIR", str(tmp_path))
    assert model_dir().parent == tmp_path / "models"


def test_loads_as_a_causal_lm_with_tied_embeddings(model, tokenizer):
    assert model.config.tie_word_embeddings
    assert model.get_input_embeddings().weight.data_ptr() == model.get_output_embeddings().weight.data_ptr()
    assert model.config.vocab_size == len(tokenizer)
    assert tokenizer.eos_token == END and tokenizer.pad_token_id != tokenizer.eos_token_id
    assert model.generation_config.eos_token_id == tokenizer.eos_token_id


def test_chat_template_renders_every_role(tokenizer):
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
                {"role": "assistant", "content": "A"}]
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    assert text == f"<|system|>\nS{END}\n<|user|>\nU{END}\n<|assistant|>\nA{END}\n"
    prompt = tokenizer.apply_chat_template(messages[:2], add_generation_prompt=True, tokenize=False)
    assert prompt.endswith("<|assistant|>\n")
    with pytest.raises(Exception, match="unknown chat role"):
        tokenizer.apply_chat_template([{"role": "tool", "content": "x"}], tokenize=False)


def test_auto_tokenizer_keeps_the_trained_pipeline(built, tokenizer):
    """AutoTokenizer must not swap in an architecture's own tokenizer class (as it
    does for model_type qwen2): the ids must be those of the saved tokenizer.json."""
    from tokenizers import Tokenizer

    saved = Tokenizer.from_file(str(built / "tokenizer.json"))
    task = ArithTask(n_train=10, n_test=3)
    for ex in task.load("test"):
        text = tokenizer.apply_chat_template(task.prompt(ex, cue="tag"), add_generation_prompt=True,
                                             tokenize=False) + task.solution(ex)
        assert tokenizer.encode(text, add_special_tokens=False) == saved.encode(text, add_special_tokens=False).ids


def test_language_tags_are_single_tokens(tokenizer):
    for code in TAG_LANGUAGES:
        tag = language_tag(code)
        ids = tokenizer.encode(f"Wie viele? {tag}", add_special_tokens=False)
        assert tokenizer.convert_tokens_to_ids(tag) in ids
        assert len(tokenizer.encode(tag, add_special_tokens=False)) == 1


def test_digits_are_split_without_space_tokens(tokenizer):
    pieces = tokenizer.tokenize("16 - 3 = 13")
    assert all(len(p.lstrip("Ġ")) <= 1 or not any(c.isdigit() for c in p) for p in pieces)
    assert "Ġ" not in pieces


def test_generation_stops_at_the_end_token(model, tokenizer):
    task = ArithTask(n_train=10, n_test=8)
    prompts = [tokenizer.apply_chat_template(task.prompt(ex), add_generation_prompt=True, tokenize=False)
               for ex in task.load("test", ["en", "de"])]
    tokenizer.padding_side = "left"
    encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    with torch.no_grad():
        output = model.generate(**encoded, max_new_tokens=40, do_sample=False)
    new = output[:, encoded["input_ids"].shape[1]:]
    eos = tokenizer.eos_token_id
    for row in new.tolist():
        assert eos in row, tokenizer.decode(row)
        after = row[row.index(eos) + 1:]
        assert all(t == tokenizer.pad_token_id for t in after)
    # The quick model has at least learnt the shape of a worked answer.
    responses = generate(model, tokenizer, prompts)
    assert all(" = " in r for r in responses), responses


def test_evaluate_accuracy_reports_each_language(built):
    results = evaluate_accuracy(built, ArithTask(n_train=10, n_test=8), ["en", "sw"], n_per_lang=4, cue="tag")
    assert set(results) == {"en", "sw"}
    for accuracy, fidelity in results.values():
        assert 0.0 <= accuracy <= 1.0 and 0.0 <= fidelity <= 1.0


def test_cached_build_is_reused_and_rebuild_retrains(built, cache_dir):
    weights = built / "model.safetensors"
    stamp = weights.stat().st_mtime_ns
    before = AutoModelForCausalLM.from_pretrained(built).state_dict()
    assert build_tiny_model(CONFIG, cache_dir=cache_dir, progress=False) == built
    assert weights.stat().st_mtime_ns == stamp
    assert build_tiny_model(CONFIG, cache_dir=cache_dir, rebuild=True, progress=False) == built
    assert weights.stat().st_mtime_ns != stamp
    after = AutoModelForCausalLM.from_pretrained(built).state_dict()
    # Same configuration, same seed: the retrained weights are identical.
    assert all(torch.equal(before[name], after[name]) for name in before)


def test_an_interrupted_build_resumes_to_the_same_weights(tmp_path, monkeypatch):
    """Issue 14 item 16: a build stopped part-way continues from its last saved state
    and writes exactly the weights an uninterrupted build writes."""
    from safetensors.torch import load_file

    import lrpo.models.tiny as tiny

    config = TinyModelConfig.smoke()
    whole = tiny.build_tiny_model(config, cache_dir=tmp_path / "whole", progress=False)

    monkeypatch.setattr(tiny, "CHECKPOINT_EVERY", 20)
    real_loss = tiny._target_loss
    calls = []

    def interrupted_at_step_50(model, inputs):
        calls.append(1)
        if len(calls) == 50:
            raise KeyboardInterrupt  # as Ctrl-C would, in the middle of step 50
        return real_loss(model, inputs)

    monkeypatch.setattr(tiny, "_target_loss", interrupted_at_step_50)
    with pytest.raises(KeyboardInterrupt):
        tiny.build_tiny_model(config, cache_dir=tmp_path / "resumed", progress=False)
    target = tiny.model_dir(config, tmp_path / "resumed")
    partial = target.parent / f".{target.name}.partial"
    assert (partial / "state.pt").is_file() and not target.exists()

    resumed_steps = []
    monkeypatch.setattr(tiny, "_target_loss",
                        lambda model, inputs: resumed_steps.append(1) or real_loss(model, inputs))
    resumed = tiny.build_tiny_model(config, cache_dir=tmp_path / "resumed", progress=False)
    total = tiny.read_build_info(resumed)["steps"]
    assert len(resumed_steps) == total - 40  # the state saved after step 40 was the last before the stop
    assert not partial.exists()
    expected, got = load_file(whole / "model.safetensors"), load_file(resumed / "model.safetensors")
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[name], got[name]) for name in expected)
