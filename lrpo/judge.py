"""``python -m lrpo.judge``: score open-ended answers with an LLM judge and write a scorecard.

    # judge an evaluation's samples (from python -m lrpo.evaluate / a training run)
    python -m lrpo.judge --samples runs/eval/samples.jsonl --eval-file care-test.jsonl \\
        --protocol care --endpoint http://localhost:8000/v1 --judge-model Qwen/Qwen2.5-72B-Instruct \\
        --output-dir runs/eval-judged
    # or generate first (greedy, the task's prompts), then judge
    python -m lrpo.judge --model runs/open_ended-lrpo-seed0 --eval-file care_pro-test.jsonl \\
        --protocol care_pro --endpoint URL --judge-model NAME --output-dir runs/care-pro

The questions come from the open-ended records (``--eval-file``, or ``--data-dir``
with ``open_ended/test.jsonl``), matched to samples by (id, lang); the reference
is the sample's ``gold``. Writes ``scorecard.json`` (``lrpo.evaluation.judge``),
``samples.jsonl`` (with the judge's raw text) and ``scorecard.md`` into
``--output-dir``; generation's own outputs go to ``<output-dir>/generation``. The
scorecard's ``task`` is the protocol ("care", "care_pro": the benchmark judged, whose
leaderboard holds judge scores, ``python -m lrpo.leaderboard append``), the task that
generated the answers is its ``source_task``. Exit status 1 when some samples could not
be judged (they are listed in the scorecard's ``judge`` block; a rerun asks only for
them), or none could (``samples.jsonl`` is still written, with each judge's raw answer
and error, no scorecard); 2 for bad input or an endpoint that fails as a whole (checked
before generation with ``--model``, and on the first judge prompt), nothing written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from lrpo.data.endpoint import ChatEndpoint, EndpointError, add_endpoint_arguments
from lrpo.evaluation.evaluator import evaluate, evaluation_gate, write_outputs
from lrpo.evaluation.judge import PROTOCOLS, judge_samples, judged_scorecard, score_distribution
from lrpo.evaluation.tables import format_table
from lrpo.languages import PAPER_LANGUAGES
from lrpo.manifest import git_commit
from lrpo.tasks.data import DataError, read_jsonl
from lrpo.tasks.open_ended import OpenEndedTask


def _default_cache() -> Path:
    # $LRPO_CACHE_DIR as lrpo.models.tiny reads it (not imported here: it loads torch).
    return Path(os.environ.get("LRPO_CACHE_DIR") or Path.home() / ".cache" / "lrpo") / "judge.jsonl"


def source_scorecard(samples_path: Path) -> dict:
    """The scorecard written with the samples (same folder, or the run folder above an
    ``evaluation/`` one), for the model, method and seed it records; {} when none."""
    for folder in (samples_path.parent, samples_path.parent.parent):
        path = folder / "scorecard.json"
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    return {}


def write_samples(path: Path, samples: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for sample in samples:
            out.write(json.dumps(sample, ensure_ascii=False) + "\n")


def read_samples(path: Path) -> list[dict]:
    return [row for _, row in read_jsonl(path, ("id", "lang", "response", "gold"))]


def with_fidelity(samples: list[dict], task: OpenEndedTask) -> list[dict]:
    """Samples keep their fidelity; those without one get the evaluation's hard gate."""
    missing = [s for s in samples if "fidelity" not in s]
    if missing:
        langs = [s.get("response_lang") or s["lang"] for s in missing]
        verdicts = evaluation_gate(task, langs).evaluate_batch([s["response"] for s in missing], langs)
        for sample, verdict in zip(missing, verdicts, strict=True):
            sample["fidelity"] = verdict.fidelity
    return samples


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lrpo.judge", description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--samples", help="samples.jsonl of an evaluation")
    source.add_argument("--model", help="generate first with this model (id or directory)")
    parser.add_argument("--eval-file", default=None, help="open-ended records holding the questions")
    parser.add_argument("--data-dir", default=None, help="else DIR/open_ended/test.jsonl (default $LRPO_DATA_DIR)")
    parser.add_argument("--protocol", choices=sorted(PROTOCOLS), required=True,
                        help="care: 1-10 rating; care_pro: CORRECT / ... labels")
    parser.add_argument("--endpoint", required=True, help="OpenAI-compatible base URL of the judge")
    parser.add_argument("--judge-model", required=True, help="the judge's model name at the endpoint")
    add_endpoint_arguments(parser, what="judge requests", timeout_s=120.0)
    parser.add_argument("--max-tokens", type=int, default=1024, help="judge answer length (default 1024)")
    parser.add_argument("--cache", default=None, help="judgment cache (default $LRPO_CACHE_DIR/judge.jsonl)")
    parser.add_argument("--seen-languages", nargs="+", default=list(PAPER_LANGUAGES),
                        help="languages trained on (default: the paper's 15 candidates)")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--langs", nargs="+", default=None, help="generation: question languages")
    parser.add_argument("--limit", type=int, default=None, help="generation: questions per language")
    parser.add_argument("--backend", default="hf", help="generation backend: hf or vllm")
    parser.add_argument("--max-new-tokens", type=int, default=1024, help="generation length (default 1024)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    output_dir = Path(args.output_dir)
    try:
        # Generation scores with the raw cosine (generation/scorecard.json); the judge's scorecard is the result.
        task = OpenEndedTask(data_dir=args.data_dir, eval_file=args.eval_file, calibration="none")
        questions = {(ex.id, ex.lang): ex.question for ex in task.load("test")}
        endpoint = ChatEndpoint(args.endpoint, args.judge_model, api_key=args.api_key,
                                concurrency=args.concurrency, max_attempts=args.max_attempts,
                                timeout_s=args.timeout, backoff_s=args.backoff, max_tokens=args.max_tokens,
                                cache=args.cache or _default_cache())
        if args.model is not None:
            endpoint.check_reachable()  # before generating answers that no judge could score
            evaluate(task, args.model, langs=args.langs, backend=args.backend, limit=args.limit,
                     output_dir=output_dir / "generation", seen_languages=args.seen_languages,
                     max_new_tokens=args.max_new_tokens, progress=not args.quiet)
            samples_path = output_dir / "generation" / "samples.jsonl"
        else:
            samples_path = Path(args.samples)
        samples = with_fidelity(read_samples(samples_path), task)
        judged = judge_samples(samples, questions, endpoint, args.protocol, progress=not args.quiet)
    except (DataError, ValueError, FileNotFoundError, RuntimeError) as e:
        generated = output_dir / "generation" / "samples.jsonl"
        hint = (f" (the generated answers are kept: rerun with --samples {generated})"
                if isinstance(e, EndpointError) and args.model is not None and generated.is_file() else "")
        parser.exit(2, f"error: {e}{hint}\n")
    if all(sample["judge_error"] is not None for sample in judged):
        # No scorecard without a score, but the judge's answers are kept: what it said is the diagnosis.
        output_dir.mkdir(parents=True, exist_ok=True)
        write_samples(output_dir / "samples.jsonl", judged)
        print(f"error: the judge scored none of the {len(judged)} samples (first error: "
              f"{judged[0]['judge_error']}); its answers are in {output_dir / 'samples.jsonl'} (judge_raw, "
              "judge_error)", file=sys.stderr)
        return 1
    origin = source_scorecard(samples_path)
    scorecard = judged_scorecard(judged, task=args.protocol, split=origin.get("split", "test"),
                                 model=origin.get("model", "unknown"), method=origin.get("method"),
                                 seed=origin.get("seed", 0), seen_languages=args.seen_languages, endpoint=endpoint)
    scorecard["source_task"] = origin.get("task", task.name)
    scorecard.update({key: origin.get(key) for key in ("response_lang", "cue", "backend", "temperature")})
    scorecard.update({"response_lang": scorecard["response_lang"] or "same",
                      "cue": scorecard["cue"] or "instruction", "backend": scorecard["backend"] or "unknown",
                      "samples": str(samples_path),
                      "commit": git_commit(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    write_outputs(output_dir, scorecard, judged)
    print(format_table(scorecard, "console"))
    judge = scorecard["judge"]
    print(f"judge {args.judge_model} ({args.protocol}): {judge['judged']} judged, {judge['failed']} failed, "
          f"{judge['requests']} requests, {judge['cached']} from the cache; verdicts {score_distribution(judged)}"
          f" -> {output_dir / 'scorecard.json'}")
    return 1 if judge["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
