"""The Python side of the lm-eval tasks: every ``!function`` the YAML names is here.

Each hook hands the work to the ``lrpo.tasks`` plugin named in the document's
``task`` column, so lm-eval asks the same prompt and applies the same verifier
and language gate as ``lrpo.evaluate`` and the trainer: nothing is re-implemented
for lm-eval. lm_eval is imported only inside the functions that need it.

Documents are ``lrpo.tasks.Example`` fields flattened into columns (``meta`` as a
JSON string, because Arrow wants one type per column and meta differs by task),
plus ``task``, the lrpo task that produced them.
"""

from __future__ import annotations

import json
from functools import cache

from lrpo.tasks import Example, Task, get_task

# The name of the split lm-eval reads (``test_split`` in the YAML), whatever the
# benchmark split or PolyMath level it holds.
LM_EVAL_SPLIT = "test"
FIELDS = ("id", "lang", "question", "answer", "topic", "region")


@cache
def _task(name: str) -> Task:
    return get_task(name)


@cache
def _gate(name: str):
    """The hard language gate of ``lrpo.evaluate`` for a task's own languages (each
    item is asked in its own language, so these are all the languages in play)."""
    from lrpo.evaluation.evaluator import evaluation_gate

    task = _task(name)
    return evaluation_gate(task, task.languages)


# Data


def doc_rows(examples: list[Example], task: str) -> list[dict]:
    """Examples as lm-eval documents (one flat dict each)."""
    return [{"task": task, **{key: getattr(example, key) for key in FIELDS},
             "meta": json.dumps(example.meta, ensure_ascii=False, sort_keys=True)} for example in examples]


def load_docs(lrpo_task: str, lang: str, split: str = "test", data_dir: str | None = None, **_metadata):
    """``custom_dataset``: one language of one lrpo task as a ``datasets.DatasetDict``.

    lm-eval calls it with the task's ``dataset_kwargs`` (``lrpo_task``, ``lang``,
    ``split``) and its ``metadata`` (the ``--metadata`` JSON, model arguments,
    version), of which only ``data_dir`` is used. Without it the loaders read
    ``$LRPO_DATA_DIR``, else the Hugging Face hub.
    """
    import datasets

    examples = _task(lrpo_task).load(split=split, langs=[lang], data_dir=data_dir or None)
    if not examples:
        raise ValueError(f"lrpo task {lrpo_task!r} has no {split!r} items in {lang!r}")
    return datasets.DatasetDict({LM_EVAL_SPLIT: datasets.Dataset.from_list(doc_rows(examples, lrpo_task))})


def example(doc: dict) -> Example:
    """The ``Example`` a document was made from."""
    return Example(**{key: doc[key] for key in FIELDS}, meta=json.loads(doc["meta"]))


# Generative tasks


def doc_to_text(doc: dict) -> str:
    """The user turn of ``task.prompt(example, example.lang)``: lm-eval puts it into
    the chat template with ``--apply_chat_template``, exactly as ``lrpo.evaluate``
    renders the same message."""
    messages = _task(doc["task"]).prompt(example(doc), doc["lang"])
    if len(messages) != 1 or messages[0]["role"] != "user":
        raise ValueError(f"lrpo task {doc['task']!r} prompts with {len(messages)} messages; the lm-eval "
                         "tasks send a single user turn (no few-shot turns)")
    return messages[0]["content"]


def doc_to_target(doc: dict) -> str:
    return doc["answer"]


class FlexibleExtract(str):
    """An answer pulled out by the ``flexible-extract`` filter (not a whole response),
    so that ``process_results`` scores it by exact match, as lm-eval's own MGSM does."""


def mark_flexible_extract(resps, docs) -> list[FlexibleExtract]:
    """Last step of the ``flexible-extract`` filter (lm-eval's ``custom`` filter)."""
    return [FlexibleExtract(resp) for resp in resps]


def exact_match(extracted: str, gold: str) -> float:
    """lm-eval's ``exact_match`` with the options of its built-in MGSM tasks
    (case and punctuation ignored, so "1,234." matches 1234)."""
    from lm_eval.api.metrics import exact_match_hf_evaluate

    scored = exact_match_hf_evaluate(predictions=[extracted], references=[gold], ignore_case=True,
                                     ignore_punctuation=True)
    return float(scored["exact_match"])


def process_results(doc: dict, results: list[str]) -> dict[str, float]:
    """Per-document metrics, called once per filter.

    A whole response (filter ``none``): ``accuracy`` by the task's verifier, and
    ``fidelity``, ``line_fidelity`` and ``code_switching`` by the hard language gate
    (the item's language requested; the same verdicts as ``samples.jsonl``'s). An
    answer from the ``flexible-extract`` filter: ``exact_match`` against the gold.
    lm-eval hands over no token counts, so response length is not reported here.
    """
    response = results[0]
    if isinstance(response, FlexibleExtract):
        return {"exact_match": exact_match(response, doc["answer"])}
    task = _task(doc["task"])
    item = example(doc)
    verdict = _gate(task.name).evaluate(response, item.lang, lines=True)
    return {"accuracy": float(task.score(response, item, item.lang)), "fidelity": verdict.fidelity,
            "line_fidelity": verdict.line_fidelity, "code_switching": verdict.code_switched}


# Loglikelihood tasks (XCOPA's second formulation)


def loglikelihood_context(doc: dict) -> str:
    return _task(doc["task"]).loglikelihood_request(example(doc))[0]


def loglikelihood_choices(doc: dict) -> list[str]:
    return _task(doc["task"]).loglikelihood_request(example(doc))[1]


def loglikelihood_gold(doc: dict) -> int:
    return _task(doc["task"]).loglikelihood_request(example(doc))[2]
