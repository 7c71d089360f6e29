"""The response-language channel of a model: accuracy by question language x
response language, and pass@k on training questions (``arith_cot`` by default).

    python benchmarks/arith_cot_channel.py --model DIR --n 200 --response-langs same en \
        --pass-k 8 --pass-n 100 --output-dir runs/channel

Greedy accuracies are ``lrpo.evaluation.evaluator.evaluate``'s, i.e. exactly what
``python -m lrpo.evaluate --task arith_cot --response-lang R --limit N`` reports;
``--response-langs all`` fills the whole matrix (the paper's Figure 3b), one
evaluation per response language. pass@k asks each of the first ``--pass-n``
training questions per language k times at temperature 1 in its own language
and counts it solved when any answer is correct; beside it are the mean sampled
accuracy and the greedy accuracy on the same questions (RL at temperature 1
can raise greedy accuracy only where pass@k is well above it), and the share of
sampled and greedy responses that show worked steps rather than only the answer,
and of greedy responses whose answer line holds no numeral (a number in words).

Writes ``channel.json``, ``channel.md`` and (with the full matrix and
matplotlib) ``channel.png`` into ``--output-dir``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lrpo.evaluation.evaluator import SAME, evaluate
from lrpo.evaluation.generation import HFGenerator
from lrpo.tasks import Task, get_task
from lrpo.tasks.numbers import normalize_digits

# A four-step chain is about 70 tokens in the longest scripts; the model stops at its end token.
MAX_NEW_TOKENS = 160


def accuracy_matrix(task: Task, generator, langs: Sequence[str], response_langs: Sequence[str], n: int
                    ) -> dict[str, dict[str, float]]:
    """{question language: {response language or "same": greedy accuracy}} on ``n`` test questions each."""
    matrix: dict[str, dict[str, float]] = {lang: {} for lang in langs}
    for response_lang in response_langs:
        card = evaluate(task, generator, langs=langs, response_lang=response_lang, limit=n, progress=False)
        for lang in langs:
            matrix[lang][response_lang] = card["per_language"][lang]["accuracy"]
    return matrix


def pass_at_k(task: Task, sampler, greedy, langs: Sequence[str], n: int, k: int) -> dict[str, dict[str, float]]:
    """Per language, on the first ``n`` training questions answered in their own language:
    ``pass@k`` (any of k samples correct), ``sampled`` (mean sample accuracy) and ``greedy``."""
    results = {}
    for lang in langs:
        examples = task.load("train", langs=[lang], limit=n)
        prompts = [task.prompt(example, lang) for example in examples]
        samples = sampler.generate([prompt for prompt in prompts for _ in range(k)])
        correct = [task.score(response, examples[i // k], lang) for i, response in enumerate(samples)]
        greedy_responses = greedy.generate(prompts)
        greedy_correct = [task.score(response, example, lang)
                          for response, example in zip(greedy_responses, examples, strict=True)]
        solved = [any(correct[i * k:(i + 1) * k]) for i in range(len(examples))]
        results[lang] = {f"pass@{k}": sum(solved) / len(examples), "sampled": sum(correct) / len(correct),
                         "greedy": sum(greedy_correct) / len(examples),
                         "sampled steps": shows_steps(samples), "greedy steps": shows_steps(greedy_responses),
                         "greedy no numeral": numeral_missing(greedy_responses)}
    return results


def shows_steps(responses: Sequence[str]) -> float:
    """Share of responses that show worked steps (more than one non-empty line) rather
    than only the answer line: the behaviour RL can select in the ``arith_cot`` world."""
    return sum(sum(1 for line in r.splitlines() if line.strip()) > 1 for r in responses) / max(1, len(responses))


def numeral_missing(responses: Sequence[str]) -> float:
    """Share of responses whose last non-empty line holds no numeral (digits of any
    script): an answer given in number words, which the verifier does not read."""
    def last_line(response: str) -> str:
        lines = [line for line in response.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    return sum(not re.search(r"\d", normalize_digits(last_line(r))) for r in responses) / max(1, len(responses))


def format_markdown(matrix: dict, passes: dict | None, response_langs: Sequence[str]) -> str:
    lines = []
    if matrix:
        lines += _matrix_lines(matrix, response_langs)
    if passes:
        keys = list(next(iter(passes.values())))
        lines += ["", "| language | " + " | ".join(keys) + " |", "|" + " --- |" * (len(keys) + 1)]
        lines += [f"| {lang} | " + " | ".join(f"{100 * row[key]:.1f}" for key in keys) + " |"
                  for lang, row in passes.items()]
    return "\n".join(lines).strip() + "\n"


def _matrix_lines(matrix: dict, response_langs: Sequence[str]) -> list[str]:
    header = "| question \\ response | " + " | ".join(response_langs) + " |"
    if SAME in response_langs and "en" in response_langs:
        header += " en - same |"
    lines = [header, "|" + " --- |" * (header.count("|") - 1)]
    for lang, row in matrix.items():
        cells = [f"{100 * row[r]:.1f}" for r in response_langs]
        if SAME in response_langs and "en" in response_langs:
            cells.append(f"{100 * (row['en'] - row[SAME]):+.1f}")
        lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    return lines


def plot_matrix(matrix: dict, langs: Sequence[str], path: Path) -> Path:
    """A heatmap of the full matrix (rows: question language, columns: response language)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    values = [[100 * matrix[q][r] for r in langs] for q in langs]
    figure = Figure(figsize=(1 + 0.55 * len(langs), 0.8 + 0.5 * len(langs)))
    FigureCanvasAgg(figure)
    axis = figure.add_subplot()
    image = axis.imshow(values, vmin=0, vmax=100, cmap="viridis")
    axis.set_xticks(range(len(langs)), langs)
    axis.set_yticks(range(len(langs)), langs)
    axis.set_xlabel("response language")
    axis.set_ylabel("question language")
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            axis.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7,
                      color="white" if value < 50 else "black")
    figure.colorbar(image, ax=axis, label="greedy accuracy (%)")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model directory (e.g. python -m lrpo.models.tiny "
                                                       "--world arith_cot --print-path)")
    parser.add_argument("--task", default="arith_cot")
    parser.add_argument("--langs", nargs="+", default=None, help="question languages (default: the task's)")
    parser.add_argument("--response-langs", nargs="+", default=[SAME, "en"],
                        help="'same', language codes, or 'all' (every question language)")
    parser.add_argument("--n", type=int, default=200,
                        help="test questions per language and response language (0: skip the matrix)")
    parser.add_argument("--pass-k", type=int, default=8, help="samples per training question (0: skip pass@k)")
    parser.add_argument("--pass-n", type=int, default=100, help="training questions per language for pass@k")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--output-dir", default=None)
    args = parser.parse_args(argv)

    task = get_task(args.task)
    langs = list(args.langs or task.languages)
    response_langs = list(langs) if args.response_langs == ["all"] else list(args.response_langs)
    started = time.perf_counter()
    greedy = HFGenerator(args.model, args.batch_size, MAX_NEW_TOKENS, device="cpu")
    matrix = accuracy_matrix(task, greedy, langs, response_langs, args.n) if args.n else {}
    matrix_seconds = time.perf_counter() - started
    passes = None
    if args.pass_k:
        sampler = HFGenerator(greedy.model, args.batch_size, MAX_NEW_TOKENS, device="cpu",
                              tokenizer=greedy.tokenizer, temperature=1.0, seed=0)
        passes = pass_at_k(task, sampler, greedy, langs, args.pass_n, args.pass_k)
    table = format_markdown(matrix, passes, response_langs)
    print(table)
    print(f"matrix {matrix_seconds:.0f}s, total {time.perf_counter() - started:.0f}s", file=sys.stderr)
    if args.output_dir:
        out = Path(args.output_dir)
        out.mkdir(parents=True, exist_ok=True)
        record = {"model": args.model, "task": args.task, "n": args.n, "pass_k": args.pass_k,
                  "pass_n": args.pass_n, "matrix": matrix, "pass": passes,
                  "seconds": round(time.perf_counter() - started, 1)}
        (out / "channel.json").write_text(json.dumps(record, indent=2) + "\n")
        (out / "channel.md").write_text(table)
        if matrix and set(langs) <= set(response_langs):
            plot_matrix(matrix, langs, out / "channel.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
