"""From a config to the pieces of a run: languages, router, planner and training rows.

Kept apart from the trainer so that a config can be checked (and a run planned)
without loading a model.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from functools import lru_cache

from lrpo.languages import SEEN_LANGUAGES
from lrpo.router.language_router import LanguageRouter
from lrpo.router.mixes import is_mix_string, parse_mix
from lrpo.router.planner import RolloutPlanner
from lrpo.tasks import Example, Task, get_task


def build_router(config, languages, log_path=None) -> LanguageRouter:
    """The config's language router (errors name the config field)."""
    try:
        return LanguageRouter(
            languages,
            algorithm=config.router_algorithm,
            signal=config.router_signal,
            tau=config.router_tau, tau_decay=config.router_tau_decay, tau_floor=config.router_tau_floor,
            eps=config.router_eps, eps_decay=config.router_eps_decay, eps_floor=config.router_eps_floor,
            alpha=config.router_alpha,
            update_every=config.router_update_every,
            normalization=config.router_normalization,
            prior=config.router_prior,
            seed=config.seed,
            log_path=log_path,
            log_every=config.router_log_every,
        )
    except ValueError as e:
        # The router names its own parameters ("tau must be ..."); name the config field.
        raise ValueError(re.sub(r"^(\w+)", r"router_\1", str(e))) from None


def train_languages(config, task: Task) -> list[str]:
    """The question languages to train on: the configured ones, else the task's own
    ``seen_languages`` if it names them, else the paper's seen languages that the
    task's training split has."""
    if config.train_languages:
        return list(config.train_languages)
    seen = getattr(task, "seen_languages", None) or SEEN_LANGUAGES
    available = [code for code in seen if code in task.languages]
    return available or list(task.languages)


def candidate_languages(config, task: Task) -> list[str]:
    """The response languages the planner may choose: the configured ones, else the
    training languages (plus, for a mix string, the languages it names)."""
    if config.candidate_languages:
        return list(config.candidate_languages)
    languages = train_languages(config, task)
    if is_mix_string(config.method):
        languages += [code for code in parse_mix(config.method) if code not in languages]
    return languages


def build_planner(config, task: Task, log_path=None) -> RolloutPlanner:
    languages = candidate_languages(config, task)
    router = build_router(config, languages, log_path) if config.method == "lrpo" else None
    try:
        return RolloutPlanner(config.method, languages, k=config.num_generations, k_on=config.k_on,
                              router=router, seed=config.seed)
    except ValueError as e:
        raise ValueError(f"rollout planner (method, candidate_languages, num_generations, k_on): {e}") from None


def context_of(example: Example, task_name: str, fields) -> list[str]:
    """The router context keys of a question, e.g. ["topic:add", "qlang:de"]. Fields a
    question does not have (no region) are left out; an empty context falls back to
    the task, so every question has at least one key."""
    values = {"topic": example.topic, "region": example.region, "task": task_name, "qlang": example.lang}
    keys = [f"{name}:{values[name]}" for name in fields if values[name]]
    return keys or [f"task:{task_name}"]


def example_to_json(example: Example) -> str:
    return json.dumps(asdict(example), ensure_ascii=False)


@lru_cache(maxsize=65536)
def example_from_json(text: str) -> Example:
    """The Example a training row carries (cached: each row is read K times a step,
    by the trainer and by the reward)."""
    return Example(**json.loads(text))


def build_train_rows(config, task: Task | None = None) -> list[dict]:
    """One row per training question: its prompt in its own language (the trainer
    rewrites it per rollout), the example itself, and its router context."""
    task = task or get_task(config.task)
    rows = []
    for example in task.load(config.train_split, langs=train_languages(config, task),
                             data_dir=config.data_dir, limit=config.train_limit):
        rows.append({
            "prompt": task.prompt(example, example.lang, cue=config.language_cue),
            "example": example_to_json(example),
            "question_lang": example.lang,
            "context": context_of(example, task.name, config.router_context),
        })
    return rows


def resolve_model(config) -> str:
    """The model to train: the configured id or directory, else the tiny offline model."""
    if config.model:
        return config.model
    from lrpo.models.tiny import build_tiny_model, tiny_model_config

    return str(build_tiny_model(tiny_model_config(config.tiny_model)))


def build_trainer(config, model: str | None = None):
    from datasets import Dataset

    from lrpo.tasks import get_task
    from lrpo.training.trainer import LRPOTrainer
    from lrpo.training.trl_reward import TaskReward

    task = get_task(config.task)
    rows = build_train_rows(config, task)
    if not rows:
        raise ValueError(f"task {config.task!r} split {config.train_split!r} gave no training questions")
    # The gate tells apart the languages in play: the task's and the planner's candidates.
    gate_languages = sorted(set(task.languages) | set(candidate_languages(config, task)))
    reward = TaskReward(task, gate=config.gate, format_weight=config.format_weight, candidates=gate_languages)
    return LRPOTrainer(model=model or resolve_model(config), reward_funcs=[reward], args=config,
                       train_dataset=Dataset.from_list(rows))
