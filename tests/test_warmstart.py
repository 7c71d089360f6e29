"""The SFT warm start (``lrpo.training.warmstart``, ``python -m lrpo.warmstart``)."""

import dataclasses
import json

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from lrpo import warmstart as command
from lrpo.models.tiny import TinyModelConfig, build_tiny_model
from lrpo.tasks.arith import ArithTask
from lrpo.tasks.prompts import language_tag
from lrpo.training.warmstart import (
    add_language_tags,
    read_records,
    tag_following,
    tagged_prompt,
    task_records,
    warm_start,
)

# Tag following is measured on every ordered pair of these (question language, tag language).
LANGUAGES = ["en", "de", "es", "fr", "ru"]
# The quick tiny model built without a single tag-cued example (measured: 7% of the responses end
# with the tagged language's answer phrase before, 31% after this warm start).
NO_TAG_MODEL = dataclasses.replace(TinyModelConfig.quick(), tag_cue_share=0.0)
MARGIN = 0.15


def _write(path, lines):
    path.write_text("\n".join(json.dumps(line) if isinstance(line, dict) else line for line in lines) + "\n",
                    encoding="utf-8")
    return path


def test_records_are_read_and_bad_ones_named_by_file_and_line(tmp_path):
    good = {"messages": [{"role": "user", "content": "2 + 3?"}], "target_language": "de", "response": "5."}
    records = read_records(_write(tmp_path / "ok.jsonl", [good, "", good]))
    assert len(records) == 2 and records[0].target_language == "de"
    for bad, message in (("{", "not JSON"), ({**good, "target_language": "xx"}, "target_language 'xx'"),
                         ({"messages": good["messages"], "response": "5."}, "missing target_language"),
                         ({**good, "messages": [{"role": "assistant", "content": "hi"}]}, "must be the user's"),
                         ({**good, "messages": [{"role": "user", "content": "2 + 3? <|out_lang_de|>"}]},
                          "already carries a language tag")):
        path = _write(tmp_path / "bad.jsonl", [good, bad])
        with pytest.raises(ValueError, match=rf"bad\.jsonl:2: .*{message}"):
            read_records(path)


def test_the_warm_start_prompts_as_lrpo_train_does_with_the_tag_cue():
    task = ArithTask(n_train=50, n_test=5)
    examples = {example.question: example for example in task.load("train", langs=LANGUAGES)}
    for record in task_records(task, LANGUAGES, n_prompts=5, seed=1):
        example = examples[record.messages[-1]["content"]]
        assert tagged_prompt(record) == task.prompt(example, record.target_language, cue="tag")
        assert record.response == task.solution(example, record.target_language)


def test_missing_tags_become_special_tokens_and_the_embeddings_grow():
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0, "hello": 1, "<|end|>": 2}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|end|>", unk_token="[UNK]")
    model = LlamaForCausalLM(LlamaConfig(vocab_size=3, hidden_size=8, intermediate_size=16, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2))
    added = add_language_tags(model, fast, ["de", "zh"])
    assert added == [language_tag("de"), language_tag("zh")]
    assert model.get_input_embeddings().weight.shape[0] == len(fast) == 5
    assert fast.tokenize(f"hello {language_tag('zh')}") == ["hello", language_tag("zh")]
    assert add_language_tags(model, fast, ["de"]) == []  # present: nothing added, nothing resized
    assert model.get_input_embeddings().weight.shape[0] == 5


def test_a_warm_start_on_arith_makes_the_tag_followed_more_often(tmp_path):
    torch.set_num_threads(1)
    base = build_tiny_model(NO_TAG_MODEL, progress=False)  # cached after the first build (minutes)
    task = ArithTask(seed=NO_TAG_MODEL.task_seed, n_train=NO_TAG_MODEL.task_n_train,
                     n_test=NO_TAG_MODEL.task_n_test)
    before = tag_following(base, task, LANGUAGES, n_per_pair=10)
    records = task_records(task, LANGUAGES, n_prompts=300, seed=0)
    warmed = warm_start(str(base), records, tmp_path / "warm", epochs=3, learning_rate=1e-3, batch_size=16)
    after = tag_following(warmed, task, LANGUAGES, n_per_pair=10)
    assert after >= before + MARGIN, (before, after)


def test_the_command_writes_task_data_and_warm_starts_a_model_lrpo_train_can_load(tmp_path, capsys):
    data = tmp_path / "arith.jsonl"
    assert command.main(["--from-task", "arith", "--write-data", str(data), "--prompts", "4",
                         "--languages", "en", "de"]) == 0
    assert len(read_records(data)) == 8
    base = build_tiny_model(TinyModelConfig.smoke(), progress=False)
    output = tmp_path / "warm"
    assert command.main(["--model", str(base), "--data", str(data), "--output-dir", str(output),
                         "--max-steps", "1", "--batch-size", "2"]) == 0
    assert "--language_cue tag" in capsys.readouterr().out
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(output)
    model = AutoModelForCausalLM.from_pretrained(output)
    assert len(tokenizer.tokenize(language_tag("de"))) == 1
    assert model.get_input_embeddings().weight.shape[0] >= len(tokenizer)
    assert command.main(["--model", str(base), "--data", str(tmp_path / "none.jsonl"),
                         "--output-dir", str(output)]) == 2
    assert "none.jsonl: no such warm-start data file" in capsys.readouterr().err
