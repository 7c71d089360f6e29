"""A tiny multilingual model of a synthetic world (``arith_cot``, the default, or the
null world ``arith``), built offline in minutes.

The project's trainer, evaluator and router need a policy whose accuracy
differs by language and that follows a language cue, and the CPU-only test
machines cannot download one. This module makes one from nothing:

1. a byte-level BPE tokenizer trained on the world's text in all 11 languages
   (``lrpo.models.tokenizer``), with a chat template and the language tags;
2. a ~1.3M-parameter Llama-architecture model (hidden 128, 4 layers, 4 heads,
   ffn 512, tied embeddings) from a config;
3. supervised fine-tuning on the world's *train* problems: prompt = the chat-templated
   ``task.prompt(example, response_lang, cue)``, target = ``task.solution`` + end
   token, loss on the target only. The language mix is deliberately uneven
   (much English, some de es fr ja ru zh, very little bn sw te th) so that base
   accuracy differs by language, and a share of examples asks for the answer
   in another language, under both cues, so the model learns to follow them.

The default world is ``arith_cot`` (``DEFAULT_WORLD``; ``world`` field, ``--world``):
there the mix is uneven in the *answer* language too — worked chains mostly in
English, few in the low-resource languages, whose questions are mostly answered in
English — so that the response language changes accuracy, and 70% of every
non-English answer line gives the number in words (``word_answer_share``), which
the verifier does not read (except zh/ja numeral words): a behaviour RL can
unlearn. ``direct_answer_share`` (the answer line alone, without steps) is the
other such field tried; ``leaderboards/arith_cot_world.md`` has what each did.
The ``arith`` world's model (``--world arith``) is the null world's.
Every size (default, quick, smoke) exists for both worlds
(``tiny_model_config(size, world)``). (The module is over 400 lines because the
model's configuration, data, training and evaluation are one recipe read top to
bottom.)

Training is pinned by a token budget and a seed, never by wall time: accuracy
climbs steeply with tokens, so a time budget would make the model depend on
the machine. The result is cached under ``$LRPO_CACHE_DIR`` (else
``~/.cache/lrpo``) in a directory named by a hash of the configuration, and is
loadable with ``AutoModelForCausalLM`` / ``AutoTokenizer``.

    python -m lrpo.models.tiny              # build (or reuse) the default (arith_cot) model, print accuracy
    python -m lrpo.models.tiny --rebuild    # retrain it
    python -m lrpo.models.tiny --print-path # just the directory (built if missing)
    python -m lrpo.models.tiny --world arith  # the null world's model
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from lrpo.languages import get_language
from lrpo.models.build_checkpoint import CHECKPOINT_EVERY, BuildCheckpoint
from lrpo.models.tokenizer import END, train_tokenizer
from lrpo.synthetic.arith_cot.narration import STEP_SEPARATOR
from lrpo.tasks.arith import ArithTask
from lrpo.tasks.arith_cot import ArithCotTask
from lrpo.tasks.base import Task
from lrpo.tasks.prompts import LANGUAGE_CUES

CACHE_ENV = "LRPO_CACHE_DIR"
# Bump when the build procedure changes what a given configuration produces.
BUILD_VERSION = 1
INFO_FILE = "build_info.json"

# Shares of supervised examples by question language, in three tiers: English,
# the six other languages of the paper's training set, and the four
# low-resource languages, which get so little that they are learnt mostly by
# transfer. The low tier is steep: at 1% each they stayed at 0-10% accuracy,
# at 2% three of them came within ten points of the middle tier (3-3.5M
# tokens, greedy accuracy on the arith test split).
DEFAULT_MIX = (("en", 0.40), ("de", 0.09), ("es", 0.09), ("fr", 0.09), ("ja", 0.09), ("ru", 0.09),
               ("zh", 0.09), ("bn", 0.015), ("sw", 0.015), ("te", 0.015), ("th", 0.015))
# The synthetic worlds a tiny model can be built for (``world``), by task class.
WORLDS = {"arith": ArithTask, "arith_cot": ArithCotTask}
# Fields added after the first models were built: left out of the fingerprint
# while at these defaults, so the models built before them keep their hash.
_LATER_FIELDS = {"world": "arith", "own_language_share": (), "direct_answer_share": (), "word_answer_share": ()}
# The arith_cot model's mix. Questions: every language is asked often enough to
# be understood. Worked solutions: English answers its own questions and those
# of the other languages that are not answered in their own; the six other
# languages of the paper's training set answer most of their own, the four
# low-resource ones fewer than half. As a share of all examples that is about
# 40% English chains, 8% per middle language and 3.5% per low-resource one.
# Measured with this mix alone (model b3, no answers in words; arith_cot test, 200 per
# language, greedy), answering in the question's language / in English: de 62.5/94,
# ru 58/89, fr 45.5/90, es 34/85, zh 30/81.5, ja 25/85.5, sw 24.5/88.5, te 18/90.5,
# th 11/78.5, bn 10.5/61, en 98/98.
# The middle and low tiers' shares were raised from 0.6 and 0.1 (3.5M tokens),
# where they stayed at 14-27% and 5-15% (experiments in the arith_cot report).
COT_MIX = (("en", 0.20), ("de", 0.09), ("es", 0.09), ("fr", 0.09), ("ja", 0.09), ("ru", 0.09),
           ("zh", 0.09), ("bn", 0.065), ("sw", 0.065), ("te", 0.065), ("th", 0.065))
COT_OWN_LANGUAGE_SHARE = (("de", 0.85), ("es", 0.85), ("fr", 0.85), ("ja", 0.85), ("ru", 0.85), ("zh", 0.85),
                          ("bn", 0.45), ("sw", 0.45), ("te", 0.45), ("th", 0.45))

# The share of each non-English language's answer lines that give the number in words
# (which the verifier reads only in zh and ja): the behaviour RL unlearns. At 0.5 GRPO
# raised the seen average by 4.7-6.6 points (two builds, one seed each); at 0.7 by 6.3
# (lr 5e-5) and 8.8 (lr 2e-4), where greedy answers in words 72-98% of the time
# (leaderboards/arith_cot_world.md, builds b6-b8).
COT_WORD_ANSWER_SHARE = tuple((lang, 0.7) for lang in sorted(lang for lang, _ in COT_MIX if lang != "en"))
# Build seed 1: with seed 0 the same design (b6) learnt weaker chains (English 74% against
# 98%), and a build seed alone moves English by 24 points (the world record).
COT_SEED = 1
# The quick size's token budget in the arith_cot world: its longer targets (worked chains) make
# the quick size's 1.8M tokens a 136 s build, which left `python -m lrpo.train --quick` at
# 3 min 07 s on a fresh 2-core machine; on 1.4M it builds in 98 s and the quick run takes
# 2 min 22 s (measured). Either learns next to nothing of the task (1.8M: 1.5% average
# accuracy, 100 per language): the quick model is a smoke run of the pipeline.
COT_QUICK_TRAIN_TOKENS = 1_400_000


@dataclass(frozen=True)
class TinyModelConfig:
    """Everything that determines the model; its hash names the cache directory."""

    seed: int = 0
    # Which synthetic world (a key of WORLDS) the model is trained on.
    world: str = "arith"
    # Architecture (Llama).
    hidden_size: int = 128
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 512
    max_positions: int = 256
    # Tokenizer: BPE trained on this many problems per language (balanced, so
    # no script is left byte-level; per-language difficulty comes from the mix).
    vocab_size: int = 2048
    tokenizer_problems: int = 1000
    # Data: the arith task's seed and sizes. The build holds out ``task_n_test``
    # test problems, so any evaluation on up to that many per language is clean.
    task_seed: int = 0
    task_n_train: int = 20000
    task_n_test: int = 1000
    language_mix: tuple[tuple[str, float], ...] = DEFAULT_MIX
    # Share of examples answered in another language than the question's
    # (drawn uniformly among the other languages).
    cross_language_share: float = 0.08
    # Per question language, the chance that an example not drawn as cross-language
    # is answered in the question's language; otherwise it is answered in English.
    # Languages not listed (and every language when empty) answer in their own.
    own_language_share: tuple[tuple[str, float], ...] = ()
    # Per response language, the chance that an example's target is the bare
    # answer line (answer phrase and number) without the worked steps: the
    # behaviour a base model has but that RL can unlearn (arith_cot only).
    # Languages not listed (and every language when empty) always show the steps.
    direct_answer_share: tuple[tuple[str, float], ...] = ()
    # Per response language, the chance that a target's answer line gives the number in
    # the language's number words instead of numerals (arith_cot only): a format the
    # verifier does not read (except zh/ja numeral words), as real models' answers often are.
    word_answer_share: tuple[tuple[str, float], ...] = ()
    # Share of examples cued by the language tag (the rest by the instruction).
    tag_cue_share: float = 0.5
    # Optimisation: the budget counts every non-padding token seen (prompt and
    # target). Accuracy climbs steeply with it: about 15% / 37% / 44% in
    # English at 1.5M / 3M / 3.5M tokens.
    train_tokens: int = 3_500_000
    batch_size: int = 16
    learning_rate: float = 3e-3
    min_learning_rate: float = 3e-4
    warmup_steps: int = 100
    weight_decay: float = 0.1

    @classmethod
    def quick(cls) -> TinyModelConfig:
        """The model of ``python -m lrpo.train --quick``: built in about 1.5 minutes,
        so that a quick run fits in 3 minutes on a fresh 2-core machine. Narrower
        and shallower (0.64M parameters, 2.4x the default's tokens per second),
        it reaches 11.7% average accuracy (arith test, 200 per language) where the
        default reaches 34.9%."""
        return cls(hidden_size=96, num_layers=3, num_heads=3, intermediate_size=384, tokenizer_problems=300,
                   task_n_train=5000, train_tokens=1_800_000, batch_size=32, warmup_steps=50)

    @classmethod
    def smoke(cls) -> TinyModelConfig:
        """A seconds-long build for tests (the model learns little). It holds out
        only the first 50 test problems per language."""
        return cls(hidden_size=64, num_layers=2, num_heads=2, intermediate_size=256, vocab_size=768,
                   tokenizer_problems=100, task_n_train=2000, task_n_test=50, train_tokens=150_000,
                   batch_size=16, warmup_steps=20)

    @classmethod
    def arith_cot(cls) -> TinyModelConfig:
        """The model of the ``arith_cot`` world (``python -m lrpo.train``'s default): the
        default architecture, trained on worked solutions that are plentiful in English
        and scarce in the low-resource languages, whose questions are mostly answered in
        English, with 70% of the non-English answer lines in number words
        (``COT_WORD_ANSWER_SHARE``), build seed 1 (``COT_SEED``). Measured (arith_cot
        test, 200 per language, greedy), answering in the question's language / in
        English: de 3.5/86.5, es 3.0/82.0, sw 0.0/66.0, zh 18.0/63.0, en 93.5/93.5
        (leaderboards/arith_cot_world.md, model b8)."""
        return cls(world="arith_cot", language_mix=COT_MIX, own_language_share=COT_OWN_LANGUAGE_SHARE,
                   word_answer_share=COT_WORD_ANSWER_SHARE, train_tokens=3_000_000, seed=COT_SEED)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TinyModelConfig:
        data = dict(data)
        for name in ("language_mix", "own_language_share", "direct_answer_share", "word_answer_share"):
            if name in data:
                data[name] = tuple((lang, float(share)) for lang, share in data[name])
        return cls(**data)

    def fingerprint(self) -> str:
        fields = {name: value for name, value in self.to_dict().items()
                  if name not in _LATER_FIELDS or value != _LATER_FIELDS[name]}
        payload = json.dumps({"build_version": BUILD_VERSION, **fields}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]

    def validate(self) -> None:
        if self.world not in WORLDS:
            raise ValueError(f"world: unknown world {self.world!r}; expected one of {', '.join(WORLDS)}")
        for name in ("own_language_share", "direct_answer_share", "word_answer_share"):
            for lang, share in getattr(self, name):
                get_language(lang)
                if not 0 <= share <= 1:
                    raise ValueError(f"{name} of {lang!r} must be in [0, 1], got {share}")
        for name in ("direct_answer_share", "word_answer_share"):
            if getattr(self, name) and self.world != "arith_cot":
                raise ValueError(f"{name}: only the arith_cot world has worked steps and an answer line")
        for lang, share in self.language_mix:
            get_language(lang)
            if share < 0:
                raise ValueError(f"negative share {share} for {lang!r} in language_mix")
        if sum(share for _, share in self.language_mix) <= 0:
            raise ValueError("language_mix has no positive share")
        for name in ("cross_language_share", "tag_cue_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1]")


# The sizes every world's model comes in. ``python -m lrpo.train`` uses ``default``
# (``quick`` under --quick); tests use ``smoke``.
TINY_MODELS = {"default": TinyModelConfig, "quick": TinyModelConfig.quick, "smoke": TinyModelConfig.smoke}
# The fields that make a model one of the arith_cot world (its data), whatever its size.
WORLD_FIELDS = ("world", "language_mix", "own_language_share", "direct_answer_share", "word_answer_share")
# The world of the default model: the one the trainer uses for a task that is not itself a world.
DEFAULT_WORLD = "arith_cot"


def tiny_model_config(size: str = "default", world: str = DEFAULT_WORLD) -> TinyModelConfig:
    """The configuration of ``size`` (``default``, ``quick`` or ``smoke``) for ``world``
    (``arith`` or ``arith_cot``). ``arith_cot`` models keep the size's architecture and
    take the world's data mix (``TinyModelConfig.arith_cot``); its default size is
    exactly ``TinyModelConfig.arith_cot()``, its quick size trains on
    ``COT_QUICK_TRAIN_TOKENS``. ValueError names an unknown size or world."""
    if size not in TINY_MODELS:
        raise ValueError(f"unknown tiny model {size!r}; expected one of {', '.join(TINY_MODELS)}")
    if world not in WORLDS:
        raise ValueError(f"unknown world {world!r}; expected one of {', '.join(WORLDS)}")
    config = TINY_MODELS[size]()
    if world == "arith":
        return config
    if size == "default":
        return TinyModelConfig.arith_cot()
    cot = TinyModelConfig.arith_cot()
    fields = {name: getattr(cot, name) for name in WORLD_FIELDS}
    if size == "quick":
        fields["train_tokens"] = COT_QUICK_TRAIN_TOKENS
    return dataclasses.replace(config, **fields)


def world_of(task_name: str) -> str:
    """The world whose tiny model stands in for ``task_name``: the task itself when it is
    a synthetic world, else ``DEFAULT_WORLD``."""
    return task_name if task_name in WORLDS else DEFAULT_WORLD


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "lrpo")


def model_dir(config: TinyModelConfig | None = None, cache_dir=None) -> Path:
    """Where the model of ``config`` (default: ``tiny_model_config()``, the default world's)
    lives, whether or not it is built yet."""
    config = config or tiny_model_config()
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return root / "models" / f"tiny-{config.world}-{config.fingerprint()}"


def _log(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


# Supervised data


@dataclass(frozen=True)
class SFTItem:
    prompt: list[int]
    target: list[int]  # ends with the end-of-turn token


def world_task(config: TinyModelConfig) -> ArithTask:
    """The task of the configuration's world, with its seed and sizes."""
    return WORLDS[config.world](seed=config.task_seed, n_train=config.task_n_train, n_test=config.task_n_test)


def _tokenizer_corpus(task: ArithTask, problems_per_language: int) -> list[str]:
    """Questions under both cues and worked answers, the same number per language."""
    texts = []
    for example in task.load("train", limit=problems_per_language):
        for cue in LANGUAGE_CUES:
            texts.append(task.prompt(example, cue=cue)[0]["content"])
        texts.append(task.solution(example))
    return texts


def draw_languages(rng: random.Random, config: TinyModelConfig, languages: Sequence[str]) -> tuple[str, str]:
    """The (question, response) languages of one supervised example: the question's
    from ``language_mix``; the response another of ``languages`` with probability
    ``cross_language_share``, else the question's own or, by ``own_language_share``, English."""
    question_lang = rng.choices([lang for lang, _ in config.language_mix],
                                [share for _, share in config.language_mix])[0]
    if rng.random() < config.cross_language_share:
        return question_lang, rng.choice([lang for lang in languages if lang != question_lang])
    own_share = dict(config.own_language_share)
    if question_lang in own_share and rng.random() >= own_share[question_lang]:
        return question_lang, "en"
    return question_lang, question_lang


def sft_items(task: ArithTask, tokenizer, config: TinyModelConfig) -> tuple[list[SFTItem], int]:
    """Draw supervised examples until the token budget is spent; (items, tokens)."""
    rng = random.Random(f"tiny-sft-{config.seed}")
    direct_share = dict(config.direct_answer_share)
    word_share = dict(config.word_answer_share)
    problems = task.problems("train")
    end = [tokenizer.convert_tokens_to_ids(END)]
    items: list[SFTItem] = []
    tokens = 0
    while tokens < config.train_tokens:
        # Draw in chunks so tokenization is batched.
        chunk_prompts, chunk_targets = [], []
        for _ in range(512):
            index = rng.randrange(len(problems))
            question_lang, response_lang = draw_languages(rng, config, task.languages)
            cue = "tag" if rng.random() < config.tag_cue_share else "instruction"
            example = task.example("train", index, problems[index], question_lang)
            chunk_prompts.append(tokenizer.apply_chat_template(
                task.prompt(example, response_lang, cue=cue), add_generation_prompt=True, tokenize=False))
            # Only draw when a field is set, so that models built before it keep their data.
            in_words = bool(word_share) and rng.random() < word_share.get(response_lang, 0.0)
            target = task.solution(example, response_lang, answer_in_words=True) if in_words else \
                task.solution(example, response_lang)
            if direct_share and rng.random() < direct_share.get(response_lang, 0.0):
                target = target.rsplit(STEP_SEPARATOR, 1)[-1]
            chunk_targets.append(target)
        prompt_ids = tokenizer(chunk_prompts, add_special_tokens=False)["input_ids"]
        target_ids = tokenizer(chunk_targets, add_special_tokens=False)["input_ids"]
        for prompt, target in zip(prompt_ids, target_ids, strict=True):
            if tokens >= config.train_tokens:
                break
            items.append(SFTItem(prompt, target + end))
            tokens += len(prompt) + len(target) + 1
    return items, tokens


def _batches(items: list[SFTItem], batch_size: int, rng: random.Random) -> list[list[SFTItem]]:
    """Shuffled batches of similar lengths (little padding), in shuffled order."""
    items = list(items)
    rng.shuffle(items)
    window = batch_size * 64
    batches = []
    for start in range(0, len(items), window):
        block = sorted(items[start:start + window], key=lambda item: len(item.prompt) + len(item.target))
        batches.extend(block[i:i + batch_size] for i in range(0, len(block), batch_size))
    rng.shuffle(batches)
    return batches


def _collate(batch: list[SFTItem], pad_id: int) -> dict[str, torch.Tensor]:
    length = max(len(item.prompt) + len(item.target) for item in batch)
    input_ids = torch.full((len(batch), length), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), length), -100, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), length), dtype=torch.long)
    for row, item in enumerate(batch):
        ids = item.prompt + item.target
        input_ids[row, :len(ids)] = torch.tensor(ids)
        labels[row, len(item.prompt):len(ids)] = torch.tensor(item.target)
        attention_mask[row, :len(ids)] = 1
    return {"input_ids": input_ids, "labels": labels, "attention_mask": attention_mask}


