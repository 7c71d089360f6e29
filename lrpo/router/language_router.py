"""The language router: a contextual bandit that chooses response languages.

LRPO asks for K − K_on of a question's K rollouts in languages chosen by this
router and feeds the rewards of the whole group back to it, so that it learns,
per kind of question, which response languages give the most useful training
signal. Read top to bottom, one step of training goes:

1. **Context.** A question's context is a tuple of string keys, e.g.
   ``("topic:reasoning", "region:China", "task:mgsm", "qlang:de")``. Each key
   owns a *row* of statistics over the candidate languages; a key never seen
   before has a fresh row (zeros, or the prior mix). Rows are additive: the
   paper's logits A[topic] + B[region] are the sum of the rows of the keys
   present. Key order and repeats do not matter (a context is a set of keys).
2. **Policy.** The algorithm turns the context's rows into a distribution over
   languages (``ema-softmax``: softmax(logits / τ)), which is mixed with the
   uniform distribution: p = (1 − ε)·policy + ε/L. Every p is therefore at
   least ε/L. ``sample`` draws from p with the caller's Generator.
3. **Update.** ``update(records)`` is called once per training step with that
   step's rollouts, each (context, language, reward). Each rollout's signal is
   added to a buffer per (context key, language). Every M calls the buffer is
   folded into the rows: each key exactly once, with that key's per-language
   mean, so the result does not depend on the order of the records (the
   reference code updated a multi-region question's rows in record order).
   Every call advances the τ and ε schedules by one step.

Algorithms (``algorithm=``), all on the same contexts, buffer and ε mixing:

- ``ema-softmax`` (the paper): per key, the buffered mean reward per language is
  normalised across the languages of that key that have data (``zscore``,
  ``center`` or ``none``) and folded in by EMA, A ← (1 − α)·A + α·r̄; languages
  without data keep their value. Policy: softmax(Σ rows / τ). When every
  language of a key has data at every fold, ``center`` and ``none`` give the
  same policy: the EMA is linear and starts at 0, so centring only shifts each
  row by a constant, which softmax ignores (Table 4 at tiny scale: identical
  runs). Only ``zscore``, which rescales, changes what is learnt.
- ``ucb``: per key, counts and reward totals; index = mean + c·sqrt(log N / n)
  (an untried language has an infinite index), summed over the context's keys.
  Policy: **argmax** of the index, ties shared equally, as in UCB1 — its
  exploration is the optimism bonus (plus ε), so a softmax temperature would
  only blur it; τ is not used.
- ``exp3``: per key, cumulative importance-weighted reward estimates: each
  rollout contributes clip(r, 0, 1) / (p + γ), with p its effective probability
  in the step it was drawn (the probability the router gives at ``update`` time,
  before the schedules advance) and γ = ``exp3_ix`` the *implicit exploration*
  of EXP3-IX, which bounds the estimates once ε has decayed to 0. Each fold adds
  the per-rollout average of these estimates over all of the key's rollouts.
  Policy: softmax(Σ rows / τ), so 1/τ plays EXP3's learning rate and ε its γ.
  Rollouts forced into the question's language (K_on) were not drawn from p:
  leave them out of exp3's records, or accept that the question's language is
  over-credited under its ``qlang`` key.
- ``thompson``: per key, a Gaussian posterior on each language's mean reward
  (prior N(0, σ²), known noise σ = ``thompson_sigma``): mean = total / (n + 1),
  variance = σ² / (n + 1). A context's posterior is the sum over its keys.
  Policy: the probability that each language wins a posterior draw, estimated
  from ``thompson_draws`` draws; sampling from it is Thompson sampling.

Signals (``signal=``): ``reward`` learns from the rollout's reward (the paper);
``learning`` learns from whether the rollout's group had unequal rewards (a
non-zero GRPO advantage), so a language's mean is the share of its rollouts
that produced a gradient. Groups are identified by ``RouterRecord.group`` within
one ``update`` call.

Determinism: the router holds no mutable random state. ``sample`` uses the
caller's Generator, and the only draws the router makes itself (Thompson's
posterior draws) come from a Generator seeded with (seed, number of folds so
far, context); the posterior only changes at a fold. So every rank of a
distributed run that is fed the same records holds bitwise the same router,
whichever questions it happened to sample for, without communicating.

Speed: a context's distribution is cached until the next ``update`` (its
pre-ε policy until the next fold, for algorithms that do not read τ), and a
draw is one ``rng.random()`` and a bisection of the cumulative probabilities.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import numbers
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from lrpo.languages import validate_languages
from lrpo.router.mixes import parse_mix

ALGORITHMS = ("ema-softmax", "ucb", "exp3", "thompson")
NORMALIZATIONS = ("none", "center", "zscore")
SIGNALS = ("reward", "learning")
STATE_VERSION = 1

# A language missing from a prior mix gets this fraction of the smallest weight in
# the mix: low enough that the mix decides the first draws (≤ 1% of the rarest
# mixed language), finite so that learning can still raise it and no language is
# ever impossible.
PRIOR_MISSING_RATIO = 0.01

# Means that agree up to float noise (0.1 vs 0.09999999999999999) must z-score to
# zeros, not to ±1.
ZSCORE_MIN_STD = 1e-12


class RouterRecord(NamedTuple):
    """One rollout, as the router learns from it.

    ``group`` identifies the rollout's GRPO group within one ``update`` call; it is
    needed only by ``signal="learning"``. Plain tuples
    ``(context, language, reward[, group])`` are accepted too.
    """

    context: tuple[str, ...]
    language: str
    reward: float
    group: Hashable | None = None


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


# --------------------------------------------------------------------------- helpers


def softmax(logits: np.ndarray, tau: float) -> np.ndarray:
    scaled = logits / tau
    weights = np.exp(scaled - scaled.max())
    return weights / weights.sum()


def normalize_means(means: np.ndarray, how: str) -> np.ndarray:
    """Normalise one key's per-language means across its languages (``NORMALIZATIONS``)."""
    if how == "none":
        return means
    centered = means - means.mean()
    if how == "center":
        return centered
    std = means.std()
    if std <= ZSCORE_MIN_STD:
        return np.zeros_like(means)
    return centered / std


