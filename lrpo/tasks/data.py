"""Reading benchmark files in their original formats, with errors that point at the row.

Data is never copied into the project: loaders read from a directory given at
run time (``data_dir=``, else ``$LRPO_DATA_DIR``) laid out like the originals,
and fall back to the Hugging Face hub when neither is set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

DATA_DIR_ENV = "LRPO_DATA_DIR"


class DataError(ValueError):
    """A malformed data file; the message names the file and the line."""

    def __init__(self, path: Path | str, line: int | None, problem: str):
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.line = line


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path | None:
    """The directory to read from, or None to use the Hugging Face hub."""
    chosen = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV) or None
    if chosen is None:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        source = "data_dir" if data_dir is not None else f"${DATA_DIR_ENV}"
        raise FileNotFoundError(f"{source} {str(path)!r} is not a directory")
    return path


def _misplaced_root(path: Path) -> str:
    """Why ``path`` is missing when the data directory given is one level off: the
    same relative path exists one level below or above the deepest existing ancestor."""
    ancestor = next((parent for parent in path.parents if parent.is_dir()), None)
    if ancestor is None:
        return ""
    relative = path.relative_to(ancestor)
    below = sorted(child for child in ancestor.iterdir() if child.is_dir() and (child / relative).is_file())
    if below:
        return (f"; {below[0] / relative} exists: the data directory looks one level too high, "
                f"use {below[0]}")
    if (ancestor.parent / relative).is_file():
        return (f"; {ancestor.parent / relative} exists: the data directory looks one level too low, "
                f"use {ancestor.parent}")
    return ""


def require_file(path: Path) -> Path:
    """``path``, or FileNotFoundError naming it (and the right data directory when the
    one given is one level too high or too low: the loaders read ``<data_dir>/<layout>``,
    e.g. ``<data_dir>/mgsm/mgsm_de.tsv``; README "Data")."""
    if not path.is_file():
        raise FileNotFoundError(f"expected data file {path} is missing{_misplaced_root(path)}")
    return path


def _undecodable(path: Path, error: UnicodeDecodeError) -> DataError:
    """The error of a file that is not UTF-8, at the line of its first bad byte."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as e:
                return DataError(path, number, f"not UTF-8 text (byte {raw[e.start:e.start + 1]!r} at column "
                                               f"{e.start + 1}); save the file as UTF-8")
    return DataError(path, None, f"not UTF-8 text ({error.reason}); save the file as UTF-8")


def _empty(path: Path) -> DataError:
    return DataError(path, None, "no records: the file is empty (a language read from it would be dropped)")


def read_lines(path: Path):
    """Yield (line number, text) without line endings (CRLF files included) and without a
    leading UTF-8 byte-order mark (as editors on Windows save), skipping blank lines.
    DataError (file and line) for bytes that are not UTF-8."""
    with open(require_file(path), encoding="utf-8-sig") as f:
        try:
            for number, line in enumerate(f, start=1):
                line = line.rstrip("\r\n")
                if line.strip():
                    yield number, line
        except UnicodeDecodeError as e:
            raise _undecodable(path, e) from None


def read_tsv(path: Path, columns: int, header: bool = False):
    """Yield (line number, fields). Splits on tabs only: MGSM rows contain
    literal quotes that a csv reader would treat as quoting. A file without a
    data row is a DataError."""
    rows = 0
    for number, line in read_lines(path):
        if header and number == 1:
            continue
        fields = line.split("\t")
        if len(fields) != columns:
            raise DataError(path, number, f"expected {columns} tab-separated columns, found {len(fields)}")
        rows += 1
        yield number, fields
    if not rows:
        raise _empty(path)


def read_jsonl(path: Path, required: tuple[str, ...]):
    """Yield (line number, object) checking that the required keys are present. A
    file without a record is a DataError."""
    rows = 0
    for number, line in read_lines(path):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(path, number, f"invalid JSON ({e.msg})") from None
        _check_keys(path, number, row, required)
        rows += 1
        yield number, row
    if not rows:
        raise _empty(path)


def read_json_array(path: Path, required: tuple[str, ...]):
    """Yield (record number, object) from a file holding one JSON array (DataError
    when it is empty, not an array or not UTF-8)."""
    try:
        text = require_file(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise _undecodable(path, e) from None
    if not text.strip():
        raise _empty(path)
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(path, e.lineno, f"invalid JSON ({e.msg})") from None
    if not isinstance(rows, list):
        raise DataError(path, None, "expected a JSON array of records")
    if not rows:
        raise _empty(path)
    for number, row in enumerate(rows, start=1):
        _check_keys(path, f"record {number}", row, required)
        yield number, row


def _check_keys(path, where, row, required):
    if not isinstance(row, dict):
        raise DataError(path, where, "expected a JSON object")
    missing = [k for k in required if k not in row]
    if missing:
        raise DataError(path, where, f"missing field(s) {', '.join(missing)}")


def load_hub_dataset(dataset_id: str, config: str | None, split: str):
    """Rows of a Hugging Face hub dataset (used when no data directory is given)."""
    try:
        import datasets
    except ImportError as e:  # pragma: no cover - datasets is a core dependency
        raise RuntimeError("reading from the hub needs the `datasets` package") from e
    try:
        return datasets.load_dataset(dataset_id, config, split=split)
    except Exception as e:
        raise RuntimeError(
            f"could not load {dataset_id!r} ({config}, {split}) from the Hugging Face hub: {e}. "
            f"Offline, pass data_dir= / --data-dir or set ${DATA_DIR_ENV} to a local copy."
        ) from e
