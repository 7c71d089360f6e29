"""Scoring open-ended answers with an LLM judge (command line: ``python -m lrpo.judge``).

The paper scores CARE and CARE-pro with an LLM judge, which sees the question,
the reference answer and the response:

- ``care``: a 1–10 rating, asked as ``Rating: [[N]]``; the score is N / 10, so a
  table's percentage is the paper's "rating × 10".
- ``care_pro``: one of four labels, CORRECT, CORRECT_BUT_WRONG_LANGUAGE,
  INCORRECT, NOT_ATTEMPTED (SimpleQA-style); only CORRECT scores 1.

The prompts are this project's wording of the two protocols (``PROTOCOLS``);
an answer that does not follow the format is malformed and asked again
(``lrpo.data.endpoint``: bounded concurrency, retries with backoff, a cache keyed
by judge model and prompt, and so by the response, so a rerun sends nothing).

Each judged sample keeps the judge's raw text (``judge_raw``), its verdict
(``judge_label``: the rating or the label), ``judge_score`` in [0, 1], and for
CARE-pro ``correct``; a rating is neither right nor wrong, so CARE samples carry
``correct: null``. A sample the judge could not score (every attempt failed or
was malformed) gets ``judge_error`` and no score; it is left out of the
scorecard and counted in its ``judge`` block, never scored 0.

The result is a normal scorecard (``judged_scorecard``), under the convention of
every scorecard whose score is not a verifier's (``lrpo.evaluation.scorecard``,
``Metric``): per-language mean judge score as ``accuracy``, named by ``metric``
("judge:care", "judge:care_pro") and ``metric_kind`` (continuous for CARE's
ratings, binary for CARE-pro's labels), fidelity (the language gate, as in
``lrpo.evaluate``), seen/unseen averages, bootstrap intervals over the items'
scores, so tables and plots read it unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lrpo.data.endpoint import ChatEndpoint, MalformedAnswer
from lrpo.evaluation.metrics import JUDGE_METRICS, Metric
from lrpo.evaluation.scorecard import build_scorecard

CORRECT, WRONG_LANGUAGE, INCORRECT, NOT_ATTEMPTED = ("CORRECT", "CORRECT_BUT_WRONG_LANGUAGE", "INCORRECT",
                                                     "NOT_ATTEMPTED")
CARE_PRO_LABELS = (CORRECT, WRONG_LANGUAGE, INCORRECT, NOT_ATTEMPTED)

CARE_PROMPT = """You are a strict evaluator of answers to questions about cultures and regions.
Read the question, the reference answer written by a native speaker, and the assistant's response.
Judge the response for factual accuracy and cultural appropriateness (compared with the reference), \
relevance to the question, and helpful detail.

Give a short justification, then a rating from 1 to 10:
1-2 poor (wrong or irrelevant), 3-4 below average (major errors or omissions), 5-6 average \
(broadly right but shallow), 7-8 good (accurate, minor gaps), 9-10 excellent (accurate, complete, \
well suited to the culture).
End with the rating in exactly this format: "Rating: [[N]]", e.g. "Rating: [[6]]".

[Question]
{question}

[Reference answer]
{reference}