# Model and training


def _new_model(config: TinyModelConfig, tokenizer):
    """A Llama-architecture model from its config. (Not Qwen2: for ``model_type``
    "qwen2", transformers 5's AutoTokenizer substitutes its own Qwen2 tokenizer
    class, whose pre-tokenizer is not the one this tokenizer was trained with.)"""
    from transformers import LlamaConfig, LlamaForCausalLM

    end_id = tokenizer.convert_tokens_to_ids(END)
    model_config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=config.hidden_size, intermediate_size=config.intermediate_size,
        num_hidden_layers=config.num_layers, num_attention_heads=config.num_heads,
        num_key_value_heads=config.num_heads, max_position_embeddings=config.max_positions,
        tie_word_embeddings=True, bos_token_id=None, eos_token_id=end_id, pad_token_id=tokenizer.pad_token_id)
    model = LlamaForCausalLM(model_config)
    model.generation_config.eos_token_id = end_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.bos_token_id = None
    return model


def _learning_rate(step: int, total: int, config: TinyModelConfig) -> float:
    """Linear warm-up, then cosine decay to ``min_learning_rate`` at the last step."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, total - config.warmup_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return config.min_learning_rate + (config.learning_rate - config.min_learning_rate) * cosine


def _target_loss(model, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean cross-entropy over the target tokens, with the output layer applied
    only where a target is predicted (about a fifth of the positions: the
    prompt carries no loss, so its logits need not be computed)."""
    hidden = model.model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).last_hidden_state
    labels = inputs["labels"][:, 1:]
    predicted = labels != -100
    logits = model.lm_head(hidden[:, :-1][predicted])
    return torch.nn.functional.cross_entropy(logits.float(), labels[predicted])


