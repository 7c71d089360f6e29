"""Run the performance benchmarks, keep what each printed, and summarise them in one table.

    python benchmarks/run_all.py                         # all of them
    python benchmarks/run_all.py --only router trainer   # some
    python benchmarks/run_all.py --data-dir ../shared/data

Each benchmark runs as its own subprocess with ``OMP_NUM_THREADS=1`` (on small
machines torch's default threading makes timings swing by an order of magnitude),
so one benchmark's imports, caches and threads cannot colour another's numbers.
For each, ``benchmarks/results/<name>.json`` records the command, its stdout (the
benchmark's table), the tail of stderr, the exit status, the wall time, the date
and the commit; the summary printed at the end lists the wall time and the key
numbers read back from each table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_DIR = REPO_ROOT / "benchmarks"
STDERR_TAIL = 4000


@dataclass(frozen=True)
class Benchmark:
    """A benchmark script and how to read its key numbers: each match of ``pattern``
    (one per line of its table) becomes one ``summary.format(**groups)``."""

    name: str
    script: str
    takes_data_dir: bool
    pattern: str
    summary: str

    def key_numbers(self, stdout: str) -> list[str]:
        regex = re.compile(self.pattern)
        return [self.summary.format(**match.groupdict()) for line in stdout.splitlines()
                if (match := regex.match(line.rstrip()))]


BENCHMARKS = (
    Benchmark("verifiers", "bench_verifiers.py", True,
              r"^(?P<task>\S+)\s+(?P<kind>\S+)\s+\d+\s+(?P<rate>[\d,]+)\s+[\d,]+$", "{task} {kind} {rate}/s"),
    Benchmark("router", "bench_router.py", False,
              r"^(?P<algorithm>[a-z][\w-]*)\s+(?P<rollout>[\d.]+)\s+(?P<record>[\d.]+)\s",
              "{algorithm} {rollout} us/rollout"),
    Benchmark("rewards", "bench_rewards.py", True,
              r"^(?P<measure>.+?)\s{2,}(?P<input>.+?)\s+\d+\s+(?P<rate>[\d,]+\.\d)\s+\S+$",
              "{measure} ({input}) {rate}/s"),
    Benchmark("trainer", "bench_trainer.py", True,
              r"^(?P<trainer>plain GRPOTrainer|grpo|lrpo)\s+(?P<seconds>[\d.]+)\s+(?P<ratio>[\d.]+)$",
              "{trainer} {seconds} s/step (x{ratio})"),
    Benchmark("eval", "bench_eval.py", True,
              r"^(?P<measure>\S.*?)\s+\d+\s+[\d.]+\s+(?P<rate>[\d.]+)$", "{measure}: {rate} items/s"),
    Benchmark("lm_eval", "bench_lm_eval.py", True,
              r"^(?P<harness>lrpo\.evaluate|lm_eval\S*)\s.*?\s(?P<seconds>[\d.]+)\s+(?P<rate>[\d.]+)\s+\S+%$",
              "{harness} {seconds} s ({rate} items/s)"),
)


def git_commit() -> str | None:
    done = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def run_benchmark(benchmark: Benchmark, data_dir: str | None, timeout: float) -> dict:
    command = [sys.executable, str(BENCHMARKS_DIR / benchmark.script)]
    if benchmark.takes_data_dir and data_dir:
        command += ["--data-dir", data_dir]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if data_dir:
        env["LRPO_DATA_DIR"] = data_dir
    print(f"running {benchmark.name}: {shlex.join(command)}", flush=True)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=timeout,
                              check=False)
        returncode, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        returncode = None
        stdout = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        stderr = f"timed out after {timeout:g} s"
    wall = time.perf_counter() - started
    return {
        "name": benchmark.name,
        "command": shlex.join(["OMP_NUM_THREADS=1", *command]),
        "returncode": returncode,
        "wall_seconds": round(wall, 2),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "stdout": stdout,
        "stderr_tail": stderr[-STDERR_TAIL:],
        "key_numbers": benchmark.key_numbers(stdout) if returncode == 0 else [],
    }


def summary_table(results: list[dict]) -> str:
    from lrpo.evaluation.tables import render_table

    rows = []
    for result in results:
        status = "ok" if result["returncode"] == 0 else (
            "timeout" if result["returncode"] is None else f"exit {result['returncode']}")
        rows.append([result["name"], status, "; ".join(result["key_numbers"]) or "-",
                     f"{result['wall_seconds']:.1f}"])
    return render_table(["benchmark", "status", "key numbers", "wall s"], rows, "console", right_align_from=3)


def main(argv=None) -> int:
    names = [benchmark.name for benchmark in BENCHMARKS]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=names, default=None, help="run only these benchmarks")
    parser.add_argument("--data-dir", default=os.environ.get("LRPO_DATA_DIR"),
                        help="benchmark files (default: $LRPO_DATA_DIR)")
    parser.add_argument("--results-dir", default=str(BENCHMARKS_DIR / "results"))
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed to each benchmark")
    args = parser.parse_args(argv)

    selected = [benchmark for benchmark in BENCHMARKS if not args.only or benchmark.name in args.only]
    results_dir = Path(args.results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for benchmark in selected:
        result = run_benchmark(benchmark, args.data_dir, args.timeout)
        path = results_dir / f"{benchmark.name}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(result["stdout"], end="" if result["stdout"].endswith("\n") else "\n")
        if result["returncode"] != 0:
            print(result["stderr_tail"], file=sys.stderr)
        print(f"-> {path} ({result['wall_seconds']:.1f} s)\n", flush=True)
        results.append(result)
    print(summary_table(results))
    return 0 if all(result["returncode"] == 0 for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
