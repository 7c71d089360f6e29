"""The SFT warm start that teaches a model the ``<|out_lang_xx|>`` tags.

The paper's headline LRPO (Table 5) starts from a short supervised fine-tune on
about 420 prompts, each answered twice, in two random target languages, by a
stronger model, with the target language named by its tag appended to the user
turn. Without it (LRPO-Zero) the native instruction is the cue. This module is
that warm start on TRL's ``SFTTrainer``:

- ``read_records``: the user's JSONL, one record a line: ``{"messages": [chat
  messages, the last a user turn, without the tag], "target_language": "de",
  "response": "..."}``; errors name file:line;
- ``tagged_prompt``: the prompt exactly as ``lrpo.train --language_cue tag`` asks
  it (``lrpo.tasks.prompts.user_turn``: the user turn, a space, the tag);
- ``add_language_tags``: the tags as special tokens, the embeddings resized,
  where the tokenizer lacks them (an instruction model's does);
- ``task_records``: such records from a task's own worked solutions (``arith``),
  for tests and for a task without a stronger model at hand;
- ``warm_start``: fine-tune and save a model directory ``lrpo.train --model``
  takes; ``tag_following``: how often the tag is obeyed, to measure the effect.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lrpo.languages import get_language, supported_languages
from lrpo.tasks.prompts import language_tag, user_turn

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class WarmStartRecord:
    """One supervised example: the chat so far (last turn: the user's question,
    without a tag), the language the response is in (an ISO code of
    ``lrpo.languages``), and the response."""

    messages: tuple[dict[str, str], ...]
    target_language: str
    response: str


def _record(data, where: str) -> WarmStartRecord:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object with messages, target_language, response")
    missing = [key for key in ("messages", "target_language", "response") if key not in data]
    if missing:
        raise ValueError(f"{where}: missing {', '.join(missing)}")
    messages = data["messages"]
    if not isinstance(messages, list) or not messages:
        raise ValueError(f"{where}: messages must be a non-empty list of {{role, content}} objects")
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ROLES \
                or not isinstance(message.get("content"), str):
            raise ValueError(f"{where}: every message needs a role ({', '.join(ROLES)}) and a string content, "
                             f"got {message!r}")
    if messages[-1]["role"] != "user":
        raise ValueError(f"{where}: the last message must be the user's (the tag is appended to it)")
    try:
        get_language(data["target_language"])
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"{where}: target_language {data['target_language']!r} is not one of "
                         f"{', '.join(supported_languages())}") from None
    if not isinstance(data["response"], str) or not data["response"].strip():
        raise ValueError(f"{where}: response must be a non-empty string")
    if "<|out_lang_" in messages[-1]["content"]:
        raise ValueError(f"{where}: the user turn already carries a language tag; give it without (the warm "
                         "start appends the target language's tag as lrpo.train does)")
    return WarmStartRecord(tuple({"role": m["role"], "content": m["content"]} for m in messages),
                           data["target_language"], data["response"])


def read_records(path) -> list[WarmStartRecord]:
    """The records of a JSONL file (blank lines skipped). Raises FileNotFoundError,
    or ValueError naming ``path:line`` and what is wrong with the record."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such warm-start data file")
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from None
        records.append(_record(data, f"{path}:{number}"))
    if not records:
        raise ValueError(f"{path}: no records")
    return records


def write_records(records: Sequence[WarmStartRecord], path) -> Path:
    """Write records as the JSONL ``read_records`` reads."""
    lines = [json.dumps({"messages": list(r.messages), "target_language": r.target_language,
                         "response": r.response}, ensure_ascii=False) for r in records]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tagged_prompt(record: WarmStartRecord) -> list[dict[str, str]]:
    """The record's messages with the target language's tag on the last user turn,
    the way ``lrpo.train --language_cue tag`` prompts."""
    *before, last = record.messages
    return [*before, user_turn(last["content"], record.target_language, cue="tag")]


def add_language_tags(model, tokenizer, languages: Sequence[str]) -> list[str]:
    """Add the ``<|out_lang_xx|>`` tags of ``languages`` that the tokenizer lacks as
    special tokens and resize the model's embeddings (new rows: the mean of the
    old ones, transformers' default). Returns the tags added (empty if none)."""
    vocabulary = tokenizer.get_vocab()
    missing = [tag for tag in map(language_tag, languages) if tag not in vocabulary]
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": missing}, replace_extra_special_tokens=False)
        model.resize_token_embeddings(len(tokenizer))
    return missing


