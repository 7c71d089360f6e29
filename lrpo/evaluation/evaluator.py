"""Evaluate a model on a task in every language and write its scorecard.

    python -m lrpo.evaluate --task mgsm --model Qwen/Qwen2.5-1.5B-Instruct --output-dir runs/eval

Each question is asked with the task's own prompt (``task.prompt``), answered
greedily by the chosen backend, and scored by the task's own score
(``task.score``: its verifier, or for open_ended the calibrated similarity to the
reference; ``task.score_batch`` when the task has one, so an encoder scores a
whole evaluation in batches) and by the language gate the trainer rewards with
(hard mode, over the task's languages and the requested ones), so evaluation
measures exactly what training optimises. ``--response-lang same`` (default) asks for
each answer in its question's language; ``--response-lang en`` asks every
question to be answered in English, which separates understanding a language
from writing it.

Writes into ``--output-dir``: ``scorecard.json`` (``lrpo.evaluation.scorecard``),
``samples.jsonl`` (one line per question: prompt, response, extracted answer,
gold, detected language, fidelity, line fidelity, code-switched, response tokens,
and the score of the task's metric, ``lrpo.evaluation.scorecard.task_metric``:
``correct`` (true / false) for a verifier task; for a similarity task its
``similarity`` in [0, 1], with ``correct`` null, as no answer is right or wrong)
and ``scorecard.md``. Line fidelity and code-switching are the gate's
own line-by-line verdicts (``LanguageGate.evaluate(..., lines=True)``); response
tokens are the generator's count of the tokens it generated
(``last_token_counts``), or, for a generator that keeps none, the length of the
response re-tokenized by its ``tokenizer`` (null without one).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

from lrpo.evaluation.generation import make_generator
from lrpo.evaluation.metrics import SIMILARITY, task_metric
from lrpo.evaluation.scorecard import build_scorecard, with_baseline
from lrpo.evaluation.tables import format_table
from lrpo.languages import get_language
from lrpo.manifest import git_commit
from lrpo.rewards.gated_reward import LanguageGate
from lrpo.tasks import Example, Task, get_task
from lrpo.tasks.prompts import LANGUAGE_CUES

SAME = "same"
# A Hugging Face hub repository id: "name" or "namespace/name" (letters, digits, "-", "_", ".").
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")


def check_model_reference(model, field: str = "model") -> None:
    """ValueError naming ``field`` when ``model`` (a string) is neither an existing
    directory nor something that can be a hub id ("namespace/name"): a mistyped path
    then fails here, before anything loads, and not in the hub client. None (the
    tiny model) and existing paths pass; a well-formed hub id is left to the hub."""
    if model is None or not isinstance(model, (str, Path)):
        return
    path = Path(model).expanduser()
    if path.is_dir():
        return
    if path.exists():
        raise ValueError(f"{field}: {str(model)!r} is a file; expected a model directory or a hub id")
    if not HUB_ID.fullmatch(str(model)):
        raise ValueError(f"{field}: {str(model)!r} does not exist (no such directory) and is not a Hugging Face "
                         "hub id (namespace/name)")


def response_languages(examples: Sequence[Example], response_lang: str = SAME) -> list[str]:
    """The language each example's answer is asked in: its own ("same") or one fixed code."""
    if response_lang == SAME:
        return [example.lang for example in examples]
    get_language(response_lang)
    return [response_lang] * len(examples)


def evaluation_gate(task: Task, response_langs: Sequence[str]) -> LanguageGate:
    """The hard gate over the languages in play: the task's and the requested ones."""
    return LanguageGate("hard", candidates=set(task.languages) | set(response_langs))


