"""Evaluating a task scored by similarity to a reference (issue 15, evaluation): samples
keep each response's similarity, scored in one encoder batch; the scorecard holds the
mean similarity under ``metric``; the leaderboard says what its column holds and keeps
other metrics off; the base model's cache key follows the options that change the
scores (eval file contents, encoder, calibration method and table contents)."""

import json
import shutil

import numpy as np
import pytest

from lrpo.evaluation.evaluator import evaluate
from lrpo.evaluation.leaderboard import append_scorecard, csv_path, markdown_path, read_rows
from lrpo.evaluation.leaderboard_markdown import render_markdown
from lrpo.evaluation.metrics import SIMILARITY
from lrpo.evaluation.run_cache import run_key, training_identity
from lrpo.evaluation.scorecard import build_scorecard
from lrpo.rewards.similarity import SimilarityReward
from lrpo.tasks.open_ended import OpenEndedTask
from lrpo.training.config import parse_config
from lrpo.training.pipeline import evaluation_settings
from tests.conftest import REPO_ROOT
from tests.test_similarity_training import CountingEncoder

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "open_ended"
TRAIN = FIXTURE / "training" / "train.jsonl"
# Parallel questions oe-1 and oe-2 in German and Japanese (and oe-3 in Chinese alone).
EVAL = FIXTURE / "open_ended" / "test.jsonl"


class ScriptedGenerator:
    """Answers each question with a fixed text per language (two questions share one)."""

    def __init__(self, answers):
        self.answers = answers

    def generate(self, conversations, progress=False):
        return [self.answers[i % len(self.answers)] for i in range(len(conversations))]


def test_evaluation_scores_similarity_in_one_batch_and_keeps_each_score(tmp_path):
    encoder = CountingEncoder()
    task = OpenEndedTask(eval_file=str(EVAL), calibration="none", similarity=SimilarityReward(None, encoder))
    answers = ["Weißwürste isst man vor Mittag.", "Blaues Licht wird gestreut.", "白ソーセージです。"]
    card = evaluate(task, ScriptedGenerator(answers), langs=["de", "ja", "zh"], output_dir=tmp_path,
                    seen_languages=["de", "ja"], progress=False)
    # One encoder call for the distinct responses, one for the references: no scoring one by one.
    examples = task.load("test", langs=["de", "ja", "zh"])
    assert encoder.calls == [answers, [ex.answer for ex in examples]]

    samples = [json.loads(line) for line in (tmp_path / "samples.jsonl").open(encoding="utf-8")]
    assert [(s["id"], s["lang"]) for s in samples] == [(ex.id, ex.lang) for ex in examples]
    for sample, example in zip(samples, examples, strict=True):
        assert sample["correct"] is None and 0.0 <= sample["similarity"] <= 1.0
        assert sample["similarity"] == pytest.approx(task.score(sample["response"], example, sample["lang"]))
    assert (card["metric"], card["metric_kind"]) == ("similarity", "continuous")
    for lang, stats in card["per_language"].items():
        mine = [s["similarity"] for s in samples if s["lang"] == lang]
        assert stats["accuracy"] == pytest.approx(sum(mine) / len(mine), abs=1e-12) and stats["n"] == len(mine)
    assert card["consistency"] is None
    written = json.loads((tmp_path / "scorecard.json").read_text(encoding="utf-8"))
    assert written["metric"] == "similarity"
    assert "| language | similarity % |" in (tmp_path / "scorecard.md").read_text(encoding="utf-8")


def similarity_card(scores: dict[str, float], method: str = "lrpo") -> dict:
    samples = [{"id": "q", "lang": lang, "similarity": score, "correct": None, "fidelity": 1.0}
               for lang, score in scores.items()]
    card = build_scorecard(samples, task="open_ended", split="test", model="tiny", method=method,
                           seen_languages=["de"], metric=SIMILARITY, n_resamples=10)
    return {**card, "response_lang": "same", "cue": "instruction"}


