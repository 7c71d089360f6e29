"""Figures: the data series behind each plot (always), and the PNGs themselves
(where matplotlib is installed; in CI it must be)."""

import json
import os
import sys
from pathlib import Path

import pytest

from lrpo.evaluation.plots import (
    METHOD_COLORS,
    OTHER_METHOD_COLORS,
    language_accuracies,
    method_color,
    plot_language_bars,
    plot_router_probabilities,
    plot_training_curves,
    router_series,
    smooth,
    training_series,
)
from lrpo.evaluation.scorecard import build_scorecard
from lrpo.router.language_router import LanguageRouter

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LANGUAGES = ("de", "en", "zh")
CONTEXTS = (("topic:math", "qlang:de"), ("topic:math", "qlang:zh"))


@pytest.fixture(scope="module")
def router_log(tmp_path_factory):
    """A real router's log: answers to German questions rewarded in English, to
    Chinese questions in Chinese, every other rollout 0."""
    path = tmp_path_factory.mktemp("router") / "router_log.jsonl"
    router = LanguageRouter(LANGUAGES, update_every=1, log_path=path, log_every=1)
    rewarded = {"qlang:de": "en", "qlang:zh": "zh"}
    for _ in range(6):
        router.update([(context, lang, 1.0 if lang == rewarded[context[1]] else 0.0)
                       for context in CONTEXTS for lang in LANGUAGES])
    return path


def card(accuracy: dict[str, float], method: str) -> dict:
    samples = [{"id": f"q{i}", "lang": lang, "correct": i < rate * 10, "fidelity": 1.0}
               for lang, rate in accuracy.items() for i in range(10)]
    return build_scorecard(samples, task="mgsm", split="test", model="tiny", method=method,
                           seen_languages=["de"], n_resamples=10)


SCORECARDS = {"base": card({"de": 0.2, "en": 0.4, "sw": 0.0}, None),
              "GRPO": card({"de": 0.3, "en": 0.5, "sw": 0.1}, "grpo"),
              "LRPO": card({"de": 0.4, "en": 0.5, "sw": 0.3}, "lrpo")}

LOG_HISTORY = [
    {"step": 1, "loss": 0.1, "reward": 0.20, "reward/accuracy": 0.25, "reward/fidelity": 0.80},
    {"step": 2, "loss": 0.1, "reward": 0.30, "reward/accuracy": 0.35, "reward/fidelity": 0.85},
    {"step": 3, "loss": 0.1, "reward": 0.35, "reward/accuracy": 0.40, "reward/fidelity": 0.90},
    {"step": 3, "train_runtime": 12.0},
]


def test_router_series_follows_each_context_key_over_steps(router_log):
    series = router_series(router_log)
    assert set(series) == {"topic:math", "qlang:de", "qlang:zh"}
    steps, english = series["qlang:de"]["en"]
    assert steps == [1, 2, 3, 4, 5, 6]
    assert english[-1] > english[0] > 1 / 3  # the rewarded language gains probability
    chinese = series["qlang:zh"]["zh"][1]
    assert chinese[-1] > chinese[0] > 1 / 3
    assert series["qlang:zh"]["en"][1][-1] < 1 / 3
    for key in series:
        for position in range(6):
            assert sum(series[key][lang][1][position] for lang in LANGUAGES) == pytest.approx(1.0)
    softmax = router_series(router_log, which="softmax")
    # ε mixing pulls the effective probability towards uniform.
    assert softmax["qlang:de"]["en"][1][-1] > english[-1]
    with pytest.raises(ValueError, match="which must be"):
        router_series(router_log, which="raw")


