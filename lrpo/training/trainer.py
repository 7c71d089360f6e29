"""LRPO on TRL's GRPOTrainer.

Three hooks turn GRPO into LRPO; everything else (the loss, the KL term,
accelerate / DeepSpeed / FSDP, vLLM) is TRL's:

1. ``_generate_and_score_completions``: before generation, each rollout's
   response language is taken from the rollout planner and its prompt is
   rewritten to ask for that language; the language travels with the row so the
   reward function sees it. A ``same_language`` question (a Translation question,
   ``LRPOConfig.same_language_topics``) keeps all K rollouts in its own language.
2. ``_calculate_rewards``: TRL gathers the rewards of the whole generation batch
   on every rank; the router is updated there from the gathered rewards and the
   gathered (context, language, group) of every rollout, so every rank applies
   the same update and the routers stay identical without extra communication.
   The rollouts of ``same_language`` questions are left out of the update: their
   languages were not the router's choice (see ``_calculate_rewards``).
3. ``_generate_single_turn``: TRL's vLLM server mode sends one prompt per group
   with n = K, which would silently train on the wrong prompts when a group's
   prompts differ; here every rollout's own prompt is sent with n = 1.

Rollouts stop where evaluation stops (``rollout_generation_kwargs``): with vLLM
(colocate or server) at the run-on markers of ``lrpo.tasks.answers.run_on_stops``
("\\nQuestion:", "\\nFrage:", "\\n问题：", ...), vLLM's ``stop``. On the
transformers path TRL 1.16 cannot pass them: it calls
``model.generate(**inputs, generation_config=...)`` without ``tokenizer=``, and
transformers' ``generate`` raises ValueError for ``stop_strings`` without a
tokenizer (``GenerationMixin._get_stopping_criteria``); and TRL masks a completion
only after its first EOS, so a row stopped by a string would be padded with pad
tokens that count as completion tokens. There a rollout runs on to
``max_completion_length`` and the reward reads it only up to the first marker
(``lrpo.tasks.answers.answer_region``), so both paths score a rollout alike.

Maintenance: each override copies the signature of a private TRL method (TRL
1.16, the pinned ``trl>=1.16,<1.17``) and calls the original; its comment names
the method. ``tests/test_trl_contract.py`` fails loudly when TRL changes one of
these signatures, which is the moment to re-read the TRL method before
widening the pin.

Groups and ranks: TRL's sampler lays each question's K rollouts next to each
other in the global generation batch, and rank r holds the r-th contiguous
slice. A rollout's global index therefore gives its group and its place in the
group, and a group's plan is drawn from a generator seeded by (seed, step,
group), so a group that straddles two ranks is planned identically on both.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
from accelerate.utils import gather_object
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from trl import GRPOTrainer

from lrpo.evaluation.atomic import write_atomically
from lrpo.router.language_router import RouterRecord
from lrpo.tasks import Task
from lrpo.tasks.answers import run_on_stops
from lrpo.training.config import LRPOConfig, build_task
from lrpo.training.setup import TrainingSet, build_planner, build_reward, build_training_set, resolve_model

ROUTER_STATE_FILE = "lrpo_router.json"
# Transformers writes trainer_state.json last of a checkpoint's files (after the model, optimizer and
# RNG states), and this trainer adds the router state after that: a checkpoint without them was cut short.
TRAINER_STATE_FILE = "trainer_state.json"
CHECKPOINT_NAME = re.compile(rf"^{PREFIX_CHECKPOINT_DIR}-(\d+)$")


def missing_checkpoint_files(checkpoint, with_router: bool) -> list[str]:
    """The files a complete checkpoint has and ``checkpoint`` lacks ([] when complete)."""
    needed = [TRAINER_STATE_FILE] + ([ROUTER_STATE_FILE] if with_router else [])
    return [name for name in needed if not (Path(checkpoint) / name).is_file()]


def last_complete_checkpoint(output_dir, with_router: bool) -> str | None:
    """The highest-numbered complete ``checkpoint-<step>`` in ``output_dir`` (None if
    there is none). Incomplete ones (a run killed while saving) are skipped with a
    warning that names them and what they lack."""
    directory = Path(output_dir)
    found = sorted((int(m.group(1)), path) for path in (directory.iterdir() if directory.is_dir() else ())
                   if path.is_dir() and (m := CHECKPOINT_NAME.match(path.name)))
    for _, path in reversed(found):
        missing = missing_checkpoint_files(path, with_router)
        if not missing:
            return str(path)
        warnings.warn(f"skipping incomplete checkpoint {path} (no {', '.join(missing)}; a run was stopped "
                      "while saving it)", stacklevel=2)
    return None


def read_router_state(checkpoint, config: LRPOConfig) -> dict:
    """The router state saved in ``checkpoint``, checked against the router ``config``
    builds, before any model loads. ValueError naming the file and what is wrong:
    missing, not JSON (a truncated write), or not a state of this router."""
    from lrpo.tasks import get_task
    from lrpo.training.setup import build_router, candidate_languages

    path = Path(checkpoint) / ROUTER_STATE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {checkpoint} has no router state ({ROUTER_STATE_FILE}); "
                                "it was not written by an LRPO run with method 'lrpo'")
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a router state: invalid JSON ({e}); the file is truncated or "
                         "corrupt") from None
    try:
        build_router(config, candidate_languages(config, get_task(config.task))).load_state_dict(state)
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"{path}: not a router state: {type(e).__name__} {e}") from None
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    return state


def resume_checkpoint(config: LRPOConfig) -> str | None:
    """The checkpoint ``config.resume_from_checkpoint`` asks for, found and checked
    before the model is built: true / "last" = the latest complete one in
    ``output_dir`` (incomplete ones skipped, with a warning), a path = that one.
    ValueError when there is none or it is incomplete; its router state is read
    (``read_router_state``) for method 'lrpo'."""
    resume = config.resume_from_checkpoint
    if not resume or (isinstance(resume, str) and resume.lower() in ("false", "none")):
        return None
    with_router = config.method == "lrpo"
    if resume is True or (isinstance(resume, str) and resume.lower() in ("true", "last")):
        checkpoint = last_complete_checkpoint(config.output_dir, with_router)
        if checkpoint is None:
            raise ValueError(f"resume_from_checkpoint: no complete checkpoint in {config.output_dir} to resume "
                             "from")
    else:
        checkpoint = str(resume)
        if not Path(checkpoint).is_dir():
            raise ValueError(f"resume_from_checkpoint: {checkpoint} is not a directory")
        missing = missing_checkpoint_files(checkpoint, with_router)
        if missing:
            raise ValueError(f"resume_from_checkpoint: {checkpoint} is incomplete (no {', '.join(missing)})")
    if with_router:
        read_router_state(checkpoint, config)
    return checkpoint


def rollout_generation_kwargs(generation_kwargs: dict | None) -> dict:
    """vLLM's sampling options of a rollout: ``generation_kwargs`` (``GRPOConfig``'s, not
    modified) with ``stop`` set to the run-on markers (``run_on_stops``) unless it names
    its own ``stop`` (an empty list: no stop strings)."""
    kwargs = dict(generation_kwargs or {})
    kwargs.setdefault("stop", list(run_on_stops()))
    return kwargs


class LRPOTrainer(GRPOTrainer):
    """GRPOTrainer whose rollouts of one question are routed across response languages.

    ``training_set`` holds the questions (``lrpo.training.setup.build_training_set``);
    ``task`` is the run's task object (built from ``args.task`` when None), shared
    with the reward so that a run builds it once. ``reward_funcs`` are TRL reward
    functions; each receives, besides TRL's own arguments, per rollout the
    question's ``Example`` (``example``), ``response_lang``, ``question_lang``,
    ``context`` and ``group`` (the group's index in the generation batch).
    """

    def __init__(self, model, reward_funcs, args: LRPOConfig, training_set: TrainingSet, task: Task | None = None,
                 **kwargs):
        if not isinstance(args, LRPOConfig):
            raise TypeError("LRPOTrainer needs an LRPOConfig")
        if "train_dataset" in kwargs:
            raise TypeError("LRPOTrainer takes training_set= (lrpo.training.setup.build_training_set), "
                            "not train_dataset=")
        super().__init__(model=model, reward_funcs=reward_funcs, args=args, train_dataset=training_set.dataset(),
                         **kwargs)
        if self.use_vllm:
            # TRL's VLLMGeneration reads these at every generation (colocate: SamplingParams(**...);
            # server: the request's sampling parameters); a new dict leaves ``args`` as given.
            self.vllm_generation.generation_kwargs = rollout_generation_kwargs(args.generation_kwargs)
        self.examples = training_set.examples
        self.task = task or build_task(args)
        log_path = Path(args.output_dir) / "router_log.jsonl" if self.accelerator.is_main_process else None
        self.planner = build_planner(args, self.task, log_path=log_path)
        self.router = self.planner.router
        self.last_plans: dict[int, list[str]] = {}

    @classmethod
    def from_config(cls, config: LRPOConfig, model: str | None = None, reward_funcs=None) -> LRPOTrainer:
        """The trainer of a run: task, training set and reward built once here, planner and
        router once in ``__init__``. ``model`` defaults to ``config.model`` (else the tiny
        offline model); ``reward_funcs`` replaces the task reward (tests record what it is asked)."""
        task = build_task(config)
        return cls(model=model or resolve_model(config), args=config,
                   training_set=build_training_set(config, task), task=task,
                   reward_funcs=reward_funcs or [build_reward(config, task)])

    # -- 1. one response language per rollout ---------------------------------------------------------------

    def plan_languages(self, inputs: list[dict], step: int) -> list[tuple[str, int]]:
        """(response language, global group index) of each local rollout."""
        k = self.num_generations
        offset = self.accelerator.process_index * len(inputs)
        plans: dict[int, list[str]] = {}
        assigned = []
        for i, row in enumerate(inputs):
            group, position = divmod(offset + i, k)
            if group not in plans:
                # One stream per (step, group): any rank can plan any group by itself.
                rng = self.planner.generator(step, rank=group)
                plans[group] = self.planner.plan(row["question_lang"], tuple(row["context"]), rng,
                                                 same_language=row["same_language"])
            assigned.append((plans[group][position], group))
        self.last_plans = plans  # the full plan of every local group, for inspection and tests
        return assigned

    def _generate_and_score_completions(self, inputs):
        # Overrides GRPOTrainer._generate_and_score_completions(self, inputs) of TRL 1.16: route, then call it.
        training = self.model.training
        step = self.state.global_step
        routed = []
        assigned = self.plan_languages(inputs, step) if training else \
            [(row["question_lang"], -1) for row in inputs]
        for row, (language, group) in zip(inputs, assigned, strict=True):
            example = self.examples[row["example_index"]]
            routed.append({
                **row,
                "example": example,
                "prompt": self.task.prompt(example, language, cue=self.args.language_cue),
                "response_lang": language,
                "group": group,
            })
        return super()._generate_and_score_completions(routed)

    # -- 2. the router learns from the gathered rewards -------------------------------------------------------

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        # Overrides GRPOTrainer._calculate_rewards(self, inputs, prompts, completions, completion_ids_list) of
        # TRL 1.16, which returns the rewards of every rank's rollouts, (rollouts in the generation batch,
        # reward functions), gathered in rank order.
        rewards_per_func = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        if not self.model.training:
            return rewards_per_func
        local = [(tuple(row["context"]), row["response_lang"], row["group"], row["same_language"])
                 for row in inputs]
        everything = gather_object(local)  # rank order, the same order as TRL's reward gather
        # TRL sums the weighted rewards the same way right after this call, but keeps the sum (and its
        # zero-std group mask) local to _generate_and_score_completions; taking them from its output would
        # need one more gather per step. The router's "learning" signal (a group with unequal rewards) is
        # computed from these same gathered rewards; tests/test_trl_contract.py checks every step that it
        # agrees with TRL's own frac_reward_zero_std.
        weights = self.reward_weights.to(rewards_per_func.device).unsqueeze(0)
        totals = (rewards_per_func * weights).nansum(dim=1).tolist()
        if len(totals) != len(everything):
            raise RuntimeError(f"gathered {len(totals)} rewards for {len(everything)} rollouts")
        records = [RouterRecord(context, language, float(reward), group)
                   for (context, language, group, _), reward in zip(everything, totals, strict=True)]
        # A same-language (Translation) group's languages were fixed by its question, not drawn by the
        # router: crediting them would tell the router's rows (its region row, a qlang or task row shared
        # with routed questions) that the question's language was chosen and paid, a choice nobody made.
        # The group teaches the router nothing either: its topic row is never read, as no Translation
        # question samples. (The authors' code credits the question's language on the Translation row only,
        # which nothing reads: the same routing.) The schedules still advance once per step.
        routed = [record for record, (*_, same_language) in zip(records, everything, strict=True)
                  if not same_language]
        self._log_language_metrics(records, routed)
        if self.router is not None:
            self.router.update(routed)
        return rewards_per_func

    def _log_language_metrics(self, records: list[RouterRecord], routed: list[RouterRecord]) -> None:
        """Per-language reward and share of all rollouts, and the router's state over the contexts of the
        ``routed`` ones (those that update it), through TRL's logging."""
        metrics = self._metrics["train"]
        by_language = defaultdict(list)
        for record in records:
            by_language[record.language].append(record.reward)
        for language, rewards in sorted(by_language.items()):
            metrics[f"lang/{language}/reward"].append(float(np.mean(rewards)))
            metrics[f"lang/{language}/share"].append(len(rewards) / len(records))
        if self.router is None:
            return
        metrics["router/tau"].append(self.router.tau)
        metrics["router/eps"].append(self.router.eps)
        contexts = sorted({record.context for record in routed})
        mean_probs = defaultdict(float)
        for context in contexts:
            for language, p in self.router.probs(context).items():
                mean_probs[language] += p / len(contexts)
        for language, p in mean_probs.items():
            metrics[f"router/p/{language}"].append(p)

    # -- 3. vLLM server mode: every rollout's own prompt ----------------------------------------------------

    def _generate_single_turn(self, prompt_ids, images, multimodal_fields, num_generations, has_tool_images=False):
        # Overrides GRPOTrainer._generate_single_turn of TRL 1.16 (same signature); TRL's main branch has
        # already changed it, see tests/test_trl_contract.py.
        if self.use_vllm and getattr(self.vllm_generation, "mode", None) == "server":
            # The prompts of a group differ; n = K would send only the first one.
            num_generations = 1
        return super()._generate_single_turn(prompt_ids, images, multimodal_fields, num_generations,
                                             has_tool_images)

    # -- checkpoints carry the router --------------------------------------------------------------------

    def _save_checkpoint(self, model, trial):
        super()._save_checkpoint(model, trial)
        checkpoint = os.path.join(self._get_output_dir(trial=trial),
                                  f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}")
        self.save_router_state(checkpoint)

    def save_router_state(self, directory) -> None:
        if self.router is None or not self.args.should_save:
            return
        path = Path(directory) / ROUTER_STATE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(self.router.state_dict()))

    def load_router_state(self, directory) -> bool:
        """Restore the router from ``directory``'s ``lrpo_router.json`` (False when this
        run has no router); errors name the file (``read_router_state``).

        Lines of ``router_log.jsonl`` past the restored step are dropped: the run that
        wrote them went on beyond this checkpoint, and the resumed run logs those steps again.
        """
        if self.router is None:
            return False
        self.router.load_state_dict(read_router_state(directory, self.args))
        log = self.router.log_path
        if log is not None and log.is_file():
            lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
            kept = [line for line in lines if json.loads(line)["step"] <= self.router.step]
            if len(kept) < len(lines):
                write_atomically(log, "".join(kept))
        return True

    def train(self, resume_from_checkpoint=None, **kwargs):
        """TRL's training; ``resume_from_checkpoint=True`` resumes the latest complete
        checkpoint of ``output_dir`` (``last_complete_checkpoint``), with its router state."""
        checkpoint = resume_from_checkpoint
        if checkpoint is True:
            checkpoint = last_complete_checkpoint(self.args.output_dir, with_router=self.router is not None)
            if checkpoint is None:
                raise ValueError(f"no complete checkpoint found in {self.args.output_dir} to resume from")
        if checkpoint:
            self.load_router_state(checkpoint)
        return super().train(resume_from_checkpoint=checkpoint or None, **kwargs)

    def save_model(self, output_dir=None, _internal_call=False):
        super().save_model(output_dir, _internal_call)
        if not _internal_call:
            self.save_router_state(output_dir or self.args.output_dir)