def prior_logits(prior: str, languages: Sequence[str]) -> np.ndarray:
    """Log of a mix's normalised weights; languages outside the mix get a low, finite weight."""
    try:
        mix = parse_mix(prior)
    except ValueError as err:
        raise ValueError(f"prior: {err}") from None
    unknown = [code for code in mix if code not in languages]
    if unknown:
        raise ValueError(
            f"prior {prior!r} names {unknown} which are not among the router's languages "
            f"{list(languages)}"
        )
    missing_weight = min(mix.values()) * PRIOR_MISSING_RATIO
    return np.log(np.array([mix.get(code, missing_weight) for code in languages]))


def context_seed(keys: tuple[str, ...]) -> int:
    """A stable 64-bit number for a context (Python's ``hash`` of str changes per process)."""
    digest = hashlib.blake2b("\x1f".join(keys).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _check_number(name: str, value, low: float, high: float, *, low_open: bool,
                  high_open: bool = False, why: str = "") -> float:
    """A finite number inside an interval, or a ValueError that names the parameter."""
    interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}{why}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    value = float(value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (math.isfinite(value) and above and below):
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def _check_int(name: str, value, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_choice(name: str, value, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(choices)}")
    return value


# ------------------------------------------------------------------------ algorithms
#
# Each algorithm keeps one float array per context key (its *row*, shape
# (n_stats, L)) and answers four questions: what a fresh row is, what one rollout
# contributes to the buffer, how a key's buffered batch changes its row, and what
# distribution the rows of a context give (before ε mixing).


class LogitTable:
    """Rows are logits (starting at the prior); the policy is softmax(Σ rows / τ)."""

    stats = ("logits",)
    uses_sampling_probability = False
    depends_on_tau = True

    def __init__(self, prior_row: np.ndarray):
        self.prior_row = prior_row

    def fresh_row(self) -> np.ndarray:
        return self.prior_row[None, :].copy()

    def policy(self, rows: list[np.ndarray], tau: float, draw_rng) -> np.ndarray:
        logits = np.zeros(len(self.prior_row))
        for row in rows:
            logits += row[0]
        return softmax(logits, tau)


class EmaSoftmax(LogitTable):
    """The paper's router: EMA of normalised mean rewards per key."""

    def __init__(self, prior_row: np.ndarray, alpha: float, normalization: str):
        super().__init__(prior_row)
        self.alpha = alpha
        self.normalization = normalization

    def observe(self, value: float, probability: float) -> float:
        return value

    def fold(self, row: np.ndarray, count: np.ndarray, total: np.ndarray) -> None:
        seen = count > 0
        mean = normalize_means(total[seen] / count[seen], self.normalization)
        row[0, seen] = (1.0 - self.alpha) * row[0, seen] + self.alpha * mean


class Exp3(LogitTable):
    """EXP3-IX: rows accumulate importance-weighted reward estimates."""

    uses_sampling_probability = True

    def __init__(self, prior_row: np.ndarray, implicit_exploration: float):
        super().__init__(prior_row)
        self.implicit_exploration = implicit_exploration

    def observe(self, value: float, probability: float) -> float:
        # EXP3's guarantees assume rewards in [0, 1].
        return min(max(value, 0.0), 1.0) / (probability + self.implicit_exploration)

    def fold(self, row: np.ndarray, count: np.ndarray, total: np.ndarray) -> None:
        # Averaging over all of the key's rollouts, not per language, is what makes the
        # estimate unbiased: E[1{l drawn} · r / p_l] = r_l.
        row[0] += total / count.sum()


class CountTable:
    """Rows are (count, reward total) per language, for the algorithms built on means."""

    stats = ("count", "total")
    uses_sampling_probability = False
    depends_on_tau = False

    def __init__(self, n_languages: int):
        self.n_languages = n_languages

    def fresh_row(self) -> np.ndarray:
        return np.zeros((2, self.n_languages))

    def observe(self, value: float, probability: float) -> float:
        return value

    def fold(self, row: np.ndarray, count: np.ndarray, total: np.ndarray) -> None:
        row[0] += count
        row[1] += total


class UCB(CountTable):
    """UCB1 per (key, language); the policy is the argmax of the summed index."""

    def __init__(self, n_languages: int, c: float):
        super().__init__(n_languages)
        self.c = c

    def policy(self, rows: list[np.ndarray], tau: float, draw_rng) -> np.ndarray:
        index = np.zeros(self.n_languages)
        for count, total in rows:
            tried = count > 0
            key_index = np.full(self.n_languages, np.inf)  # optimism: untried wins
            if tried.any():
                bonus = self.c * np.sqrt(np.log(count.sum()) / count[tried])
                key_index[tried] = total[tried] / count[tried] + bonus
            index += key_index
        best = index == index.max()
        return best / best.sum()


class Thompson(CountTable):
    """Thompson sampling with a Gaussian posterior per (key, language)."""

    def __init__(self, n_languages: int, sigma: float, draws: int):
        super().__init__(n_languages)
        self.sigma = sigma
        self.draws = draws

    def policy(self, rows: list[np.ndarray], tau: float, draw_rng) -> np.ndarray:
        if not rows:  # no key, no posterior: every draw would tie
            return np.full(self.n_languages, 1.0 / self.n_languages)
        # Keys are independent Gaussians, so the context's posterior is their sum.
        mean = np.zeros(self.n_languages)
        variance = np.zeros(self.n_languages)
        for count, total in rows:
            mean += total / (count + 1.0)
            variance += self.sigma**2 / (count + 1.0)
        noise = draw_rng().standard_normal((self.draws, self.n_languages))
        winners = (mean + np.sqrt(variance) * noise).argmax(axis=1)
        return np.bincount(winners, minlength=self.n_languages) / self.draws


# ---------------------------------------------------------------------------- router


class _Distribution(NamedTuple):
    """A context's effective probabilities, and their running sum for sampling."""

    probs: np.ndarray
    cumulative: list[float]


class LanguageRouter:
    """Chooses response languages per question context and learns from rollout rewards.

    Parameters (defaults are the paper's):
        languages: candidate response languages (codes from ``lrpo.languages``).
        algorithm: one of ``ALGORITHMS`` (see the module docstring).
        signal: ``"reward"`` or ``"learning"``.
        tau, tau_decay, tau_floor: softmax temperature schedule (ema-softmax, exp3).
        eps, eps_decay, eps_floor: uniform-mixing schedule (every algorithm).
        alpha: EMA rate (ema-softmax).
        update_every: M, the number of ``update`` calls whose records are buffered
            before they are folded into the rows.
        normalization: how ema-softmax normalises a key's means across languages.
        prior: a mix string (``"en:4,zh:2"``) whose log weights start every row
            (ema-softmax, exp3). Each key's row carries it, so a fresh context with n
            keys starts at the mix sharpened to the power n/τ.
        seed: seeds the router's own draws (Thompson).
        ucb_c: UCB's exploration weight. Hoeffding's width for rewards in [0, 1] is
            0.71·sqrt(log N / n); 0.5 because each fold brings hundreds of rollouts
            and a wider bonus kept the argmax wandering in ``router_simulation``.
        thompson_sigma: Thompson's reward noise; 0.5 is the largest standard
            deviation a reward in [0, 1] can have, so the posterior is never overconfident.
        thompson_draws: posterior draws per context and fold; 512 puts the
            Monte-Carlo error of a probability under about 0.02.
        exp3_ix: EXP3-IX's implicit exploration γ; bounds each estimate by 1/γ.
        log_path, log_every: append per-key probabilities to a JSONL file every
            ``log_every`` steps (pass a path on one rank only).

    Parameters an algorithm does not read are still validated, so that one config
    can switch algorithms; ``prior`` is rejected for ucb and thompson, whose rows
    are counts rather than logits.
    """

    def __init__(
        self,
        languages: Iterable[str],
        algorithm: str = "ema-softmax",
        *,
        signal: str = "reward",
        tau: float = 1.0,
        tau_decay: float = 0.999,
        tau_floor: float = 0.3,
        eps: float = 0.2,
        eps_decay: float = 0.995,
        eps_floor: float = 0.0,
        alpha: float = 0.1,
        update_every: int = 5,
        normalization: str = "zscore",
        prior: str | None = None,
        seed: int = 0,
        ucb_c: float = 0.5,
        thompson_sigma: float = 0.5,
        thompson_draws: int = 512,
        exp3_ix: float = 0.01,
        log_path: str | Path | None = None,
        log_every: int = 50,
    ):
        languages = validate_languages(languages)
        if len(set(languages)) != len(languages):
            raise ValueError(f"languages contains duplicates: {list(languages)}")
        _check_choice("algorithm", algorithm, ALGORITHMS)
        _check_choice("signal", signal, SIGNALS)
        _check_choice("normalization", normalization, NORMALIZATIONS)
        tau = _check_number("tau", tau, 0.0, math.inf, low_open=True, high_open=True)
        tau_decay = _check_number("tau_decay", tau_decay, 0.0, 1.0, low_open=True)
        tau_floor = _check_number("tau_floor", tau_floor, 0.0, tau, low_open=True,
                                  why=" (a floor cannot exceed the initial tau)")
        eps = _check_number("eps", eps, 0.0, 1.0, low_open=False)
        eps_decay = _check_number("eps_decay", eps_decay, 0.0, 1.0, low_open=True)
        eps_floor = _check_number("eps_floor", eps_floor, 0.0, eps, low_open=False,
                                  why=" (a floor cannot exceed the initial eps)")
        alpha = _check_number("alpha", alpha, 0.0, 1.0, low_open=True)
        update_every = _check_int("update_every", update_every, 1)
        seed = _check_int("seed", seed, 0)
        ucb_c = _check_number("ucb_c", ucb_c, 0.0, math.inf, low_open=False, high_open=True)
        thompson_sigma = _check_number("thompson_sigma", thompson_sigma, 0.0, math.inf,
                                       low_open=True, high_open=True)
        thompson_draws = _check_int("thompson_draws", thompson_draws, 1)
        exp3_ix = _check_number("exp3_ix", exp3_ix, 0.0, 1.0, low_open=True)
        log_every = _check_int("log_every", log_every, 1)
        if prior is not None and algorithm in ("ucb", "thompson"):
            raise ValueError(
                f"prior applies to the logit tables of ema-softmax and exp3, not to {algorithm!r}"
            )
        prior_row = (
            np.zeros(len(languages)) if prior is None else prior_logits(prior, languages)
        )

        self.languages: tuple[str, ...] = languages
        self.algorithm = algorithm
        self.signal = signal
        self.update_every = update_every
        self.seed = seed
        self.tau_schedule = Schedule(tau, tau_decay, tau_floor)
        self.eps_schedule = Schedule(eps, eps_decay, eps_floor)
        self.log_path = None if log_path is None else Path(log_path)
        self.log_every = log_every
        # Everything needed to rebuild an identical router; saved in the state.
        self.config = {
            "languages": list(languages), "algorithm": algorithm, "signal": signal,
            "tau": tau, "tau_decay": tau_decay, "tau_floor": tau_floor,
            "eps": eps, "eps_decay": eps_decay, "eps_floor": eps_floor,
            "alpha": alpha, "update_every": update_every, "normalization": normalization,
            "prior": prior, "seed": seed, "ucb_c": ucb_c, "thompson_sigma": thompson_sigma,
            "thompson_draws": thompson_draws, "exp3_ix": exp3_ix,
        }

        n = len(languages)
        if algorithm == "ema-softmax":
            self._algo = EmaSoftmax(prior_row, alpha, normalization)
        elif algorithm == "exp3":
            self._algo = Exp3(prior_row, exp3_ix)
        elif algorithm == "ucb":
            self._algo = UCB(n, ucb_c)
        else:
            self._algo = Thompson(n, thompson_sigma, thompson_draws)

        self._index = {code: i for i, code in enumerate(languages)}
        self.step = 0
        self._rows: dict[str, np.ndarray] = {}
        # key -> array (2, L): rollout count and signal total per language since the last fold.
        self._buffer: dict[str, np.ndarray] = {}
        # Caches, so that a sample costs a dict lookup and a bisection. Policies (before
        # ε) change at folds, and every step for algorithms that read τ; effective
        # distributions change every step (ε). Canonical key tuples never change.
        self._policies: dict[tuple[str, ...], np.ndarray] = {}
        self._distributions: dict[tuple[str, ...] | str, _Distribution] = {}
        self._canonical: dict[tuple[str, ...] | str, tuple[str, ...]] = {}

    # ------------------------------------------------------------------ schedules

    @property
    def tau(self) -> float:
        return self.tau_schedule.at(self.step)

    @property
    def eps(self) -> float:
        return self.eps_schedule.at(self.step)

    # ------------------------------------------------------------------- policy

    def _keys(self, context) -> tuple[str, ...]:
        """The sorted, de-duplicated keys of a context; a bare string is a one-key context."""
        try:
            return self._canonical[context]
        except (KeyError, TypeError):
            pass
        items = (context,) if isinstance(context, str) else context
        try:
            keys = tuple(sorted(set(items)))
        except TypeError:
            raise ValueError(
                f"a context must be a tuple of string keys, got {context!r}"
            ) from None
        if not all(isinstance(key, str) for key in keys):
            raise ValueError(f"context keys must be strings, got {context!r}")
        if isinstance(context, (tuple, str)):
            self._canonical[context] = keys
        return keys

    def _policy(self, keys: tuple[str, ...]) -> np.ndarray:
        """The algorithm's distribution for these keys, before ε mixing."""
        rows = [self._rows[key] if key in self._rows else self._algo.fresh_row() for key in keys]

        def draw_rng() -> np.random.Generator:
            folds = self.step // self.update_every
            return np.random.default_rng([self.seed, folds, context_seed(keys)])

        return self._algo.policy(rows, self.tau, draw_rng)

    def _mix_uniform(self, policy: np.ndarray) -> np.ndarray:
        eps = self.eps
        return (1.0 - eps) * policy + eps / len(self.languages)

    def _distribution(self, context) -> _Distribution:
        try:
            found = self._distributions.get(context)
        except TypeError:  # unhashable, e.g. a list: cache it under its canonical keys
            context = self._keys(context)
            found = self._distributions.get(context)
        if found is not None:
            return found
        keys = self._keys(context)
        policy = self._policies.get(keys)
        if policy is None:
            policy = self._policies[keys] = self._policy(keys)
        probs = self._mix_uniform(policy)
        distribution = _Distribution(probs, np.cumsum(probs).tolist())
        self._distributions[context] = distribution
        return distribution

    def probs(self, context) -> dict[str, float]:
        """Effective probabilities (after ε mixing) of each language for a context."""
        return dict(zip(self.languages, self._distribution(context).probs.tolist(), strict=True))

    def sample(self, context, rng: np.random.Generator) -> str:
        """Draw one response language for a context with the caller's Generator."""
        cumulative = self._distribution(context).cumulative
        # Scaling by the total keeps the draw inside languages of non-zero probability
        # even when the running sum ends at 0.9999999999999999.
        return self.languages[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]

    # ------------------------------------------------------------------- update

    def _parse_record(self, record) -> tuple[tuple[str, ...], int, float, Hashable]:
        if not isinstance(record, RouterRecord):
            try:
                record = RouterRecord(*record)
            except TypeError:
                raise ValueError(
                    f"a record is (context, language, reward[, group]), got {record!r}"
                ) from None
        language = self._index.get(record.language)
        if language is None:
            raise ValueError(
                f"record language {record.language!r} is not one of the router's languages "
                f"{list(self.languages)}"
            )
        try:
            reward = float(record.reward)
        except (TypeError, ValueError):
            raise ValueError(f"record reward must be a number, got {record.reward!r}") from None
        if not math.isfinite(reward):
            raise ValueError(f"record reward must be finite, got {record.reward!r}")
        if self.signal == "learning" and record.group is None:
            raise ValueError('signal="learning" needs a group id in every record')
        return self._keys(record.context), language, reward, record.group

    def _signal_values(self, parsed: list[tuple]) -> list[float]:
        if self.signal == "reward":
            return [reward for _, _, reward, _ in parsed]
        group_rewards: dict[Hashable, list[float]] = {}
        for _, _, reward, group in parsed:
            group_rewards.setdefault(group, []).append(reward)
        # A group whose rewards are all equal has zero GRPO advantage: no gradient.
        informative = {group: max(r) != min(r) for group, r in group_rewards.items()}
        return [1.0 if informative[group] else 0.0 for _, _, _, group in parsed]

    def update(self, records: Iterable[RouterRecord | tuple]) -> None:
        """Learn from one training step's rollouts; advance the schedules by one step.

        Every record is validated before anything changes. The buffer is folded
        into the rows on every ``update_every``-th call.
        """
        parsed = [self._parse_record(record) for record in records]
        values = self._signal_values(parsed)

        per_key: dict[tuple[str, int], list[float]] = {}
        for (keys, language, _, _), value in zip(parsed, values, strict=True):
            if self._algo.uses_sampling_probability:
                probability = self._distribution(keys).probs[language]
                value = self._algo.observe(value, probability)
            for key in keys:
                per_key.setdefault((key, language), []).append(value)
        for (key, language), key_values in per_key.items():
            if key not in self._rows:
                self._rows[key] = self._algo.fresh_row()
            buffered = self._buffer.setdefault(key, np.zeros((2, len(self.languages))))
            buffered[0, language] += len(key_values)
            # fsum is exactly rounded, so the total does not depend on record order.
            buffered[1, language] = math.fsum([buffered[1, language], *key_values])

        self.step += 1
        folding = self.step % self.update_every == 0
        if folding:
            for key in sorted(self._buffer):
                count, total = self._buffer[key]
                self._algo.fold(self._rows[key], count, total)
            self._buffer.clear()
        if folding or self._algo.depends_on_tau:
            self._policies.clear()
        self._distributions.clear()
        if self.log_path is not None and self.step % self.log_every == 0:
            self._write_log()

    # --------------------------------------------------------------- inspection

    def key_probabilities(self) -> list[dict]:
        """For every key seen so far: its row's distribution alone, before and after ε.

        ``softmax`` is the algorithm's policy on that one key (a softmax at the current
        τ for ema-softmax and exp3; argmax shares for ucb; win rates for thompson).
        """
        eps, tau = self.eps, self.tau
        lines = []
        for key in sorted(self._rows):
            policy = self._policy((key,))
            lines.append({
                "step": self.step, "tau": tau, "eps": eps, "key": key,
                "softmax": dict(zip(self.languages, policy.tolist(), strict=True)),
                "effective": dict(zip(self.languages, self._mix_uniform(policy).tolist(),
                                      strict=True)),
            })
        return lines

    def probability_table(self):
        """A DataFrame, context key × language, of each key's row alone (``softmax`` above)."""
        import pandas as pd  # only inspection needs pandas

        lines = self.key_probabilities()
        return pd.DataFrame(
            [list(line["softmax"].values()) for line in lines],
            index=pd.Index([line["key"] for line in lines], name="context_key"),
            columns=list(self.languages),
            dtype=float,
        )

    def _write_log(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as log:
            for line in self.key_probabilities():
                log.write(json.dumps(line, ensure_ascii=False) + "\n")

    # -------------------------------------------------------------------- state

    def state_dict(self) -> dict:
        """Everything that determines future behaviour, as plain JSON types.

        ``rows`` holds each key's statistics (``stats`` names them, per algorithm);
        ``buffer`` the count and signal total per language not yet folded in. The
        router has no mutable random state: its draws derive from ``config.seed``,
        the step and the context. ``tau`` and ``eps`` are the current schedule values, for
        reading only (they follow from the step).
        """
        return {
            "version": STATE_VERSION,
            "config": dict(self.config),
            "step": self.step,
            "tau": self.tau,
            "eps": self.eps,
            "stats": list(self._algo.stats),
            "rows": {key: self._rows[key].tolist() for key in sorted(self._rows)},
            "buffer": {key: self._buffer[key].tolist() for key in sorted(self._buffer)},
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore a state saved by a router built with the same configuration."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported router state version {state.get('version')!r}")
        different = sorted(
            name for name in set(self.config) | set(state["config"])
            if self.config.get(name) != state["config"].get(name)
        )
        if different:
            raise ValueError(
                "router state was saved with a different configuration: "
                + ", ".join(
                    f"{name}={state['config'].get(name)!r} (this router: "
                    f"{self.config.get(name)!r})" for name in different
                )
            )
        shape = self._algo.fresh_row().shape
        rows = {key: np.array(row, dtype=float) for key, row in state["rows"].items()}
        buffer = {key: np.array(b, dtype=float) for key, b in state["buffer"].items()}
        for name, table, expected in (("rows", rows, shape), ("buffer", buffer, (2, shape[1]))):
            for key, array in table.items():
                if array.shape != expected:
                    raise ValueError(f"router state {name}[{key!r}] has shape {array.shape}, "
                                     f"expected {expected}")
        self.step = _check_int("step", state["step"], 0)
        self._rows = rows
        self._buffer = buffer
        self._policies.clear()
        self._distributions.clear()

    @classmethod
    def from_state_dict(cls, state: dict, **options) -> LanguageRouter:
        """Rebuild a router from its saved state; ``options`` may set log_path/log_every."""
        config = dict(state["config"])
        router = cls(config.pop("languages"), config.pop("algorithm"), **config, **options)
        router.load_state_dict(state)
        return router


def records_from_groups(
    contexts: Sequence, languages: Sequence[Sequence[str]], rewards: Sequence[Sequence[float]],
) -> list[RouterRecord]:
    """Records for a batch of groups: group i has contexts[i] and K languages and rewards."""
    return [
        RouterRecord(tuple(context), language, float(reward), group)
        for group, (context, group_languages, group_rewards) in enumerate(
            zip(contexts, languages, rewards, strict=True)
        )
        for language, reward in zip(group_languages, group_rewards, strict=True)
    ]


__all__ = [
    "ALGORITHMS", "NORMALIZATIONS", "SIGNALS", "LanguageRouter", "RouterRecord", "Schedule",
    "normalize_means", "prior_logits", "records_from_groups", "softmax",
]
