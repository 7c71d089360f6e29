"""The language router's configuration: one frozen dataclass, checked once.

``RouterConfig`` holds the settings common to every algorithm (the signal, the τ
and ε schedules, the fold period M, the prior, the seed, the log period) and one
config group per algorithm (``ema_softmax``, ``ucb``, ``exp3``, ``thompson``),
each defined next to its algorithm in ``lrpo.router.algorithms``. Only the
chosen algorithm's group is checked: the others are never read, so a value in
them is neither used nor an error (``dataclasses.replace`` to another algorithm
checks that one's group then).

The same settings have a flat spelling (``FLAT_NAMES``): the keyword arguments
of ``LanguageRouter(languages, algorithm, tau=..., ucb_c=...)``, and with a
``router_`` prefix the LRPOConfig fields and command-line flags
(``--router_ucb_c``). ``RouterConfig.from_flat`` builds a config from them and
names a bad value the way its caller spelt it.

    RouterConfig(algorithm="ucb", ucb=UCBConfig(c=0.7))
    RouterConfig.from_flat({"algorithm": "ucb", "ucb_c": 0.7})
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from lrpo.router.algorithms import (
    ALGORITHMS,
    EmaSoftmaxConfig,
    Exp3Config,
    RouterAlgorithm,
    ThompsonConfig,
    UCBConfig,
)
from lrpo.router.mixes import parse_mix
from lrpo.router.validation import RouterConfigError, check_choice, check_int, check_number

SIGNALS = ("reward", "learning")

# RouterConfig's config groups: field name -> dataclass.
GROUPS: dict[str, type] = {"ema_softmax": EmaSoftmaxConfig, "ucb": UCBConfig, "exp3": Exp3Config,
                           "thompson": ThompsonConfig}

# Each setting's path in RouterConfig -> its flat name (LanguageRouter keyword; LRPOConfig
# field after "router_"). ema-softmax's settings keep the paper's bare names (alpha,
# normalization), the others are prefixed by their algorithm.
FLAT_NAMES: dict[str, str] = {
    "algorithm": "algorithm", "signal": "signal",
    "tau": "tau", "tau_decay": "tau_decay", "tau_floor": "tau_floor",
    "eps": "eps", "eps_decay": "eps_decay", "eps_floor": "eps_floor",
    "update_every": "update_every", "prior": "prior", "seed": "seed", "log_every": "log_every",
    "ema_softmax.alpha": "alpha", "ema_softmax.normalization": "normalization",
    "ucb.c": "ucb_c",
    "exp3.ix": "exp3_ix",
    "thompson.sigma": "thompson_sigma", "thompson.draws": "thompson_draws",
}
PATHS: dict[str, str] = {flat: path for path, flat in FLAT_NAMES.items()}


@dataclass(frozen=True)
class Schedule:
    """A value that decays multiplicatively once per step, down to a floor.

    The value is computed from the step count rather than multiplied in place, so
    it is a pure function of the step (nothing to drift or to save).
    """

    init: float
    decay: float
    floor: float

    def at(self, step: int) -> float:
        return max(self.floor, self.init * self.decay**step)


@dataclass(frozen=True)
class RouterConfig:
    """Everything that decides a router's behaviour, except its languages.

    Defaults are the paper's (ema-softmax, τ 1.0 × 0.999 per step down to 0.3, ε 0.2 ×
    0.995 down to 0, M = 5, α = 0.1, zscore). Each field is checked in
    ``__post_init__`` (numbers become float / int); a bad one raises
    ``RouterConfigError`` naming its path (``tau``, ``ucb.c``).

    algorithm: one of ``ALGORITHMS``; its config group is ``algorithm_config``.
    signal: what the router learns from, ``"reward"`` (the paper: the rollout's reward)
        or ``"learning"`` (1 if the rollout's GRPO group had unequal rewards, else 0).
    tau, tau_decay, tau_floor: softmax temperature τ > 0, its per-step factor in (0, 1]
        and its floor in (0, tau] (read by ema-softmax and exp3).
    eps, eps_decay, eps_floor: uniform-mixing weight ε in [0, 1], its per-step factor in
        (0, 1] and its floor in [0, eps] (every algorithm: p = (1 − ε)·policy + ε/L).
    update_every: M >= 1, the number of ``update`` calls whose records are buffered
        before they are folded into the rows.
    prior: a mix string (``"en:4,zh:2"``) whose log weights start every row, or None;
        only for the algorithms whose rows are logits (ema-softmax, exp3).
    seed: >= 0, seeds the router's own draws (Thompson's posterior draws).
    log_every: steps >= 1 between lines of the router's JSONL log; it does not change
        behaviour, so it is left out of equality (a resumed run may log differently).
    ema_softmax, ucb, exp3, thompson: the algorithms' config groups.
    """

    algorithm: str = "ema-softmax"
    signal: str = "reward"
    tau: float = 1.0
    tau_decay: float = 0.999
    tau_floor: float = 0.3
    eps: float = 0.2
    eps_decay: float = 0.995
    eps_floor: float = 0.0
    update_every: int = 5
    prior: str | None = None
    seed: int = 0
    log_every: int = field(default=50, compare=False)
    ema_softmax: EmaSoftmaxConfig = field(default_factory=EmaSoftmaxConfig)
    ucb: UCBConfig = field(default_factory=UCBConfig)
    exp3: Exp3Config = field(default_factory=Exp3Config)
    thompson: ThompsonConfig = field(default_factory=ThompsonConfig)

    def __post_init__(self):
        algorithm = ALGORITHMS[check_choice("algorithm", self.algorithm, ALGORITHMS)]
        group, group_type = algorithm.config_group, GROUPS[algorithm.config_group]
        if not isinstance(getattr(self, group), group_type):
            raise RouterConfigError(group, f"must be a {group_type.__name__}, got {getattr(self, group)!r}")
        tau = check_number("tau", self.tau, 0.0, math.inf, low_open=True, high_open=True)
        eps = check_number("eps", self.eps, 0.0, 1.0, low_open=False)
        checked = {
            "signal": check_choice("signal", self.signal, SIGNALS),
            "tau": tau,
            "tau_decay": check_number("tau_decay", self.tau_decay, 0.0, 1.0, low_open=True),
            "tau_floor": check_number("tau_floor", self.tau_floor, 0.0, tau, low_open=True,
                                      why=" (a floor cannot exceed the initial tau)"),
            "eps": eps,
            "eps_decay": check_number("eps_decay", self.eps_decay, 0.0, 1.0, low_open=True),
            "eps_floor": check_number("eps_floor", self.eps_floor, 0.0, eps, low_open=False,
                                      why=" (a floor cannot exceed the initial eps)"),
            "update_every": check_int("update_every", self.update_every, 1),
            "seed": check_int("seed", self.seed, 0),
            "log_every": check_int("log_every", self.log_every, 1),
            group: getattr(self, group).validated(group),
        }
        if self.prior is not None:
            if not algorithm.accepts_prior:
                with_prior = [name for name, other in ALGORITHMS.items() if other.accepts_prior]
                raise RouterConfigError("prior", f"applies to the logit tables of {' and '.join(with_prior)}, "
                                                 f"not to {algorithm.name!r}")
            try:
                parse_mix(self.prior)
            except ValueError as err:
                raise RouterConfigError("prior", f"is not a valid mix: {err}") from None
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # frozen: the documented way to normalise

    @property
    def algorithm_class(self) -> type[RouterAlgorithm]:
        """The chosen algorithm's class in ``ALGORITHMS``."""
        return ALGORITHMS[self.algorithm]

    @property
    def algorithm_config(self):
        """The chosen algorithm's config group (e.g. ``self.ucb`` for ucb)."""
        return getattr(self, self.algorithm_class.config_group)

    @property
    def tau_schedule(self) -> Schedule:
        return Schedule(self.tau, self.tau_decay, self.tau_floor)

    @property
    def eps_schedule(self) -> Schedule:
        return Schedule(self.eps, self.eps_decay, self.eps_floor)

    def by_path(self, *, behaviour_only: bool = False) -> dict[str, Any]:
        """Every setting keyed by its path (``"ucb.c"``); ``behaviour_only`` leaves out the
        fields excluded from equality (``log_every``)."""
        values = {}
        for outer in fields(self):
            if behaviour_only and not outer.compare:
                continue
            value = getattr(self, outer.name)
            if outer.name in GROUPS:
                values.update({f"{outer.name}.{name}": inner for name, inner in asdict(value).items()})
            else:
                values[outer.name] = value
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> RouterConfig:
        """The inverse of ``dataclasses.asdict`` (groups given as dicts), e.g. from a saved state.

        TypeError for a key that is not a field; RouterConfigError for a bad value.
        """
        return cls(**{name: GROUPS[name](**value) if name in GROUPS else value for name, value in values.items()})

    @classmethod
    def from_flat(cls, values: Mapping[str, Any], name: Callable[[str], str] | None = None) -> RouterConfig:
        """A config from flat settings (``{"tau": 0.5, "ucb_c": 0.7}``, see ``FLAT_NAMES``).

        Settings not given keep their defaults. A bad value raises RouterConfigError whose
        message names the setting as ``name(flat name)`` (e.g. ``"router_" + flat`` for
        LRPOConfig; by default the flat name itself); an unknown flat name raises
        TypeError, like an unknown keyword.
        """
        unknown = sorted(set(values) - set(PATHS))
        if unknown:
            raise TypeError(f"unknown router settings {unknown}; expected some of {', '.join(PATHS)}")
        top: dict[str, Any] = {}
        groups: dict[str, dict[str, Any]] = {}
        for flat, value in values.items():
            group, _, setting = PATHS[flat].rpartition(".")
            (groups.setdefault(group, {}) if group else top)[setting] = value
        try:
            return cls(**top, **{group: GROUPS[group](**settings) for group, settings in groups.items()})
        except RouterConfigError as err:
            flat = FLAT_NAMES.get(err.field, err.field)
            raise err.renamed(flat if name is None else name(flat)) from None
