"""From a config to the pieces of a run, each built once: router, planner, the
training set, the reward, and the model to train (``LRPOTrainer.from_config``
puts them together).

Kept apart from the trainer so that a run can be planned without loading a
model. The path of one training question: ``build_training_set`` decodes it once
into an ``Example`` and gives TRL a row that points at it (``example_index``);
``LRPOTrainer`` plans the K response languages of its group, rewrites each
rollout's prompt and hands the ``Example`` object itself to the reward
(``TaskReward``), which scores with the task's verifier and the language gate.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrpo.router.config import FLAT_NAMES
from lrpo.router.language_router import LanguageRouter
from lrpo.router.planner import RolloutPlanner
from lrpo.router.validation import RouterConfigError
from lrpo.tasks import Example, Task
from lrpo.training.config import candidate_languages, train_languages


def build_router(config, languages, log_path=None) -> LanguageRouter:
    """The language router of an LRPOConfig over ``languages``, logging to ``log_path``.

    Errors name the LRPOConfig field: a bad router_* value (``config.router_config()``),
    or a ``router_prior`` that names a language outside ``languages``.
    """
    router_config = config.router_config()
    try:
        return LanguageRouter(languages, config=router_config, log_path=log_path)
    except RouterConfigError as err:  # only the prior is checked against the languages
        raise err.renamed(config.router_field(FLAT_NAMES.get(err.field, err.field))) from None


def build_planner(config, task: Task, log_path=None) -> RolloutPlanner:
    """The run's rollout planner (and, for method 'lrpo', its router); its settings were
    checked by ``lrpo.training.config.check_run_plan`` when the config was made."""
    languages = candidate_languages(config, task)
    router = build_router(config, languages, log_path) if config.method == "lrpo" else None
    return RolloutPlanner(config.method, languages, k=config.num_generations, k_on=config.k_on, router=router,
                          seed=config.seed)


def regions_of(example: Example) -> tuple[str, ...]:
    """Every region of a question, in order, without repeats: ``meta["regions"]`` (the
    open_ended task keeps all of them there and only the first in ``region``), else
    ``region`` itself, one string or a list of them; () for a question without one."""
    regions = example.meta.get("regions") or example.region or ()
    if isinstance(regions, str):
        regions = (regions,)
    return tuple(dict.fromkeys(region for region in regions if region))


def context_of(example: Example, task_name: str, fields) -> list[str]:
    """The router context keys of a question, e.g. ["topic:add", "qlang:de"].

    A question about several regions has one key per region (["topic:Regional Knowledge",
    "region:Japan", "region:South Korea"]): the router sums the rows of all of a context's
    keys and credits each of them with the group's rewards, so every region's row learns
    from the question (the paper's additive tables A[topic] + B[region]). Fields a question
    does not have (no region) are left out; an empty context falls back to the task, so
    every question has at least one key.

    The paper reads table B for regional questions only; the labeller
    (``lrpo.data.labeller``) gives regions to Regional Knowledge questions only, so on
    labelled data the two agree. A record that carries regions under another topic has
    them used: the data, not the topic name, decides.
    """
    values = {"topic": (example.topic,), "region": regions_of(example), "task": (task_name,),
              "qlang": (example.lang,)}
    keys = [f"{name}:{value}" for name in fields for value in values[name] if value]
    return keys or [f"task:{task_name}"]


@dataclass(frozen=True)
class TrainingSet:
    """The training questions of a run, decoded once.

    ``rows[i]`` is what TRL's sampler hands the trainer: ``prompt`` (chat messages
    in the question's own language; the trainer rewrites it per rollout),
    ``example_index`` (into ``examples``), ``question_lang``, ``context`` (the
    router's context keys) and ``same_language`` (all K rollouts in the question's
    language, see ``build_training_set``). A dataset column cannot hold an
    ``Example``, so the rows carry its index and the trainer puts the object itself
    into each rollout.
    """

    examples: tuple[Example, ...]
    rows: tuple[dict, ...]

    def dataset(self):
        from datasets import Dataset

        return Dataset.from_list(list(self.rows))


def build_training_set(config, task: Task) -> TrainingSet:
    """One row per training question of ``config.train_split`` in the training languages.

    ``same_language`` marks a question whose topic is in ``config.same_language_topics``
    (Translation): the trainer keeps all K of its rollouts in the question's language and
    does not feed them to the router. Raises ValueError when the split gives no question
    (naming task and split).
    """
    examples = tuple(task.load(config.train_split, langs=train_languages(config, task),
                               data_dir=config.data_dir, limit=config.train_limit))
    if not examples:
        raise ValueError(f"task {config.task!r} split {config.train_split!r} gave no training questions")
    rows = tuple({
        "prompt": task.prompt(example, example.lang, cue=config.language_cue),
        "example_index": index,
        "question_lang": example.lang,
        "context": context_of(example, task.name, config.router_context),
        "same_language": example.topic in config.same_language_topics,
    } for index, example in enumerate(examples))
    return TrainingSet(examples, rows)


def build_reward(config, task: Task):
    """The TRL reward function of a run: the quality term × the language gate.

    The quality term is ``config.reward``'s: the task's verifier, or (``similarity``) the
    task's own similarity reward, ``task.similarity()``: the object behind ``task.score``,
    whose ``batch`` scores a whole TRL batch with one encoder call and cached reference
    embeddings, to the same numbers. ``task`` is the run's (``lrpo.training.config.build_task``:
    it carries the encoder and calibration). The gate tells apart the languages in play:
    the task's and the planner's candidates.
    """
    from lrpo.training.trl_reward import TaskReward

    gate_languages = sorted(set(task.languages) | set(candidate_languages(config, task)))
    quality = task.similarity() if config.reward == "similarity" else "verifier"
    return TaskReward(task, gate=config.gate, format_weight=config.format_weight, candidates=gate_languages,
                      quality=quality)


def resolve_model(config) -> str:
    """The model to train: the configured id or directory, else the tiny offline model of
    the task's world (``lrpo.models.tiny.world_of``) in the ``tiny_model`` size."""
    if config.model:
        return config.model
    from lrpo.models.tiny import build_tiny_model, tiny_model_config, world_of

    return str(build_tiny_model(tiny_model_config(config.tiny_model, world_of(config.task))))
