"""The scorecard's metrics on hand-built samples whose answers are known, its
schema, its bootstrap intervals, aggregation over seeds and its tables."""

import json

import pytest

from lrpo.evaluation.aggregate import CROSSLINGUAL_SCALARS, aggregate_scorecards, mean, mean_std
from lrpo.evaluation.metrics import SIMILARITY as SIMILARITY_METRIC
from lrpo.evaluation.metrics import scorecard_metric
from lrpo.evaluation.scorecard import bootstrap_intervals, build_scorecard, with_baseline
from lrpo.evaluation.tables import format_comparison_table, format_table

# Parallel items q0..q3 in three languages: which are answered correctly.
#        de     en     sw
# q0     yes    yes    yes    -> correct everywhere
# q1     yes    no     no     -> correct somewhere
# q2     no     no     no     -> correct nowhere
# q3     no     yes    no     -> correct somewhere
CORRECT = {
    "de": [True, True, False, False],
    "en": [True, False, False, True],
    "sw": [True, False, False, False],
}
# Responses in the requested language.
FAITHFUL = {
    "de": [1.0, 1.0, 1.0, 1.0],
    "en": [1.0, 1.0, 0.0, 1.0],
    "sw": [0.0, 1.0, 0.0, 0.0],
}


def samples_from(correct: dict[str, list[bool]], faithful: dict[str, list[float]] | None = None) -> list[dict]:
    return [
        {"id": f"q{i}", "lang": lang, "correct": ok,
         "fidelity": 1.0 if faithful is None else faithful[lang][i]}
        for lang, column in correct.items() for i, ok in enumerate(column)
    ]


def card_from(correct, faithful=None, **options) -> dict:
    options = {"task": "mgsm", "split": "test", "model": "tiny", "seen_languages": ("de", "en"), **options}
    return build_scorecard(samples_from(correct, faithful), **options)


def rate_columns(rates: dict[str, float], n: int) -> dict[str, list[bool]]:
    """``n`` items per language, the first ``rate * n`` correct."""
    return {lang: [i < round(rate * n) for i in range(n)] for lang, rate in rates.items()}


@pytest.fixture(scope="module")
def card():
    return card_from(CORRECT, FAITHFUL, method="lrpo", seed=3)


def test_scorecard_has_every_documented_key_with_its_type(card):
    assert json.loads(json.dumps(card)) == card  # plain JSON types only
    assert card["task"] == "mgsm" and card["split"] == "test" and card["model"] == "tiny"
    assert card["method"] == "lrpo" and card["seed"] == 3
    assert card["n_per_language"] == 4
    assert list(card["per_language"]) == ["de", "en", "sw"]
    for stats in card["per_language"].values():
        assert set(stats) == {"accuracy", "fidelity", "line_fidelity", "code_switching", "response_tokens", "n"}
        assert isinstance(stats["accuracy"], float) and isinstance(stats["fidelity"], float)
        assert isinstance(stats["n"], int)
        # These samples carry no line-level verdicts or token counts (tests/test_crosslingual_metrics.py does).
        assert stats["line_fidelity"] is None and stats["code_switching"] is None
        assert stats["response_tokens"] is None
    for key in ("average", "seen_average", "unseen_average", "fidelity_average", "consistency"):
        assert isinstance(card[key], float) and 0.0 <= card[key] <= 1.0, key
    for key in CROSSLINGUAL_SCALARS:
        assert card[key] is None, key
    assert isinstance(card["worst_language"], str)
    assert card["baseline"] is None
    assert set(card["ci95"]) == {"per_language", "average", "seen_average", "unseen_average",
                                 "fidelity_average", "consistency"}


def test_accuracy_fidelity_averages_and_worst_language(card):
    accuracy = {lang: stats["accuracy"] for lang, stats in card["per_language"].items()}
    assert accuracy == {"de": 0.5, "en": 0.5, "sw": 0.25}
    assert {lang: s["fidelity"] for lang, s in card["per_language"].items()} == {"de": 1.0, "en": 0.75,
                                                                               "sw": 0.25}
    assert card["average"] == pytest.approx((0.5 + 0.5 + 0.25) / 3)
    assert card["seen_languages"] == ["de", "en"] and card["unseen_languages"] == ["sw"]
    assert card["seen_average"] == pytest.approx(0.5)
    assert card["unseen_average"] == pytest.approx(0.25)
    assert card["fidelity_average"] == pytest.approx((1.0 + 0.75 + 0.25) / 3)
    assert card["worst_language"] == "sw"