[Assistant's response]
{response}"""

CARE_PRO_PROMPT = """Grade a predicted answer to a question against the gold answer.

Grades:
A. CORRECT: contains the essential information of the gold answer, contradicts nothing in it, and is \
written in the same language as the question (proper nouns may stay in another script).
B. CORRECT_BUT_WRONG_LANGUAGE: the content would be CORRECT, but the answer is written in a different \
language than the question.
C. INCORRECT: states something that contradicts the gold answer, in whatever language, hedged or not.
D. NOT_ATTEMPTED: does not give the essential information and contradicts nothing (a refusal, "I don't \
know", a vague answer).
Only meaning counts: wording, grammar, order and punctuation do not.

Question: {question}
Gold answer: {reference}
Predicted answer: {response}

Reply with the letter of the grade only: A, B, C or D."""

_RATING = re.compile(r"\[\[\s*(\d+(?:\.\d+)?)\s*\]\]")
_LETTERS = dict(zip("ABCD", CARE_PRO_LABELS, strict=True))


def parse_care_rating(text: str) -> tuple[int, float]:
    """(rating 1-10, score = rating / 10) from ``... Rating: [[N]]``; the last one counts.
    MalformedAnswer without a rating, or with one outside 1-10."""
    found = _RATING.findall(text or "")
    if not found:
        raise MalformedAnswer(f"no 'Rating: [[N]]' in {text!r:.80}")
    rating = float(found[-1])
    if rating != int(rating) or not 1 <= rating <= 10:
        raise MalformedAnswer(f"rating {found[-1]} is not an integer from 1 to 10")
    return int(rating), rating / 10


def parse_care_pro_label(text: str) -> tuple[str, float]:
    """(label, 1.0 for CORRECT else 0.0) from a letter (A-D) or a label name; MalformedAnswer
    for anything else (including an answer naming two grades)."""
    cleaned = re.sub(r"[\s.:*()\"'`]+", " ", (text or "").upper()).strip()
    if cleaned in _LETTERS:
        label = _LETTERS[cleaned]
    else:
        label = cleaned.replace(" ", "_")
        if len(label) > 2 and label[1] == "_" and _LETTERS.get(label[0]) == label[2:]:
            label = label[2:]  # "A. CORRECT"
        if label not in CARE_PRO_LABELS:
            raise MalformedAnswer(f"expected one of A, B, C, D, got {text!r:.80}")
    return label, 1.0 if label == CORRECT else 0.0


@dataclass(frozen=True)
class Protocol:
    """A judging protocol: its prompt template and the parser of the judge's answer
    (-> (label, score in [0, 1]))."""

    name: str
    template: str
    parse: object
    binary: bool  # True: the score is right/wrong (a sample's ``correct``)

    @property
    def metric(self) -> Metric:
        """The scorecard metric of this protocol's judgments (each sample's ``judge_score``)."""
        return JUDGE_METRICS[self.name]

    def messages(self, question: str, reference: str, response: str) -> list[dict[str, str]]:
        return [{"role": "user", "content": self.template.format(question=question, reference=reference,
                                                                 response=response)}]


PROTOCOLS = {
    "care": Protocol("care", CARE_PROMPT, parse_care_rating, binary=False),
    "care_pro": Protocol("care_pro", CARE_PRO_PROMPT, parse_care_pro_label, binary=True),
}


def get_protocol(name: str) -> Protocol:
    if name not in PROTOCOLS:
        raise ValueError(f"unknown judge protocol {name!r}; available: {', '.join(PROTOCOLS)}")
    return PROTOCOLS[name]


def judge_samples(samples: Sequence[dict], questions: dict[tuple[str, str], str], endpoint: ChatEndpoint,
                  protocol: Protocol | str, progress: bool = False) -> list[dict]:
    """Copies of ``samples`` (each with ``id``, ``lang``, ``response``, ``gold`` = the
    reference) with the judge's fields added (see the module docstring).

    ``questions[(id, lang)]`` is each sample's question text. Raises ValueError naming
    the first sample whose question is missing.
    """
    protocol = get_protocol(protocol) if isinstance(protocol, str) else protocol
    prompts = []
    for sample in samples:
        key = (sample["id"], sample["lang"])
        if key not in questions:
            raise ValueError(f"no question for sample {key[0]!r} ({key[1]}): the records given do not hold it")
        prompts.append(protocol.messages(questions[key], sample["gold"], sample["response"]))
    answers = endpoint.ask_many(prompts, protocol.parse, progress=progress)
    judged = []
    for sample, answer in zip(samples, answers, strict=True):
        label, score = answer.value if answer.error is None else (None, None)
        judged.append({
            **sample,
            "judge_protocol": protocol.name,
            "judge_model": endpoint.model,
            "judge_raw": answer.text,
            "judge_label": label,
            "judge_score": score,
            "judge_error": answer.error,
            "judge_cached": answer.cached,
            "correct": (score == 1.0) if protocol.binary and score is not None else None,
        })
    return judged


def judged_scorecard(judged: Sequence[dict], *, task: str, split: str, model: str, method: str | None = None,
                     seed: int | None = 0, seen_languages=None, endpoint: ChatEndpoint | None = None) -> dict:
    """The scorecard of judged samples: ``accuracy`` per language is the mean judge score.

    Built by ``build_scorecard`` with the protocol's ``metric`` (each sample's
    ``judge_score``): for ratings (CARE, continuous) consistency, defined over right and
    wrong, is null. Raises ValueError when no sample has a score.
    """
    scored = [s for s in judged if s.get("judge_error") is None]
    if not scored:
        raise ValueError(f"the judge scored none of the {len(judged)} samples; first error: "
                         f"{judged[0].get('judge_error') if judged else None}")
    protocol = get_protocol(scored[0]["judge_protocol"])
    scorecard = build_scorecard(scored, task=task, split=split, model=model, method=method, seed=seed,
                                seen_languages=seen_languages, metric=protocol.metric)
    failures = [{"id": s["id"], "lang": s["lang"], "error": s["judge_error"]} for s in judged
                if s.get("judge_error") is not None]
    scorecard["judge"] = {**(endpoint.describe() if endpoint is not None else {}), "protocol": protocol.name,
                          "judged": len(scored), "failed": len(failures), "failures": failures,
                          "requests": endpoint.requests if endpoint is not None else None,
                          "cached": sum(bool(s.get("judge_cached")) for s in scored)}
    return scorecard


def score_distribution(judged: Sequence[dict]) -> dict[str, int]:
    """How often each verdict occurred (labels, or ratings), failures as "error"."""
    labels = [str(s["judge_label"]) if s.get("judge_error") is None else "error" for s in judged]
    values, counts = np.unique(labels, return_counts=True)
    return {str(v): int(c) for v, c in zip(values, counts, strict=True)}
