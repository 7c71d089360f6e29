"""The open-ended record: one question with a reference answer, as JSON lines.

    {"id": "hs3-train-12", "lang": "de", "question": "...", "reference": "...",
     "topic": "General Knowledge", "region": [],
     "history": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}],
     "source": "helpsteer3"}

- ``id``, ``lang`` (a code of ``lrpo.languages``), ``question`` and ``reference``
  (the preferred answer the similarity reward and the judge compare with) are
  required, non-empty strings.
- ``topic``: one of ``TOPICS`` (the paper's six), or absent / null when unlabelled.
- ``region``: a list of region names (countries, for LLM-labelled data), possibly
  empty. An *absent* ``region`` means "not labelled yet"; an empty list means
  "labelled: not a regional question". The labeller (``python -m lrpo.data label``)
  tells the two apart, which is why converters leave the field out when the source
  has no labels.
- ``history``: optional earlier turns of a multi-turn conversation (chat messages,
  roles ``user`` / ``assistant`` / ``system``); ``question`` is the last user turn.
- ``source``: optional, the dataset a record came from.

Every writer also writes ``<file>.meta.json`` beside the file (``write_records``):
where the records came from and who labelled them.

Errors name file:line and the field (``lrpo.tasks.DataError``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from lrpo.evaluation.atomic import write_atomically
from lrpo.languages import LANGUAGES, get_language
from lrpo.tasks.data import DataError, read_jsonl

# The paper's six topics, labelled by an LLM (Regional Knowledge questions also carry regions).
REGIONAL = "Regional Knowledge"
TOPICS = (REGIONAL, "General Knowledge", "Chat/Conversational", "Reasoning/Logic", "Safety/Ethics",
          "Translation")
REQUIRED_FIELDS = ("id", "lang", "question", "reference")
HISTORY_ROLES = ("user", "assistant", "system")
META_SUFFIX = ".meta.json"


def language_code(value: str) -> str | None:
    """The registry code of a language given by code ("de") or English name ("German",
    "german"); None when the registry does not know it."""
    text = str(value).strip()
    if text in LANGUAGES:
        return text
    by_name = {spec.name.lower(): code for code, spec in LANGUAGES.items()}
    return by_name.get(text.lower())


def _text(path, line, row: dict, field: str) -> str:
    value = row[field]
    if not isinstance(value, str) or not value.strip():
        raise DataError(path, line, f"field {field!r} must be a non-empty string, got {value!r:.60}")
    return value


def check_record(row, path: Path | str, line: int | str) -> dict:
    """The record ``row`` validated and normalised (see the module docstring).

    Raises DataError naming ``path:line`` and the offending field.
    """
    if not isinstance(row, dict):
        raise DataError(path, line, "expected a JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in row]
    if missing:
        raise DataError(path, line, f"missing field(s) {', '.join(missing)}")
    record = {name: _text(path, line, row, name) for name in REQUIRED_FIELDS}
    try:
        get_language(record["lang"])
    except ValueError as e:
        raise DataError(path, line, f"field 'lang': {e}") from None
    topic = row.get("topic")
    if topic is not None:
        if topic not in TOPICS:
            raise DataError(path, line, f"field 'topic' is {topic!r}; expected one of {', '.join(TOPICS)} "
                                        "or null")
        record["topic"] = topic
    if row.get("region") is not None:
        region = row["region"]
        if not isinstance(region, list) or not all(isinstance(r, str) and r.strip() for r in region):
            raise DataError(path, line, f"field 'region' must be a list of non-empty strings, got {region!r:.80}")
        record["region"] = list(region)
    if row.get("history"):
        record["history"] = _checked_history(path, line, row["history"])
    if row.get("source") is not None:
        record["source"] = str(row["source"])
    return record


def _checked_history(path, line, history) -> list[dict]:
    if not isinstance(history, list):
        raise DataError(path, line, "field 'history' must be a list of chat messages")
    for i, message in enumerate(history):
        if (not isinstance(message, dict) or message.get("role") not in HISTORY_ROLES
                or not isinstance(message.get("content"), str)):
            raise DataError(path, line, f"field 'history' item {i} must be {{'role': "
                                        f"{'|'.join(HISTORY_ROLES)}, 'content': str}}, got {message!r:.80}")
    return [{"role": m["role"], "content": m["content"]} for m in history]


def read_records(path: Path | str) -> list[dict]:
    """The checked records of a JSONL file, in file order; an (id, lang) pair may occur once."""
    path = Path(path)
    records, seen = [], {}
    for line, row in read_jsonl(path, ()):
        record = check_record(row, path, line)
        key = (record["id"], record["lang"])
        if key in seen:
            raise DataError(path, line, f"record id {key[0]!r} in language {key[1]!r} repeats line {seen[key]}")
        seen[key] = line
        records.append(record)
    return records


def meta_path(path: Path | str) -> Path:
    return Path(f"{path}{META_SUFFIX}")


def read_meta(path: Path | str) -> dict:
    """The metadata written beside ``path`` ({} when there is none)."""
    sidecar = meta_path(path)
    return json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else {}


def write_records(path: Path | str, records: Iterable[dict], meta: dict) -> Path:
    """Write records as JSON lines (each checked first) and ``meta`` beside them;
    both files are replaced atomically. Returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [check_record(record, path, f"record {i}") for i, record in enumerate(records, start=1)]
    write_atomically(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    write_atomically(meta_path(path), json.dumps({**meta, "records": len(records)}, indent=2,
                                                 ensure_ascii=False) + "\n")
    return path


def count_by(records: Sequence[dict], field: str) -> dict[str, int]:
    """How many records have each value of ``field`` (lists count each item; absent: "-")."""
    counts: dict[str, int] = {}
    for record in records:
        values = record.get(field, "-")
        for value in values if isinstance(values, list) else [values]:
            counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items()))
