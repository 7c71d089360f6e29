"""Figures of a run: per-language accuracy (or the task's metric: the mean
similarity of an open_ended run), the router's choices over training, and the
reward and its factors' curves, as PNG files.

Each figure is built in two steps: a plain-data series (``router_series``,
``training_series``, ``language_accuracies``), which can be checked and reused
without matplotlib, then the drawing. Drawing uses matplotlib's object API
with the Agg canvas, never ``pyplot``, so it runs headless, in threads, and
does not change the backend of a notebook that imports this module.
matplotlib is imported only when a figure is drawn.

Languages keep one colour in every figure (their slot, ``LANGUAGE_COLOR_SLOTS``),
so "de" in the router plot is "de" in the bar chart; methods keep one colour in
every run (``method_color``), so GRPO is the same blue in every run's figures.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

# What the training-curve figure shows: TRL's mean reward and the reward's two
# factors as ``lrpo.training.trl_reward`` logs them: the quality term (the verifier's
# accuracy, or the similarity to the reference of a similarity reward) and fidelity.
TRAINING_METRICS = (("reward", "reward"), ("reward/accuracy", "accuracy"), ("reward/similarity", "similarity"),
                    ("reward/fidelity", "fidelity"))
ROUTER_PROBABILITIES = ("effective", "softmax")


def _matplotlib():
    """The two matplotlib pieces the figures need, or a clear error."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError("lrpo.evaluation.plots needs matplotlib to draw figures: pip install matplotlib") from e
    return Figure, FigureCanvasAgg


# Each registry language's colour slot, given once and never renumbered, so that adding a
# language never recolours the others. The first 25 are the languages' places in the
# registry before Hindi (the colours of all earlier figures); a new language takes the next
# free slot.
LANGUAGE_COLOR_SLOTS = {
    "ar": 0, "bn": 1, "de": 2, "en": 3, "es": 4, "et": 5, "fr": 6, "ht": 7, "id": 8, "it": 9, "ja": 10, "ko": 11,
    "ms": 12, "nl": 13, "pl": 14, "pt": 15, "qu": 16, "ru": 17, "sw": 18, "ta": 19, "te": 20, "th": 21, "tr": 22,
    "vi": 23, "zh": 24, "hi": 25,
}
# The four shades of each of tab20b's five hue families, in the order slots 20-39 take them:
# the second darkest of every family first (slots 20-24), then the lightest, darkest, third.
_TAB20B_SHADES = (1, 3, 0, 2)


