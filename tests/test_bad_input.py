"""Issue 14, items 5-11: a wrong setting, path or file is an error naming it, found
before any model loads; nothing a run needs is discovered missing at its end."""

import json

import pytest

from lrpo.evaluation.evaluator import check_model_reference
from lrpo.tasks import get_task
from lrpo.tasks.data import DataError
from lrpo.training.config import parse_config
from lrpo.training.pipeline import RUN_OUTPUTS, check_output_dir, check_writable
from lrpo.training.trainer import (
    ROUTER_STATE_FILE,
    TRAINER_STATE_FILE,
    last_complete_checkpoint,
    read_router_state,
    resume_checkpoint,
)

# Item 5: every setting the trainer or optimizer would reject, rejected while parsing.


@pytest.mark.parametrize("flags, message", [
    (["--learning_rate=-1e-5"], "learning_rate must be >= 0"),
    (["--max-steps", "-3"], "max_steps must be >= 1"),
    (["--max_steps", "0"], "max_steps must be >= 1"),
    (["--max_steps", "-1", "--num_train_epochs", "0"], "num_train_epochs must be > 0"),
    (["--num_generations", "7"], "per_device_train_batch_size .* divisible by num_generations"),
    (["--num_generations", "1", "--k_on", "0"], "num_generations must be >= 2"),
    (["--adam_beta1", "1.0"], r"adam_beta1 must be in \[0, 1\)"),
    (["--weight_decay", "-0.1"], "weight_decay must be >= 0"),
    (["--router_algorithm", "foo"], "router_algorithm must be one of"),
    (["--learning_rte", "1e-5"], "unknown option '--learning_rte'; did you mean 'learning_rate'"),
    # A mix naming an unknown language names the method field, like any other plan error.
    (["--method", "xx:3"], r"rollout planner \(method, .*unknown language 'xx'"),
    (["--router_context", "qlang,colour"], "router_context: expected fields from"),
])
def test_a_setting_the_trainer_would_reject_names_its_field(flags, message):
    with pytest.raises(ValueError, match=message):
        parse_config(flags)


def test_router_context_accepts_a_comma_list_on_the_command_line():
    assert parse_config(["--router_context", "qlang,task"]).router_context == ["qlang", "task"]