def test_consistency_counts_items_correct_everywhere_among_those_correct_somewhere(card):
    # q0, q1, q3 are correct in some language; only q0 in all three.
    assert card["consistency_items"] == 3
    assert card["consistency"] == pytest.approx(1 / 3)


def test_consistency_is_null_when_no_item_is_correct_anywhere_or_only_one_language():
    nothing = card_from({"de": [False, False], "en": [False, False]})
    assert nothing["consistency"] is None and nothing["consistency_items"] == 0
    alone = card_from({"de": [True, False]})
    assert alone["consistency"] is None


def test_consistency_uses_only_items_present_in_every_language():
    samples = samples_from({"de": [True, True], "en": [True, False]})
    samples.append({"id": "only-de", "lang": "de", "correct": True, "fidelity": 1.0})
    card = build_scorecard(samples, task="mgsm", split="test", model="m", seen_languages=())
    assert card["consistency"] == pytest.approx(1 / 2)
    assert card["n_per_language"] is None  # 3 German items, 2 English
    assert card["per_language"]["de"]["n"] == 3


def test_seen_and_unseen_are_null_when_empty_and_default_to_the_paper_split():
    all_unseen = card_from(CORRECT, seen_languages=())
    assert all_unseen["seen_average"] is None
    assert all_unseen["unseen_average"] == pytest.approx(all_unseen["average"])
    default = build_scorecard(samples_from(CORRECT), task="mgsm", split="test", model="m")
    assert default["seen_languages"] == ["de", "en"] and default["unseen_languages"] == ["sw"]


def test_worst_language_ties_go_to_the_first_listed():
    card = card_from({"en": [True, False], "de": [True, False]})
    assert card["worst_language"] == "en"


def test_a_sample_scored_twice_or_missing_a_field_is_rejected():
    samples = samples_from({"de": [True]}) * 2
    with pytest.raises(ValueError, match="scored twice"):
        build_scorecard(samples, task="t", split="s", model="m", seen_languages=())
    with pytest.raises(ValueError, match="'fidelity'"):
        build_scorecard([{"id": "a", "lang": "de", "correct": True}], task="t", split="s", model="m")
    with pytest.raises(ValueError, match="no samples"):
        build_scorecard([], task="t", split="s", model="m")


def test_bootstrap_interval_contains_the_estimate_and_is_deterministic_for_a_seed():
    columns = rate_columns({"de": 0.6, "en": 0.3, "sw": 0.2}, 50)
    first = card_from(columns, bootstrap_seed=7)
    again = card_from(columns, bootstrap_seed=7)
    other = card_from(columns, bootstrap_seed=8)
    assert first["ci95"] == again["ci95"]
    assert first["ci95"]["average"] != other["ci95"]["average"]
    for key in ("average", "seen_average", "unseen_average", "fidelity_average"):
        low, high = first["ci95"][key]
        assert low <= first[key] <= high, key
    for lang, (low, high) in first["ci95"]["per_language"].items():
        assert low < first["per_language"][lang]["accuracy"] < high, lang


def test_bootstrap_interval_narrows_with_more_items():
    rates = {"de": 0.5, "en": 0.3}
    few = card_from(rate_columns(rates, 20))["ci95"]["average"]
    many = card_from(rate_columns(rates, 500))["ci95"]["average"]
    assert many[1] - many[0] < 0.5 * (few[1] - few[0])


def test_parallel_items_are_resampled_jointly_across_languages():
    # Two languages with identical answers: if items were resampled independently per
    # language their errors would partly cancel and the average's interval would be
    # narrower than one language's; resampled jointly, the two intervals coincide.
    column = [i % 3 == 0 for i in range(60)]
    card = card_from({"de": column, "en": list(column)})
    assert card["ci95"]["average"] == pytest.approx(card["ci95"]["per_language"]["de"])
    # Different item sets cannot be paired: each language is resampled on its own.
    by_lang = {"de": {f"a{i}": (ok, 1.0) for i, ok in enumerate(column)},
               "en": {f"b{i}": (ok, 1.0) for i, ok in enumerate(column)}}
    independent = bootstrap_intervals(by_lang, ["de"], ["en"], seed=0)
    width = independent["average"][1] - independent["average"][0]
    single = independent["per_language"]["de"][1] - independent["per_language"]["de"][0]
    assert width < 0.85 * single


