"""Batched generation for evaluation: chat messages in, response strings out.

Two backends with one interface, ``generate(conversations) -> list[str]``, each
also keeping ``last_token_counts``: how many tokens the model generated for each
response of the last call (the end-of-sequence token not counted, the tokens of a
stop string that ended it counted: what decoding cost), so response length is the
tokenizer's own count, not a re-tokenization of the text:

- ``HFGenerator``: transformers ``generate`` (any machine, CPU included).
- ``VLLMGenerator``: vLLM (a CUDA GPU and the ``lrpo[vllm]`` extra), for
  evaluating real models on thousands of prompts.

Both render a conversation the same way (``render_prompt``): the tokenizer's chat
template with the assistant turn opened, tokenized without adding special tokens
again, because templates already write their BOS and a second one changes what
the model sees. Decoding is greedy unless a temperature is given, and *only*
what the caller asked for: the model card's sampling defaults (top-k, top-p,
repetition penalty) are not inherited, so a score does not silently depend on
them.

Generation also stops where a model that has answered runs on and invents the
next exercise: at a new line opening with a question label of any registry
language ("\\nQuestion:", "\\nFrage:", "\\n问题："; ``stop``, by default
``lrpo.tasks.answers.run_on_stops()``; ``stop=()`` turns it off). Responses never
contain the stop string. The verifiers cut there too, so this saves tokens
without changing a score.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

from lrpo.tasks.answers import cut_at_stop, run_on_stops
from lrpo.tasks.base import Message

Conversation = Sequence[Message]
BACKENDS = ("hf", "vllm")


def render_prompt(tokenizer, conversation: Conversation) -> list[int]:
    """Token ids of ``conversation`` as the model's chat template lays it out,
    ending with an opened assistant turn."""
    text = tokenizer.apply_chat_template(list(conversation), add_generation_prompt=True, tokenize=False)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def _check_sampling(temperature: float, top_p: float, max_new_tokens: int) -> None:
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")


def _progress_bar(total: int, enabled: bool, desc: str):
    if not enabled:
        return contextlib.nullcontext(None)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="item")


class HFGenerator:
    """Greedy (or sampled) completions with transformers, in left-padded batches.

    ``model`` is a model id or directory, or an already loaded causal LM (then
    ``tokenizer`` is taken from ``model.name_or_path`` unless given, and the model
    stays on its device unless ``device`` is given). Prompts are
    sorted by length before batching so that a batch pads little, and responses
    come back in the caller's order. Each response is cut at the end-of-sequence
    token(s) of the model's generation config (a list for chat models that end
    turns with a token other than the tokenizer's EOS), or the tokenizer's EOS.
    """

    def __init__(self, model, batch_size: int = 16, max_new_tokens: int = 512, device: str | None = None,
                 *, tokenizer=None, temperature: float = 0.0, top_p: float = 1.0, seed: int = 0,
                 dtype=None, stop: Sequence[str] | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        _check_sampling(temperature, top_p, max_new_tokens)
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.temperature = float(temperature)
        self.top_p = float(top_p)
        self.seed = seed
        self.stop = tuple(run_on_stops() if stop is None else stop)
        if device is None and not isinstance(model, (str, Path)):
            device = getattr(model, "device", None)  # a loaded model stays where it is
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if isinstance(model, (str, Path)):
            self.name = str(model)
            if dtype is None:
                # bf16 halves memory on GPUs; CPUs are faster and exact in float32.
                dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
            model = AutoModelForCausalLM.from_pretrained(self.name, dtype=dtype)
        else:
            self.name = str(getattr(model, "name_or_path", "") or type(model).__name__)
        if tokenizer is None:
            tokenizer = AutoTokenizer.from_pretrained(self.name)
        self.model = model.to(self.device)
        self.tokenizer = tokenizer
        self.last_token_counts: list[int] | None = None
        self.eos_token_id = self._eos_ids()
        if tokenizer.pad_token_id is not None:
            self.pad_token_id = tokenizer.pad_token_id
        else:
            # Padding positions are masked out, so any id works; the EOS is always in the vocabulary.
            self.pad_token_id = self.eos_token_id[0]

    def _eos_ids(self) -> list[int]:
        configured = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        if configured is None:
            configured = self.tokenizer.eos_token_id
        if configured is None:
            raise ValueError(f"model {self.name!r} has no end-of-sequence token (neither its generation config "
                             "nor its tokenizer names one), so generation could not stop")
        return [configured] if isinstance(configured, int) else list(configured)

    def _batch_tensors(self, prompts: list[list[int]]):
        """Left-padded input ids and attention mask: generation appends on the right,
        so every prompt must end at the same position."""
        import torch

        width = max(len(ids) for ids in prompts)
        input_ids = torch.full((len(prompts), width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for row, ids in enumerate(prompts):
            if ids:
                input_ids[row, width - len(ids):] = torch.tensor(ids, dtype=torch.long)
                attention_mask[row, width - len(ids):] = 1
        return input_ids.to(self.device), attention_mask.to(self.device)

    def _decoding_options(self) -> dict:
        options = {"max_new_tokens": self.max_new_tokens, "eos_token_id": self.eos_token_id,
                   "pad_token_id": self.pad_token_id}
        if self.stop:
            options.update(stop_strings=list(self.stop), tokenizer=self.tokenizer)
        if self.temperature == 0:
            return {**options, "do_sample": False}
        return {**options, "do_sample": True, "temperature": self.temperature, "top_p": self.top_p,
                "top_k": 0}

    def _generated_counts(self, generated) -> list[int]:
        """Tokens each row of ``generated`` (batch × new tokens) holds before its end:
        the first end-of-sequence or padding token (a row that finished early, at the
        EOS or a stop string, is padded with ``pad_token_id`` to the batch's length)."""
        import torch

        ends = torch.tensor(sorted({*self.eos_token_id, self.pad_token_id}), device=generated.device)
        stopped = torch.isin(generated, ends)
        first = stopped.int().argmax(dim=1)
        return torch.where(stopped.any(dim=1), first, generated.shape[1]).tolist()

    def generate(self, conversations: Sequence[Conversation], progress: bool = False) -> list[str]:
        """One response per conversation, in order (special tokens removed); their
        generated-token counts in ``last_token_counts``."""
        import torch

        prompts = [render_prompt(self.tokenizer, conversation) for conversation in conversations]
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        responses: list[str | None] = [None] * len(prompts)
        counts: list[int | None] = [None] * len(prompts)
        if self.temperature > 0:
            torch.manual_seed(self.seed)
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode(), _progress_bar(len(prompts), progress, "generating") as bar:
                for start in range(0, len(order), self.batch_size):
                    batch = order[start:start + self.batch_size]
                    input_ids, attention_mask = self._batch_tensors([prompts[i] for i in batch])
                    output = self.model.generate(input_ids=input_ids, attention_mask=attention_mask,
                                                 **self._decoding_options())
                    generated = output[:, input_ids.shape[1]:]
                    texts = self.tokenizer.batch_decode(generated, skip_special_tokens=True)
                    for i, text, count in zip(batch, texts, self._generated_counts(generated), strict=True):
                        responses[i] = cut_at_stop(text, self.stop)
                        counts[i] = count
                    if bar is not None:
                        bar.update(len(batch))
        finally:
            self.model.train(was_training)
        self.last_token_counts = counts
        return responses


class VLLMGenerator:
    """Completions with vLLM. Constructible only where ``vllm`` is installed
    (``pip install 'lrpo[vllm]'``, CUDA GPU).

    Prompts are rendered by ``render_prompt`` and sent as token ids, so the two
    backends see identical inputs. ``llm_options`` go to ``vllm.LLM`` (e.g.
    ``tensor_parallel_size``, ``gpu_memory_utilization``, ``max_model_len``).
    """

    def __init__(self, model, max_new_tokens: int = 512, *, temperature: float = 0.0, top_p: float = 1.0,
                 seed: int = 0, dtype: str = "auto", stop: Sequence[str] | None = None, **llm_options):
        try:
            import vllm
        except ImportError as e:
            raise ImportError(
                "the vllm backend needs the vllm package (a CUDA GPU): pip install 'lrpo[vllm]', "
                "or use the hf backend (--backend hf)") from e
        _check_sampling(temperature, top_p, max_new_tokens)
        self.name = str(model)
        self.llm = vllm.LLM(model=self.name, dtype=dtype, seed=seed, **llm_options)
        self.tokenizer = self.llm.get_tokenizer()
        self.last_token_counts: list[int] | None = None
        self.sampling = vllm.SamplingParams(max_tokens=max_new_tokens, temperature=float(temperature),
                                            top_p=float(top_p) if temperature > 0 else 1.0,
                                            seed=seed, skip_special_tokens=True,
                                            stop=list(run_on_stops() if stop is None else stop))

    def generate(self, conversations: Sequence[Conversation], progress: bool = False) -> list[str]:
        prompts = [{"prompt_token_ids": render_prompt(self.tokenizer, c)} for c in conversations]
        outputs = self.llm.generate(prompts, self.sampling, use_tqdm=progress)
        self.last_token_counts = [_vllm_token_count(output.outputs[0]) for output in outputs]
        return [output.outputs[0].text for output in outputs]


def _vllm_token_count(completion) -> int:
    """Tokens vLLM generated for a completion, its end-of-sequence token not counted:
    vLLM keeps the EOS (or a stop token id of the generation config) in ``token_ids``,
    and a finish by one of them is ``finish_reason == "stop"`` with ``stop_reason``
    None or that token id (a stop string's is the string, its tokens stay counted)."""
    ended_by_token = completion.finish_reason == "stop" and not isinstance(completion.stop_reason, str)
    return len(completion.token_ids) - (1 if ended_by_token and completion.token_ids else 0)


def make_generator(backend: str, model, batch_size: int = 16, max_new_tokens: int = 512, device: str | None = None,
                   temperature: float = 0.0, seed: int = 0, **options):
    """A generator for ``backend`` ("hf" or "vllm"). vLLM batches by itself, so it
    ignores ``batch_size`` and ``device``."""
    if backend == "hf":
        return HFGenerator(model, batch_size, max_new_tokens, device, temperature=temperature, seed=seed,
                           **options)
    if backend == "vllm":
        return VLLMGenerator(model, max_new_tokens, temperature=temperature, seed=seed, **options)
    raise ValueError(f"unknown backend {backend!r}; available: {', '.join(BACKENDS)}")
