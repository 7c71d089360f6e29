"""`python -m lrpo.train` end to end: train, score, compare with GRPO, record."""

import json
import re

import pytest
from trl import GRPOConfig

from lrpo.train import main
from lrpo.training.config import TRACKING_BACKENDS, parse_config
from tests.test_trainer import model_dir  # noqa: F401  (fixture)


def argv(tmp_path, data_dir, model, method, run):
    return ["--task", "mgsm", "--data-dir", str(data_dir), "--model", str(model), "--method", method,
            "--train_languages", "de,en,ja,zh", "--train_limit", "4", "--num_generations", "4", "--k_on", "1",
            "--per_device_train_batch_size", "8", "--max_completion_length", "8", "--max_steps", "2",
            "--eval_limit", "2", "--eval_languages", "de,en,sw", "--leaderboard_dir", str(tmp_path / "lb"),
            "--output_dir", str(tmp_path / run), "--save_steps", "2", "--disable_tqdm", "true"]


def test_train_scores_compares_and_records(tmp_path, data_dir, model_dir, monkeypatch, capsys,  # noqa: F811
                                           recwarn):
    import lrpo.evaluation.plots as plots

    monkeypatch.setenv("LRPO_CACHE_DIR", str(tmp_path / "cache"))
    curves = []
    draw = plots.plot_training_curves
    monkeypatch.setattr(plots, "plot_training_curves", lambda runs, path: curves.append(runs) or draw(runs, path))
    assert main(argv(tmp_path, data_dir, model_dir, "lrpo", "lrpo-run")) == 0
    out = capsys.readouterr().out
    assert "training it now" in out and "has no GRPO run of task 'mgsm'" in out  # the leaderboard is empty
    assert "base" in out and "GRPO" in out and "Δ vs GRPO" in out
    # Issue 14, item 20: the Δ's interval and the worst language(s); no FutureWarning (TRL's default
    # gradient checkpointing on a tiny CPU model); Transformers' weight bars off (they broke into TRL's).
    assert "95% CI of Δ" in out and "Δ questions" in out and "worst language" in out
    assert not [str(w.message) for w in recwarn if issubclass(w.category, FutureWarning)]
    from transformers.utils import logging as transformers_logging

    assert not transformers_logging.is_progress_bar_enabled()
    # The model card names the base model (TRL's said "fine-tuned version of [None]" for a local model).
    card_text = (tmp_path / "lrpo-run" / "README.md").read_text()
    # A local base model is named by its directory and weights digest, and where it was loaded from.
    assert f"base model `{model_dir.name}@" in card_text and f"loaded from `{model_dir}`" in card_text
    assert "None" not in card_text
    # Item 19: the GRPO baseline trained in this run is drawn beside this run's curves.
    assert list(curves[-1]) == ["lrpo", "grpo"] and any("reward" in entry for entry in curves[-1]["grpo"])

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
    from lrpo.models.tiny import COT_QUICK_TRAIN_TOKENS, TinyModelConfig, tiny_model_config

    quick, default = parse_config(["--quick"]), parse_config([])
    assert quick.tiny_model == "quick" and default.tiny_model == "default"
    # Both presets run the arith_cot world (issue 13); --task arith is the null world's model.
    assert quick.task == default.task == "arith_cot"
    assert tiny_model_config("quick", "arith") == TinyModelConfig.quick() != TinyModelConfig()
    assert tiny_model_config("quick").world == "arith_cot" and tiny_model_config() == TinyModelConfig.arith_cot()
    # The quick arith_cot model keeps the quick architecture, on fewer tokens (its worked chains are longer).
    cot_quick = tiny_model_config("quick")
    assert (cot_quick.hidden_size, cot_quick.num_layers) == (TinyModelConfig.quick().hidden_size,
                                                             TinyModelConfig.quick().num_layers)
    assert cot_quick.train_tokens == COT_QUICK_TRAIN_TOKENS < TinyModelConfig.quick().train_tokens
    with pytest.raises(ValueError, match="default, quick, smoke"):
        tiny_model_config("huge")


