"""Converters from the paper's public datasets into open-ended records (``lrpo.data.schema``).

    python -m lrpo.data prepare helpsteer3 --out DIR      # DIR/helpsteer3-train.jsonl
    python -m lrpo.data prepare care --out DIR
    python -m lrpo.data prepare care_pro --out DIR

Each reads its dataset with ``datasets.load_dataset`` by hub id (internet needed),
or, with ``data_files``, the same rows from local JSON/JSONL/Parquet files in the
dataset's own schema (how the tests run them). The data itself is never shipped.

What each converter assumes about its dataset card (field names as published;
where a card could not be confirmed offline it says so):

- ``helpsteer3``: ``nvidia/HelpSteer3``, config ``preference``: ``domain``,
  ``language``, ``context`` (chat messages ending with the user turn),
  ``response1``, ``response2``, ``overall_preference`` (−3 … 3; negative means
  response 1 is better). Kept: ``domain == "multilingual"``; ties (0) dropped;
  the reference is the preferred response; earlier turns of ``context`` become
  the record's ``history``. ``language`` is read as a language code or English
  name, case-insensitively ("chinese", "Chinese", "zh"): the card lists the
  languages as codes but its values were not confirmed here.
- ``care``: ``geyang627/CARE`` (default config): one row per rated response,
  ``question``, ``answer``, ``response``, ``human_rating`` (1–10). The card's
  older revision names the fields ``rating`` and ``culture_type`` and is read
  too. The card has no language field: the question's language is identified
  among ar / en / ja / zh (the card's languages) with ``lrpo.rewards.lid``. The
  reference (``reference="chosen"``, default) is the highest-rated response of the
  question, ties to the first; ``reference="answer"`` takes the ``answer`` field
  instead (what the authors' preprocessing used). Topic and region are left to
  the labeller (``associated_culture`` names a culture, not a country).
- ``care_pro``: ``geyang627/care_pro``: ``question``, ``answer`` (the reference),
  ``language``, ``region`` (a place or culture name, kept as the record's only
  region). Its ``language`` values were not confirmed (code or English name are
  both read).

A row in a language outside ``lrpo.languages`` (e.g. a Yoruba row) is skipped and
counted in the metadata and the command's output, never dropped silently; any other
malformed row is a DataError naming the dataset, the row and the field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lrpo.data.schema import language_code
from lrpo.tasks.data import DataError

CARE_LANGUAGES = ("ar", "en", "ja", "zh")
CARE_REFERENCES = ("chosen", "answer")


@dataclass(frozen=True)
class Source:
    """A hub dataset: id, config and the converter of its rows."""

    name: str
    hub_id: str
    config: str | None
    convert: Callable[..., tuple[list[dict], dict]]


def _field(rows_name: str, index: int, row: dict, *names: str):
    """The first of ``names`` present in ``row`` (older and newer card revisions)."""
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    raise DataError(rows_name, f"row {index}", f"missing field {' / '.join(repr(n) for n in names)}")


def _text(rows_name: str, index: int, row: dict, *names: str) -> str:
    value = _field(rows_name, index, row, *names)
    if not isinstance(value, str) or not value.strip():
        raise DataError(rows_name, f"row {index}", f"field {names[0]!r} must be a non-empty string")
    return value.strip()


def _language(value, skipped: dict[str, int]) -> str | None:
    code = language_code(value) if isinstance(value, str) else None
    if code is None:
        skipped[str(value)] = skipped.get(str(value), 0) + 1
    return code


def convert_helpsteer3(rows: Iterable[dict], rows_name: str, split: str) -> tuple[list[dict], dict]:
    """HelpSteer3 preference rows -> records of its multilingual domain (see the module docstring)."""
    records, skipped, counts = [], {}, {"rows": 0, "other_domains": 0, "ties": 0}
    for index, row in enumerate(rows):
        counts["rows"] += 1
        if _field(rows_name, index, row, "domain") != "multilingual":
            counts["other_domains"] += 1
            continue
        preference = _field(rows_name, index, row, "overall_preference")
        if not isinstance(preference, int) or not -3 <= preference <= 3:
            raise DataError(rows_name, f"row {index}", f"field 'overall_preference' must be an integer in "
                                                       f"-3..3, got {preference!r}")
        if preference == 0:
            counts["ties"] += 1
            continue
        context = _field(rows_name, index, row, "context")
        if (not isinstance(context, list) or not context or not isinstance(context[-1], dict)
                or context[-1].get("role") != "user" or not str(context[-1].get("content") or "").strip()):
            raise DataError(rows_name, f"row {index}", "field 'context' must be a list of chat messages "
                                                       "ending with a non-empty user turn")
        lang = _language(_field(rows_name, index, row, "language"), skipped)
        if lang is None:
            continue
        reference = _text(rows_name, index, row, "response1" if preference < 0 else "response2")
        record = {"id": f"helpsteer3-{split}-{index}", "lang": lang, "question": context[-1]["content"].strip(),
                  "reference": reference, "source": "helpsteer3"}
        if len(context) > 1:
            record["history"] = [{"role": m.get("role"), "content": m.get("content")} for m in context[:-1]]
        records.append(record)
    return records, {**counts, "skipped_languages": skipped}


def convert_care(rows: Iterable[dict], rows_name: str, split: str, reference: str = "chosen"
                 ) -> tuple[list[dict], dict]:
    """CARE rows (one per rated response) -> one record per question (see the module docstring)."""
    if reference not in CARE_REFERENCES:
        raise ValueError(f"unknown CARE reference {reference!r}; choose one of {', '.join(CARE_REFERENCES)}")
    from lrpo.rewards.lid import detect_language

    questions: dict[str, dict] = {}
    n_rows = 0
    for index, row in enumerate(rows):
        n_rows += 1
        question = _text(rows_name, index, row, "question")
        entry = questions.setdefault(question, {"first_row": index, "best": None, "answer": None})
        if reference == "answer":
            entry["answer"] = entry["answer"] or _text(rows_name, index, row, "answer")
            continue
        rating = _field(rows_name, index, row, "human_rating", "rating")
        try:
            rating = float(rating)
        except (TypeError, ValueError):
            raise DataError(rows_name, f"row {index}",
                            f"field 'human_rating' is not a number: {rating!r}") from None
        if entry["best"] is None or rating > entry["best"][0]:
            entry["best"] = (rating, _text(rows_name, index, row, "response"))
    records, skipped = [], {}
    for question, entry in questions.items():
        lang, _ = detect_language(question, CARE_LANGUAGES)
        if lang not in CARE_LANGUAGES:
            skipped[lang] = skipped.get(lang, 0) + 1
            continue
        digest = hashlib.sha1(question.encode("utf-8")).hexdigest()[:12]
        text = entry["answer"] if reference == "answer" else entry["best"][1]
        records.append({"id": f"care-{digest}", "lang": lang, "question": question, "reference": text,
                        "source": "care"})
    return records, {"rows": n_rows, "questions": len(questions), "reference": reference,
                     "skipped_languages": skipped}


def convert_care_pro(rows: Iterable[dict], rows_name: str, split: str) -> tuple[list[dict], dict]:
    """CARE-pro rows -> records with the dataset's region (see the module docstring)."""
    records, skipped, n_rows = [], {}, 0
    for index, row in enumerate(rows):
        n_rows += 1
        lang = _language(_field(rows_name, index, row, "language"), skipped)
        if lang is None:
            continue
        record = {"id": f"care_pro-{split}-{index}", "lang": lang,
                  "question": _text(rows_name, index, row, "question"),
                  "reference": _text(rows_name, index, row, "answer"), "source": "care_pro"}
        region = row.get("region")
        if isinstance(region, str) and region.strip():
            record["region"] = [region.strip()]
        records.append(record)
    return records, {"rows": n_rows, "skipped_languages": skipped}