def test_with_baseline_fills_the_block_with_scores_and_deltas(card):
    grpo = card_from({"de": [True, False, False, False], "en": [True, True, False, False],
                      "sw": [False] * 4}, method="grpo", seed=3)
    compared = with_baseline(card, grpo)
    assert card["baseline"] is None  # the original is left alone
    block = compared["baseline"]
    assert block["method"] == "grpo"
    assert block["average"] == pytest.approx(grpo["average"])
    assert block["per_language"] == {"de": 0.25, "en": 0.5, "sw": 0.0}
    assert block["delta_per_language"] == pytest.approx({"de": 0.25, "en": 0.0, "sw": 0.25})
    assert block["delta_average"] == pytest.approx(card["average"] - grpo["average"])
    assert block["delta_seen_average"] == pytest.approx(0.5 - 0.375)
    assert block["delta_unseen_average"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="different tasks"):
        with_baseline(card, {**grpo, "task": "xcopa"})


def test_aggregate_gives_mean_and_sample_std_over_three_seeds():
    cards = [card_from(rate_columns({"de": rate, "en": rate / 2}, 20), seed=seed)
             for seed, rate in enumerate([0.2, 0.4, 0.6])]
    aggregate = aggregate_scorecards(cards)
    assert aggregate["seeds"] == [0, 1, 2] and aggregate["n_runs"] == 3
    de = aggregate["per_language"]["de"]["accuracy"]
    assert de["mean"] == pytest.approx(0.4) and de["std"] == pytest.approx(0.2) and de["n"] == 3
    assert aggregate["per_language"]["de"]["n"] == 60
    # Run averages are 0.15, 0.30, 0.45.
    assert aggregate["average"]["mean"] == pytest.approx(0.3)
    assert aggregate["average"]["std"] == pytest.approx(0.15)
    assert aggregate["seen_average"]["mean"] == pytest.approx(0.3)
    assert aggregate["unseen_average"] is None
    assert aggregate["worst_language"] == "en"
    single = aggregate_scorecards(cards[:1])
    assert single["average"]["std"] is None


def test_mean_skips_nulls_and_does_not_depend_on_the_order_of_the_values():
    assert mean([0.5, None, 0.25]) == 0.375 and mean([None]) is None and mean([]) is None
    # A plain running sum gives 0.09999999999999999 here: the same values in another order would differ.
    assert mean([0.1] * 10) == 0.1
    assert mean_std([0.1] * 10) == {"mean": 0.1, "std": pytest.approx(0.0), "n": 10}
    assert mean_std([None, None]) is None


def test_aggregate_skips_null_consistency_and_rejects_mixed_runs():
    nothing = card_from({"de": [False, False], "en": [False, False]})
    half = card_from({"de": [True, True], "en": [True, False]})
    aggregate = aggregate_scorecards([nothing, half])
    assert aggregate["consistency"] == {"mean": 0.5, "std": None, "n": 1}
    with pytest.raises(ValueError, match="different tasks"):
        aggregate_scorecards([half, {**half, "task": "xcopa"}])
    with pytest.raises(ValueError, match="different languages"):
        aggregate_scorecards([half, card_from({"de": [True], "sw": [True]})])
    with pytest.raises(ValueError, match="no scorecards"):
        aggregate_scorecards([])


def test_format_table_prints_percentages_and_the_summary(card):
    markdown = format_table(card, "markdown")
    lines = markdown.splitlines()
    assert lines[0] == "| language | accuracy % | 95% CI | fidelity % | n |"
    assert lines[1].startswith("| --- | ---: |")
    assert "| sw | 25.0 |" in markdown
    assert "| average | 41.7 |" in markdown
    assert "seen average (de en) | 50.0" in markdown
    assert "worst language: sw (25.0)" in markdown
    assert "consistency: 33.3" in markdown
    console = format_table(card, "console")
    assert "|" not in console.splitlines()[0]
    assert console.splitlines()[2].split()[:2] == ["de", "50.0"]
    with pytest.raises(ValueError, match="table style"):
        format_table(card, "html")


