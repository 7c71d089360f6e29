"""lrpo.evaluation.paired: the difference of a row to GRPO, paired by seed and item, and its table."""

import json

import pytest

from lrpo.evaluation.metrics import SIMILARITY
from lrpo.evaluation.paired import (
    ITEM_SCORES,
    difference_reading,
    difference_table,
    evaluation_item_scores,
    format_difference,
    item_scores,
    paired_difference,
)
from lrpo.evaluation.scorecard import build_scorecard
from lrpo.evaluation.tables import reproduced_table_section


def run(seed, **scores) -> dict:
    """A run record whose language ``lang`` scored items q0, q1, ... as ``scores[lang]``."""
    return {"seed": seed, ITEM_SCORES: {lang: {f"q{i}": float(s) for i, s in enumerate(values)}
                                        for lang, values in scores.items()}}


REFERENCE = dict(en=[1, 0, 1, 0, 1, 1, 0, 1, 1, 1], de=[1, 0, 0, 0, 1, 1, 0, 1, 0, 1])  # misses 3/10 and 5/10


def test_identical_runs_differ_by_zero_with_a_zero_width_interval():
    runs = [run(seed, **REFERENCE) for seed in range(3)]
    result = paired_difference(runs, runs, ["en", "de"], n_resamples=200)
    assert result == {"difference": 0.0, "ci95": [0.0, 0.0], "seeds": [0, 1, 2], "items": {"en": 10, "de": 10}}
    assert format_difference(result) == "+0.0 [+0.0, +0.0]"


def test_a_row_right_where_the_reference_is_wrong_leads_by_the_share_missed():
    row = [run(seed, en=[1] * 10, de=[1] * 10) for seed in range(2)]
    reference = [run(seed, **REFERENCE) for seed in range(2)]
    result = paired_difference(row, reference, ["en", "de"])
    assert result["difference"] == pytest.approx((0.3 + 0.5) / 2)
    low, high = result["ci95"]
    assert 0 < low < result["difference"] < high <= 1
    # Over one language, the share it misses there.
    assert paired_difference(row, reference, ["de"])["difference"] == pytest.approx(0.5)


def test_seeds_only_one_side_ran_are_dropped_and_a_run_evaluated_once_pairs_with_every_seed():
    reference = [run(seed, **REFERENCE) for seed in (0, 1, 3)]
    row = [run(0, **REFERENCE), run(1, **REFERENCE), run(2, en=[1] * 10, de=[1] * 10)]
    result = paired_difference(row, reference, ["en", "de"], n_resamples=100)
    assert result["seeds"] == [0, 1] and result["difference"] == 0.0 and result["ci95"] == [0.0, 0.0]

    base = [run(None, en=[0] * 10, de=[0] * 10)]
    result = paired_difference(base, reference, ["en"], n_resamples=100)
    assert result["seeds"] == [0, 1, 3] and result["difference"] == pytest.approx(-0.7)


def test_seeds_are_resampled():
    """Seed 0 is 1 ahead on every item, seed 1 level: half a point per item on average, and
    a resample of seeds can be both seed 0 (+1) or both seed 1 (0)."""
    row = [run(0, en=[1] * 4), run(1, en=[0] * 4)]
    reference = [run(0, en=[0] * 4), run(1, en=[0] * 4)]
    result = paired_difference(row, reference, ["en"], n_resamples=2000)
    assert result["difference"] == pytest.approx(0.5)
    assert result["ci95"] == pytest.approx([0.0, 1.0])


def test_parallel_items_are_resampled_jointly_across_languages():
    """The row gains in en exactly the items it loses in de: with the same draw of items in
    both languages every resample's average is 0; drawn apart, it is not."""
    reference = [run(0, en=[0, 0, 1, 1, 0, 1], de=[1, 1, 0, 0, 1, 0])]
    row = [run(0, en=[1, 0, 1, 1, 1, 1], de=[0, 1, 0, 0, 0, 0])]
    result = paired_difference(row, reference, ["en", "de"])
    assert result["difference"] == 0.0 and result["ci95"] == [0.0, 0.0]

    def renamed(record):  # de's items under other ids: not parallel any more
        scores = record[ITEM_SCORES]
        return {**record, ITEM_SCORES: {"en": scores["en"], "de": {f"d{k}": v for k, v in scores["de"].items()}}}

    apart = paired_difference([renamed(r) for r in row], [renamed(r) for r in reference], ["en", "de"])
    assert apart["difference"] == 0.0 and apart["ci95"][0] < 0 < apart["ci95"][1]


def test_only_items_both_sides_scored_are_paired():
    reference = [run(0, en=[1, 0])]
    row = [run(0, en=[1, 1, 1, 1])]  # q2 and q3 the reference never answered
    result = paired_difference(row, reference, ["en"], n_resamples=50)
    assert result["items"] == {"en": 2} and result["difference"] == pytest.approx(0.5)