SOURCES = {
    "helpsteer3": Source("helpsteer3", "nvidia/HelpSteer3", "preference", convert_helpsteer3),
    "care": Source("care", "geyang627/CARE", None, convert_care),
    "care_pro": Source("care_pro", "geyang627/care_pro", None, convert_care_pro),
}


def load_rows(source: Source, split: str, data_files=None):
    """The dataset's rows: from the hub by id, or from local ``data_files`` in its schema."""
    import datasets

    if data_files is not None:
        files = [str(f) for f in (data_files if isinstance(data_files, (list, tuple)) else [data_files])]
        builder = "parquet" if all(f.endswith(".parquet") for f in files) else "json"
        return datasets.load_dataset(builder, data_files=files, split="train")
    try:
        return datasets.load_dataset(source.hub_id, source.config, split=split)
    except Exception as e:
        raise RuntimeError(f"could not load {source.hub_id!r} ({source.config}, {split}) from the Hugging Face "
                           f"hub: {e}. Offline, pass --data-files with a local copy in the dataset's schema."
                           ) from e


def prepare(name: str, split: str = "train", data_files=None, **options) -> tuple[list[dict], dict]:
    """Records and metadata of dataset ``name`` (one of ``SOURCES``), split ``split``."""
    if name not in SOURCES:
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(SOURCES)}")
    source = SOURCES[name]
    rows_name = ", ".join(map(str, data_files)) if isinstance(data_files, (list, tuple)) else (
        str(data_files) if data_files is not None else f"{source.hub_id}:{split}")
    records, counts = source.convert(load_rows(source, split, data_files), rows_name, split, **options)
    meta = {"source": {"dataset": source.hub_id, "config": source.config, "split": split,
                       "data_files": rows_name if data_files is not None else None},
            "converter": f"lrpo.data.converters.{source.convert.__name__}", "counts": counts}
    return records, meta
