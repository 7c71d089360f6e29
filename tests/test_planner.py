"""Tests of the rollout planner: group composition per method, validation, determinism."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrpo.languages import PAPER_LANGUAGES
from lrpo.router.language_router import LanguageRouter
from lrpo.router.mixes import is_mix_string, parse_mix
from lrpo.router.planner import METHODS, RolloutPlanner

CONTEXT = ("topic:math", "qlang:de")


def lrpo_planner(**options) -> RolloutPlanner:
    router = LanguageRouter(PAPER_LANGUAGES)
    return RolloutPlanner("lrpo", PAPER_LANGUAGES, router=router, **options)


def test_grpo_keeps_every_rollout_in_the_question_language():
    assert RolloutPlanner("grpo", k=8).plan("sw") == ["sw"] * 8


@pytest.mark.parametrize(
    ("k", "k_on", "n_input"),
    [(8, 2, 2), (8, 0, 2), (8, 4, 4), (4, 0, 1), (6, 0, 2), (2, 0, 1), (1, 0, 1), (16, 2, 4)],
)
def test_en_dominant_is_a_quarter_input_rounded_up(k, k_on, n_input):
    plan = RolloutPlanner("en-dominant", k=k, k_on=k_on).plan("de")
    assert plan == ["de"] * n_input + ["en"] * (k - n_input)


@pytest.mark.parametrize(("k", "k_on", "n_input"), [(8, 2, 5), (8, 0, 4), (7, 0, 4), (3, 3, 3)])
def test_input_dominant_keeps_k_on_plus_half_the_rest(k, k_on, n_input):
    planner = RolloutPlanner("input-dominant", k=k, k_on=k_on)
    plan = planner.plan("de", rng=planner.generator(0))
    assert plan[:n_input] == ["de"] * n_input
    assert "de" not in plan[n_input:]
    assert set(plan[n_input:]) <= set(PAPER_LANGUAGES)


def test_input_dominant_with_a_single_candidate_stays_in_it():
    planner = RolloutPlanner("input-dominant", languages=["de"], k=4, k_on=0)
    assert planner.plan("de", rng=planner.generator(0)) == ["de"] * 4


def test_uniform_draws_the_rest_uniformly_over_candidates():
    planner = RolloutPlanner("uniform", languages=["en", "de", "zh"], k=8, k_on=2)
    rng = planner.generator(0)
    rest = Counter()
    for _ in range(3000):
        plan = planner.plan("ja", rng=rng)
        assert plan[:2] == ["ja", "ja"]
        rest.update(plan[2:])
    assert set(rest) == {"en", "de", "zh"}
    for count in rest.values():
        assert count / 18_000 == pytest.approx(1 / 3, abs=0.02)


def test_a_mix_string_draws_from_its_weights():
    planner = RolloutPlanner("en:3,zh:1", k=8, k_on=2)
    rng = planner.generator(0)
    rest = Counter()
    for _ in range(3000):
        plan = planner.plan("de", rng=rng)
        assert plan[:2] == ["de", "de"]
        rest.update(plan[2:])
    assert set(rest) == {"en", "zh"}
    assert rest["en"] / 18_000 == pytest.approx(0.75, abs=0.02)


def test_lrpo_draws_the_rest_from_the_router():
    router = LanguageRouter(["en", "de", "zh"], prior="en:9,zh:1", eps=0.0)
    planner = RolloutPlanner("lrpo", ["en", "de", "zh"], k=8, k_on=2, router=router)
    rng = planner.generator(0)
    rest = Counter()
    for _ in range(3000):
        plan = planner.plan("de", CONTEXT, rng=rng)
        assert plan[:2] == ["de", "de"]
        rest.update(plan[2:])
    for code, p in router.probs(CONTEXT).items():
        assert rest[code] / 18_000 == pytest.approx(p, abs=0.02)


def test_same_seed_and_step_give_the_same_plans():
    first, second = lrpo_planner(seed=5), lrpo_planner(seed=5)
    plans_a = [first.plan("de", CONTEXT, rng=first.generator(3, rank=1)) for _ in range(3)]
    plans_b = [second.plan("de", CONTEXT, rng=second.generator(3, rank=1)) for _ in range(3)]
    assert plans_a == plans_b
    later = [first.plan("de", CONTEXT, rng=first.generator(step)) for step in range(4, 30)]
    assert any(plan != plans_a[0] for plan in later)


# ----------------------------------------------------------------------------- mixes


def test_parse_mix_normalises_relative_weights():
    assert parse_mix("en:4,zh:2") == {"en": 4 / 6, "zh": 2 / 6}
    assert parse_mix(" en : 1.5 , de:0.5 ") == {"en": 0.75, "de": 0.25}
    assert list(parse_mix("zh:1,en:1")) == ["zh", "en"]
    assert is_mix_string("en:1") and not is_mix_string("uniform")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "non-empty"),
        ("en:4,", "'language:weight'"),
        ("en", "'language:weight'"),
        ("en:1:2", "'language:weight'"),
        ("english:1", "unknown language 'english'"),
        ("en:1,en:2", "twice"),
        ("en:heavy", "not a number"),
        ("en:0", "positive"),
        ("en:nan", "positive"),
        ("en:inf", "positive"),
    ],
)
def test_parse_mix_rejects_malformed_mixes(text, message):
    with pytest.raises(ValueError, match=message):
        parse_mix(text)


# ------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "grpo", "k": 0}, "k must be"),
        ({"method": "grpo", "k": 4, "k_on": 5}, "k_on"),
        ({"method": "grpo", "k_on": -1}, "k_on"),
        ({"method": "grpo", "k": 2.5}, "k must be"),
        ({"method": "best-of"}, "unknown method 'best-of'"),
        ({"method": "grpo", "languages": []}, "empty"),
        ({"method": "grpo", "languages": ["en", "klingon"]}, "unknown language 'klingon'"),
        ({"method": "grpo", "languages": ["en", "en"]}, "duplicates"),
        ({"method": "en:4,xx:2"}, "unknown language 'xx'"),
        ({"method": "en:4,zh:-2"}, "weight"),
        ({"method": "en:4,sw:2"}, "not candidate languages"),
        ({"method": "lrpo"}, "needs a router"),
        ({"method": "en-dominant", "languages": ["de", "zh"]}, "'en'"),
        ({"method": "grpo", "router": LanguageRouter(PAPER_LANGUAGES)}, "only used by"),
        ({"method": "lrpo", "router": LanguageRouter(["en", "de"])}, "differ"),
    ],
)
def test_invalid_planners_raise_before_any_work(options, message):
    with pytest.raises(ValueError, match=message):
        RolloutPlanner(**options)


def test_plan_rejects_unknown_question_languages_and_missing_generators():
    planner = RolloutPlanner("uniform")
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        planner.plan("xx", rng=planner.generator(0))
    with pytest.raises(ValueError, match="rng"):
        planner.plan("de")


# ------------------------------------------------------------------------ properties

method_names = st.sampled_from(METHODS + ("en:4,zh:2", "de:1"))


@settings(max_examples=100, deadline=None)
@given(
    method_names,
    st.integers(1, 16).flatmap(lambda k: st.tuples(st.just(k), st.integers(0, k))),
    st.sampled_from(("de", "en", "sw", "zh")),
    st.integers(0, 1000),
)
def test_every_plan_has_k_languages_and_honours_k_on(method, k_and_k_on, question, step):
    k, k_on = k_and_k_on
    router = LanguageRouter(PAPER_LANGUAGES) if method == "lrpo" else None
    planner = RolloutPlanner(method, PAPER_LANGUAGES, k=k, k_on=k_on, router=router)
    plan = planner.plan(question, CONTEXT, rng=planner.generator(step))
    assert len(plan) == k
    assert plan[:k_on] == [question] * k_on
    assert set(plan) <= set(PAPER_LANGUAGES) | {question}
    if method == "grpo":
        assert plan == [question] * k
