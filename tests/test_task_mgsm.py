import shutil
from collections import defaultdict

import pytest

from lrpo.languages import MGSM_LANGUAGES
from lrpo.tasks import DataError, get_task
from tests.responses import number_response


@pytest.fixture(scope="module")
def mgsm():
    return get_task("mgsm")


@pytest.fixture(scope="module")
def test_split(mgsm, data_dir):
    return mgsm.load("test", data_dir=data_dir)


def test_languages():
    assert get_task("mgsm").languages == MGSM_LANGUAGES


def test_every_test_row_loads_and_lines_up_across_languages(test_split):
    assert len(test_split) == 11 * 250
    by_id = defaultdict(dict)
    for ex in test_split:
        by_id[ex.id][ex.lang] = ex.answer
    assert len(by_id) == 250
    for answers in by_id.values():
        assert set(answers) == set(MGSM_LANGUAGES)
        assert len(set(answers.values())) == 1  # parallel rows share the gold
    assert by_id["mgsm-0"]["de"] == "18"
    # The four golds written with thousands commas in the file are read as integers.
    assert {"2125", "114200", "276000", "5600"} <= {a["en"] for a in by_id.values()}


def test_gold_scores_one_and_wrong_number_zero(mgsm, test_split):
    for ex in test_split:
        assert mgsm.score(number_response(ex.lang, ex.answer), ex) == 1.0, ex
        assert mgsm.score(number_response(ex.lang, ex.answer, offset=1), ex) == 0.0, ex


def test_gold_in_other_response_languages(mgsm, test_split):
    ex = test_split[0]
    for lang in MGSM_LANGUAGES:
        assert mgsm.score(number_response(lang, ex.answer), ex, response_lang=lang) == 1.0


def test_exemplar_chain_of_thought_scores_one(mgsm, data_dir):
    exemplars = mgsm.load("exemplars", data_dir=data_dir)
    assert len(exemplars) == 88
    for ex in exemplars:
        assert mgsm.score(ex.meta["solution"], ex) == 1.0, (ex.lang, ex.meta["solution"][-80:])
        assert mgsm.extract(ex.meta["solution"], ex.lang) == ex.answer


def test_train_split_loads_every_gold(mgsm, data_dir):
    train = mgsm.load("train", data_dir=data_dir)
    counts = defaultdict(int)
    for ex in train:
        counts[ex.lang] += 1
        assert ex.answer.lstrip("-").isdigit()
    assert counts["en"] == 7473
    assert counts["de"] == 7464 and counts["ru"] == 7360 and counts["zh"] == 7363
    # Parallel ids: a translated row carries the id of its GSM8K original.
    en = {ex.id: ex for ex in train if ex.lang == "en"}
    for ex in train:
        if ex.lang != "en":
            assert en[ex.id].answer == ex.answer
            assert en[ex.id].question.split() == ex.meta["question_en"].split()


def test_train_and_test_do_not_overlap(mgsm, data_dir, test_split):
    train_questions = {ex.question for ex in mgsm.load("train", ["en"], data_dir=data_dir)}
    assert not train_questions & {ex.question for ex in test_split if ex.lang == "en"}


def test_limit_and_language_selection(mgsm, data_dir):
    rows = mgsm.load("test", langs=["de", "ja"], data_dir=data_dir, limit=3)
    assert [ex.lang for ex in rows] == ["de"] * 3 + ["ja"] * 3
    with pytest.raises(ValueError, match="supported"):
        mgsm.load("test", langs=["xx"], data_dir=data_dir)
    with pytest.raises(ValueError, match="no language 'ko'"):
        mgsm.load("test", langs=["ko"], data_dir=data_dir)
    with pytest.raises(ValueError, match="no split"):
        mgsm.load("dev", data_dir=data_dir)


def test_env_var_data_dir(mgsm, data_dir, monkeypatch):
    monkeypatch.setenv("LRPO_DATA_DIR", str(data_dir))
    assert len(mgsm.load("test", langs=["en"], limit=2)) == 2
    monkeypatch.setenv("LRPO_DATA_DIR", str(data_dir / "missing"))
    with pytest.raises(FileNotFoundError, match="LRPO_DATA_DIR"):
        mgsm.load("test", langs=["en"])


def _copy_mgsm(data_dir, tmp_path):
    shutil.copytree(data_dir / "mgsm", tmp_path / "mgsm")
    return tmp_path / "mgsm" / "mgsm_de.tsv"


def test_malformed_row_missing_column_names_file_and_line(mgsm, data_dir, tmp_path):
    path = _copy_mgsm(data_dir, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[6] = lines[6].split("\t")[0]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"mgsm_de\.tsv:7: expected 2 tab-separated columns"):
        mgsm.load("test", langs=["de"], data_dir=tmp_path)


def test_malformed_row_non_numeric_gold_names_file_and_line(mgsm, data_dir, tmp_path):
    path = _copy_mgsm(data_dir, tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[11] = lines[11].split("\t")[0] + "\tzwölf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"mgsm_de\.tsv:12: gold answer 'zwölf' is not a number"):
        mgsm.load("test", langs=["de"], data_dir=tmp_path)


def test_prompt_asks_for_the_response_language(mgsm, test_split):
    ex = next(e for e in test_split if e.lang == "de")
    messages = mgsm.prompt(ex, response_lang="ja")
    assert messages[-1]["role"] == "user"
    assert ex.question in messages[-1]["content"]
    assert "日本語で答えてください。" in messages[-1]["content"]
    assert "答えは" in messages[-1]["content"]
    assert mgsm.prompt(ex) == mgsm.prompt(ex, response_lang="de")


def test_fewshot_prompt_uses_exemplars_in_the_response_language(data_dir, test_split):
    task = get_task("mgsm", num_fewshot=8, data_dir=data_dir)
    ex = next(e for e in test_split if e.lang == "de")
    messages = task.prompt(ex, response_lang="zh")
    assert [m["role"] for m in messages] == ["user", "assistant"] * 8 + ["user"]
    assert messages[1]["content"].startswith("罗杰一开始有 5 个球")
    assert "答案是 11" in messages[1]["content"]
    with pytest.raises(ValueError, match="num_fewshot"):
        get_task("mgsm", num_fewshot=9)


def test_tag_cue(mgsm, test_split):
    ex = next(e for e in test_split if e.lang == "de")
    content = mgsm.prompt(ex, response_lang="ja", cue="tag")[-1]["content"]
    assert content == f"{ex.question} <|out_lang_ja|>"
    with pytest.raises(ValueError, match="unknown language cue"):
        mgsm.prompt(ex, "ja", cue="emoji")