def _train(model, batches, pad_id: int, config: TinyModelConfig, progress: bool,
           checkpoint: BuildCheckpoint) -> list[float]:
    """Train on ``batches``, continuing from ``checkpoint`` when it holds this
    configuration's state and saving to it every ``CHECKPOINT_EVERY`` steps; the
    progress bar gives the ETA. Returns the loss of every step."""
    from tqdm.auto import tqdm

    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, betas=(0.9, 0.95),
                                  weight_decay=config.weight_decay)
    model.train()
    start, losses, seen = checkpoint.load(model, optimizer) or (0, [], 0)
    if start:
        _log(progress, f"  resuming an interrupted build at step {start}/{len(batches)}")
    started = time.perf_counter()
    bar = tqdm(total=len(batches), initial=start, unit="step", desc="  training", disable=not progress,
               file=sys.stderr)
    for step in range(start, len(batches)):
        for group in optimizer.param_groups:
            group["lr"] = _learning_rate(step, len(batches), config)
        inputs = _collate(batches[step], pad_id)
        loss = _target_loss(model, inputs)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
        seen += int(inputs["attention_mask"].sum())
        bar.update(1)
        if (step + 1) % 100 == 0 or step + 1 == len(batches):
            recent = losses[-100:]
            bar.set_postfix(loss=f"{sum(recent) / len(recent):.3f}",
                            tok_s=f"{seen / max(time.perf_counter() - started, 1e-9):,.0f}", refresh=False)
        if (step + 1) % CHECKPOINT_EVERY == 0 and step + 1 < len(batches):
            checkpoint.save(step + 1, model, optimizer, losses, seen)
    bar.close()
    model.eval()
    return losses


