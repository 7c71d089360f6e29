"""The trainer's reward: verifier quality × language gate (+ format), component by
component, with the real MGSM verifier and real MGSM questions."""

import time

import pytest

from lrpo.languages import MGSM_LANGUAGES, get_language
from lrpo.rewards.gated_reward import ChrFReward, LanguageGate, LanguageGatedReward, RewardBreakdown, format_score
from lrpo.rewards.lid import language_probabilities
from lrpo.tasks import Example, get_task
from tests.test_lid import HOSTILE, NEIGHBOUR_TEXT, SENTENCES

# A line of reasoning in each response language, written for these tests.
REASONING = {
    "de": "Wir rechnen die Aufgabe Schritt für Schritt durch und zählen am Ende alles zusammen.",
    "en": "We work through the problem step by step and add everything up at the end.",
    "ja": "問題を順番に考えて、最後に全部を足し合わせます。",
    "sw": "Tunatatua swali hili hatua kwa hatua na kujumlisha kila kitu mwishoni.",
}


def response(lang: str, answer: str) -> str:
    return f"{REASONING[lang]}\n{get_language(lang).answer_phrase} {answer}."


@pytest.fixture(scope="module")
def mgsm():
    return get_task("mgsm")


@pytest.fixture(scope="module")
def examples(mgsm, data_dir):
    return mgsm.load("test", langs=["de", "en", "ja", "sw"], data_dir=data_dir, limit=5)


def wrong(answer: str) -> str:
    return str(int(answer) + 1)


# The gate


def test_hard_gate_is_one_in_the_requested_language_and_zero_otherwise():
    gate = LanguageGate("hard")
    assert gate(SENTENCES["de"][0], "de") == 1.0
    assert gate(SENTENCES["de"][0], "en") == 0.0
    assert gate("42", "de") == 0.0  # nothing to identify: fails, so bare numbers cannot dodge the gate


# Kind 12 of issue 17: a neighbouring language outside the candidate set.
@pytest.mark.parametrize("text_lang, requested, candidates", [
    ("pt", "es", ("es", "en")), ("it", "es", ("es", "en")), ("nl", "de", ("de", "en")),
    ("uk", "ru", ("ru", "en")), ("ca", "es", ("es", "fr")), ("gl", "es", ("es",)),
    ("es", "pt", ("pt", "en")), ("pt", "es", MGSM_LANGUAGES),
])
def test_hard_gate_rejects_a_neighbouring_language_by_itself(text_lang, requested, candidates):
    text = NEIGHBOUR_TEXT[text_lang] + " " + REASONING_NEIGHBOURS.get(text_lang, "")
    gate = LanguageGate("hard", candidates=candidates)
    result = gate.evaluate(text, requested)
    assert result.value == 0.0 and result.fidelity == 0.0 and result.detected_lang == text_lang
    assert LanguageGate("hard", candidates=candidates)(SENTENCES[requested][0], requested) == 1.0


REASONING_NEIGHBOURS = {
    "pt": "Primeiro calculamos quantos ovos sobram e depois multiplicamos pelo preço de cada um.",
    "it": "Prima calcoliamo quante uova restano e poi moltiplichiamo per il prezzo di ciascuno.",
    "nl": "Eerst berekenen we hoeveel eieren er over zijn en dan vermenigvuldigen we met de prijs.",
    "uk": "Спочатку порахуємо, скільки яєць залишилося, а потім помножимо на ціну кожного.",
    "ca": "Primer calculem quants ous queden i després multipliquem pel preu de cadascun.",
    "gl": "Primeiro calculamos cantos ovos quedan e despois multiplicamos polo prezo de cada un.",
}


