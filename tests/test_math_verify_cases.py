"""The fixture of Math-Verify's own test cases and the script that records it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import extract_math_verify_cases as extraction  # noqa: E402

SUITE = '''
import math
import pytest

def compare_strings(gold, pred, match_types=["latex", "expr"], precision=6, strict=True,
                    allow_set_relation_comp=False):
    pass

@pytest.mark.parametrize("gold,pred,expected", [("$1$", "1", 1), ("2", "AZYUK2A", 0)])
def test_numbers(gold, pred, expected):
    assert compare_strings(gold, pred, match_types=["expr"]) == expected

@pytest.mark.parametrize("gold, pred, expected, precision", [(f"{math.sqrt(4):.3f}", r"$\\sqrt{4}$", 1, 2)])
def test_rounding(gold, pred, expected, precision):
    assert compare_strings(gold, pred, precision=precision) == expected

def test_inline():
    assert compare_strings("$x$", "x", match_types=["latex", "expr"]) == 1
'''
OTHER = '''
import pytest

@pytest.mark.parametrize("gold, pred, result", [("$n=1, 2$", "$n=1, 2$", 1)])
def test_plain(gold, pred, result):
    assert int(verify(parse(gold), parse(pred))) == result

@pytest.mark.parametrize("pred,expected", [("The answer is A.", ["a", "A"])])
def test_strings(pred, expected):
    pass
'''


def _git_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "tests").mkdir()
    for name, text in files.items():
        (tmp_path / "tests" / name).write_text(text)
    for command in (["init", "-q"], ["add", "."],
                    ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "suite"]):
        subprocess.run(["git", "-C", str(tmp_path), *command], check=True)
    return tmp_path


def test_extraction_reads_cases_and_their_settings(tmp_path):
    repo = _git_repo(tmp_path, {"test_all.py": SUITE, "test_other.py": OTHER})
    cases = extraction.extract(repo)
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    summary = [(c["source"], c["gold"], c["prediction"], c["expected"], c["setting"]["match_types"],
                c["setting"]["precision"], c["default"]) for c in cases]
    assert summary == [
        ("tests/test_all.py::test_numbers[0]", "$1$", "1", 1, ["expr"], 6, False),
        ("tests/test_all.py::test_numbers[1]", "2", "AZYUK2A", 0, ["expr"], 6, False),
        ("tests/test_all.py::test_rounding[0]", "2.000", "$\\sqrt{4}$", 1, ["latex", "expr"], 2, False),
        ("tests/test_all.py::test_inline[0]", "$x$", "x", 1, ["latex", "expr"], 6, True),
        ("tests/test_other.py::test_plain[0]", "$n=1, 2$", "$n=1, 2$", 1, ["latex", "expr"], 6, True),
    ]
    assert {c["commit"] for c in cases} == {commit}
    assert cases[0]["line"] == 9


def test_a_case_that_is_not_a_literal_names_its_line(tmp_path):
    built = ('\n@pytest.mark.parametrize("gold,pred,expected", [(make(), "1", 1)])\n'
             'def test_built(gold, pred, expected):\n    assert compare_strings(gold, pred) == expected\n')
    repo = _git_repo(tmp_path, {"test_all.py": SUITE + built})
    with pytest.raises(extraction.NotALiteral, match=r"tests/test_all.py:\d+"):
        extraction.extract(repo)


def test_the_recorded_fixture():
    lines = (ROOT / "benchmarks" / "data" / "math_verify_cases.jsonl").read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines]
    assert len(cases) == 270 and sum(c["default"] for c in cases) == 149
    assert len({c["commit"] for c in cases}) == 1
    assert len({c["source"] for c in cases}) == 270
    if extraction.DEFAULT_REPO.is_dir():  # the snapshot it was recorded from, where it is on this machine
        assert extraction.extract(extraction.DEFAULT_REPO) == cases
