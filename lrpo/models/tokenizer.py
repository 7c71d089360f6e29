"""A small byte-level BPE tokenizer with a chat template, trained offline.

Byte-level so that no text is ever out of vocabulary (the tiny model meets 11
scripts). The pre-tokenizer keeps GPT-2's split of words and punctuation, with
two changes that matter for arithmetic in many scripts:
- every digit is its own piece, carrying at most the space before it
  (" 16" -> " 1", "6"), so numbers are read digit by digit without a
  separate space token before each digit;
- combining marks stay inside words, so Bengali, Telugu and Thai words are
  not cut at every vowel sign.

The chat roles, end of turn, padding and one ``<|out_lang_xx|>`` tag per
language of ``TAG_LANGUAGES`` are single special tokens; the tags are how the tag
cue (``lrpo.tasks.prompts.language_tag``) reaches the model.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from lrpo.tasks.prompts import language_tag

PAD = "<|pad|>"
END = "<|end|>"  # ends every turn, and is the end-of-sequence token: generation stops there
ROLES = ("system", "user", "assistant")
ROLE_TOKENS = tuple(f"<|{role}|>" for role in ROLES)
# The languages given a tag, in this order: the registry (lrpo.languages) as it stood when
# the tiny models were first built, pinned rather than read from it. Each tag is a special
# token, so one more would change every tiny model's vocabulary and merges, while the cache
# name of a model (TinyModelConfig.fingerprint) does not cover the tags: a language added to
# the registry (Hindi) would make a fresh build differ from the cached model of the same name.
# A tiny model can still be given another tag: lrpo.training.warmstart.add_language_tags.
TAG_LANGUAGES = ("ar", "bn", "de", "en", "es", "et", "fr", "ht", "id", "it", "ja", "ko", "ms", "nl", "pl", "pt",
                 "qu", "ru", "sw", "ta", "te", "th", "tr", "vi", "zh")

_PIECES = r"'(?:[sdmt]|ll|ve|re)| ?[\p{L}\p{M}]+| ?\p{N}| ?[^\s\p{L}\p{M}\p{N}]+|\s+(?!\S)|\s+"

# Each turn: its role token, a newline, the content, the end token. The
# generation prompt opens an assistant turn; the model closes it with END.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if message['role'] not in ['system', 'user', 'assistant'] -%}"
    "{{- raise_exception('unknown chat role: ' + message['role']) -}}"
    "{%- endif -%}"
    "{{- '<|' + message['role'] + '|>\\n' + message['content'] + '" + END + "\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- endif -%}"
)


def language_tags() -> tuple[str, ...]:
    """The ``<|out_lang_xx|>`` tags of ``TAG_LANGUAGES``, in its order."""
    return tuple(language_tag(code) for code in TAG_LANGUAGES)


def special_tokens() -> tuple[str, ...]:
    return (PAD, END, *ROLE_TOKENS, *language_tags())


def train_tokenizer(texts: Iterable[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """Train the BPE on ``texts`` (all 256 bytes are always in the vocabulary)."""
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(_PIECES), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(special_tokens()),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    bpe.train_from_iterator(texts, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token=END, pad_token=PAD,
        additional_special_tokens=[*ROLE_TOKENS, *language_tags()])
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer
