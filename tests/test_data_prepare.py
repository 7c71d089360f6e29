"""`python -m lrpo.data prepare` on small local files written in each dataset's published
schema (the hub is not reachable here), and `python -m lrpo.data label` against a local
chat server."""

import json

import datasets
import pytest

from lrpo.data.__main__ import main
from lrpo.data.countries import canonical_country
from lrpo.data.endpoint import MalformedAnswer
from lrpo.data.labeller import PROMPT_SHA256, parse_labels
from lrpo.data.schema import read_meta, read_records, write_records
from tests.test_judge import FakeChatServer


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def turn(role, content):
    return {"role": role, "content": content}


HELPSTEER3_ROWS = [
    {"domain": "multilingual", "language": "german", "context": [turn("user", "Wie koche ich Reis?")],
     "response1": "Reis im Verhältnis 1:2 mit Wasser kochen.", "response2": "Keine Ahnung.",
     "overall_preference": -2, "individual_preference": []},
    {"domain": "multilingual", "language": "japanese",
     "context": [turn("user", "おすすめの本は？"), turn("assistant", "どんな本が好きですか？"),
                 turn("user", "短い小説です。")],
     "response1": "分かりません。", "response2": "『星の王子さま』はいかがですか。", "overall_preference": 3,
     "individual_preference": []},
    {"domain": "multilingual", "language": "french", "context": [turn("user", "Bonjour ?")],
     "response1": "Bonjour !", "response2": "Salut !", "overall_preference": 0, "individual_preference": []},
    {"domain": "code", "language": "python", "context": [turn("user", "Sort a list")],
     "response1": "sorted(x)", "response2": "x.sort()", "overall_preference": 1, "individual_preference": []},
]


def test_helpsteer3_multilingual_preferred_response_and_history(tmp_path):
    source = write_jsonl(tmp_path / "hs3.jsonl", HELPSTEER3_ROWS)
    assert main(["prepare", "helpsteer3", "--out", str(tmp_path / "out"), "--data-files", str(source)]) == 0
    out = tmp_path / "out" / "helpsteer3-train.jsonl"
    records = read_records(out)
    assert [(r["id"], r["lang"]) for r in records] == [("helpsteer3-train-0", "de"), ("helpsteer3-train-1", "ja")]
    assert records[0]["reference"].startswith("Reis") and records[1]["reference"].startswith("『星")
    assert records[1]["question"] == "短い小説です。" and [m["role"] for m in records[1]["history"]] == [
        "user", "assistant"]
    assert "topic" not in records[0] and "region" not in records[0]  # left to the labeller
    meta = read_meta(out)
    assert meta["counts"] == {"rows": 4, "other_domains": 1, "ties": 1, "skipped_languages": {}}
    assert meta["source"]["dataset"] == "nvidia/HelpSteer3" and meta["records"] == 2


def test_the_hub_path_asks_for_the_published_ids(tmp_path, monkeypatch):
    local = datasets.load_dataset("json", data_files=str(write_jsonl(tmp_path / "hs3.jsonl", HELPSTEER3_ROWS)),
                                  split="train")
    calls = []

    def fake_load_dataset(path, name=None, split=None, **kwargs):
        calls.append((path, name, split))
        return local

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    assert main(["prepare", "helpsteer3", "--out", str(tmp_path / "out"), "--split", "validation"]) == 0
    assert calls == [("nvidia/HelpSteer3", "preference", "validation")]
    assert read_records(tmp_path / "out" / "helpsteer3-validation.jsonl")[0]["id"] == "helpsteer3-validation-0"


def test_a_malformed_row_names_the_row_and_field(tmp_path, capsys):
    rows = HELPSTEER3_ROWS[:1] + [{**HELPSTEER3_ROWS[0], "overall_preference": 7}]
    source = write_jsonl(tmp_path / "hs3.jsonl", rows)
    with pytest.raises(SystemExit) as exit_:
        main(["prepare", "helpsteer3", "--out", str(tmp_path / "out"), "--data-files", str(source)])
    assert exit_.value.code == 2
    assert "hs3.jsonl:row 1: field 'overall_preference' must be an integer in -3..3" in capsys.readouterr().err


CARE_ROWS = [
    {"question": "中国人过春节吃什么？", "answer": "饺子和年糕。", "response": "吃饺子。", "human_rating": 6,
     "source": "LLM", "cul_type": "Social norms", "associated_culture": "Native (Chinese)"},
    {"question": "中国人过春节吃什么？", "answer": "饺子和年糕。", "response": "北方吃饺子，南方吃年糕。",
     "human_rating": 9, "source": "LLM", "cul_type": "Social norms", "associated_culture": "Native (Chinese)"},
    {"question": "ما هي أشهر حلوى في رمضان؟", "answer": "الكنافة والقطايف.", "response": "القطايف.",
     "human_rating": 8, "source": "LLM", "cul_type": "Cultural commonsense",
     "associated_culture": "Native (Arab)"},
    {"question": "日本ではお正月に何を食べますか？", "answer": "おせち料理とお雑煮です。",
     "response": "おせち料理です。", "human_rating": 7, "source": "human", "cul_type": "Cultural commonsense",
     "associated_culture": "Native (Japanese)"},
]


@pytest.mark.parametrize("choice, chinese_reference", [("chosen", "北方吃饺子，南方吃年糕。"),
                                                       ("answer", "饺子和年糕。")])
def test_care_one_record_per_question_language_identified(tmp_path, choice, chinese_reference):
    source = write_jsonl(tmp_path / "care.jsonl", CARE_ROWS)
    assert main(["prepare", "care", "--out", str(tmp_path), "--data-files", str(source),
                 "--care-reference", choice]) == 0
    records = read_records(tmp_path / "care-train.jsonl")
    assert [r["lang"] for r in records] == ["zh", "ar", "ja"]
    assert records[0]["reference"] == chinese_reference
    assert len({r["id"] for r in records}) == 3 and all(r["id"].startswith("care-") for r in records)


def test_care_pro_keeps_its_region_and_hindi_and_reports_unknown_languages(tmp_path, capsys):
    """Hindi, CARE-pro's unseen language, is kept (by code or English name); a language
    outside lrpo.languages (Yoruba) is skipped and reported."""
    rows = [{"question": "¿Qué se come en Nochevieja en España?", "answer": "Doce uvas.", "en_question": "",
             "en_answer": "", "language": "es", "region": "Spain"},
            {"question": "दिवाली कब मनाई जाती है?", "answer": "कार्तिक अमावस्या को।", "en_question": "",
             "en_answer": "", "language": "hi", "region": "India"},
            {"question": "होली किस महीने में खेली जाती है?", "answer": "फाल्गुन में।", "en_question": "",
             "en_answer": "", "language": "Hindi", "region": "India"},
            {"question": "Kí ni àwọn ènìyàn máa ń jẹ nígbà ọdún?", "answer": "Ìrẹsì àti ẹran.", "en_question": "",
             "en_answer": "", "language": "yo", "region": "Nigeria"}]
    source = write_jsonl(tmp_path / "care_pro.jsonl", rows)
    assert main(["prepare", "care_pro", "--out", str(tmp_path), "--data-files", str(source),
                 "--split", "test"]) == 0
    records = read_records(tmp_path / "care_pro-test.jsonl")
    assert [(r["lang"], r["region"]) for r in records] == [("es", ["Spain"]), ("hi", ["India"]), ("hi", ["India"])]
    assert records[1]["question"] == "दिवाली कब मनाई जाती है?" and records[1]["reference"] == "कार्तिक अमावस्या को।"
    assert read_meta(tmp_path / "care_pro-test.jsonl")["counts"]["skipped_languages"] == {"yo": 1}
    assert "skipped rows in languages outside lrpo.languages: {'yo': 1}" in capsys.readouterr().err


# The labeller


def label_script(prompt, n):
    """Fixed labels by question; the Japanese question is answered malformed first."""
    question = prompt.rsplit("Question:\n", 1)[1]
    if "お正月" in question:
        fenced = '```json\n{"topic": "regional knowledge", "regions": ["japan"]}\n```'
        return "Topic: regional" if n == 0 else fenced
    if "Reis" in question:
        return '{"topic": "General Knowledge", "regions": ["Germany"]}'
    if "Atlantis" in question:
        return '{"topic": "Regional Knowledge", "regions": ["Atlantis"]}'
    raise AssertionError(f"unexpected question {question!r}")


def test_label_fills_missing_labels_keeps_existing_and_records_the_labeller(tmp_path):
    records = [
        {"id": "1", "lang": "ja", "question": "日本ではお正月に何を食べますか？", "reference": "おせち。"},
        {"id": "2", "lang": "de", "question": "Wie koche ich Reis?", "reference": "Mit Wasser."},
        {"id": "3", "lang": "de", "question": "Schon gelabelt", "reference": "x", "topic": "Translation",
         "region": []},
        {"id": "4", "lang": "de", "question": "Wo liegt Atlantis?", "reference": "Nirgends."},
    ]
    source = write_records(tmp_path / "in.jsonl", records, {"converter": "test"})
    cache = tmp_path / "labels-cache.jsonl"
    argv = ["label", str(source), str(tmp_path / "out.jsonl"), "--model", "labeller-m", "--cache", str(cache),
            "--backoff", "0", "--max-attempts", "2", "--quiet"]
    with FakeChatServer(label_script) as server:
        assert main([*argv[:3], "--endpoint", server.url, *argv[3:]]) == 1  # Atlantis is no country
        assert server.requests == 2 + 1 + 2
        labelled = {r["id"]: r for r in read_records(tmp_path / "out.jsonl")}
        assert (labelled["1"]["topic"], labelled["1"]["region"]) == ("Regional Knowledge", ["Japan"])
        assert (labelled["2"]["topic"], labelled["2"]["region"]) == ("General Knowledge", [])
        assert (labelled["3"]["topic"], labelled["3"]["region"]) == ("Translation", [])
        assert "topic" not in labelled["4"] and "region" not in labelled["4"]
        meta = read_meta(tmp_path / "out.jsonl")
        assert meta["converter"] == "test" and meta["labeller"]["model"] == "labeller-m"
        assert meta["labeller"]["prompt_sha256"] == PROMPT_SHA256 and meta["labeller"]["endpoint"] == server.url
        assert meta["label_counts"] == {"asked": 3, "kept": 1, "failed": 1, "requests": 5}
        assert meta["label_failures"][0]["id"] == "4" and "Atlantis" in meta["label_failures"][0]["error"]

        before = server.requests  # a rerun asks only for the record that failed
        main([*argv[:3], "--endpoint", server.url, *argv[3:]])
        assert server.requests == before + 2


@pytest.mark.parametrize("text, labels", [
    ('{"topic": "Regional Knowledge", "regions": ["USA", "the Netherlands"]}',
     ("Regional Knowledge", ["United States", "Netherlands"])),
    ('{"topic": "chat/conversational", "regions": []}', ("Chat/Conversational", [])),
    ('{"topic": "Reasoning/Logic", "regions": ["France"]}', ("Reasoning/Logic", [])),
])
def test_parse_labels(text, labels):
    assert parse_labels(text) == labels


@pytest.mark.parametrize("text", ['{"topic": "Sports", "regions": []}', '{"topic": "Regional Knowledge"}',
                                  "Regional Knowledge", '{"topic": "Translation", "regions": [3]}'])
def test_parse_labels_rejects(text):
    with pytest.raises(MalformedAnswer):
        parse_labels(text)


def test_country_names():
    assert canonical_country(" the United  Kingdom ") == "United Kingdom" and canonical_country("UAE") == (
        "United Arab Emirates")
    assert canonical_country("Bavaria") is None