def test_the_open_ended_leaderboard_names_its_metric_and_keeps_other_metrics_off(tmp_path):
    append_scorecard(similarity_card({"de": 0.75, "ja": 0.5}), tmp_path, rollout_budget=8)
    rows = read_rows(csv_path("open_ended", tmp_path))
    assert {row["language"]: row["accuracy"] for row in rows} == {"de": 0.75, "ja": 0.5}
    markdown = markdown_path("open_ended", tmp_path).read_text(encoding="utf-8")
    assert markdown.splitlines()[2].startswith("Mean similarity (%, a continuous score in [0, 1]) per language")
    # language columns, avg, seen (de), unseen (ja), fidelity
    assert "| lrpo | tiny | 8 | 1 | 1 | 1 | 75.0 | 50.0 | 62.5 | 75.0 | 50.0 | 100.0 |" in markdown
    # An LLM judge's ratings of the same answers would be averaged with the similarities: refused.
    judged = {**similarity_card({"de": 0.8, "ja": 0.4}), "metric": "judge:care"}
    with pytest.raises(ValueError, match="metric 'judge:care' cannot go on the open_ended leaderboard"):
        append_scorecard(judged, tmp_path)
    assert read_rows(csv_path("open_ended", tmp_path)) == rows
    # They go on their benchmark's own leaderboard, named by the judge's protocol, which says what it holds.
    append_scorecard({**judged, "task": "care"}, tmp_path)
    assert markdown_path("care", tmp_path).read_text(encoding="utf-8").splitlines()[2].startswith(
        "Mean judge:care (%, a continuous score in [0, 1]) per language")
    # A verifier task's scorecard without a metric (written before it existed) goes on as accuracy.
    old = build_scorecard([{"id": "q", "lang": "de", "correct": True, "fidelity": 1.0}], task="mgsm", split="test",
                          model="tiny", n_resamples=10)
    del old["metric"], old["metric_kind"]
    append_scorecard(old, tmp_path)
    assert markdown_path("mgsm", tmp_path).read_text(encoding="utf-8").splitlines()[2].startswith(
        "Accuracy (%) per language")


def test_the_committed_leaderboards_render_as_committed():
    for path in sorted((REPO_ROOT / "leaderboards").glob("*.csv")):
        assert render_markdown(path.stem, read_rows(path)) == path.with_suffix(".md").read_text(encoding="utf-8")


# The base model's cache key


def pair_stats(path, de_ja: float = 0.95):
    """A small table in the authors' per-pair format (mmBERT-small's), for the pairs these runs score."""
    path.write_text("lang_a,lang_b,count,mean,std\nGerman,German,30,0.97,0.01\n"
                    f"German,Japanese,30,{de_ja},0.02\nJapanese,Japanese,30,0.96,0.01\n", encoding="utf-8")
    return str(path)


def keys(tmp_path, eval_file, *flags):
    """(base-evaluation key, training key) of an open_ended run on de and ja."""
    config = parse_config(["--task", "open_ended", "--train_file", str(TRAIN), "--eval_file", str(eval_file),
                           "--train_languages", "de,ja", "--candidate_languages", "de,ja", *flags])
    return run_key(config, "org/model", evaluation_settings(config)), run_key(config, "org/model")


