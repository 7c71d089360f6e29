"""The GRPO baseline of a ``python -m lrpo.train`` run, trained at the same time as the run,
in a child process on a spare core.

A run whose leaderboards hold no matching GRPO run trains that baseline itself
(``lrpo.training.pipeline``). On a CPU the two trainings ran one after the other on one
thread while a second core idled: a tiny run uses one torch thread, since two do not
speed its small matrices up (``lrpo.models.tiny.build_tiny_model``). When the run is a
single process on a CPU-only machine with at least two cores, ``baseline_alongside``
starts the baseline as ``python -m lrpo.train <the run's flags> --method grpo --baseline
none --output_dir <output_dir>-grpo-baseline --overwrite_output_dir true
--resume_from_checkpoint false`` (the fields of ``pipeline.baseline_overrides``; later
flags win), which trains, scores and appends itself to the leaderboard as any
``--baseline none`` GRPO run does, its output in ``<output_dir>-grpo-baseline/train.log``.
After the run's own training it waits for the child; the pipeline then finds the child's
row on the leaderboard as it finds any earlier GRPO run, and its curve in that directory.
A child that failed is named with its log, and the pipeline trains the baseline itself,
as without a child. ``--baseline_parallel false`` turns this off.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from lrpo.training.pipeline import (
    baseline_overrides,
    find_baseline,
    missing_baseline_message,
    model_label,
    rollouts_per_step,
)

# The child's stdout and stderr, in the baseline's output directory.
LOG_NAME = "train.log"
# Seconds a child asked to stop (SIGTERM) is given before it is killed.
STOP_GRACE_SECONDS = 30


def available_cores() -> int:
    """CPU cores this process may run on: its affinity mask where the system keeps one
    (a container or ``taskset`` can hold fewer than ``os.cpu_count()``), else ``os.cpu_count()``."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def expected_rollout_budget(config) -> int | None:
    """The rollout budget the run will have when training ends, counted as
    ``pipeline.rollout_budget`` counts it (one process): rollouts per optimizer step x
    ``max_steps``. None when the step count is not known before training (``max_steps``
    -1: ``num_train_epochs`` decides)."""
    return rollouts_per_step(config, 1) * config.max_steps if config.max_steps > 0 else None


def parallel_obstacle(config) -> str:
    """Why this run's GRPO baseline, if it needs one, would not train in a child process
    (the fields and machine facts that rule it out, before any leaderboard is read);
    "" when nothing does."""
    import torch

    if not config.baseline_parallel:
        return "baseline_parallel is false"
    if config.skip_evaluation or config.method == "grpo" or config.baseline != "grpo":
        return "the run needs no GRPO baseline (skip_evaluation, method grpo or baseline none)"
    if expected_rollout_budget(config) is None:
        return "max_steps is -1: the rollout budget is known only after training"
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return "the run is one of several processes (torchrun / accelerate): each trains the baseline"
    if not config.use_cpu and torch.cuda.is_available():
        return "the run trains on a GPU"
    if available_cores() < 2:
        return "one CPU core: no core to spare"
    return ""


def child_command(argv: list[str], config) -> list[str]:
    """The command that trains the GRPO baseline of the run given by ``argv`` (its
    ``python -m lrpo.train`` flags) and ``config`` (parsed from them): the same flags, then
    the baseline's (``pipeline.baseline_overrides``, ``--baseline none`` and an output
    directory that belongs to this run: a previous baseline there is replaced).

    The resolved model is not added as ``--model``: a model the run was given is in
    ``argv`` already, and the tiny model (no ``model`` field) is found in the cache the run
    has just built it into, without a rebuild; given as a directory it would be labelled
    without ``tiny:`` on the leaderboard (``pipeline.model_label``), a row the run would not
    find."""
    overrides = {**baseline_overrides(config), "baseline": "none", "overwrite_output_dir": "true"}
    flags = [item for key, value in overrides.items() for item in (f"--{key}", str(value))]
    return [sys.executable, "-m", "lrpo.train", *argv, *flags]


def start_child(argv: list[str], config) -> tuple[subprocess.Popen, Path]:
    """Start ``child_command`` with one torch thread (``OMP_NUM_THREADS=1``) and unbuffered
    output written to ``<output_dir>-grpo-baseline/train.log`` (created, replaced if there);
    return the process and the log's path. OSError when the directory cannot be written."""
    log_path = Path(baseline_overrides(config)["output_dir"]) / LOG_NAME
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    with log_path.open("w", encoding="utf-8") as log:  # the child holds its own copy of the file
        child = subprocess.Popen(child_command(argv, config), stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, env=env)
    return child, log_path


def stop_child(child: subprocess.Popen) -> None:
    """End ``child`` if it still runs: SIGTERM, then SIGKILL after ``STOP_GRACE_SECONDS``;
    it is waited for, so no process is left behind."""
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def wait_for_child(child: subprocess.Popen, log_path: Path) -> bool:
    """Wait for ``child`` to finish (one line while it still trains); True when it
    succeeded, else False after one line naming its exit status and ``log_path``."""
    if child.poll() is None:
        print(f"waiting for the GRPO baseline (process {child.pid}, log: {log_path})", flush=True)
    code = child.wait()
    if code == 0:
        return True
    status = f"exit status {code}" if code > 0 else f"killed by signal {-code}"
    print(f"the GRPO baseline's process failed ({status}; its log: {log_path}): training it in this process "
          "instead", flush=True)
    return False


@contextlib.contextmanager
def baseline_alongside(config, model: str, argv: list[str]):
    """A context manager for the run's training (``pipeline.run``'s ``alongside``): when the
    run will need a GRPO baseline (none on the leaderboards matches its model label,
    ``model_label(config, model)``, and its ``expected_rollout_budget``: ``find_baseline``)
    and ``parallel_obstacle`` finds nothing in the way, it starts the baseline in a child
    process (``start_child``), says so in one line naming the log, trains this process on
    one torch thread, and on leaving the block waits for the child (``wait_for_child``).
    The child is ended if the block raises or is interrupted (Ctrl-C). Otherwise it does
    nothing, and the pipeline trains a needed baseline after the run as before.

    ``argv``: the run's ``python -m lrpo.train`` flags; ``model``: the resolved model (id
    or directory). Yields the child process, or None when none was started."""
    if parallel_obstacle(config):
        yield None
        return
    label, budget = model_label(config, model), expected_rollout_budget(config)
    found, why = find_baseline(config, label, budget)
    if found is not None:
        yield None
        return
    import torch

    child, log_path = start_child(argv, config)
    threads = torch.get_num_threads()
    try:
        print(f"{missing_baseline_message(config, label, budget, why)}, alongside this run in process "
              f"{child.pid} (log: {log_path})", flush=True)
        torch.set_num_threads(1)  # one core each: two threads here would take the child's core
        yield child
        wait_for_child(child, log_path)
    finally:
        torch.set_num_threads(threads)
        stop_child(child)