def task_records(task, languages: Sequence[str], n_prompts: int, responses_per_prompt: int = 2, seed: int = 0,
                 split: str = "train") -> list[WarmStartRecord]:
    """The paper's recipe on a task with worked solutions (``task.solution``):
    ``n_prompts`` questions of ``split``, each in a random language of
    ``languages``, answered in ``responses_per_prompt`` distinct random target
    languages of ``languages``. Raises ValueError when there are fewer languages
    than responses per prompt."""
    if responses_per_prompt > len(languages):
        raise ValueError(f"responses_per_prompt {responses_per_prompt} > {len(languages)} languages")
    rng = random.Random(f"warmstart-{seed}")
    examples = task.load(split, langs=list(languages))
    records = []
    for example in rng.sample(examples, n_prompts):
        question = task.prompt(example, example.lang, cue="tag")[-1]["content"]
        body = question.removesuffix(f" {language_tag(example.lang)}")  # the tag is added back per target
        for target in rng.sample(list(languages), responses_per_prompt):
            records.append(WarmStartRecord(({"role": "user", "content": body},), target,
                                           task.solution(example, target)))
    return records


def warm_start(model_path: str, records: Sequence[WarmStartRecord], output_dir, *,
               languages: Sequence[str] | None = None, epochs: float = 2.0, learning_rate: float = 1e-5,
               batch_size: int = 8, gradient_accumulation_steps: int = 1, max_length: int = 1024,
               max_steps: int = -1, seed: int = 0, bf16: bool = False, report_to: str = "none") -> Path:
    """Fine-tune ``model_path`` (hub id or directory) on ``records`` with TRL's
    ``SFTTrainer`` (loss on the response only) and save model and tokenizer to
    ``output_dir``, ready for ``lrpo.train --model <output_dir> --language_cue tag``.

    Tags are added for ``languages`` (default: every language of ``lrpo.languages``)
    plus the records' target languages. ``epochs`` may be fractional;
    ``max_steps`` > 0 overrides it. Returns ``output_dir``."""
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tokenizer = AutoTokenizer.from_pretrained(model_path)
    model = AutoModelForCausalLM.from_pretrained(model_path)
    wanted = dict.fromkeys([*(languages or supported_languages()), *(r.target_language for r in records)])
    add_language_tags(model, tokenizer, list(wanted))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    dataset = Dataset.from_list([{"prompt": tagged_prompt(r),
                                  "completion": [{"role": "assistant", "content": r.response}]} for r in records])
    args = SFTConfig(output_dir=str(output_dir), num_train_epochs=epochs, max_steps=max_steps,
                     learning_rate=learning_rate, per_device_train_batch_size=batch_size,
                     gradient_accumulation_steps=gradient_accumulation_steps, max_length=max_length,
                     completion_only_loss=True, seed=seed, bf16=bf16, report_to=report_to, save_strategy="no",
                     logging_steps=10, disable_tqdm=True)
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer)
    trainer.train()
    trainer.save_model(str(output_dir))
    tokenizer.save_pretrained(str(output_dir))
    return Path(output_dir)


def tag_following(model_dir, task, languages: Sequence[str], n_per_pair: int, batch_size: int = 64,
                  max_new_tokens: int = 48) -> float:
    """The share of greedy responses, in [0, 1], that end with the answer phrase of
    the language the tag asks for, over test questions of every ordered pair
    (question language, tag language) of distinct ``languages``, ``n_per_pair``
    each: the tag obeyed rather than the question's language echoed. A proxy,
    like ``lrpo.models.tiny.evaluate_accuracy``'s fidelity: for tasks whose
    answers end with ``get_language(lang).answer_phrase`` (arith, mgsm)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from lrpo.models.tiny import generate

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    prompts, phrases = [], []
    for question_lang in languages:
        examples = task.load("test", langs=[question_lang], limit=n_per_pair)
        for tag_lang in (lang for lang in languages if lang != question_lang):
            for example in examples:
                prompts.append(tokenizer.apply_chat_template(task.prompt(example, tag_lang, cue="tag"),
                                                             add_generation_prompt=True, tokenize=False))
                phrases.append(get_language(tag_lang).answer_phrase)
    responses = generate(model, tokenizer, prompts, batch_size, max_new_tokens)
    return sum(phrase in response for phrase, response in zip(phrases, responses, strict=True)) / len(prompts)
