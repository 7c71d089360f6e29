"""Hindi (hi), CARE-pro's unseen language: prompted, verified and gated like every
registry language, while adding it changed no tiny model's tokenizer (their tags are
pinned, ``lrpo.models.tokenizer.TAG_LANGUAGES``) and no other language's plot colour
(``lrpo.evaluation.plots.LANGUAGE_COLOR_SLOTS``). Its identification accuracy is in
tests/test_lid.py."""

import hashlib
import json

import pytest

from lrpo.evaluation import plots
from lrpo.languages import CARE_PRO_LANGUAGES, LANGUAGES, MGSM_LANGUAGES
from lrpo.models.tiny import TinyModelConfig, _tokenizer_corpus, model_dir, world_task
from lrpo.models.tokenizer import TAG_LANGUAGES, special_tokens, train_tokenizer
from lrpo.rewards.gated_reward import LanguageGate
from lrpo.tasks import Example, get_task
from lrpo.tasks.prompts import language_tag

# Written for this test: a worked answer to MGSM's first question, and the same
# reasoning in Marathi and in Nepali (Hindi's neighbours in Devanagari).
HINDI_RESPONSE = ("जेनेट की बत्तखें रोज़ 16 अंडे देती हैं। वह सुबह 3 अंडे खाती है और 4 अंडों से मफ़िन बनाती है, "
                  "इसलिए 16 - 3 - 4 = 9 अंडे बचते हैं। हर अंडा $2 में बिकता है, तो वह रोज़ 9 × 2 = 18 डॉलर "
                  "कमाती है।\nउत्तर है 18")
NEIGHBOUR_RESPONSES = {
    "mr": "आधी आपण शिल्लक राहिलेली अंडी मोजू आणि मग प्रत्येकाच्या किमतीने गुणाकार करू. 16 - 3 - 4 = 9, "
          "म्हणून ती दररोज 9 × 2 = 18 डॉलर कमावते.",
    "ne": "पहिले हामी कति अण्डा बाँकी छन् भनेर गन्छौं र त्यसपछि प्रत्येकको मूल्यले गुणा गर्छौं। 16 - 3 - 4 = 9, "
          "त्यसैले उनी दिनहुँ 9 × 2 = 18 डलर कमाउँछिन्।",
}


def test_the_prompt_asks_in_hindi_for_the_answer_phrase():
    example = Example("mgsm-0", "en", "Janet has 16 eggs. How many are left?", "9")
    content = get_task("mgsm").prompt(example, "hi")[-1]["content"]
    assert content.endswith("हिंदी में उत्तर दें। अपना उत्तर \"उत्तर है N\" लिखकर समाप्त करें।")


@pytest.mark.parametrize("response, score", [
    (HINDI_RESPONSE, 1.0),
    ("अंतिम उत्तर: १८", 1.0),                      # Devanagari digits
    ("**अंतिम उत्तर है** 18", 1.0),
    ("उत्तर: 18", 1.0),
    ("तो उत्तर 18 है।", 1.0),                      # verb last: no phrase, the last number
    ("इसका उत्तर है कि 3 से 5 गुना, उत्तर है 17", 0.0),  # "the answer is that ...": no number follows closely
])
def test_the_verifier_reads_hindi_answers(response, score):
    assert get_task("mgsm").score(response, Example("mgsm-0", "hi", "q", "18"), "hi") == score


@pytest.mark.parametrize("candidates", [CARE_PRO_LANGUAGES, MGSM_LANGUAGES + ("hi",)])
def test_the_gate_passes_hindi_and_rejects_marathi_and_nepali_asked_in_hindi(candidates):
    gate = LanguageGate("hard", candidates)
    assert gate(HINDI_RESPONSE, "hi") == 1.0
    assert gate(HINDI_RESPONSE, "zh") == 0.0
    for code, text in NEIGHBOUR_RESPONSES.items():
        verdict = gate.evaluate(text, "hi")
        assert (verdict.value, verdict.detected_lang) == (0.0, code)


def test_the_tiny_models_tokenizer_is_the_one_built_before_hindi():
    """Hindi gets no tag in a tiny model, so the smoke model trains exactly the
    tokenizer it trained before Hindi was registered (vocabulary, merges, special
    tokens: their digest then), under the same cache name."""
    assert "hi" in LANGUAGES and "hi" not in TAG_LANGUAGES and set(TAG_LANGUAGES) < set(LANGUAGES)
    assert language_tag("hi") not in special_tokens()
    config = TinyModelConfig.smoke()
    assert model_dir(config, "/cache").name == "tiny-arith-d66e54881af8"
    corpus = _tokenizer_corpus(world_task(config), config.tokenizer_problems)
    tokenizer = train_tokenizer(corpus, config.vocab_size)
    saved = json.loads(tokenizer.backend_tokenizer.to_str())
    payload = json.dumps({"vocab": saved["model"]["vocab"], "merges": saved["model"]["merges"],
                          "added": [token["content"] for token in saved["added_tokens"]]},
                         sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(payload.encode()).hexdigest()
    assert digest == "bd47b25cc26ea8c3dddf31167a1574e758f941434c513f57df79264aa3f3e797"


# The registry before Hindi, in order: a language's place in it was its colour.
BEFORE_HINDI = ("ar", "bn", "de", "en", "es", "et", "fr", "ht", "id", "it", "ja", "ko", "ms", "nl", "pl", "pt",
                "qu", "ru", "sw", "ta", "te", "th", "tr", "vi", "zh")


def test_adding_hindi_recoloured_no_language():
    from matplotlib import colormaps

    for index, code in enumerate(BEFORE_HINDI):
        before = (colormaps["tab20"](2 * (index % 10) + index // 10) if index < 20
                  else colormaps["tab20b"]((4 * (index - 20) + 1) % 20))
        assert plots.language_color(code) == before, code
    assert set(plots.LANGUAGE_COLOR_SLOTS) == set(LANGUAGES)
    colours = [plots.language_color(code) for code in LANGUAGES]
    assert len(set(colours)) == len(colours)


def test_forty_colour_slots_have_forty_colours(monkeypatch):
    slots = {f"x{slot}": slot for slot in range(40)}
    monkeypatch.setattr(plots, "LANGUAGE_COLOR_SLOTS", slots)
    assert len({plots.language_color(code) for code in slots}) == 40
    assert plots.language_color("unslotted") == plots.language_color("x0")