def score_responses(task: Task, examples: Sequence[Example], responses: Sequence[str],
                    response_langs: Sequence[str], gate: LanguageGate,
                    prompts: Sequence[list] | None = None,
                    token_counts: Sequence[int | None] | None = None) -> list[dict]:
    """One sample dict per response: the task's score and the gate's verdicts (line by
    line included) and what they were based on (the ``samples.jsonl`` lines; the
    score's field is the task's metric's, see the module docstring).
    ``token_counts``: the tokens generated for each response (``response_tokens``;
    null when None). ValueError when the lists do not match one to one."""
    if not len(examples) == len(responses) == len(response_langs):
        raise ValueError(f"{len(examples)} examples, {len(responses)} responses and "
                         f"{len(response_langs)} response languages: they must match one to one")
    if prompts is not None and len(prompts) != len(examples):
        raise ValueError(f"{len(prompts)} prompts for {len(examples)} examples")
    if token_counts is not None and len(token_counts) != len(examples):
        raise ValueError(f"{len(token_counts)} token counts for {len(examples)} examples")
    verdicts = gate.evaluate_batch(responses, response_langs, lines=True)
    metric = task_metric(task)
    scores = task_scores(task, examples, responses, response_langs)
    samples = []
    for i, (example, response, lang, verdict, score) in enumerate(
            zip(examples, responses, response_langs, verdicts, scores, strict=True)):
        samples.append({
            "id": example.id,
            "lang": example.lang,
            "response_lang": lang,
            "prompt": None if prompts is None else list(prompts[i]),
            "response": response,
            "extracted": task.extract(response, lang),
            "gold": example.answer,
            "detected_lang": verdict.detected_lang,
            "detected_prob": verdict.detected_prob,
            "fidelity": verdict.fidelity,
            "line_fidelity": verdict.line_fidelity,
            "code_switched": verdict.code_switched,
            "response_tokens": None if token_counts is None else token_counts[i],
            **({"correct": score == 1.0} if metric.binary else {metric.field: score, "correct": None}),
        })
    return samples


def task_scores(task: Task, examples: Sequence[Example], responses: Sequence[str],
                response_langs: Sequence[str]) -> list[float]:
    """``task.score`` of each response, through ``task.score_batch`` when the task has one
    (one encoder pass for a similarity task; the same numbers as one by one)."""
    score_batch = getattr(task, "score_batch", None)
    if callable(score_batch):
        return [float(score) for score in score_batch(list(responses), list(examples), list(response_langs))]
    return [float(task.score(response, example, lang))
            for example, response, lang in zip(examples, responses, response_langs, strict=True)]


def _generator(model, backend: str, batch_size: int, max_new_tokens: int, temperature: float, seed: int,
               device: str | None, tokenizer):
    """A generator for a model id/path, a loaded transformers model, or a ready
    generator (anything with ``generate(conversations, progress=...)``)."""
    if isinstance(model, (str, Path)):
        return make_generator(backend, str(model), batch_size, max_new_tokens, device=device,
                              temperature=temperature, seed=seed)
    import torch

    if isinstance(model, torch.nn.Module):
        if backend != "hf":
            raise ValueError(f"a loaded model can only be evaluated with the hf backend, not {backend!r}")
        return make_generator("hf", model, batch_size, max_new_tokens, device=device, temperature=temperature,
                              seed=seed, tokenizer=tokenizer)
    if not callable(getattr(model, "generate", None)):
        raise TypeError(f"model must be an id or path, a transformers model or a generator, got {type(model)}")
    return model


def response_token_counts(generator, responses: Sequence[str]) -> list[int] | None:
    """The tokens generated for each response of the generator's last call: its own
    count (``last_token_counts``), else the response re-tokenized by its ``tokenizer``
    (no special tokens added; the stop string a response was cut at is not counted),
    else None."""
    counts = getattr(generator, "last_token_counts", None)
    if counts is not None and len(counts) == len(responses):
        return list(counts)
    tokenizer = getattr(generator, "tokenizer", None)
    if tokenizer is None:
        return None
    return [len(ids) for ids in tokenizer(list(responses), add_special_tokens=False)["input_ids"]]