def test_router_series_rejects_empty_and_malformed_logs(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(ValueError, match="has no lines"):
        router_series(empty)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"step": 1, "key": "k", "effective": {"de": 1.0}}\n{"step": 2,\n')
    with pytest.raises(ValueError, match=r"broken\.jsonl:2: not JSON"):
        router_series(broken)


def test_training_series_reads_trainer_state_and_log_history(tmp_path):
    series = training_series(LOG_HISTORY)
    assert series == {"reward": ([1, 2, 3], [0.20, 0.30, 0.35]),
                      "accuracy": ([1, 2, 3], [0.25, 0.35, 0.40]),
                      "fidelity": ([1, 2, 3], [0.80, 0.85, 0.90])}
    state = tmp_path / "trainer_state.json"
    state.write_text(json.dumps({"global_step": 3, "log_history": LOG_HISTORY}))
    assert training_series(state) == series
    with pytest.raises(ValueError, match="no training metric to plot.*'loss'"):
        training_series([{"step": 1, "loss": 0.5}])
    with pytest.raises(ValueError, match="log_history"):
        training_series({"global_step": 3})


def test_language_accuracies_cover_the_union_of_languages():
    languages, values = language_accuracies({**SCORECARDS, "de only": card({"de": 0.5}, "x")})
    assert languages == ["de", "en", "sw"]
    assert values["LRPO"] == [0.4, 0.5, 0.3]
    assert values["de only"][0] == 0.5 and values["de only"][1] != values["de only"][1]  # NaN


@pytest.fixture
def matplotlib_installed():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("matplotlib is not installed; it is needed to draw figures")
        pytest.skip("matplotlib is not installed")


def assert_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 1000


def test_language_bars_png(matplotlib_installed, tmp_path):
    path = plot_language_bars(SCORECARDS, tmp_path / "bars.png")
    assert_png(path)


def test_router_probabilities_png(matplotlib_installed, router_log, tmp_path):
    path = plot_router_probabilities(router_log, tmp_path / "figures" / "router.png")
    assert_png(path)


def test_training_curves_png(matplotlib_installed, tmp_path):
    state = tmp_path / "trainer_state.json"
    state.write_text(json.dumps({"log_history": LOG_HISTORY}))
    assert_png(plot_training_curves(state, tmp_path / "curves.png"))


def test_drawing_without_matplotlib_says_how_to_install_it(monkeypatch, tmp_path):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_training_curves(LOG_HISTORY, tmp_path / "curves.png")
    assert not (tmp_path / "curves.png").exists()


# Issue 14, items 17-19: figures a researcher can trust at a glance.


@pytest.fixture
def drawn(monkeypatch):
    """The figures drawn, by file name, instead of only their PNGs."""
    import lrpo.evaluation.plots as plots

    figures = {}
    save = plots._save

    def keep(figure, path):
        figures[Path(path).name] = figure
        return save(figure, path)

    monkeypatch.setattr(plots, "_save", keep)
    return figures


def test_method_colours_are_fixed_across_runs():
    assert method_color("grpo") == method_color("GRPO") == METHOD_COLORS["grpo"]
    assert len({method_color(m) for m in ("base", "grpo", "lrpo", "uniform", "input-dominant")}) == 5
    assert method_color("en:4,zh:2") == method_color("en:4,zh:2") in OTHER_METHOD_COLORS


def test_language_bars_show_intervals_n_zero_bars_and_fit_the_data(matplotlib_installed, drawn, tmp_path):
    from matplotlib.colors import to_hex
    from matplotlib.container import BarContainer, ErrorbarContainer

    plot_language_bars(SCORECARDS, tmp_path / "accuracy_by_language.png")
    axis = drawn["accuracy_by_language.png"].axes[0]
    assert "n = 10 per language" in axis.get_title()
    # One error bar per bar (3 languages + avg, 3 scorecards), from the scorecards' own intervals.
    assert len([c for c in axis.containers if isinstance(c, ErrorbarContainer)]) == 3 * 4
    low, high = SCORECARDS["LRPO"]["ci95"]["per_language"]["de"]
    segments = [c.lines[2][0].get_segments()[0] for c in axis.containers if isinstance(c, ErrorbarContainer)]
    assert any(seg[0][1] == pytest.approx(low) and seg[1][1] == pytest.approx(high) for seg in segments)
    bars = [c for c in axis.containers if isinstance(c, BarContainer)]
    assert [to_hex(b.patches[0].get_facecolor()) for b in bars] == [
        method_color(label) for label in SCORECARDS]
    # base's sw is 0: a visible mark at 0 in base's colour, not a bar of height 0 alone.
    zero_marks = [line for line in axis.lines if list(line.get_ydata()) == [0, 0]]
    assert zero_marks and to_hex(zero_marks[0].get_color()) == method_color("base")
    # The highest bar or interval is well below 100%: the axis ends just above it.
    tops = [seg[1][1] for seg in segments]
    assert max(tops) < axis.get_ylim()[1] < 0.95


def test_router_probabilities_have_markers_and_fit_the_data(matplotlib_installed, drawn, tmp_path):
    router = LanguageRouter(LANGUAGES, update_every=1, log_path=tmp_path / "log.jsonl", log_every=10)
    for _ in range(10):  # a --quick-sized run: one line per key at log_every 10
        router.update([(CONTEXTS[0], lang, 1.0) for lang in LANGUAGES])
    plot_router_probabilities(tmp_path / "log.jsonl", tmp_path / "router_probabilities.png")
    axis = drawn["router_probabilities.png"].axes[0]
    assert axis.lines and all(line.get_marker() == "o" for line in axis.lines)
    highest = max(max(line.get_ydata()) for line in axis.lines)
    assert highest < axis.get_ylim()[1] < 0.5  # fits the data: three languages near 1/3, not 0..1


def test_short_runs_log_the_router_often_enough():
    from lrpo.training.config import parse_config

    assert parse_config(["--quick"]).router_log_every == 1  # 10 steps: 10 points, not 1
    assert parse_config([]).router_log_every == 5  # 100 steps: 20 points
    assert parse_config(["--router_log_every", "7"]).router_log_every == 7


def test_smoothing_keeps_short_series_and_averages_long_ones():
    assert smooth([0.1, 0.9, 0.1]) == [0.1, 0.9, 0.1]
    noisy = [0.0, 1.0] * 20
    smoothed = smooth(noisy)
    assert len(smoothed) == 40 and max(smoothed[2:-2]) - min(smoothed[2:-2]) < 0.5


def test_training_curves_smooth_compare_with_grpo_and_drop_a_duplicated_panel(matplotlib_installed, drawn,
                                                                              tmp_path):
    from matplotlib.colors import to_hex

    history = [{"step": s, "reward": 0.1 * (s % 3), "reward/accuracy": 0.1 * (s % 3), "reward/fidelity": 0.9}
               for s in range(1, 31)]
    grpo = [{**entry, "reward": entry["reward"] / 2, "reward/accuracy": entry["reward"] / 2} for entry in history]
    plot_training_curves({"lrpo": history, "grpo": grpo}, tmp_path / "training_curves.png")
    axes = drawn["training_curves.png"].axes
    assert [axis.get_title() for axis in axes] == ["reward (= accuracy)", "fidelity"]
    reward = axes[0]
    faint = [line for line in reward.lines if line.get_alpha() == 0.3]
    bold = [line for line in reward.lines if line.get_alpha() is None]
    assert len(faint) == len(bold) == 2  # raw and smoothed, for this run and for GRPO
    assert {to_hex(line.get_color()) for line in bold} == {method_color("lrpo"), method_color("grpo")}
    assert [text.get_text() for text in reward.get_legend().get_texts()] == ["lrpo", "grpo"]
    # Where accuracy differs from the reward (the language gate at work), both panels stay.
    plot_training_curves(LOG_HISTORY, tmp_path / "single.png")
    assert [axis.get_title() for axis in drawn["single.png"].axes] == ["reward", "accuracy", "fidelity"]


# Issue 15: a similarity run's figures

SIMILARITY_HISTORY = [{"step": s, "reward": 0.5 + 0.01 * s, "reward/similarity": 0.6 + 0.01 * s,
                       "reward/fidelity": 0.8} for s in range(1, 4)]


def test_a_similarity_run_has_a_similarity_panel_and_bars_named_by_its_metric(matplotlib_installed, drawn,
                                                                             tmp_path):
    from lrpo.evaluation.plots import scores_label, training_panels

    series, panels, duplicated = training_panels(SIMILARITY_HISTORY)
    assert panels == ["reward", "similarity", "fidelity"] and not duplicated
    assert series[""]["similarity"] == ([1, 2, 3], [0.61, 0.62, 0.63])
    plot_training_curves(SIMILARITY_HISTORY, tmp_path / "training_curves.png")
    assert [axis.get_title() for axis in drawn["training_curves.png"].axes] == ["reward", "similarity", "fidelity"]

    cards = {label: {**card, "metric": "similarity", "metric_kind": "continuous"}
             for label, card in SCORECARDS.items()}
    assert scores_label(cards) == "similarity" and scores_label(SCORECARDS) == "accuracy"
    plot_language_bars(cards, tmp_path / "accuracy_by_language.png")
    axis = drawn["accuracy_by_language.png"].axes[0]
    assert axis.get_ylabel() == "similarity (95% interval)"
    assert axis.get_title().startswith("similarity per language")
    with pytest.raises(ValueError, match="different metrics together: accuracy, similarity"):
        plot_language_bars({"base": SCORECARDS["base"], "lrpo": cards["LRPO"]}, tmp_path / "mixed.png")