def test_a_yaml_key_typo_names_the_file_line_and_the_closest_field(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("task: arith\nuse_cpu: true\nlearning_rat: 1.0e-5\n")
    with pytest.raises(ValueError, match=r"run\.yaml:3: unknown field 'learning_rat'; did you mean 'learning_r"):
        parse_config(["--config", str(config)])
    config.write_text("task: arith\nuse_cpu: true\nlearning_rate: -1.0e-5\n")
    with pytest.raises(ValueError, match="learning_rate must be >= 0"):
        parse_config(["--config", str(config)])


# Item 6: a model path that does not exist.


def test_a_missing_model_path_is_not_read_as_a_hub_id(tmp_path, capsys):
    with pytest.raises(ValueError, match="model: '/no/such/dir' does not exist .* not a Hugging Face hub id"):
        parse_config(["--model", "/no/such/dir"])
    check_model_reference("Qwen/Qwen2.5-1.5B-Instruct")  # a hub id: left to the hub
    check_model_reference(str(tmp_path))  # an existing directory
    from lrpo.evaluate import main

    with pytest.raises(SystemExit):
        main(["--task", "arith", "--model", str(tmp_path / "nope" / "model")])
    assert "does not exist" in capsys.readouterr().err


def test_an_unknown_response_language_is_a_usage_error_before_the_model_loads(tmp_path, capsys):
    from lrpo.evaluate import main

    # tmp_path is an empty directory: loading it as a model would fail differently.
    for value, message in (("all", "benchmarks/arith_cot_channel.py --response-langs all"),
                           ("xx", "--response-lang: unknown language 'xx'")):
        with pytest.raises(SystemExit):
            main(["--task", "arith_cot", "--model", str(tmp_path), "--response-lang", value])
        assert message in capsys.readouterr().err


# Item 7: data files that are empty, not UTF-8, or a data directory one level off.


def mgsm_dir(tmp_path, german: bytes):
    (tmp_path / "data" / "mgsm").mkdir(parents=True)
    (tmp_path / "data" / "mgsm" / "mgsm_de.tsv").write_bytes(german)
    return tmp_path / "data"


def test_an_empty_data_file_is_an_error_naming_it(tmp_path):
    data = mgsm_dir(tmp_path, b"\n")
    with pytest.raises(DataError, match=r"mgsm_de\.tsv: no records: the file is empty"):
        get_task("mgsm").load("test", ["de"], data_dir=data)


def test_a_file_in_another_encoding_names_file_and_line(tmp_path):
    data = mgsm_dir(tmp_path, "Frage eins\t1\nGr\u00f6\u00dfe zwei\t2\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"mgsm_de\.tsv:2: not UTF-8 text"):
        get_task("mgsm").load("test", ["de"], data_dir=data)


def test_a_data_dir_one_level_off_says_which_to_use(tmp_path):
    data = mgsm_dir(tmp_path, b"Frage\t1\n")
    with pytest.raises(FileNotFoundError, match=f"one level too high, use {data}"):
        get_task("mgsm").load("test", ["de"], data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=f"one level too low, use {data}"):
        get_task("mgsm").load("test", ["de"], data_dir=data / "mgsm")


# Item 8: directories that cannot be written, found before training.


def test_an_unwritable_directory_is_found_up_front(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="leaderboard_dir: .* is a file, not a directory"):
        check_writable(blocker / "lb", "leaderboard_dir")
    check_writable(tmp_path / "new" / "dir", "output_dir")  # creatable
    from lrpo.train import main

    assert main(["--leaderboard_dir", str(blocker / "lb"), "--output_dir", str(tmp_path / "out")]) == 2


# Items 9 and 10: resuming from checkpoints left by a kill, and a corrupt router state.


def checkpoint(output_dir, step: int, files=(TRAINER_STATE_FILE, ROUTER_STATE_FILE), router: str = "{}"):
    path = output_dir / f"checkpoint-{step}"
    path.mkdir(parents=True)
    for name in files:
        (path / name).write_text(router if name == ROUTER_STATE_FILE else "{}")
    return path


def test_resuming_skips_a_half_written_checkpoint_with_a_warning(tmp_path):
    complete = checkpoint(tmp_path, 2)
    checkpoint(tmp_path, 4, files=("config.json",))  # killed while saving
    with pytest.warns(UserWarning, match=r"skipping incomplete checkpoint .*checkpoint-4 \(no trainer_state"):
        assert last_complete_checkpoint(tmp_path, with_router=True) == str(complete)
    assert last_complete_checkpoint(tmp_path / "none", with_router=False) is None


def router_state(config) -> dict:
    from lrpo.training.setup import build_router, candidate_languages

    return build_router(config, candidate_languages(config, get_task(config.task))).state_dict()


def test_a_corrupt_router_state_names_the_file_before_any_model_loads(tmp_path):
    config = parse_config(["--output_dir", str(tmp_path), "--resume_from_checkpoint", "true"])
    good = json.dumps(router_state(config))
    checkpoint(tmp_path, 2, router=good[: len(good) // 2])  # truncated
    with pytest.raises(ValueError, match=r"checkpoint-2/lrpo_router\.json: not a router state: invalid JSON"):
        resume_checkpoint(config)
    (tmp_path / "checkpoint-2" / ROUTER_STATE_FILE).write_text(json.dumps({**json.loads(good), "rows": None}))
    with pytest.raises(ValueError, match=r"checkpoint-2/lrpo_router\.json: not a router state"):
        read_router_state(tmp_path / "checkpoint-2", config)
    (tmp_path / "checkpoint-2" / ROUTER_STATE_FILE).write_text(good)
    assert resume_checkpoint(config) == str(tmp_path / "checkpoint-2")


# Item 11: an output directory that holds another run.


def test_an_output_directory_holding_another_run_is_refused_unless_told(tmp_path):
    old = tmp_path / "run"
    checkpoint(old, 6)
    (old / "scorecard.json").write_text("{}")
    (old / "manifest.json").write_text(json.dumps({"config_hash": "old"}))
    config = parse_config(["--output_dir", str(old), "--max_steps", "3"])
    with pytest.raises(ValueError, match="output_dir: .* holds another run .*--overwrite_output_dir true"):
        check_output_dir(config, "new")
    check_output_dir(config, "old")  # the same run's directory: its files are written again
    overwrite = parse_config(["--output_dir", str(old), "--max_steps", "3", "--overwrite_output_dir", "true"])
    check_output_dir(overwrite, "new")
    assert not [path for path in old.iterdir() if path.name in RUN_OUTPUTS or path.name.startswith("checkpoint")]


def test_quick_and_default_runs_do_not_share_an_output_directory():
    assert parse_config(["--quick"]).output_dir != parse_config([]).output_dir
