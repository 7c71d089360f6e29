"""Regenerate ``benchmarks/paper_results.csv`` from the paper's published tables.

    python benchmarks/paper_numbers.py                          # reads ../shared/paper/tables.csv
    python benchmarks/paper_numbers.py --paper-dir DIR --check  # exit 1 if the committed file is stale

The paper's numbers (Tables 1, 2, 4, 5 and 7 of Guo et al., ICML 2026, arXiv
2605.25360, as transcribed in ``<paper-dir>/tables.csv``) are facts, so the
project keeps a copy beside ``benchmarks/reproduce.py``, which prints them next
to its own tables. Every cell keeps its printed text, its ``flag``
(``inconsistent``: the README's flagged mGSM cells) and its source; the ``note``
says what is wrong with a flagged cell, and where an overall cell does not follow
from its row's per-benchmark cells by the paper's averaging rules
(``lrpo.evaluation.paper``), what they give instead.

The file used to hold secondary-source numbers (DESIGN.md, an arxivlens summary,
a third-party note) read before the tables were available. The paper covers every
one of them and agrees with each (``tests/test_paper_numbers.py`` keeps the list),
so they are not carried over.
"""

# ruff: noqa: E402  (the import path is set before this repository's modules load)
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from lrpo.evaluation.atomic import write_atomically
from lrpo.evaluation.paper import OVERALL, paper_rows, read_records

DEFAULT_PAPER_DIR = REPO_ROOT.parent / "shared" / "paper"
OUTPUT = REPO_ROOT / "benchmarks" / "paper_results.csv"
COLUMNS = ("table", "backbone", "method", "benchmark", "split", "value", "flag", "source", "note")
SOURCE = ("Guo et al., ICML 2026 (arXiv 2605.25360), Table {table}: the PDF of github.com/Guochry/LRPO commit "
          "d680486 ('icml2026 (4).pdf'), transcribed in shared/paper/tables.csv")


def _notes(records: list[dict]) -> dict[tuple[str, str, str, str, str], str]:
    """Notes keyed (table, backbone, method, benchmark, split): flagged cells, and
    printed overall cells that the row's own per-benchmark cells contradict."""
    rows = paper_rows(records)
    notes = {}
    for (table, backbone, method), row in rows.items():
        for benchmark, split in sorted(row.flagged):
            text = ("Inconsistent in the paper: disagrees with the same row's own mGSM average and overall cells "
                    "(shared/paper/README.md).")
            elsewhere = sorted({f"Table {other.table}: {other.cells[(benchmark, split)]:.2f}"
                                for other in rows.values()
                                if (other.backbone, other.method) == (backbone, method) and other is not row
                                and (benchmark, split) in other.cells and not other.flagged})
            if elsewhere:
                text += f" The consistent value: {'; '.join(elsewhere)}."
            notes[(str(table), backbone, method, benchmark, split)] = text
        for split, value in row.recomputed_overall().items():
            notes[(str(table), backbone, method, OVERALL, split)] = (
                f"Printed; the row's per-benchmark cells give {value:.2f} by the paper's averaging rules "
                "(lrpo.evaluation.paper), which reproduce.py shows instead, marked.")
    return notes


def paper_results_csv(paper_dir: Path) -> str:
    """The text of ``paper_results.csv`` for ``<paper_dir>/tables.csv`` (LF line ends).

    Raises FileNotFoundError naming the missing file, ValueError naming the line of
    a record without a number."""
    path = Path(paper_dir) / "tables.csv"
    records = read_records(path)
    for line, record in enumerate(records, start=2):
        try:
            float(record["value"])
        except (TypeError, ValueError):
            raise ValueError(f"{path}:{line}: value {record.get('value')!r} is not a number") from None
    notes = _notes(records)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        key = tuple(record[name] for name in ("table", "backbone", "method", "benchmark", "split"))
        writer.writerow([*key, record["value"], record.get("flag") or "", SOURCE.format(table=record["table"]),
                         notes.get(key, "")])
    return out.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paper-dir", type=Path, default=DEFAULT_PAPER_DIR,
                        help=f"the directory with the paper's tables.csv (default {DEFAULT_PAPER_DIR})")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if --output is stale")
    args = parser.parse_args(argv)
    text = paper_results_csv(args.paper_dir)
    current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
    if args.check:
        print(f"{args.output}: {'up to date' if current == text else 'STALE: rerun without --check'}")
        return 0 if current == text else 1
    write_atomically(args.output, text)
    print(f"wrote {args.output} ({text.count(chr(10)) - 1} cells from {args.paper_dir / 'tables.csv'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
