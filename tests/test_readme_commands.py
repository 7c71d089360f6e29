"""Every command in README.md runs as written (issue 14, item 13), smoke-sized.

The README's fenced ``bash`` and ``python`` blocks are parsed; each command is
matched by exactly one rule below, which either runs it with the smallest settings
that still exercise it (the smoke tiny model for training, one question per
language, a step or two) or names why it cannot run here (an install, a GPU, a
server, minutes of benchmarks). A command no rule knows fails the test, so a new
README command needs a rule. Commands run with ``bash`` in a scratch directory laid
out like a checkout (``tasks`` linked, the data at ``../shared/data``), with the
virtual environment's ``bin`` first on PATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
# Smoke-sized training: the smoke model, two steps, one question in two languages, and no GRPO baseline
# trained beside it (tests/test_pipeline.py covers that; here it would double the time).
SMOKE_TRAINING = ("--tiny_model smoke --max_steps 2 --eval_limit 1 --eval_languages de,en --logging_steps 1 "
                  "--disable_tqdm true --baseline none")


def readme_blocks(text: str) -> list[tuple[str, list[str]]]:
    """(language, commands) per fenced ``bash`` / ``python`` block; a bash block's
    commands are its lines with continuations joined and trailing comments dropped; a
    python block is one command."""
    blocks = []
    for language, body in re.findall(r"^```(bash|python)\n(.*?)^```", text, flags=re.S | re.M):
        if language == "python":
            blocks.append((language, [body]))
            continue
        joined = re.sub(r"\\\n\s*", "", body)
        commands = [re.sub(r"\s+#(\s.*)?$", "", line).strip() for line in joined.splitlines()]
        blocks.append((language, [command for command in commands if command]))
    return blocks


def smoke_model_path() -> str:
    from lrpo.models.tiny import TinyModelConfig, build_tiny_model

    return str(build_tiny_model(TinyModelConfig.smoke(), progress=False))


def fill_placeholders(command: str) -> str:
    """``[--flag a|b]`` -> ``--flag a``; ``[--limit N]`` -> ``--limit 1``; a group with a
    ``<placeholder>`` is left out."""
    def group(match: re.Match) -> str:
        inner = match.group(1)
        if "<" in inner:
            return ""
        inner = re.sub(r"(\S+?)\|\S+", r"\1", inner)
        return re.sub(r"\bN\b", "1", inner)

    return re.sub(r"\[([^\]]*)\]", group, command)


def extras_exist(command: str) -> str:
    extras = re.search(r'\.\[([\w,]+)\]', command).group(1).split(",")
    # [project.optional-dependencies]'s keys (tomllib is not in Python 3.10, which the package supports).
    text = (REPO_ROOT / "pyproject.toml").read_text()
    section = text.split("[project.optional-dependencies]")[1].split("\n[")[0]
    declared = re.findall(r"^(\w+) = \[", section, flags=re.M)
    assert set(extras) <= set(declared), f"{command}: extras {extras} not all in pyproject.toml ({declared})"
    return "installs packages (its extras are checked to exist in pyproject.toml)"


class Runner:
    """Runs one README block's commands in one scratch checkout (commands of a block
    build on each other: lm-eval's output is imported next)."""

    def __init__(self, root: Path):
        self.root = root
        self.count = 0
        (root / "shared").mkdir(parents=True, exist_ok=True)
        data = Path(os.environ.get("LRPO_DATA_DIR") or REPO_ROOT.parent / "shared" / "data").resolve()
        if not (root / "shared" / "data").exists():
            (root / "shared" / "data").symlink_to(data)

    def checkout(self) -> Path:
        self.count += 1
        cwd = self.root / f"checkout{self.count}"
        cwd.mkdir()
        (cwd / "tasks").symlink_to(REPO_ROOT / "tasks")
        # The run's own leaderboard has no committed baseline to find: training one is part of the command.
        return cwd

    def run(self, command: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO_ROOT)}
        env.pop("LRPO_DATA_DIR", None)  # the commands name their data directory themselves
        start = time.monotonic()
        done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout)
        print(f"{time.monotonic() - start:5.1f} s  {command[:100]}")
        assert done.returncode == 0, (f"README command failed ({done.returncode}): {command}\n"
                                      f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return done


def test_readme_commands_run_as_written(tmp_path, data_dir):
    from lrpo.models.tiny import build_tiny_model, default_cache_dir, tiny_model_config

    runner = Runner(tmp_path)
    smoke = smoke_model_path()
    # The README's lm-eval command names the null world's default-size model's directory, as
    # built on first use (the arith_cot model takes minutes more to build and adds nothing there).
    default = build_tiny_model(tiny_model_config("default", "arith"), progress=False)
    assert f"$HOME/.cache/lrpo/models/{default.name}" in README.read_text(encoding="utf-8")
    assert default.parent == Path.home() / ".cache" / "lrpo" / "models" == default_cache_dir() / "models"
    skipped, ran = {}, []
    lm_eval_cwd = runner.checkout()
    lm_eval_args = ""
    for language, commands in readme_blocks(README.read_text(encoding="utf-8")):
        if language == "python":
            cwd = runner.checkout()
            script = cwd / "snippet.py"
            script.write_text(commands[0], encoding="utf-8")
            runner.run(f"python {script}", cwd)
            ran.append(commands[0].splitlines()[0])
            continue
        for command in commands:
            if command.startswith("pip install"):
                skipped[command] = extras_exist(command)
            elif command.startswith("python -m lrpo.train"):
                if "--report_to tensorboard" in command and not _installed("tensorboard"):
                    done = subprocess.run(["bash", "-c", command], cwd=runner.checkout(), capture_output=True,
                                          text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT),
                                                          "PATH": f"{Path(sys.executable).parent}:"
                                                                  f"{os.environ['PATH']}"})
                    assert done.returncode == 2 and "pip install 'lrpo[tracking]'" in done.stderr, done.stderr
                    ran.append(command + "  (refused: tensorboard is not installed, as documented)")
                    continue
                smoke_command = command.replace("Qwen/Qwen2.5-1.5B-Instruct", smoke) + " " + SMOKE_TRAINING
                if "--config paper" in command:  # the GPU preset, on a CPU and one small step
                    smoke_command += (" --bf16 false --use_vllm false --use_cpu true --train_limit 2 "
                                      "--per_device_train_batch_size 8 --gradient_accumulation_steps 1 "
                                      "--max_completion_length 8")
                runner.run(smoke_command, runner.checkout())
                ran.append(command)
            elif command.startswith("python -m lrpo.evaluate"):
                filled = fill_placeholders(command).replace("ID_OR_PATH", smoke)
                runner.run(filled.replace("--output-dir out", f"--output-dir {tmp_path / 'evaluate-out'}"),
                           runner.checkout())
                ran.append(command)
            elif command.startswith("lm_eval --model hf --model_args pretrained=MODEL"):
                skipped[command] = "the hub-model form of the next command (no hub here); the tiny model's runs"
            elif command.startswith("lm_eval --model hf"):
                runner.run(command + " --limit 1", lm_eval_cwd)
                lm_eval_args = command.removeprefix("lm_eval ").replace("--include_path tasks", "")
                ran.append(command)
            elif command.endswith("...") and command.startswith(("lm_eval --include_path", "lrpo-lm-eval")):
                # "..." is the rest of the command above; one language keeps it short.
                assert lm_eval_args, "the README's '...' lm-eval forms must follow the full command"
                model = re.search(r"--model hf --model_args \S+", lm_eval_args).group(0)
                rest = lm_eval_args.replace(model, "").replace("--tasks lrpo_mgsm", "")
                head = re.sub(r"--model hf --model_args \S+", "", command.removesuffix("..."))
                head = head.replace("--tasks lrpo_mgsm", "") + " " + model
                runner.run(f"{head} {rest} --tasks lrpo_mgsm_de --limit 1 --output_path runs/lm-eval-short",
                           lm_eval_cwd)
                ran.append(command)
            elif command.startswith("python -m lrpo.leaderboard import-lm-eval"):
                done = runner.run(command, lm_eval_cwd)
                assert (lm_eval_cwd / "runs" / "leaderboards" / "mgsm.csv").is_file(), done.stdout
                ran.append(command)
            elif command.startswith("python benchmarks/reproduce.py") and "--dry-run" in command:
                runner.run(command, REPO_ROOT)  # reads the checkout's benchmarks/ and presets; writes nothing
                ran.append(command)
            elif command.startswith("python benchmarks/reproduce.py"):
                skipped[command] = "a paper table: 6 to 60 minutes (tests/test_reproduce.py runs it smoke-sized)"
            elif command.startswith("accelerate launch"):
                skipped[command] = "DeepSpeed on several GPUs"
            elif command.startswith("tensorboard --logdir"):
                skipped[command] = "a server (and the tracking extra)"
            elif "python -m pytest" in command:
                skipped[command] = "the test suite itself"
            elif re.match(r"(OMP_NUM_THREADS=1 )?(LRPO_DATA_DIR=\S+ )?python benchmarks/(bench_\w+|run_all|"
                          r"cuda_smoke)\.py", command):
                skipped[command] = "a performance benchmark (minutes; cuda_smoke needs a GPU)"
            else:
                pytest.fail(f"README command with no rule in this test: {command!r}")
    assert len(ran) >= 9, ran  # three trainings, evaluate, four lm-eval forms and import, two snippets, ...
    assert not [command for command in skipped if command.startswith("python -m lrpo.train")]


def _installed(module: str) -> bool:
    from importlib.util import find_spec

    return find_spec(module) is not None


def test_readme_blocks_are_parsed_into_whole_commands():
    blocks = readme_blocks("```bash\npython -m a \\\n    --b c   # note\n\nx y\n```\n```python\nimport z\n```\n")
    assert blocks == [("bash", ["python -m a --b c", "x y"]), ("python", ["import z\n"])]
    assert fill_placeholders("e --m X [--langs de ja] [--r same|en|<code>] [--limit N] [--backend hf|vllm]") \
        == "e --m X --langs de ja  --limit 1 --backend hf"
