"""Figures of a run: per-language accuracy, the router's choices over training,
and the reward and fidelity curves, as PNG files.

Each figure is built in two steps: a plain-data series (``router_series``,
``training_series``, ``language_accuracies``), which can be checked and reused
without matplotlib, then the drawing. Drawing uses matplotlib's object API
with the Agg canvas, never ``pyplot``, so it runs headless, in threads, and
does not change the backend of a notebook that imports this module.
matplotlib is imported only when a figure is drawn.

Languages keep one colour in every figure (their place in the registry), so
"de" in the router plot is "de" in the bar chart.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from lrpo.languages import supported_languages

# What the training-curve figure shows: TRL's mean reward and the reward's two
# factors as ``lrpo.training.trl_reward`` logs them.
TRAINING_METRICS = (("reward", "reward"), ("reward/accuracy", "accuracy"), ("reward/fidelity", "fidelity"))
ROUTER_PROBABILITIES = ("effective", "softmax")


def _matplotlib():
    """The two matplotlib pieces the figures need, or a clear error."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError("lrpo.evaluation.plots needs matplotlib to draw figures: pip install matplotlib") from e
    return Figure, FigureCanvasAgg


def language_color(code: str):
    """A fixed colour per registry language: the ten strong tab20 hues first, then
    their light twins, then tab20b, so that languages next to each other in the
    registry (de, en, es) never share a hue family."""
    from matplotlib import colormaps

    languages = supported_languages()
    index = languages.index(code) if code in languages else 0
    if index < 20:
        return colormaps["tab20"](2 * (index % 10) + index // 10)
    return colormaps["tab20b"]((4 * (index - 20) + 1) % 20)


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


def plot_language_bars(scorecards: Mapping[str, dict], path, metric: str = "accuracy", title: str | None = None
                       ) -> Path:
    """Grouped bars: per language (and the macro average), one bar per scorecard,
    e.g. {"base": ..., "GRPO": ..., "LRPO": ...}."""
    languages, values = language_accuracies(scorecards, metric)
    groups = languages + ["avg"]
    figure, axes = _new_figure(1, 1, max(6.0, 0.3 * len(groups) * len(values) + 2.0), 4.0)
    axis = axes[0][0]
    width = 0.8 / len(values)
    for i, (label, row) in enumerate(values.items()):
        finite = [v for v in row if not math.isnan(v)]
        heights = row + [sum(finite) / len(finite) if finite else math.nan]
        positions = [g + (i - (len(values) - 1) / 2) * width for g in range(len(groups))]
        axis.bar(positions, heights, width, label=label)
    axis.set_xticks(range(len(groups)))
    axis.set_xticklabels(groups)
    axis.set_ylim(0, 1)
    _percent_axis(axis)
    axis.set_ylabel(metric)
    axis.legend(fontsize="small")
    axis.set_title(title or f"{metric} per language")
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
    of each response language over training steps."""
    series = router_series(router_log, which)
    keys = sorted(series)
    columns = min(columns, len(keys))
    rows = math.ceil(len(keys) / columns)
    figure, axes = _new_figure(rows, columns, 4.2 * columns, 3.0 * rows + 0.6)
    for index, key in enumerate(keys):
        axis = axes[index // columns][index % columns]
        for lang, (steps, probabilities) in series[key].items():
            axis.plot(steps, probabilities, label=lang, color=language_color(lang), linewidth=1.4)
        axis.set_title(key, fontsize="medium")
        axis.set_xlabel("step")
        _integer_steps(axis)
        axis.set_ylim(0, 1)
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


def plot_training_curves(source, path) -> Path:
    """Reward, accuracy and fidelity over training steps, one panel each."""
    series = training_series(source)
    figure, axes = _new_figure(1, len(series), 4.2 * len(series), 3.2)
    for axis, (label, (steps, values)) in zip(axes[0], series.items(), strict=True):
        axis.plot(steps, values, marker="." if len(steps) < 40 else None, linewidth=1.4)
        axis.set_title(label)
        axis.set_xlabel("step")
        _integer_steps(axis)
        if label != "reward":
            axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
    return _save(figure, path)
