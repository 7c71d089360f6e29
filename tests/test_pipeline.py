"""`python -m lrpo.train` end to end: train, score, compare with GRPO, record."""

import json

import pytest

from lrpo.train import main
from lrpo.training.config import parse_config
from tests.test_trainer import model_dir  # noqa: F401  (fixture)


def argv(tmp_path, data_dir, model, method, run):
    return ["--task", "mgsm", "--data-dir", str(data_dir), "--model", str(model), "--method", method,
            "--train_languages", "de,en,ja,zh", "--train_limit", "4", "--num_generations", "4", "--k_on", "1",
            "--per_device_train_batch_size", "8", "--max_completion_length", "8", "--max_steps", "2",
            "--eval_limit", "2", "--eval_languages", "de,en,sw", "--leaderboard_dir", str(tmp_path / "lb"),
            "--output_dir", str(tmp_path / run), "--save_steps", "2", "--disable_tqdm", "true"]


def test_train_scores_compares_and_records(tmp_path, data_dir, model_dir, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("LRPO_CACHE_DIR", str(tmp_path / "cache"))
    assert main(argv(tmp_path, data_dir, model_dir, "lrpo", "lrpo-run")) == 0
    out = capsys.readouterr().out
    assert "training it now" in out and "has no GRPO run of task 'mgsm'" in out  # the leaderboard is empty
    assert "base" in out and "GRPO" in out and "Δ vs GRPO" in out

    card = json.loads((tmp_path / "lrpo-run" / "scorecard.json").read_text())
    assert card["method"] == "lrpo" and set(card["per_language"]) == {"de", "en", "sw"}
    assert card["baseline"]["method"] == "grpo" and "delta_average" in card["baseline"]
    # Seen = trained-on languages among those evaluated; sw was held out.
    assert sorted(card["seen_languages"]) == ["de", "en"] and card["unseen_languages"] == ["sw"]
    manifest = json.loads((tmp_path / "lrpo-run" / "manifest.json").read_text())
    assert manifest["config"]["method"] == "lrpo" and manifest["seed"] == 0
    assert manifest["packages"]["trl"] and manifest["rollout_budget"] == 16
    assert (tmp_path / "lrpo-run" / "lrpo_router.json").is_file()
    assert (tmp_path / "lrpo-run" / "accuracy_by_language.png").stat().st_size > 0
    rows = (tmp_path / "lb" / "mgsm.csv").read_text().splitlines()
    assert len(rows) == 1 + 2 * 3  # header + (GRPO, LRPO) x 3 languages

    # A second method finds the GRPO run on the leaderboard instead of training it again.
    assert main(argv(tmp_path, data_dir, model_dir, "uniform", "uniform-run")) == 0
    assert "training it now" not in capsys.readouterr().out
    assert len((tmp_path / "lb" / "mgsm.csv").read_text().splitlines()) == 1 + 3 * 3
    # Scored on more questions per language, a run needs a baseline scored on as many.
    assert main(argv(tmp_path, data_dir, model_dir, "uniform", "uniform-3") + ["--eval_limit", "3"]) == 0
    out = capsys.readouterr().out  # and says why the one on the leaderboard does not do (issue 14, item 3)
    assert "training it now" in out and "differs in questions per language (2 questions in each of de, en, sw " \
        "there, 3 questions in each of de, en, sw here)" in out
    grpo_rows = [line.split(",") for line in (tmp_path / "lb" / "mgsm.csv").read_text().splitlines()[1:]
                 if line.split(",")[3] == "grpo"]
    assert sorted(int(row[9]) for row in grpo_rows) == [2, 2, 2, 3, 3, 3]  # column n

    # The same command again (into its own directory, as the same run): one run on the leaderboard, not two.
    assert main(argv(tmp_path, data_dir, model_dir, "uniform", "uniform-3") + ["--eval_limit", "3"]) == 0
    assert "already in" in capsys.readouterr().out
    assert len((tmp_path / "lb" / "mgsm.csv").read_text().splitlines()) == 1 + 5 * 3
    # Another configuration into that directory is refused before any model loads (item 11).
    assert main(argv(tmp_path, data_dir, model_dir, "uniform", "uniform-3") + ["--eval_limit", "2"]) == 2
    assert "holds another run" in capsys.readouterr().err


def test_invalid_settings_fail_before_any_model_loads(tmp_path):
    for flags, field in ((["--k_on", "9"], "k_on"), (["--router_eps", "2"], "router_eps"),
                         (["--method", "en:1,xx:1"], "xx"), (["--gate", "medium"], "gate"),
                         (["--eval_limit", "0"], "eval_limit"), (["--task", "nope"], "task"),
                         (["--tiny_model", "huge"], "tiny_model")):
        with pytest.raises(ValueError, match=field):
            # A model id that does not exist: reaching model loading would fail differently.
            parse_config(["--model", str(tmp_path / "no-such-model"), "--task", "mgsm", *flags])


def test_quick_runs_build_the_quick_tiny_model_and_the_default_run_the_default_one():
    from lrpo.models.tiny import TinyModelConfig, tiny_model_config

    assert parse_config(["--quick"]).tiny_model == "quick" and parse_config([]).tiny_model == "default"
    assert tiny_model_config("quick") == TinyModelConfig.quick() != TinyModelConfig()
    with pytest.raises(ValueError, match="default, quick, smoke"):
        tiny_model_config("huge")