def build_tiny_model(config: TinyModelConfig | None = None, cache_dir=None, rebuild: bool = False,
                     progress: bool = True, num_threads: int = 1) -> Path:
    """The directory of the tiny model for ``config`` (default: ``tiny_model_config()``, the
    default world's, ``DEFAULT_WORLD``),
    training it first unless it is cached (or ``rebuild`` is set).

    ``num_threads`` caps torch's intra-op threads for the build: on the 2-core
    machines this was measured on, a training step of this model took 0.23 s
    with one thread and 0.9 s with two (the matrices are too small to split).
    """
    config = config or tiny_model_config()
    config.validate()
    target = model_dir(config, cache_dir)
    if (target / INFO_FILE).is_file() and not rebuild:
        _log(progress, f"tiny model cached at {target}")
        return target

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(max(1, min(num_threads, os.cpu_count() or 1)))
    try:
        return _build(config, target, progress)
    finally:
        torch.set_num_threads(previous_threads)


def _build(config: TinyModelConfig, target: Path, progress: bool) -> Path:
    started = time.perf_counter()
    cpu_started = time.process_time()
    _log(progress, f"building tiny model {target.name} ({config.train_tokens:,} tokens, seed {config.seed})")
    task = world_task(config)
    tokenizer = train_tokenizer(_tokenizer_corpus(task, config.tokenizer_problems), config.vocab_size)
    items, tokens = sft_items(task, tokenizer, config)
    data_seconds = time.perf_counter() - started
    _log(progress, f"  tokenizer ({len(tokenizer)} tokens) and {len(items):,} examples in {data_seconds:.1f}s")

    torch.manual_seed(config.seed)
    model = _new_model(config, tokenizer)
    n_params = sum(p.numel() for p in model.parameters())
    batches = _batches(items, config.batch_size, random.Random(f"tiny-batches-{config.seed}"))
    checkpoint = BuildCheckpoint(target, config.fingerprint())
    losses = _train(model, batches, tokenizer.pad_token_id, config, progress, checkpoint)
    tail = losses[-50:]

    staging = target.parent / f".{target.name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    info = {
        "config": config.to_dict(),
        "fingerprint": config.fingerprint(),
        "build_version": BUILD_VERSION,
        "seed": config.seed,
        "parameters": n_params,
        "train_tokens": tokens,
        "examples": len(items),
        "steps": len(batches),
        "final_train_loss": sum(tail) / len(tail),
        "loss_every_100_steps": [round(sum(losses[i:i + 100]) / len(losses[i:i + 100]), 4)
                                 for i in range(0, len(losses), 100)],
        "data_seconds": round(data_seconds, 1),
        "wall_time_seconds": round(time.perf_counter() - started, 1),
        # CPU time tells a slow build on a busy machine from a slow build.
        "cpu_seconds": round(time.process_time() - cpu_started, 1),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }
    (staging / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    checkpoint.clear()
    _log(progress, f"  done in {info['wall_time_seconds']}s: {n_params:,} parameters, final loss "
                   f"{info['final_train_loss']:.3f} -> {target}")
    return target


def read_build_info(path) -> dict:
    return json.loads((Path(path) / INFO_FILE).read_text())


# Evaluation


def evaluate_accuracy(model_dir, task: Task, langs: Sequence[str] | None = None, n_per_lang: int = 200,
                      cue: str = "instruction", batch_size: int = 64, max_new_tokens: int = 48
                      ) -> dict[str, tuple[float, float]]:
    """Greedy accuracy and a fidelity proxy per language on the task's test split,
    each question answered in its own language.

    The fidelity proxy is the share of responses containing the requested
    language's answer phrase: cheap, and enough to see whether the cue is followed.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    model.eval()
    langs = tuple(langs) if langs is not None else task.languages
    results = {}
    for lang in langs:
        examples = task.load("test", langs=[lang], limit=n_per_lang)
        prompts = [tokenizer.apply_chat_template(task.prompt(ex, lang, cue=cue), add_generation_prompt=True,
                                                 tokenize=False) for ex in examples]
        responses = generate(model, tokenizer, prompts, batch_size, max_new_tokens)
        phrase = get_language(lang).answer_phrase
        correct = sum(task.score(r, ex, response_lang=lang) for r, ex in zip(responses, examples, strict=True))
        faithful = sum(phrase in r for r in responses)
        n = max(1, len(examples))
        results[lang] = (correct / n, faithful / n)
    return results


def generate(model, tokenizer, prompts: list[str], batch_size: int = 64, max_new_tokens: int = 48) -> list[str]:
    """Greedy completions of already-templated prompts (left-padded batches)."""
    responses = []
    with torch.no_grad():
        for start in range(0, len(prompts), batch_size):
            encoded = tokenizer(prompts[start:start + batch_size], return_tensors="pt", padding=True,
                                add_special_tokens=False)
            output = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False,
                                    pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
            new_tokens = output[:, encoded["input_ids"].shape[1]:]
            responses.extend(tokenizer.batch_decode(new_tokens, skip_special_tokens=True))
    return responses


# Command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lrpo.models.tiny", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="retrain even if the model is cached")
    parser.add_argument("--size", choices=tuple(TINY_MODELS), default="default",
                        help="the model python -m lrpo.train uses, the --quick runs' model (under 2 min to "
                             "build), or the seconds-long test build")
    parser.add_argument("--world", choices=tuple(WORLDS), default=DEFAULT_WORLD,
                        help=f"the synthetic world it is trained on (default {DEFAULT_WORLD}; arith is the null "
                             "world, where the response language barely changes accuracy)")
    parser.add_argument("--print-path", action="store_true",
                        help="print only the model directory (building it first if missing)")
    parser.add_argument("--cache-dir", default=None, help=f"cache root (default: ${CACHE_ENV} or ~/.cache/lrpo)")
    parser.add_argument("--eval", type=int, default=200, metavar="N",
                        help="after building, print per-language accuracy on N test problems per language "
                             "under both cues (0: skip)")
    args = parser.parse_args(argv)
    config = tiny_model_config(args.size, args.world)
    path = build_tiny_model(config, args.cache_dir, rebuild=args.rebuild, progress=not args.print_path)
    if args.print_path:
        print(path)
        return 0
    info = read_build_info(path)
    print(f"model: {path}\nbuilt in {info['wall_time_seconds']}s from {info['train_tokens']:,} tokens "
          f"(final train loss {info['final_train_loss']:.3f})")
    if args.eval:
        task = WORLDS[config.world](seed=config.task_seed)
        # A worked chain of four steps runs to about 70 tokens in the longest scripts.
        new_tokens = 128 if config.world == "arith_cot" else 48
        table = {cue: evaluate_accuracy(path, task, n_per_lang=args.eval, cue=cue, max_new_tokens=new_tokens)
                 for cue in LANGUAGE_CUES}
        print(f"\nbase accuracy / answer-phrase fidelity, {task.name} test, {args.eval} per language, greedy")
        print("lang  " + "  ".join(f"{cue:>17}" for cue in LANGUAGE_CUES))
        for lang in task.languages:
            cells = [f"{table[cue][lang][0]:7.1%} / {table[cue][lang][1]:6.1%}" for cue in LANGUAGE_CUES]
            print(f"{lang:<5} " + "  ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