def test_the_base_scorecard_key_follows_the_options_that_change_the_scores(tmp_path):
    eval_file = tmp_path / "eval.jsonl"
    eval_file.write_text("".join(line for line in EVAL.open(encoding="utf-8") if '"lang": "de"' in line
                                 or '"lang": "ja"' in line), encoding="utf-8")
    mmbert = ("--similarity_encoder", "jhu-clsp/mmBERT-small")
    table = pair_stats(tmp_path / "stats.csv")
    base, trained = keys(tmp_path, eval_file, *mmbert, "--calibration_table", table)

    # The same files elsewhere: the same runs.
    elsewhere = tmp_path / "copy"
    elsewhere.mkdir()
    shutil.copy(eval_file, elsewhere / "eval.jsonl")
    moved_table = pair_stats(elsewhere / "stats.csv")
    assert keys(tmp_path, elsewhere / "eval.jsonl", *mmbert, "--calibration_table", moved_table) == (base, trained)

    # What changes a score changes both keys: the table's numbers, the calibration, the encoder, the questions.
    changed = [keys(tmp_path, eval_file, *mmbert, "--calibration_table", pair_stats(tmp_path / "other.csv", 0.9)),
               keys(tmp_path, eval_file, "--calibration", "none", *mmbert),
               keys(tmp_path, eval_file, "--calibration", "none")]
    eval_file.write_text(eval_file.read_text(encoding="utf-8").replace("oe-1", "oe-9"), encoding="utf-8")
    changed.append(keys(tmp_path, eval_file, *mmbert, "--calibration_table", table))
    assert len({base, trained, *(key for pair in changed for key in pair)}) == 2 + 2 * len(changed)


def test_the_training_file_changes_the_training_key_only(tmp_path):
    train_file = tmp_path / "train.jsonl"
    shutil.copy(TRAIN, train_file)

    def both():
        config = parse_config(["--task", "open_ended", "--train_file", str(train_file), "--eval_file", str(EVAL),
                               "--train_languages", "de,ja", "--calibration", "none"])
        return run_key(config, "org/model", evaluation_settings(config)), run_key(config, "org/model")

    base, trained = both()
    text = train_file.read_text(encoding="utf-8")
    train_file.write_text(text.replace("Himmel am Tag blau", "Himmel am Tag grau"), encoding="utf-8")
    assert train_file.read_text(encoding="utf-8") != text
    assert both()[0] == base and both()[1] != trained


def test_a_verifier_runs_key_leaves_out_the_fields_it_does_not_read():
    # The similarity fields and the topics kept in their language do nothing for arith, and were not in the
    # keys of the runs recorded before they existed: at those values they stay out of the key.
    identity = training_identity(parse_config(["--task", "arith"]))
    assert not {"reward", "similarity_encoder", "calibration", "calibration_table", "same_language_topics",
                "train_file", "eval_file"} & set(identity)
    assert training_identity(parse_config(["--task", "arith", "--calibration", "quantile"]))["calibration"] == \
        "quantile"


# The command line


def test_the_evaluate_command_scores_open_ended_by_similarity(tmp_path, capsys):
    from lrpo.evaluate import main
    from lrpo.models.tiny import TinyModelConfig, build_tiny_model

    smoke = build_tiny_model(TinyModelConfig.smoke(), progress=False)
    out = tmp_path / "eval"
    assert main(["--task", "open_ended", "--eval-file", str(EVAL), "--calibration", "none", "--model", str(smoke),
                 "--langs", "de", "ja", "--max-new-tokens", "8", "--output-dir", str(out), "--device", "cpu"]) == 0
    card = json.loads((out / "scorecard.json").read_text(encoding="utf-8"))
    assert card["metric"] == "similarity" and card["n_per_language"] == 2
    samples = [json.loads(line) for line in (out / "samples.jsonl").open(encoding="utf-8")]
    assert card["per_language"]["de"]["accuracy"] == pytest.approx(
        np.mean([s["similarity"] for s in samples if s["lang"] == "de"]), abs=1e-12)
    assert "similarity %" in capsys.readouterr().out
    # A calibration without its table fails before any generation; a verifier task takes none of these options.
    with pytest.raises(ValueError, match="needs a calibration table"):
        main(["--task", "open_ended", "--eval-file", str(EVAL), "--model", "no/such-model"])
    with pytest.raises(SystemExit):
        main(["--task", "mgsm", "--model", "no/such-model", "--calibration", "none"])
    assert "task 'mgsm' does not take --calibration" in capsys.readouterr().err