@pytest.mark.parametrize(("row", "reference", "languages", "message"), [
    ([run(0, en=[1])], [{"seed": 0}], ["en"], "reference runs of seeds [0] have no 'item_scores'"),
    ([run(0, en=[1])], [run(1, en=[1])], ["en"], "no seed in both: row seeds [0], reference seeds [1]"),
    ([run(0, en=[1])], [run(0, en=[1])], ["en", "sw"], "language 'sw' has no item scores in the run of seed 0"),
    ([run(0, en=[1])], [{"seed": 0, ITEM_SCORES: {"en": {"other": 1.0}}}], ["en"], "no item scored by every"),
    ([run(0, en=[1])], [run(0, en=[1])], [], "no languages"),
    ([run(None, en=[1]), run(0, en=[1])], [run(0, en=[1])], ["en"], "must be the side's only run"),
])
def test_nothing_to_pair_is_an_error_naming_what_is_missing(row, reference, languages, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        paired_difference(row, reference, languages)


# Per-item scores from an evaluation's samples


def sample(item: str, lang: str, **score) -> dict:
    return {"id": item, "lang": lang, "fidelity": 1.0, **score}


def test_item_scores_of_samples_and_of_a_samples_file(tmp_path):
    samples = [sample("a", "en", correct=True), sample("b", "en", correct=False), sample("a", "de", correct=True)]
    assert item_scores(samples) == {"en": {"a": 1.0, "b": 0.0}, "de": {"a": 1.0}}
    (tmp_path / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples), encoding="utf-8")
    card = build_scorecard(samples, task="arith", split="test", model="m")
    assert evaluation_item_scores(tmp_path, card) == item_scores(samples)
    assert evaluation_item_scores(tmp_path / "gone", card) is None
    # A continuous metric: the similarity itself.
    similar = [sample("a", "en", similarity=0.25, correct=None)]
    assert item_scores(similar, SIMILARITY) == {"en": {"a": 0.25}}
    with pytest.raises(ValueError, match="scored twice"):
        item_scores(samples + samples[:1])


# The table under the reproduced table


def record(seed, card: dict, scores: dict | None) -> dict:
    found = {"seed": seed, "scorecard": card, "method": None if seed is None else "m", "rollout_budget": 8,
             "model_label": "tiny", "wall_seconds": 1.0}
    return found if scores is None else {**found, ITEM_SCORES: scores}


def test_the_reproduced_table_shows_each_rows_difference_to_grpo_and_a_dash_for_old_records():
    def card(en: float, de: float) -> dict:
        samples = [sample(f"q{i}", lang, correct=i < round(rate * 10)) for lang, rate in (("en", en), ("de", de))
                   for i in range(10)]
        return build_scorecard(samples, task="arith", split="test", model="m", seen_languages=["en"])

    def scores(en: float, de: float) -> dict:
        return {lang: {f"q{i}": float(i < round(rate * 10)) for i in range(10)}
                for lang, rate in (("en", en), ("de", de))}

    rows = [("Base model", [record(None, card(0.2, 0.2), scores(0.2, 0.2))]),
            ("GRPO", [record(seed, card(0.5, 0.3), scores(0.5, 0.3)) for seed in (0, 1)]),
            ("LRPO", [record(seed, card(0.7, 0.6), scores(0.7, 0.6)) for seed in (0, 1)]),
            ("Old", [record(seed, card(0.5, 0.3), None) for seed in (0, 1)])]
    table = difference_table(rows, "GRPO")
    lines = table.splitlines()
    assert lines[0] == "| Method | Δ seen vs GRPO (95% CI) | Δ average vs GRPO (95% CI) |"
    # Every item a row answers the reference answers too: the interval stays on one side of 0.
    assert lines[2].startswith("| Base model | -30.0 [-") and "| -20.0 [-" in lines[2]
    assert lines[3].startswith("| LRPO | +20.0 [+") and "| +25.0 [+" in lines[3]
    assert lines[4] == "| Old | – | – |"
    assert not any(line.startswith("| GRPO |") for line in lines)
    assert "Δ vs GRPO: the row's seen / all-language average minus GRPO's" in table
    # Ten questions a language: too few to tell these rows apart; the plain words say so.
    assert "- **Base model** cannot be told apart from GRPO: -30.0 seen points" in table
    assert "- **LRPO** cannot be told apart from GRPO: +20.0 seen points" in table and "**Old**" not in table

    section = reproduced_table_section(1, "t", "tiny", "quick", "cmd", range(2), rows, "paper", 1.0, table)
    assert table in section and section.index("| Old |") < section.index("Δ seen vs GRPO")
    assert difference_table(rows, "Uniform mix") is None
    assert "Δ seen" not in reproduced_table_section(1, "t", "tiny", "quick", "cmd", range(2), rows, "paper", 1.0)
    with_reading = reproduced_table_section(1, "t", "tiny", "quick", "cmd", range(2), rows, "paper", 1.0, table,
                                            "**What this world can tell.**")
    assert table in with_reading and with_reading.index(table) < with_reading.index("**What this world") \
        < with_reading.index("paper")


def test_the_plain_words_say_which_rows_are_told_apart_and_how_small_a_difference_goes_unresolved():
    results = {"English-dominant mix": {"difference": -0.077, "ci95": [-0.102, -0.053], "seeds": [0, 1, 2]},
               "LRPO": {"difference": -0.021, "ci95": [-0.043, 0.001], "seeds": [0, 1, 2]},
               "Old": None,
               "Uniform mix": {"difference": 0.012, "ci95": [0.002, 0.03], "seeds": [0]}}
    reading = difference_reading(results, "GRPO")
    lines = reading.splitlines()
    assert lines[0] == "Read against GRPO (seen average, 95% intervals above):"
    # Rows told apart come first, in the table's order; then those the interval cannot separate from 0.
    assert lines[2] == ("- **English-dominant mix** is below GRPO: -7.7 seen points, the interval [-10.2, -5.3] "
                        "excludes 0 (3 paired seeds).")
    assert lines[3] == ("- **Uniform mix** is above GRPO: +1.2 seen points, the interval [+0.2, +3.0] excludes 0 "
                        "(1 paired seed).")
    assert lines[4] == ("- **LRPO** cannot be told apart from GRPO: -2.1 seen points, the interval [-4.3, +0.1] "
                        "holds 0 (half-width 2.2 points at 3 seeds).")
    assert len(lines) == 5
    assert difference_reading({"Old": None}, "GRPO") == ""
