"""Kind 3 of issue 17, generation's end: evaluation stops where a model that has
answered runs on into a new question, in every registry language; the verifier
(tests/test_real_output.py) ignores what follows such a line either way."""

import pytest

from lrpo.evaluation.generation import HFGenerator
from lrpo.languages import LANGUAGES
from lrpo.tasks import Example, get_task
from lrpo.tasks.answers import cut_at_stop, run_on_stops
from tests.test_evaluate import always_emit
from tests.tiny_model import build_random_tiny_model


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    corpus = ["Question: Tom has 3 apples. The answer is 7.", "x x x x"]
    return build_random_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


def test_every_registry_language_has_a_stop_string():
    stops = run_on_stops()
    for code, lang in LANGUAGES.items():
        assert f"\n{lang.question_labels[0]}:" in stops, code
    assert "\n问题：" in stops and "\nQuestion :" in stops and "\nQ:" in stops


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_verifier_ignores_a_run_on_question_in_every_language(lang):
    """The stop string of each language, written into a response that did not stop,
    hides the invented answer from the verifier."""
    spec = LANGUAGES[lang]
    label = next(stop for stop in run_on_stops() if stop.startswith(f"\n{spec.question_labels[0]}"))
    response = f"3 + 4 = 7.\n{spec.answer_phrase} 18.{label} 3 + 4?\n{spec.answer_phrase} 7."
    example = Example("mgsm-0", lang, "q", "18")
    assert get_task("mgsm").score(response, example, lang) == 1.0
    assert cut_at_stop(response, run_on_stops()) == f"3 + 4 = 7.\n{spec.answer_phrase} 18."


def test_cut_at_stop_takes_the_earliest_stop():
    assert cut_at_stop("a\nFrage: b\nQuestion: c", run_on_stops()) == "a"
    assert cut_at_stop("no stop here", run_on_stops()) == "no stop here"
    assert cut_at_stop("a\nQuestion: b", ()) == "a\nQuestion: b"


def test_generation_stops_at_a_stop_string_and_drops_it(tiny_model):
    conversation = [{"role": "user", "content": "Question: Tom has 3 apples."}]
    generator = HFGenerator(tiny_model, max_new_tokens=40, stop=("xxx",))
    always_emit(generator, generator.tokenizer.encode("x", add_special_tokens=False)[0])
    calls = []
    generate = generator.model.generate
    generator.model.generate = lambda **kwargs: calls.append(kwargs) or generate(**kwargs)
    assert generator.generate([conversation]) == [""]
    assert calls[0]["stop_strings"] == ["xxx"]
    new_tokens = generate(**calls[0]).shape[1] - calls[0]["input_ids"].shape[1]
    assert new_tokens < 40  # stopped, not merely cut afterwards
    default = HFGenerator(tiny_model, max_new_tokens=5)
    assert default.stop == run_on_stops()
    assert HFGenerator(tiny_model, max_new_tokens=5, stop=()).stop == ()