def test_help_lists_lrpo_fields_first_with_the_shorthands(capsys):
    # Issue 14, item 15: LRPO's fields came last, after ~1,300 lines of TrainingArguments, without
    # --config / --quick / --no-baseline.
    from lrpo.training.config import LRPOConfig

    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: python -m lrpo.train [--config PRESET_OR_YAML | --quick] [--no-baseline]")
    for flag in ("--config PRESET_OR_YAML", "--quick", "--no-baseline"):
        assert f"\n  {flag}" in text
    positions = [text.index(f"\n  --{name} ") for name in ("router_eps", "leaderboard_dir", "learning_rate")]
    assert positions == sorted(positions)
    lrpo_part = text[text.index("LRPO: task"):text.index("TRL GRPOConfig")]
    own = [name for name in LRPOConfig.__dataclass_fields__ if name not in GRPOConfig.__dataclass_fields__]
    for name in own:  # each LRPO field, with a line of help after it
        assert re.search(rf"--{name} .*\n\s+\S", lrpo_part), name


def test_report_to_names_only_installed_trackers():
    # Issue 14, item 14: report_to tensorboard with nothing installed failed only when the trainer was built.
    from importlib.util import find_spec

    missing = [name for name, modules in TRACKING_BACKENDS.items() if not any(find_spec(m) for m in modules)]
    if not missing:
        pytest.skip("every tracker of the tracking extra is installed")
    expected = rf"report_to: {missing[0]} is not installed; pip install 'lrpo\[tracking\]'"
    with pytest.raises(ValueError, match=expected):
        parse_config(["--report_to", missing[0]])
    assert parse_config(["--config", "paper", "--bf16", "false", "--use_vllm", "false"]).report_to == []
    assert parse_config(["--report_to", "none"]).report_to == []


def test_no_activation_checkpointing_unless_asked():
    assert parse_config([]).activation_checkpointing is False and parse_config([]).gradient_checkpointing is False
    paper = parse_config(["--config", "paper", "--bf16", "false", "--use_vllm", "false"])
    assert paper.activation_checkpointing is True


def test_baseline_curve_is_read_from_disk_only_for_this_very_baseline(tmp_path, model_dir):  # noqa: F811
    # Item 19: a GRPO baseline found on the leaderboard has its curve drawn when its directory holds it.
    from lrpo.evaluation.run_cache import run_key
    from lrpo.training.pipeline import baseline_log_history

    config = parse_config(["--model", str(model_dir), "--method", "grpo", "--output_dir", str(tmp_path / "b")])
    for step in (2, 10):  # the last checkpoint's log is the whole run's
        (tmp_path / "b" / f"checkpoint-{step}").mkdir(parents=True)
        (tmp_path / "b" / f"checkpoint-{step}" / "trainer_state.json").write_text(
            json.dumps({"log_history": [{"step": s, "reward": 0.1} for s in range(1, step + 1)]}))
    assert baseline_log_history(config, str(model_dir), None) is None  # no manifest: not a finished run
    (tmp_path / "b" / "manifest.json").write_text(json.dumps({"config_hash": run_key(config, str(model_dir))}))
    assert len(baseline_log_history(config, str(model_dir), None)) == 10
    (tmp_path / "b" / "manifest.json").write_text(json.dumps({"config_hash": "another run"}))
    assert baseline_log_history(config, str(model_dir), None) is None


def test_the_grpo_baseline_of_a_resumed_run_does_not_resume_the_runs_checkpoint(tmp_path):
    """A resumed LRPO run trains its GRPO baseline afresh: the baseline's config (built from
    the run's command line plus ``baseline_overrides``, as lrpo.train does) has its own
    directory and no checkpoint to resume, and is the same run (same key) as a baseline
    derived from the run without --resume_from_checkpoint."""
    from lrpo.training.pipeline import baseline_overrides, run_key
    from lrpo.training.trainer import resume_checkpoint

    argv = ["--output_dir", str(tmp_path / "run"), "--model", "tiny-model-dir"]
    resumed = parse_config(argv + ["--resume_from_checkpoint", str(tmp_path / "run" / "checkpoint-50")])

    def derive(config, base_argv):
        flags = [item for key, value in baseline_overrides(config).items() for item in (f"--{key}", str(value))]
        return parse_config(base_argv + flags)

    baseline = derive(resumed, argv + ["--resume_from_checkpoint", str(tmp_path / "run" / "checkpoint-50")])
    assert baseline.method == "grpo" and baseline.output_dir == str(tmp_path / "run") + "-grpo-baseline"
    assert resume_checkpoint(baseline) is None
    fresh = derive(parse_config(argv), argv)
    assert run_key(baseline, "tiny-model-dir") == run_key(fresh, "tiny-model-dir")
