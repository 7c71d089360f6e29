import json
import shutil
from collections import defaultdict

import pytest

from lrpo.languages import MMATH_LANGUAGES, POLYMATH_LANGUAGES
from lrpo.tasks import DataError, get_task
from lrpo.tasks.math_answers import math_answers_equal
from tests.responses import committed_response


@pytest.fixture(scope="module")
def mmath_rows(data_dir):
    return get_task("mmath").load("test", data_dir=data_dir)


@pytest.fixture(scope="module")
def polymath_rows(data_dir):
    return get_task("polymath").load("test", data_dir=data_dir)


def test_mmath_loads_parallel(mmath_rows):
    assert len(mmath_rows) == 10 * 374
    langs = defaultdict(set)
    for ex in mmath_rows:
        langs[ex.id].add(ex.lang)
    assert len(langs) == 374 and all(v == set(MMATH_LANGUAGES) for v in langs.values())


def test_polymath_loads_every_level(polymath_rows, data_dir):
    assert len(polymath_rows) == 18 * 4 * 125
    assert {ex.meta["level"] for ex in polymath_rows} == {"low", "medium", "high", "top"}
    assert {ex.lang for ex in polymath_rows} == set(POLYMATH_LANGUAGES)
    top = get_task("polymath", level="top").load("test", ["sw"], data_dir=data_dir)
    assert len(top) == 125 and top[0].id == "polymath-top-0"
    with pytest.raises(ValueError, match="unknown PolyMath level"):
        get_task("polymath", level="hard")


def _wrong(answer: str) -> str:
    return "987654321" if answer.strip("$ ") != "987654321" else "123456789"


def test_every_gold_scores_one(mmath_rows, polymath_rows):
    failures = [ex for ex in mmath_rows + polymath_rows
                if get_task(ex.id.split("-")[0]).score(committed_response(ex.lang, ex.answer), ex) != 1.0]
    assert failures == []


def test_wrong_answers_score_zero(mmath_rows, polymath_rows):
    mmath, polymath = get_task("mmath"), get_task("polymath")
    for task, rows in ((mmath, mmath_rows), (polymath, polymath_rows)):
        # Every language, a spread of items (the full cross product is slow only
        # because of sympy; the gold test above covers every item).
        for ex in rows[::7]:
            assert task.score(committed_response(ex.lang, _wrong(ex.answer)), ex) == 0.0, ex


@pytest.mark.parametrize("gold, response, lang", [
    ("$\\frac{\\pi}{3}$", "The answer is $\\frac{\\pi}{3}$.", "en"),
    ("$\\frac{3}{4}$", "So the answer is \\boxed{0.75}", "en"),
    ("204", "答案是204", "zh"),
    ("204", "答えは２０４です。", "ja"),
    ("2.5", "La réponse est 2,5.", "fr"),
    ("12000", "Die Antwort lautet 12.000.", "de"),
    ("12000", "The answer is 12\u00a0000.", "en"),
    ("$\\frac{1}{2}$", "คำตอบคือ $\\dfrac{1}{2}$", "th"),
    ("18", "الإجابة هي ١٨", "ar"),
])
def test_multilingual_equivalence(gold, response, lang):
    task = get_task("mmath")
    assert math_answers_equal(gold, task.extract(response, lang), lang)


def test_malformed_record_names_file(data_dir, tmp_path):
    shutil.copytree(data_dir / "mmath" / "mmath", tmp_path / "mmath" / "mmath")
    path = tmp_path / "mmath" / "mmath" / "ko.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    del rows[3]["answer"]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError, match=r"ko\.json:record 4: missing field\(s\) answer"):
        get_task("mmath").load("test", ["ko"], data_dir=tmp_path)
