import json
import shutil
from collections import defaultdict

import pytest

from lrpo.languages import XCOPA_LANGUAGES
from lrpo.tasks import DataError, get_task
from tests.responses import committed_response


@pytest.fixture(scope="module")
def xcopa():
    return get_task("xcopa")


@pytest.fixture(scope="module", params=["val", "test"])
def split(request, xcopa, data_dir):
    return request.param, xcopa.load(request.param, data_dir=data_dir)


def test_every_row_loads_with_parallel_ids_and_labels(split):
    name, rows = split
    size = 100 if name == "val" else 500
    assert len(rows) == 11 * size
    by_id = defaultdict(dict)
    for ex in rows:
        by_id[ex.id][ex.lang] = (ex.answer, ex.meta["relation"])
    assert len(by_id) == size
    for per_lang in by_id.values():
        assert set(per_lang) == set(XCOPA_LANGUAGES)
        # The label and (taken from et) the relation agree in every language.
        assert len(set(per_lang.values())) == 1


def test_thai_relation_comes_from_estonian(xcopa, data_dir):
    th = xcopa.load("test", ["th"], data_dir=data_dir)
    # The th file says "effect" for every item; the et file has both.
    assert {ex.meta["relation"] for ex in th} == {"cause", "effect"}


def test_gold_choice_scores_one_and_other_choice_zero(xcopa, split):
    _, rows = split
    for ex in rows:
        wrong = "2" if ex.answer == "1" else "1"
        assert xcopa.score(committed_response(ex.lang, ex.answer), ex) == 1.0, ex
        assert xcopa.score(committed_response(ex.lang, wrong), ex) == 0.0, ex
        assert xcopa.extract(committed_response(ex.lang, ex.answer), ex.lang) == ex.answer


def test_choice_by_quoted_text(xcopa, data_dir):
    ex = xcopa.load("val", ["it"], data_dir=data_dir, limit=1)[0]
    gold_text = ex.meta["choice1" if ex.answer == "1" else "choice2"]
    other_text = ex.meta["choice2" if ex.answer == "1" else "choice1"]
    assert xcopa.score(f"La risposta è: {gold_text}", ex) == 1.0
    assert xcopa.score(f"La risposta è: {other_text}", ex) == 0.0
    assert xcopa.score("Non lo so.", ex) == 0.0


def test_generative_prompt(xcopa, data_dir):
    ex = xcopa.load("test", ["et"], data_dir=data_dir, limit=1)[0]
    content = xcopa.prompt(ex, response_lang="en")[0]["content"]
    assert ex.question in content and ex.meta["choice1"] in content and ex.meta["choice2"] in content
    assert ("What was the cause?" in content) == (ex.meta["relation"] == "cause")
    assert "Answer in English." in content


def test_loglikelihood_request(xcopa, data_dir):
    ex = xcopa.load("val", ["et"], data_dir=data_dir, limit=1)[0]
    context, continuations, gold = xcopa.loglikelihood_request(ex)
    assert ex.meta["relation"] == "effect"
    assert context == "Mees keeras kraani lahti seetõttu"
    assert continuations == [" tualett täitus veega.", " tilast voolas vett."]
    assert gold == 1
    zh = xcopa.load("val", ["zh"], data_dir=data_dir, limit=1)[0]
    context, continuations, _ = xcopa.loglikelihood_request(zh)
    assert context.endswith("所以") and not continuations[0].startswith(" ")


def test_malformed_label_names_file_and_line(xcopa, data_dir, tmp_path):
    shutil.copytree(data_dir / "xcopa" / "data", tmp_path / "xcopa" / "data")
    path = tmp_path / "xcopa" / "data" / "it" / "val.it.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[4])
    row["label"] = "two"
    lines[4] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"val\.it\.jsonl:5: label must be 0 or 1"):
        xcopa.load("val", ["it"], data_dir=tmp_path)
    del row["premise"]
    lines[4] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"val\.it\.jsonl:5: missing field\(s\) premise"):
        xcopa.load("val", ["it"], data_dir=tmp_path)
