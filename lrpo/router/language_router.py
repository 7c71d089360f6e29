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

Algorithms (``RouterConfig.algorithm``), all on the same contexts, buffer and ε
mixing, one module each in ``lrpo.router.algorithms`` whose docstring says what
its rows hold and how its policy is computed: ``ema-softmax`` (the paper), ``ucb``
(UCB1, argmax), ``exp3`` (EXP3-IX) and ``thompson`` (Gaussian Thompson sampling).

Configuration: ``LanguageRouter(languages, config=RouterConfig(...))``, or the
flat keywords ``LanguageRouter(languages, "ucb", ucb_c=0.7)``; both are checked
once, by ``RouterConfig`` (``lrpo.router.config``).

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

(A little over 400 lines, on purpose: the router itself reads top to bottom in
one file, as the design asks; only the algorithms and the config live apart.)
"""
from __future__ import annotations

import bisect
import hashlib
import json
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from lrpo.languages import validate_languages
from lrpo.router.algorithms import ALGORITHMS, NORMALIZATIONS
from lrpo.router.config import SIGNALS, RouterConfig

# 2: the state holds ``languages`` and ``config`` = dataclasses.asdict(RouterConfig).
STATE_VERSION = 2


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


def context_seed(keys: tuple[str, ...]) -> int:
    """A stable 64-bit number for a context (Python's ``hash`` of str changes per process)."""
    digest = hashlib.blake2b("\x1f".join(keys).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


# ---------------------------------------------------------------------------- router


class _Distribution(NamedTuple):
    """A context's effective probabilities, and their running sum for sampling."""

    probs: np.ndarray
    cumulative: list[float]


class LanguageRouter:
    """Chooses response languages per question context and learns from rollout rewards.

    ``LanguageRouter(languages, config=RouterConfig(...), log_path=None)``, or with flat
    keyword settings instead of ``config``: ``LanguageRouter(languages, "ucb", ucb_c=0.7)``
    (``lrpo.router.config.FLAT_NAMES``; unset ones keep the paper's defaults).

    Parameters:
        languages: candidate response languages (codes from ``lrpo.languages``); ValueError
            if empty, unknown or repeated.
        algorithm, settings: the flat form of the configuration; RouterConfigError (a
            ValueError) names a bad setting by its keyword, TypeError an unknown keyword.
        config: the configuration (``RouterConfig``); TypeError if given with flat settings.
            RouterConfigError (field ``prior``) if the prior names a language outside
            ``languages``.
        log_path: append per-key probabilities to this JSONL file every
            ``config.log_every`` steps (pass a path on one rank only).
    """

    def __init__(
        self,
        languages: Iterable[str],
        algorithm: str | None = None,
        *,
        config: RouterConfig | None = None,
        log_path: str | Path | None = None,
        **settings,
    ):
        if config is None:
            if algorithm is not None:
                settings["algorithm"] = algorithm
            config = RouterConfig.from_flat(settings)
        elif algorithm is not None or settings:
            raise TypeError("pass either config=RouterConfig(...) or flat settings (algorithm, tau=...), not both")
        elif not isinstance(config, RouterConfig):
            raise TypeError(f"config must be a RouterConfig, got {type(config).__name__}")
        languages = validate_languages(languages)
        if len(set(languages)) != len(languages):
            raise ValueError(f"languages contains duplicates: {list(languages)}")

        self.languages: tuple[str, ...] = languages
        self.config = config
        self.tau_schedule = config.tau_schedule
        self.eps_schedule = config.eps_schedule
        self.log_path = None if log_path is None else Path(log_path)
        self._algo = config.algorithm_class(languages, config.algorithm_config, config.prior)

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
            raise ValueError(f"a context must be a tuple of string keys, got {context!r}") from None
        if not all(isinstance(key, str) for key in keys):
            raise ValueError(f"context keys must be strings, got {context!r}")
        if isinstance(context, (tuple, str)):
            self._canonical[context] = keys
        return keys

    def _policy(self, keys: tuple[str, ...]) -> np.ndarray:
        """The algorithm's distribution for these keys, before ε mixing."""
        rows = [self._rows[key] if key in self._rows else self._algo.fresh_row() for key in keys]

        def draw_rng() -> np.random.Generator:
            folds = self.step // self.config.update_every
            return np.random.default_rng([self.config.seed, folds, context_seed(keys)])

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
                raise ValueError(f"a record is (context, language, reward[, group]), got {record!r}") from None
        language = self._index.get(record.language)
        if language is None:
            raise ValueError(f"record language {record.language!r} is not one of the router's languages "
                             f"{list(self.languages)}")
        try:
            reward = float(record.reward)
        except (TypeError, ValueError):
            raise ValueError(f"record reward must be a number, got {record.reward!r}") from None
        if not math.isfinite(reward):
            raise ValueError(f"record reward must be finite, got {record.reward!r}")
        if self.config.signal == "learning" and record.group is None:
            raise ValueError('signal="learning" needs a group id in every record')
        return self._keys(record.context), language, reward, record.group

    def _signal_values(self, parsed: list[tuple]) -> list[float]:
        if self.config.signal == "reward":
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
        folding = self.step % self.config.update_every == 0
        if folding:
            for key in sorted(self._buffer):
                count, total = self._buffer[key]
                self._algo.fold(self._rows[key], count, total)
            self._buffer.clear()
        if folding or self._algo.depends_on_tau:
            self._policies.clear()
        self._distributions.clear()
        if self.log_path is not None and self.step % self.config.log_every == 0:
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
                "effective": dict(zip(self.languages, self._mix_uniform(policy).tolist(), strict=True)),
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

        ``config`` is ``dataclasses.asdict`` of the RouterConfig; ``rows`` holds each key's
        statistics (``stats`` names them, per algorithm); ``buffer`` the count and signal
        total per language not yet folded in. The router has no mutable random state:
        its draws derive from ``config.seed``, the step and the context. ``tau`` and
        ``eps`` are the current schedule values, for reading only (they follow from the step).
        """
        return {
            "version": STATE_VERSION,
            "languages": list(self.languages),
            "config": asdict(self.config),
            "step": self.step,
            "tau": self.tau,
            "eps": self.eps,
            "stats": list(self._algo.stats),
            "rows": {key: self._rows[key].tolist() for key in sorted(self._rows)},
            "buffer": {key: self._buffer[key].tolist() for key in sorted(self._buffer)},
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore a state saved by a router with the same languages and configuration
        (``log_every`` may differ); ValueError naming each difference otherwise."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported router state version {state.get('version')!r} "
                             f"(this code reads version {STATE_VERSION})")
        saved = {"languages": list(state["languages"]),
                 **RouterConfig.from_dict(state["config"]).by_path(behaviour_only=True)}
        current = {"languages": list(self.languages), **self.config.by_path(behaviour_only=True)}
        different = [name for name in current if current[name] != saved[name]]
        if different:
            raise ValueError(
                "router state was saved with a different configuration: "
                + ", ".join(f"{name}={saved[name]!r} (this router: {current[name]!r})" for name in different)
            )
        shape = self._algo.fresh_row().shape
        rows = {key: np.array(row, dtype=float) for key, row in state["rows"].items()}
        buffer = {key: np.array(b, dtype=float) for key, b in state["buffer"].items()}
        for name, table, expected in (("rows", rows, shape), ("buffer", buffer, (2, shape[1]))):
            for key, array in table.items():
                if array.shape != expected:
                    raise ValueError(f"router state {name}[{key!r}] has shape {array.shape}, expected {expected}")
        step = state["step"]
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"router state step must be an integer >= 0, got {step!r}")
        self.step = step
        self._rows = rows
        self._buffer = buffer
        self._policies.clear()
        self._distributions.clear()

    @classmethod
    def from_state_dict(cls, state: dict, *, log_path: str | Path | None = None,
                        log_every: int | None = None) -> LanguageRouter:
        """Rebuild a router from its saved state, optionally logging to ``log_path`` every
        ``log_every`` steps (default: as saved)."""
        config = RouterConfig.from_dict(state["config"])
        if log_every is not None:
            config = replace(config, log_every=log_every)
        router = cls(state["languages"], config=config, log_path=log_path)
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


__all__ = ["ALGORITHMS", "NORMALIZATIONS", "SIGNALS", "STATE_VERSION", "LanguageRouter", "RouterConfig",
           "RouterRecord", "records_from_groups"]