def write_outputs(output_dir, scorecard: dict, samples: Sequence[dict]) -> dict[str, Path]:
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: output_dir / name for name in ("scorecard.json", "samples.jsonl", "scorecard.md")}
    paths["scorecard.json"].write_text(json.dumps(scorecard, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    with paths["samples.jsonl"].open("w", encoding="utf-8") as out:
        for sample in samples:
            out.write(json.dumps(sample, ensure_ascii=False) + "\n")
    title = (f"# {scorecard['task']} ({scorecard['split']}): {scorecard['model']}"
             + (f", {scorecard['method']}" if scorecard.get("method") else ""))
    details = (f"response language: {scorecard['response_lang']} · cue: {scorecard['cue']} · "
               f"backend: {scorecard['backend']} · seed: {scorecard['seed']} · commit: {scorecard['commit']}")
    paths["scorecard.md"].write_text(f"{title}\n\n{details}\n\n{format_table(scorecard, 'markdown')}\n",
                                     encoding="utf-8")
    return paths


def evaluate(task, model, split: str = "test", langs: Sequence[str] | None = None, response_lang: str = SAME,
             backend: str = "hf", limit: int | None = None, data_dir=None, output_dir=None,
             seen_languages: Sequence[str] | None = None, batch_size: int = 16, max_new_tokens: int = 512,
             cue: str = "instruction", seed: int = 0, method: str | None = None, *, temperature: float = 0.0,
             model_name: str | None = None, baseline: dict | None = None, device: str | None = None,
             tokenizer=None, progress: bool = True) -> dict:
    """Generate, score and summarise; return the scorecard (and write it when
    ``output_dir`` is given).

    ``task``: a name or a ``Task``. ``model``: an id or directory (loaded by
    ``backend``), a loaded transformers model (with ``tokenizer``), or a generator
    object. ``seed`` and ``method`` describe the run that produced the model (for
    the leaderboard) and seed sampling when ``temperature`` > 0. ``baseline``: a
    scorecard to compare with (``with_baseline``).
    """
    if cue not in LANGUAGE_CUES:
        raise ValueError(f"unknown cue {cue!r}; available: {', '.join(LANGUAGE_CUES)}")
    check_model_reference(model)
    task = get_task(task) if isinstance(task, str) else task
    examples = task.load(split=split, langs=langs, data_dir=data_dir, limit=limit)
    if not examples:
        raise ValueError(f"task {task.name!r} split {split!r} gave no examples (limit={limit})")
    langs_asked = response_languages(examples, response_lang)
    if task_metric(task) == SIMILARITY:
        # Its encoder and calibration table load, and the table holds every pair scored (or fail, naming why),
        # before generation.
        task.similarity().check_pairs(zip(langs_asked, (example.lang for example in examples), strict=True))
    gate = evaluation_gate(task, langs_asked)
    prompts = [task.prompt(example, lang, cue=cue) for example, lang in zip(examples, langs_asked, strict=True)]

    generator = _generator(model, backend, batch_size, max_new_tokens, temperature, seed, device, tokenizer)
    started = time.perf_counter()
    responses = generator.generate(prompts, progress=progress)
    generation_s = time.perf_counter() - started
    samples = score_responses(task, examples, responses, langs_asked, gate, prompts,
                              response_token_counts(generator, responses))

    name = model_name or (str(model) if isinstance(model, (str, Path)) else getattr(generator, "name", None))
    scorecard = build_scorecard(samples, task=task.name, split=split, model=name or type(model).__name__,
                                method=method, seed=seed, metric=task_metric(task),
                                seen_languages=seen_languages or task.seen_languages or None)
    scorecard.update({
        "response_lang": response_lang,
        "cue": cue,
        "backend": backend if isinstance(model, (str, Path)) else type(generator).__name__,
        "temperature": temperature,
        "max_new_tokens": max_new_tokens,
        "limit": limit,
        "generation_seconds": round(generation_s, 3),
        "commit": git_commit(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })
    if baseline is not None:
        scorecard = with_baseline(scorecard, baseline)
    if output_dir is not None:
        write_outputs(output_dir, scorecard, samples)
    return scorecard
