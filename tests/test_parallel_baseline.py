"""`python -m lrpo.train` trains a needed GRPO baseline alongside the run, in a child process
(lrpo.training.parallel_baseline; issue 13, acceptance 4).

The end-to-end tests run the real command with the smoke tiny model in a directory of their
own (no committed leaderboards/ to match), on a CPU with two cores or more.
"""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lrpo.training.config import parse_config
from lrpo.training.parallel_baseline import (
    available_cores,
    child_command,
    expected_rollout_budget,
    parallel_obstacle,
)

# Six steps: the run's training outlasts the child's start (imports, model, data: ~15 s on a loaded
# 2-core machine), so that the two trainings overlap.
FLAGS = ["--tiny_model", "smoke", "--max_steps", "6", "--eval_limit", "1", "--eval_languages", "de,en",
         "--logging_steps", "1", "--disable_tqdm", "true", "--leaderboard_dir", "lb", "--output_dir", "run"]
ALONGSIDE = "alongside this run in process "
TRAINING_NOW = "training it now under the same settings"

ONE_CORE = "one CPU core: the baseline trains after the run"
needs_two_cores = pytest.mark.skipif(available_cores() < 2, reason=ONE_CORE)


def launch(cwd: Path, cache: Path, flags, on_line=None):
    """Run ``python -m lrpo.train FLAGS`` in ``cwd``; return (exit status, [(time.time(), line)]).
    ``on_line(line, process)`` is called on each line of its output as it comes."""
    env = {**os.environ, "LRPO_CACHE_DIR": str(cache), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "lrpo.train", *flags], cwd=cwd, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               preexec_fn=default_sigint)
    lines = []
    try:
        for line in process.stdout:
            lines.append((time.time(), line.rstrip("\n")))
            if on_line:
                on_line(line, process)
        return process.wait(timeout=600), lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def default_sigint() -> None:
    """Ctrl-C's default action in the launched run: a shell without job control starts
    background jobs (a CI script under ``&``, say) with SIGINT ignored, their children
    inherit that, and Python then installs no KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def child_pid(line: str) -> int | None:
    # The number only: a Ctrl-C landing inside that print makes the traceback quote its source line.
    found = re.search(re.escape(ALONGSIDE) + r"(\d+)", line)
    return int(found.group(1)) if found else None


def output(lines) -> str:
    return "\n".join(line for _, line in lines)


def grpo_rows(leaderboard: Path) -> list[dict]:
    with leaderboard.open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["method"] == "grpo"]


def training_interval(directory: Path) -> tuple[float, float]:
    """(start, end) of a run's training, in time.time() seconds: the manifest is written
    right after it, and the trainer's state holds its runtime."""
    end = (directory / "manifest.json").stat().st_mtime
    runtime = json.loads((directory / "trainer_state.json").read_text())["log_history"][-1]["train_runtime"]
    return end - runtime, end


def step_logs(directory: Path) -> list[dict]:
    """A run's logged training steps (loss, reward, completion lengths, entropy, ...) minus their timing."""
    history = json.loads((directory / "trainer_state.json").read_text())["log_history"]
    return [{key: value for key, value in entry.items() if key != "step_time"} for entry in history
            if "loss" in entry]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("lrpo-cache")  # the smoke model, built once, and base scorecards


@pytest.fixture(scope="module")
def parallel_run(tmp_path_factory, cache):
    if available_cores() < 2:
        pytest.skip(ONE_CORE)
    cwd = tmp_path_factory.mktemp("parallel")
    code, lines = launch(cwd, cache, FLAGS)
    assert code == 0, output(lines)[-3000:]
    return cwd, lines


# Whether a run trains its baseline alongside, decided from the config alone

