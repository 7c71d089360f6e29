"""What a task is: a dataset in several languages, a prompt, and a verifier.

The trainer, the evaluator and the lm-eval integration all call these same
methods, so a prompt or a verifier cannot drift between training and
evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from lrpo.languages import get_language
from lrpo.tasks.data import resolve_data_dir


@dataclass(frozen=True)
class Example:
    """One question in one language.

    ``id`` is shared by the translations of the same item (row i of MGSM is the
    same problem in all 11 languages), which is what cross-lingual consistency
    is computed over.
    """

    id: str
    lang: str
    question: str
    answer: str
    topic: str | None = None
    region: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


Message = dict[str, str]


class Task:
    """Base class of task plugins. Subclasses set ``name``, ``languages`` and
    ``splits``, and implement ``load``, ``prompt``, ``extract`` and ``score``."""

    name: ClassVar[str]
    languages: tuple[str, ...]
    splits: tuple[str, ...]
    # False for tasks that generate their items: ``data_dir`` does not affect them.
    reads_data: ClassVar[bool] = True
    # The languages a model of this task is trained on by default (its "seen" split);
    # empty: the paper's seen languages (lrpo.languages.SEEN_LANGUAGES) the task has.
    seen_languages: ClassVar[tuple[str, ...]] = ()
    # The question fields that form the router's context keys by default
    # (``LRPOConfig.router_context``); the paper's: topic and region.
    router_context: ClassVar[tuple[str, ...]] = ("topic", "region")

    def load(self, split: str = "test", langs=None, data_dir=None, limit: int | None = None
             ) -> list[Example]:
        raise NotImplementedError

    def prompt(self, example: Example, response_lang: str | None = None, cue: str = "instruction"
               ) -> list[Message]:
        """Chat messages asking for a response in ``response_lang`` (default: the
        question's language), cued by a native instruction or by a language tag
        (see ``lrpo.tasks.prompts.user_turn``)."""
        raise NotImplementedError

    def extract(self, response: str, response_lang: str | None = None) -> str | None:
        raise NotImplementedError

    def score(self, response: str, example: Example, response_lang: str | None = None) -> float:
        raise NotImplementedError

    # Helpers shared by the plugins.

    def check_split(self, split: str) -> None:
        if split not in self.splits:
            raise ValueError(f"task {self.name!r} has no split {split!r}; available: "
                             f"{', '.join(self.splits)}")

    def check_langs(self, langs, available=None) -> tuple[str, ...]:
        """The requested languages (all when None), each checked against the task."""
        available = tuple(available or self.languages)
        if langs is None:
            return available
        if isinstance(langs, str):
            langs = [langs]
        for code in langs:
            get_language(code)  # unknown codes: error listing the supported ones
            if code not in available:
                raise ValueError(f"task {self.name!r} has no language {code!r}; available: "
                                 f"{', '.join(available)}")
        return tuple(langs)

    def check_load(self, split: str, langs, data_dir=None, available=None
                   ) -> tuple[tuple[str, ...], Path | None]:
        """How a ``load`` that reads files begins: the split and languages checked, and
        the directory to read — ``data_dir``, else the task's own ``data_dir`` attribute
        (given at construction), else ``$LRPO_DATA_DIR``; None means the hub."""
        self.check_split(split)
        langs = self.check_langs(langs, available)
        return langs, resolve_data_dir(data_dir if data_dir is not None else getattr(self, "data_dir", None))

    def __repr__(self) -> str:
        return f"<task {self.name}: {len(self.languages)} languages>"


def apply_limit(examples: list[Example], limit: int | None) -> list[Example]:
    if limit is None:
        return examples
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    return examples[:limit]