# Kind 11 of issue 17: a long drift in the middle of a response.
def _drifting(lang: str, foreign: str, head: int, middle: int, tail: int) -> str:
    def fill(text: str, size: int) -> str:
        return (text + " ") * (size // (len(text) + 1) + 1)

    return fill(SENTENCES[lang][0], head)[:head] + fill(SENTENCES[foreign][0], middle)[:middle] + \
        fill(SENTENCES[lang][1], tail)[:tail]


@pytest.mark.parametrize("lang, foreign", [("zh", "en"), ("de", "en"), ("ru", "fr")])
def test_hard_gate_judges_the_whole_response(lang, foreign):
    gate = LanguageGate("hard", candidates=MGSM_LANGUAGES)
    # The case: 12,000 characters asked in zh, the middle 7,000 in English.
    assert gate(_drifting(lang, foreign, 2_500, 7_000, 2_500), lang) == 0.0
    assert gate(_drifting(lang, foreign, 4_000, 4_000, 4_000), lang) == 0.0   # a third drifts
    assert gate(_drifting(lang, foreign, 5_900, 200, 5_900), lang) == 1.0     # a quoted line does not
    assert gate(_drifting(lang, lang, 4_000, 4_000, 4_000), lang) == 1.0
    soft = LanguageGate("soft", candidates=MGSM_LANGUAGES)
    assert soft(_drifting(lang, foreign, 2_500, 7_000, 2_500), lang) < 0.75


def test_soft_gate_is_the_probability_of_the_requested_language():
    gate = LanguageGate("soft", candidates=["de", "en", "nl"])
    text = "Das Haus ist groß und alt."
    probs = language_probabilities(text, ["de", "en", "nl"])
    for lang in ("de", "en", "nl"):
        assert gate(text, lang) == pytest.approx(probs[lang])
    assert gate(SENTENCES["de"][0], "de") > 0.9
    assert gate(SENTENCES["de"][0], "en") < 0.1
    assert gate("", "de") == 0.0


def test_gate_merges_indonesian_and_malay_when_both_are_candidates():
    text = SENTENCES["id"][0]  # taken for Malay by the identifier when both are candidates
    hard, soft = LanguageGate("hard"), LanguageGate("soft")
    probs = language_probabilities(text)
    assert hard(text, "id") == 1.0 and hard(text, "ms") == 1.0
    assert soft(text, "id") == pytest.approx(probs["id"] + probs["ms"])
    assert LanguageGate("hard", ["id", "en"])(text, "id") == 1.0


def test_gate_checks_the_requested_language():
    with pytest.raises(ValueError, match="supported: ar"):
        LanguageGate("hard")(SENTENCES["de"][0], "xx")
    with pytest.raises(ValueError, match="not among the gate's candidate"):
        LanguageGate("hard", ["de", "en"])(SENTENCES["de"][0], "fr")
    with pytest.raises(ValueError, match="unknown gate mode"):
        LanguageGate("strict")


def test_gate_batch_matches_single_calls():
    gate = LanguageGate("soft")
    texts = [SENTENCES[lang][0] for lang in ("de", "en", "ja", "sw")]
    requested = ["de", "de", "ja", "en"]
    assert gate.batch(texts, requested) == [gate(t, r) for t, r in zip(texts, requested, strict=True)]


# Composition with the MGSM verifier


def test_correct_answer_in_the_requested_language_earns_one(mgsm, examples):
    reward = LanguageGatedReward(mgsm, gate="hard")
    for ex in examples:
        result = reward(response(ex.lang, ex.answer), ex)
        assert result == RewardBreakdown(total=1.0, quality=1.0, gate=1.0, format=1.0, fidelity=1.0,
                                         detected_lang=ex.lang, detected_prob=result.detected_prob)
        # Asked for Japanese, answered in Japanese: routed rollouts are judged in their own language.
        assert reward(response("ja", ex.answer), ex, response_lang="ja").total == 1.0


def test_correct_answer_in_the_wrong_language_earns_zero_but_reports_quality(mgsm, examples):
    reward = LanguageGatedReward(mgsm, gate="hard")
    for ex in [e for e in examples if e.lang == "de"]:
        result = reward(response("en", ex.answer), ex, response_lang="de")
        assert (result.total, result.quality, result.gate, result.fidelity) == (0.0, 1.0, 0.0, 0.0)
        assert result.detected_lang == "en"


def test_wrong_answer_earns_zero(mgsm, examples):
    reward = LanguageGatedReward(mgsm, gate="hard")
    for ex in examples:
        result = reward(response(ex.lang, wrong(ex.answer)), ex)
        assert (result.total, result.quality, result.gate) == (0.0, 0.0, 1.0)


def test_format_term_is_added_with_its_weight(mgsm, examples):
    reward = LanguageGatedReward(mgsm, gate="hard", format_weight=0.1)
    ex = examples[0]
    assert reward(response(ex.lang, ex.answer), ex).total == pytest.approx(1.1)
    assert reward(response(ex.lang, wrong(ex.answer)), ex).total == pytest.approx(0.1)
    # No answer phrase: the verifier still reads the last number, but nothing was committed to.
    uncommitted = f"{REASONING[ex.lang]} {ex.answer}"
    result = reward(uncommitted, ex)
    assert (result.quality, result.format, result.total) == (1.0, 0.0, 1.0)
    assert format_score(f"{REASONING['en']} \\boxed{{7}}", "de") == 1.0


def test_gate_off_rewards_quality_alone_and_still_reports_fidelity(mgsm, examples):
    ex = [e for e in examples if e.lang == "de"][0]
    for off in (None, "off"):
        result = LanguageGatedReward(mgsm, gate=off)(response("en", ex.answer), ex, response_lang="de")
        assert (result.total, result.gate, result.quality, result.fidelity) == (1.0, 1.0, 1.0, 0.0)
        assert result.detected_lang == "en"


def test_soft_gate_scales_quality_by_the_language_probability(mgsm, examples):
    reward = LanguageGatedReward(mgsm, gate="soft", candidates=["de", "en", "ja", "sw"])
    for ex in examples:
        result = reward(response(ex.lang, ex.answer), ex)
        assert 0.5 < result.gate <= 1.0
        assert result.total == pytest.approx(result.quality * result.gate)


def test_batch_matches_single_calls(mgsm, examples):
    reward = LanguageGatedReward(mgsm, gate="hard", format_weight=0.5)
    langs = ["de", "en", "ja", "sw", None] * 4
    responses = [response(lang or ex.lang, ex.answer if i % 3 else wrong(ex.answer))
                 for i, (ex, lang) in enumerate(zip(examples, langs, strict=True))]
    singles = [reward(r, ex, lang) for r, ex, lang in zip(responses, examples, langs, strict=True)]
    assert reward.batch(responses, examples, langs) == singles


def test_reward_configuration_errors(mgsm):
    with pytest.raises(ValueError, match="needs a task"):
        LanguageGatedReward(None)
    with pytest.raises(ValueError, match="unknown quality"):
        LanguageGatedReward(mgsm, quality="bleu")


@pytest.mark.parametrize("name", sorted(HOSTILE) + ["empty"])
def test_hostile_responses_are_scored_in_bounded_time(mgsm, examples, name):
    text = HOSTILE.get(name, "")
    reward = LanguageGatedReward(mgsm, gate="soft", format_weight=0.1)
    start = time.perf_counter()
    result = reward(text, examples[0])
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{name}: {elapsed:.2f} s"
    assert 0.0 <= result.total <= 1.1


# chrF


def test_chrf_reward():
    chrf = ChrFReward()
    ex = Example(id="t-0", lang="en", question="Why was he wet?", answer=SENTENCES["en"][1])
    assert chrf(SENTENCES["en"][1], ex) == pytest.approx(1.0)
    assert chrf(SENTENCES["en"][0], ex) < 0.3
    assert 0.3 < chrf("My brother forgot the umbrella and came home soaked.", ex) < 1.0
    assert chrf("", ex) == 0.0
    start = time.perf_counter()
    assert chrf(HOSTILE["megabyte of German"], ex) < 0.1
    assert time.perf_counter() - start < 2.0
    reward = LanguageGatedReward(gate="hard", quality=chrf)
    assert reward(SENTENCES["en"][1], ex).total == pytest.approx(1.0)
    assert reward(SENTENCES["de"][1], ex, response_lang="en").total == 0.0
    assert [r.total for r in reward.batch([SENTENCES["en"][1]] * 2, [ex, ex])] == pytest.approx([1.0, 1.0])