def test_only_a_single_process_cpu_run_that_needs_a_baseline_trains_it_alongside(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    config = parse_config(FLAGS)
    assert config.baseline_parallel is True
    if available_cores() >= 2:
        assert parallel_obstacle(config) == ""
    for flags, obstacle in ((["--baseline_parallel", "false"], "baseline_parallel"),
                            (["--baseline", "none"], "needs no GRPO baseline"),
                            (["--method", "grpo"], "needs no GRPO baseline"),
                            (["--skip_evaluation", "true"], "needs no GRPO baseline"),
                            (["--max_steps", "-1", "--num_train_epochs", "1"], "max_steps is -1")):
        assert obstacle in parallel_obstacle(parse_config(FLAGS + flags))
    monkeypatch.setenv("WORLD_SIZE", "2")  # torchrun: every rank trains the baseline itself
    assert "several processes" in parallel_obstacle(config)


def test_the_child_is_this_command_with_the_baselines_flags_last():
    config = parse_config(FLAGS)
    command = child_command(FLAGS, config)
    assert command[:3] == [sys.executable, "-m", "lrpo.train"] and command[3:3 + len(FLAGS)] == FLAGS
    child = parse_config(command[3:])  # later flags win
    assert (child.method, child.baseline, child.output_dir) == ("grpo", "none", "run-grpo-baseline")
    assert child.overwrite_output_dir is True and child.resume_from_checkpoint == "false"
    assert child.model is None  # the tiny model is found in the cache: labelled "tiny:" as the run's
    # The budget counted before training, as the run's rollout_budget counts it after: 64 x 6 here.
    assert expected_rollout_budget(config) == 64 * 6
    assert expected_rollout_budget(parse_config(FLAGS + ["--gradient_accumulation_steps", "2"])) == 128 * 6


def test_baseline_parallel_must_be_a_bool(tmp_path):
    preset = tmp_path / "preset.yaml"
    preset.write_text("use_cpu: true\nbaseline_parallel: 3\n")  # a YAML value the flag parser never sees
    with pytest.raises(ValueError, match="baseline_parallel must be true or false, got 3"):
        parse_config(["--config", str(preset)])


# The real command

@needs_two_cores
def test_a_run_trains_its_grpo_baseline_in_a_child_process_at_the_same_time(parallel_run):
    cwd, lines = parallel_run
    text = output(lines)
    started = [(when, child_pid(line)) for when, line in lines if child_pid(line)]
    assert len(started) == 1, text[-3000:]
    assert "has no GRPO run of task 'arith_cot'" in text and TRAINING_NOW in text
    log = cwd / "run-grpo-baseline" / "train.log"
    assert f"(log: {log.relative_to(cwd)})" in text and log.is_file()
    child_log = log.read_text()
    # The child found the tiny model the run had built (no rebuild) and recorded itself.
    assert "tiny model cached at" in child_log and "building tiny model" not in child_log
    assert "grpo: leaderboard rows in" in child_log
    assert "failed" not in text and "grpo: leaderboard rows" not in text  # the run did not train it again

    run_start, run_end = training_interval(cwd / "run")
    child_start, child_end = training_interval(cwd / "run-grpo-baseline")
    assert started[0][0] < run_end  # the child was started before the run's training finished ...
    assert max(run_start, child_start) < min(run_end, child_end)  # ... and the two trainings overlapped

    rows = grpo_rows(cwd / "lb" / "arith_cot.csv")
    assert len({row["run_id"] for row in rows}) == 1 and sorted(row["language"] for row in rows) == ["de", "en"]
    manifest = json.loads((cwd / "run" / "manifest.json").read_text())
    assert rows[0]["rollout_budget"] == str(manifest["rollout_budget"]) == str(64 * 6)
    card = json.loads((cwd / "run" / "scorecard.json").read_text())
    assert card["baseline"]["method"] == "grpo" and "delta_average" in card["baseline"]
    assert "Δ vs GRPO" in text
    # The GRPO curve beside the run's, read from the child's directory.
    assert (cwd / "run" / "training_curves.png").stat().st_size > 0


@needs_two_cores
def test_the_same_run_again_finds_the_baseline_on_the_leaderboard_and_starts_no_child(parallel_run, cache):
    cwd, _ = parallel_run
    log = cwd / "run-grpo-baseline" / "train.log"
    written = log.stat().st_mtime_ns
    code, lines = launch(cwd, cache, FLAGS)
    text = output(lines)
    assert code == 0, text[-3000:]
    assert ALONGSIDE not in text and TRAINING_NOW not in text and "already in" in text
    assert log.stat().st_mtime_ns == written
    assert len({row["run_id"] for row in grpo_rows(cwd / "lb" / "arith_cot.csv")}) == 1


@needs_two_cores
def test_baseline_parallel_false_trains_it_after_the_run_to_the_same_numbers(parallel_run, cache, tmp_path):
    code, lines = launch(tmp_path, cache, FLAGS + ["--baseline_parallel", "false"])
    text = output(lines)
    assert code == 0, text[-3000:]
    assert TRAINING_NOW in text and ALONGSIDE not in text and "grpo: leaderboard rows in" in text
    assert not (tmp_path / "run-grpo-baseline" / "train.log").exists()
    run_start, run_end = training_interval(tmp_path / "run")
    assert training_interval(tmp_path / "run-grpo-baseline")[0] > run_end  # one after the other
    # The same seeds give the same baseline, trained here or in a child process.
    parallel_cwd, _ = parallel_run
    logs = step_logs(tmp_path / "run-grpo-baseline")
    assert len(logs) == 6 and logs == step_logs(parallel_cwd / "run-grpo-baseline")

    def scores(directory):
        return [(row["language"], row["accuracy"], row["fidelity"]) for row in grpo_rows(directory / "lb" /
                                                                                         "arith_cot.csv")]

    assert scores(tmp_path) == scores(parallel_cwd)


@needs_two_cores
def test_a_failed_child_is_named_with_its_log_and_the_run_trains_the_baseline_itself(cache, tmp_path):
    killed = []

    def kill_the_child(line, _process):  # as the kernel's OOM killer would
        pid = child_pid(line)
        if pid:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    flags = FLAGS[:FLAGS.index("--max_steps")] + ["--max_steps", "2"] + FLAGS[FLAGS.index("--max_steps") + 2:]
    code, lines = launch(tmp_path, cache, flags, kill_the_child)
    text = output(lines)
    assert code == 0 and killed, text[-3000:]
    failed = [line for _, line in lines if "the GRPO baseline's process failed" in line]
    assert failed == ["the GRPO baseline's process failed (killed by signal 9; its log: "
                      "run-grpo-baseline/train.log): training it in this process instead"]
    assert (tmp_path / "run-grpo-baseline" / "train.log").is_file()  # kept for reading
    after = text.split(failed[0])[1]
    assert TRAINING_NOW in after and "grpo: leaderboard rows in" in after
    rows = grpo_rows(tmp_path / "lb" / "arith_cot.csv")
    assert len({row["run_id"] for row in rows}) == 1 and len(rows) == 2
    assert json.loads((tmp_path / "run" / "scorecard.json").read_text())["baseline"]["method"] == "grpo"


@needs_two_cores
def test_an_interrupted_run_leaves_no_child_behind(cache, tmp_path):
    children = []

    def interrupt(line, process):  # Ctrl-C, sent to the run alone
        pid = child_pid(line)
        if pid:
            children.append(pid)
            process.send_signal(signal.SIGINT)

    code, lines = launch(tmp_path, cache, FLAGS, interrupt)
    assert children and code != 0, output(lines)[-3000:]
    assert "KeyboardInterrupt" in output(lines)
    with pytest.raises(ProcessLookupError):  # ended and waited for by the run, not left to run on
        os.kill(children[0], 0)