def test_format_table_of_an_aggregate_shows_mean_and_std():
    cards = [card_from(rate_columns({"de": rate, "en": rate}, 10), seed=s) for s, rate in enumerate([0.2, 0.4])]
    table = format_table(aggregate_scorecards(cards), "markdown")
    assert "| de | 30.0 ± 14.1 |" in table


def test_comparison_table_shows_each_column_and_the_delta_against_grpo(card):
    base = card_from({lang: [False] * 4 for lang in CORRECT}, method=None)
    grpo = card_from({"de": [True, False, False, False], "en": [True, True, False, False],
                      "sw": [False] * 4}, method="grpo")
    table = format_comparison_table(base, grpo, card)
    header, _, *rows = table.splitlines()
    assert header.split() == ["language", "base", "GRPO", "lrpo", "Δ", "vs", "GRPO", "95%", "CI", "of", "Δ", "Δ",
                              "questions"]
    # de: 2 of 4 vs 1 of 4. Agresti-Caffo variances (3/6 and 2/6 adjusted): 0.25 ± 1.96 x 0.2805.
    assert rows[0].split() == ["de", "0.0", "25.0", "50.0", "+25.0", "-30.0", "to", "+80.0", "+1"]
    assert rows[3].split()[:5] == ["average", "0.0", "25.0", "41.7", "+16.7"] and rows[3].split()[-1] == "+2"
    assert rows[4].split()[4:8] == ["0.0", "37.5", "50.0", "+12.5"]
    assert rows[5].split()[3:7] == ["0.0", "0.0", "25.0", "+25.0"]
    without_grpo = format_comparison_table(base, None, card, style="markdown")
    assert without_grpo.splitlines()[0] == "| language | base | lrpo | Δ vs base | 95% CI of Δ | Δ questions |"
    alone = format_comparison_table(None, None, card)
    assert alone.splitlines()[0].split() == ["language", "lrpo"]


def test_comparison_table_says_which_deltas_are_one_question():
    # Issue 14, item 20: on 4 questions a language, +25 points is one answer.
    this = card_from({"de": [True, True, False, False], "en": [True, True, True, False]}, method="lrpo")
    grpo = card_from({"de": [True, False, False, False], "en": [True, True, True, False]}, method="grpo")
    table = format_comparison_table(None, grpo, this)
    assert "one question apart (Δ questions ±1): de, average, seen average" in table
    rows = {line.split()[0]: line.split() for line in table.splitlines()[2:6]}
    assert rows["de"][-1] == "+1" and rows["en"][-1] == "+0"
    # Scored on different numbers of questions: no count of questions, but an interval all the same.
    fewer = card_from({"de": [True, False], "en": [True, True]}, method="grpo")
    rows = format_comparison_table(None, fewer, this).splitlines()
    assert rows[2].split()[-3:] == ["-63.3", "to", "+63.3"]  # de, with an empty "Δ questions" cell
    assert "one question apart" not in format_comparison_table(None, fewer, this)


def test_difference_interval_is_wider_with_fewer_questions_and_never_empty():
    from lrpo.evaluation.tables import difference_interval, question_difference

    small = difference_interval([(0.0, 2, 0.0, 2)])
    large = difference_interval([(0.0, 200, 0.0, 200)])
    assert small[0] < large[0] < 0 < large[1] < small[1]  # a width even at 0% vs 0%
    assert difference_interval([(0.5, None, 0.25, 4)]) is None
    assert question_difference([(0.5, 4, 0.25, 4), (0.0, 4, 0.25, 4)]) == 0
    assert question_difference([(0.5, 4, 0.25, 2)]) is None


def test_worst_language_says_when_several_tie():
    tied = card_from({"en": [True, False], "de": [False, False], "sw": [False, False]})
    assert "worst languages (2 tied): de, sw (0.0)" in format_table(tied)
    assert "worst languages (2 tied): de, sw (0.0)" in format_comparison_table(None, None, tied)
    single = card_from({"en": [True, False], "de": [False, False]})
    assert "worst language: de (0.0)" in format_table(single)


# Issue 15: a continuous metric (similarity to a reference, judge ratings) carried by its name and kind

# Similarity of each response to its reference (open_ended), parallel items p0..p3 in two languages.
SIMILARITY = {"de": [0.9, 0.8, 0.7, 0.6], "ja": [0.5, 0.25, 1.0, 0.0]}


