"""Topic and region labels from an LLM (command line: ``python -m lrpo.data label``).

The paper labelled each training question with one of six topics and, for
regional questions, the regions (countries) it is about, with an LLM; the router
conditions on both. This asks any OpenAI-compatible chat endpoint
(``lrpo.data.endpoint``) with one fixed prompt (``LABEL_PROMPT``; its SHA-256 is
recorded, so a file says exactly how it was labelled) for a JSON answer
``{"topic": ..., "regions": [...]}``, and accepts it only when the topic is one
of ``TOPICS`` and every region is a country of ``lrpo.data.countries``;
anything else is malformed and asked again (with backoff, up to the endpoint's
``max_attempts``).

Rules:
- a record that already has a ``topic`` keeps it, and one that has a ``region``
  (even an empty list) keeps it; only missing labels are asked for, and a record
  with both is not sent at all;
- regions are kept for Regional Knowledge questions only (the router's region
  table is for regional questions), which must name at least one; other topics
  get ``region: []`` (a kept topic decides which case a record is);
- a record whose labels could not be obtained is left unlabelled (fields absent)
  and counted in the metadata's ``failed``; a rerun (answers are cached) asks only
  for those.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence

from lrpo.data.countries import canonical_country
from lrpo.data.endpoint import ChatEndpoint, MalformedAnswer
from lrpo.data.schema import REGIONAL, TOPICS

LABEL_PROMPT = """You label questions that users ask a multilingual assistant.

Topics (choose exactly one):
- Regional Knowledge: customs, culture, history, law, geography, food, daily life or facts specific to one or \
more countries or regions.
- General Knowledge: facts, science or explanations that do not depend on a region.
- Chat/Conversational: small talk, advice, opinions, creative writing, role play.
- Reasoning/Logic: math, puzzles, coding, step-by-step problem solving.
- Safety/Ethics: harmful, dangerous, unethical or sensitive requests, and questions about ethics.
- Translation: requests to translate or rephrase text between languages.

Regions: for a Regional Knowledge question, the countries it is about, as English country names \
(e.g. "Japan", "Saudi Arabia"); for any other topic, an empty list.

Answer with JSON only, no other text: {{"topic": "<topic>", "regions": ["<country>", ...]}}

Question:
{question}"""

PROMPT_SHA256 = hashlib.sha256(LABEL_PROMPT.encode("utf-8")).hexdigest()
_TOPIC_BY_LOWER = {topic.lower(): topic for topic in TOPICS}
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def label_messages(question: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": LABEL_PROMPT.format(question=question)}]


def parse_labels(text: str) -> tuple[str, list[str]]:
    """(topic, regions) from a labeller's answer; MalformedAnswer when it is not the
    requested JSON, names an unknown topic or country, or a regional question without
    a region. Regions of other topics are dropped (see the module docstring)."""
    found = _JSON_OBJECT.search(text or "")
    if not found:
        raise MalformedAnswer(f"no JSON object in {text!r:.80}")
    try:
        answer = json.loads(found.group(0))
    except json.JSONDecodeError as e:
        raise MalformedAnswer(f"invalid JSON ({e.msg}) in {text!r:.80}") from None
    if not isinstance(answer, dict):
        raise MalformedAnswer("the answer is not a JSON object")
    topic = _TOPIC_BY_LOWER.get(str(answer.get("topic", "")).strip().lower())
    if topic is None:
        raise MalformedAnswer(f"topic {answer.get('topic')!r} is not one of {', '.join(TOPICS)}")
    raw = answer.get("regions", [])
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise MalformedAnswer(f"regions must be a list, got {raw!r:.60}")
    regions = []
    for name in raw:
        country = canonical_country(name) if isinstance(name, str) else None
        if country is None:
            raise MalformedAnswer(f"region {name!r} is not a country of the list")
        if country not in regions:
            regions.append(country)
    if topic != REGIONAL:
        return topic, []
    if not regions:
        raise MalformedAnswer("a Regional Knowledge question needs at least one region")
    return topic, regions


def needs_labels(record: dict) -> bool:
    return record.get("topic") is None or "region" not in record


def label_records(records: Sequence[dict], endpoint: ChatEndpoint, progress: bool = False
                  ) -> tuple[list[dict], dict]:
    """The records with missing labels filled in, and the metadata to record: the
    labeller (endpoint, model, prompt hash, time) and the counts (asked, kept, failed)."""
    todo = [i for i, record in enumerate(records) if needs_labels(record)]
    answers = endpoint.ask_many([label_messages(records[i]["question"]) for i in todo], parse_labels,
                                progress=progress)
    labelled = [dict(record) for record in records]
    failed = []
    for i, answer in zip(todo, answers, strict=True):
        if answer.error is not None:
            failed.append({"id": records[i]["id"], "lang": records[i]["lang"], "error": answer.error,
                           "last_answer": answer.text})
            continue
        topic, regions = answer.value
        record = labelled[i]
        if record.get("topic") is None:
            record["topic"] = topic
        if "region" not in record:
            # A kept topic decides: regions only for a question that is regional by both labels.
            record["region"] = regions if record["topic"] == REGIONAL else []
    meta = {
        "labeller": {**endpoint.describe(), "prompt_sha256": PROMPT_SHA256,
                     "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
        "label_counts": {"asked": len(todo), "kept": len(records) - len(todo), "failed": len(failed),
                         "requests": endpoint.requests},
        "label_failures": failed,
    }
    return labelled, meta