def language_color(code: str):
    """The fixed colour of a language (an RGBA tuple): slots 0-19 take the ten strong
    tab20 hues, then their light twins, so that languages next to each other in the
    registry (de, en, es) never share a hue family; slots 20-39 take tab20b's colours
    (then the palette repeats). A code without a slot gets slot 0's colour."""
    from matplotlib import colormaps

    slot = LANGUAGE_COLOR_SLOTS.get(code, 0) % 40
    if slot < 20:
        return colormaps["tab20"](2 * (slot % 10) + slot // 10)
    family, shade = (slot - 20) % 5, _TAB20B_SHADES[(slot - 20) // 5]
    return colormaps["tab20b"](4 * family + shade)


# One colour per method in every run's figures (tab10 hues); another label gets a hue fixed by
# its name (a digest, not Python's salted hash), so it too keeps its colour across runs.
METHOD_COLORS = {"base": "#7f7f7f", "grpo": "#1f77b4", "lrpo": "#ff7f0e", "uniform": "#2ca02c",
                 "input-dominant": "#9467bd", "en-dominant": "#8c564b"}
OTHER_METHOD_COLORS = ("#e377c2", "#bcbd22", "#17becf", "#d62728", "#393b79", "#637939")


def method_color(label: str) -> str:
    """The fixed colour of a method (or "base") label, case-insensitive: ``METHOD_COLORS``, else
    one of ``OTHER_METHOD_COLORS`` chosen by a digest of the label (a mix "en:4,zh:2")."""
    import hashlib

    key = label.lower()
    if key in METHOD_COLORS:
        return METHOD_COLORS[key]
    return OTHER_METHOD_COLORS[hashlib.sha256(key.encode()).digest()[0] % len(OTHER_METHOD_COLORS)]


def _integer_steps(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.xaxis.set_major_locator(MaxNLocator(integer=True))


def _new_figure(rows: int, columns: int, width: float, height: float):
    Figure, FigureCanvasAgg = _matplotlib()
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.subplots(rows, columns, squeeze=False)


def _save(figure, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return path


def _percent_axis(axis) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.yaxis.set_major_formatter(PercentFormatter(1.0))


# Per-language accuracy


def language_accuracies(scorecards: Mapping[str, dict], metric: str = "accuracy") -> tuple[list[str], dict]:
    """(languages, {label: [value per language]}) over the union of the
    scorecards' languages (first seen first); a missing language is NaN.
    Aggregated scorecards (``{"mean", "std"}`` cells) give their means."""
    if not scorecards:
        raise ValueError("no scorecards to plot")
    languages: list[str] = []
    for card in scorecards.values():
        languages += [lang for lang in card["per_language"] if lang not in languages]

    def value(card: dict, lang: str) -> float:
        stats = card["per_language"].get(lang)
        if stats is None or stats.get(metric) is None:
            return math.nan
        cell = stats[metric]
        return cell["mean"] if isinstance(cell, dict) else float(cell)

    return languages, {label: [value(card, lang) for lang in languages] for label, card in scorecards.items()}


def language_intervals(scorecards: Mapping[str, dict], languages: Sequence[str]) -> dict[str, list]:
    """{label: [(low, high) or None per language, then the average's]}: the scorecard's
    bootstrap 95% intervals (``ci95``; accuracy only), None where it has none (a
    baseline rebuilt from leaderboard rows, a seed aggregate)."""
    intervals = {}
    for label, card in scorecards.items():
        ci = card.get("ci95") or {}
        per_language = ci.get("per_language") or {}
        intervals[label] = [per_language.get(lang) for lang in languages] + [ci.get("average")]
    return intervals


def questions_per_language(scorecards: Mapping[str, dict]) -> str:
    """"n = 20 per language", or "n = 2-3 per language" when the scorecards or their
    languages were scored on different numbers of questions; "" when none says."""
    counts = sorted({int(stats["n"]) for card in scorecards.values() for stats in card["per_language"].values()
                     if isinstance(stats.get("n"), (int, float))})
    if not counts:
        return ""
    return f"n = {counts[0]} per language" if len(counts) == 1 else f"n = {counts[0]}-{counts[-1]} per language"


def scores_label(scorecards: Mapping[str, dict]) -> str:
    """What the scorecards' ``accuracy`` holds (``lrpo.evaluation.scorecard.scorecard_metric``):
    "accuracy", "similarity", ...; ValueError when they hold different metrics."""
    from lrpo.evaluation.metrics import scorecard_metric

    names = {scorecard_metric(card)[0] for card in scorecards.values()}
    if len(names) > 1:
        raise ValueError(f"cannot plot scorecards of different metrics together: {', '.join(sorted(names))}")
    return names.pop() if names else "accuracy"


def plot_language_bars(scorecards: Mapping[str, dict], path, metric: str = "accuracy", title: str | None = None
                       ) -> Path:
    """Grouped bars: per language (and the macro average), one bar per scorecard,
    e.g. {"base": ..., "grpo": ..., "lrpo": ...}, each in its ``method_color``.
    ``metric``: the per-language key drawn; its "accuracy" is labelled by what the
    scorecards hold (``scores_label``: accuracy, or the similarity of an open_ended run).

    Accuracy bars carry the scorecard's 95% intervals as error bars; the title gives
    the questions per language (``questions_per_language``). A rate of 0 is drawn as
    a short thick line at 0 (a bar of height 0 would vanish, reading as missing); a
    missing language has no mark. The y axis ends just above the highest bar or
    interval, at most 100%."""
    languages, values = language_accuracies(scorecards, metric)
    intervals = language_intervals(scorecards, languages) if metric == "accuracy" else {}
    shown = scores_label(scorecards) if metric == "accuracy" else metric
    groups = languages + ["avg"]
    figure, axes = _new_figure(1, 1, max(6.0, 0.3 * len(groups) * len(values) + 2.0), 4.0)
    axis = axes[0][0]
    width = 0.8 / len(values)
    top = 0.0
    for i, (label, row) in enumerate(values.items()):
        finite = [v for v in row if not math.isnan(v)]
        heights = row + [sum(finite) / len(finite) if finite else math.nan]
        positions = [g + (i - (len(values) - 1) / 2) * width for g in range(len(groups))]
        color = method_color(label)
        axis.bar(positions, heights, width, label=label, color=color)
        bounds = intervals.get(label) or [None] * len(groups)
        for x, height, bound in zip(positions, heights, bounds, strict=True):
            if math.isnan(height):
                continue
            if height == 0:
                axis.plot([x - width * 0.4, x + width * 0.4], [0, 0], color=color, linewidth=3,
                          solid_capstyle="butt", clip_on=False, zorder=3)
            if bound is not None:
                axis.errorbar(x, height, yerr=[[max(0.0, height - bound[0])], [max(0.0, bound[1] - height)]],
                              fmt="none", ecolor="black", elinewidth=0.9, capsize=2, zorder=4)
            top = max(top, height, bound[1] if bound is not None else 0.0)
    axis.set_xticks(range(len(groups)))
    axis.set_xticklabels(groups)
    axis.set_ylim(0, min(1.0, max(0.05, top * 1.12 + 0.01)))
    _percent_axis(axis)
    axis.set_ylabel(shown + (" (95% interval)" if intervals else ""))
    axis.legend(fontsize="small")
    sizes = questions_per_language(scorecards)
    axis.set_title((title or f"{shown} per language") + (f" ({sizes})" if sizes else ""))
    axis.grid(axis="y", alpha=0.3)
    return _save(figure, path)


# The router


def read_router_log(path) -> list[dict]:
    """The lines of a router log (``LanguageRouter(log_path=...)``); a line that is not
    JSON is an error naming the file and line."""
    path = Path(path)
    lines = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{number}: not JSON: {e}") from None
    return lines


def router_series(router_log, which: str = "effective") -> dict[str, dict[str, tuple[list[int], list[float]]]]:
    """{context key: {language: (steps, probabilities)}} from a router log path or
    its parsed lines. ``which``: "effective" (after ε mixing, what was sampled from)
    or "softmax" (the key's policy alone)."""
    if which not in ROUTER_PROBABILITIES:
        raise ValueError(f"which must be one of {', '.join(ROUTER_PROBABILITIES)}, got {which!r}")
    lines = read_router_log(router_log) if isinstance(router_log, (str, Path)) else list(router_log)
    if not lines:
        raise ValueError(f"router log {router_log} has no lines (was log_every larger than the steps run?)")
    series: dict[str, dict[str, tuple[list[int], list[float]]]] = {}
    for line in lines:
        for field in ("step", "key", which):
            if field not in line:
                raise ValueError(f"router log line has no {field!r} field: {sorted(line)}")
        per_language = series.setdefault(line["key"], {})
        for lang, probability in line[which].items():
            steps, probabilities = per_language.setdefault(lang, ([], []))
            steps.append(int(line["step"]))
            probabilities.append(float(probability))
    return series


def plot_router_probabilities(router_log, path, which: str = "effective", columns: int = 3) -> Path:
    """One panel per context key, one line per language: the router's probability
    of each response language over training steps. The y axis ends just above the
    highest probability (at most 1), so that a router still near uniform over many
    languages (1/L each) shows how the languages part."""
    series = router_series(router_log, which)
    highest = max(p for per_language in series.values() for _, probabilities in per_language.values()
                  for p in probabilities)
    keys = sorted(series)
    columns = min(columns, len(keys))
    rows = math.ceil(len(keys) / columns)
    figure, axes = _new_figure(rows, columns, 4.2 * columns, 3.0 * rows + 0.6)
    for index, key in enumerate(keys):
        axis = axes[index // columns][index % columns]
        for lang, (steps, probabilities) in series[key].items():
            # Markers: a short run logs a few points per key, and a single one draws no line at all.
            axis.plot(steps, probabilities, label=lang, color=language_color(lang), linewidth=1.4,
                      marker="o" if len(steps) <= 40 else None, markersize=3)
        axis.set_title(key, fontsize="medium")
        axis.set_xlabel("step")
        _integer_steps(axis)
        axis.set_ylim(0, min(1.0, highest * 1.15 + 0.02))
        axis.grid(alpha=0.3)
    for index in range(len(keys), rows * columns):
        axes[index // columns][index % columns].set_visible(False)
    axes[0][0].set_ylabel(f"p(language), {which}")
    axes[0][0].legend(fontsize="x-small", ncol=2)
    return _save(figure, path)


# Training curves


def _log_history(source) -> list[dict]:
    if isinstance(source, (str, Path)):
        source = json.loads(Path(source).read_text(encoding="utf-8"))
    if isinstance(source, Mapping):
        if "log_history" not in source:
            raise ValueError(f"expected a trainer_state.json with 'log_history', got keys {sorted(source)}")
        source = source["log_history"]
    return list(source)


def training_series(source, metrics: Sequence[tuple[str, str]] = TRAINING_METRICS
                    ) -> dict[str, tuple[list[int], list[float]]]:
    """{label: (steps, values)} for each metric logged at least once, from a
    ``trainer_state.json`` path, its dict, or a TRL ``log_history`` list."""
    history = _log_history(source)
    series = {}
    for key, label in metrics:
        points = [(int(entry["step"]), float(entry[key])) for entry in history
                  if key in entry and "step" in entry and entry[key] is not None]
        if points:
            series[label] = ([step for step, _ in points], [value for _, value in points])
    if not series:
        logged = sorted({key for entry in history for key in entry})
        raise ValueError(f"no training metric to plot: none of {[key for key, _ in metrics]} is logged "
                         f"(logged keys: {logged})")
    return series


def smooth(values: Sequence[float], window: int | None = None) -> list[float]:
    """A centred moving average over ``window`` points (odd; default about a tenth of the
    series, at least 3), shrinking at the ends; a series of fewer than 5 points is
    returned as is (nothing to average without hiding it)."""
    count = len(values)
    if window is None:
        window = max(3, count // 10 | 1)
    if count < 5 or window < 2:
        return list(values)
    half = window // 2
    return [sum(values[max(0, i - half):i + half + 1]) / len(values[max(0, i - half):i + half + 1])
            for i in range(count)]


def _same_series(first: tuple[list[int], list[float]], second: tuple[list[int], list[float]]) -> bool:
    return first[0] == second[0] and all(math.isclose(a, b, abs_tol=1e-9)
                                         for a, b in zip(first[1], second[1], strict=True))


def training_panels(source) -> tuple[dict[str, dict], list[str], bool]:
    """The training-curve figure's content: ({run label: ``training_series``}, the panels
    in order, whether the accuracy panel was left out as a copy of the reward's).
    ``source`` as in ``plot_training_curves``."""
    runs = dict(source) if isinstance(source, Mapping) and "log_history" not in source else {"": source}
    series = {label: training_series(log) for label, log in runs.items()}
    panels = [name for _, name in TRAINING_METRICS if any(name in run for run in series.values())]
    duplicated = "accuracy" in panels and "reward" in panels and all(
        "accuracy" in run and "reward" in run and _same_series(run["accuracy"], run["reward"])
        for run in series.values())
    if duplicated:
        panels.remove("accuracy")
    return series, panels, duplicated


def plot_training_curves(source, path) -> Path:
    """Reward, its quality term (accuracy, or similarity for a similarity reward) and
    fidelity over training steps, one panel each (``training_panels``).

    ``source``: one run's log (see ``training_series``), or {label: log} for several
    runs drawn in each panel in their ``method_color`` (this run and its GRPO
    baseline). Each series is drawn faint as logged and bold smoothed (``smooth``).
    When accuracy equals the reward at every step of every run (no format bonus and
    every answer in the requested language), its panel would repeat the reward's
    and is left out; the reward panel's title says so."""
    series, panels, duplicated = training_panels(source)
    figure, axes = _new_figure(1, len(panels), 4.2 * len(panels), 3.2)
    for axis, name in zip(axes[0], panels, strict=True):
        for label, run in series.items():
            if name not in run:
                continue
            steps, values = run[name]
            color = method_color(label) if label else None
            raw = axis.plot(steps, values, color=color, alpha=0.3, linewidth=1.0,
                            marker="." if len(steps) < 40 else None)[0]
            axis.plot(steps, smooth(values), color=raw.get_color(), linewidth=1.8, label=label or None)
        axis.set_title(name + (" (= accuracy)" if duplicated and name == "reward" else ""))
        axis.set_xlabel("step")
        _integer_steps(axis)
        if name != "reward":
            axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
    if len(series) > 1:
        axes[0][0].legend(fontsize="small")
    return _save(figure, path)