def similarity_samples(scores: dict[str, list[float]]) -> list[dict]:
    return [{"id": f"p{i}", "lang": lang, "similarity": score, "correct": None, "fidelity": 1.0}
            for lang, column in scores.items() for i, score in enumerate(column)]


def similarity_card(scores=SIMILARITY, **options) -> dict:
    options = {"task": "open_ended", "split": "test", "model": "tiny", "seen_languages": ("de",),
               "metric": SIMILARITY_METRIC, **options}
    return build_scorecard(similarity_samples(scores), **options)


def test_a_verifier_scorecard_names_accuracy_and_an_old_one_is_read_as_accuracy(card):
    assert (card["metric"], card["metric_kind"]) == ("accuracy", "binary")
    old = {key: value for key, value in card.items() if key not in ("metric", "metric_kind")}
    assert scorecard_metric(old) == ("accuracy", "binary")
    assert format_table(old) == format_table(card)


def test_a_similarity_scorecard_holds_the_mean_score_with_intervals_and_no_consistency():
    card = similarity_card()
    assert (card["metric"], card["metric_kind"]) == ("similarity", "continuous")
    # The mean score, not the share of scores equal to 1 (which gave de 0 and ja 0.25 before).
    assert card["per_language"]["de"]["accuracy"] == pytest.approx(0.75)
    assert card["per_language"]["ja"]["accuracy"] == pytest.approx(0.4375)
    assert card["average"] == pytest.approx((0.75 + 0.4375) / 2)
    assert card["seen_average"] == pytest.approx(0.75) and card["unseen_average"] == pytest.approx(0.4375)
    assert card["worst_language"] == "ja"
    # No response is right or wrong: consistency is not defined (reading 1.0 as correct would count p2 in ja).
    assert card["consistency"] is None and card["consistency_items"] == 0 and card["ci95"]["consistency"] is None
    # The intervals are over the items' continuous scores: inside the observed range, around the mean.
    low, high = card["ci95"]["per_language"]["de"]
    assert 0.6 <= low < 0.75 < high <= 0.9
    low, high = card["ci95"]["average"]
    assert low < card["average"] < high


def test_continuous_scores_are_checked_and_must_be_present():
    with pytest.raises(ValueError, match=r"sample 'p0' \(de\): similarity must be a number in \[0, 1\], got 1.5"):
        similarity_card({"de": [1.5]})
    with pytest.raises(ValueError, match="got None"):
        similarity_card({"de": [None]})
    with pytest.raises(ValueError, match="no 'similarity' field"):
        build_scorecard(samples_from({"de": [True]}), task="t", split="s", model="m", metric=SIMILARITY_METRIC)


def test_scorecards_of_different_metrics_are_not_compared_or_aggregated(card):
    base = similarity_card()
    trained = similarity_card({"de": [1.0, 0.8, 0.7, 0.6], "ja": [0.5, 0.5, 1.0, 0.0]}, method="lrpo")
    compared = with_baseline(trained, base)
    assert compared["baseline"]["delta_per_language"]["de"] == pytest.approx(0.025)
    assert aggregate_scorecards([base, trained])["metric"] == "similarity"
    judged = {**base, "metric": "judge:care", "metric_kind": "continuous"}
    with pytest.raises(ValueError, match="different metrics: 'similarity' and 'judge:care'"):
        with_baseline(trained, judged)
    with pytest.raises(ValueError, match="different metrics"):
        aggregate_scorecards([base, judged])


def test_tables_name_the_metric_and_leave_out_what_needs_right_and_wrong():
    base = similarity_card()
    trained = similarity_card({"de": [1.0, 0.8, 0.7, 0.6], "ja": [0.5, 0.5, 1.0, 0.0]}, method="lrpo")
    table = format_table(trained, "markdown")
    assert table.splitlines()[0] == "| language | similarity % | 95% CI | fidelity % | n |"
    assert "consistency: - (not defined for a continuous similarity)" in table
    comparison = format_comparison_table(None, base, trained)
    de = next(line.split() for line in comparison.splitlines() if line.startswith("de "))
    # Δ +2.5 points; no binomial interval and no count of questions for a continuous score.
    assert de[1:] == ["75.0", "77.5", "+2.5", "-"]
    assert "values: mean similarity (%), a continuous score" in comparison
    assert "one question apart" not in comparison
