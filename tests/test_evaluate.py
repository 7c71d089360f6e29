"""Evaluation end to end on the real MGSM files: the CLI with a tiny random model,
the scorer on hand-written responses, and the generation backends."""

import importlib.util
import json

import pytest
import torch

from lrpo.evaluate import main
from lrpo.evaluation.evaluator import evaluate, evaluation_gate, response_languages, score_responses
from lrpo.evaluation.generation import HFGenerator, VLLMGenerator, make_generator
from lrpo.evaluation.scorecard import build_scorecard
from lrpo.languages import MGSM_LANGUAGES
from lrpo.tasks import get_task
from lrpo.tasks.numbers import format_number, parse_gold_number
from tests.responses import committed_response
from tests.test_lid import SENTENCES
from tests.tiny_model import build_random_tiny_model

SAMPLE_FIELDS = {"id", "lang", "response_lang", "prompt", "response", "extracted", "gold", "detected_lang",
                 "detected_prob", "fidelity", "line_fidelity", "code_switched", "response_tokens", "correct"}
SCORECARD_KEYS = {"task", "split", "model", "method", "seed", "n_per_language", "per_language", "average",
                  "seen_average", "unseen_average", "worst_language", "fidelity_average", "consistency",
                  "line_fidelity_average", "code_switching_average", "response_tokens_average",
                  "baseline", "ci95"}


@pytest.fixture(scope="module")
def mgsm():
    return get_task("mgsm")


@pytest.fixture(scope="module")
def examples(mgsm, data_dir):
    return mgsm.load("test", data_dir=data_dir, limit=2)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, mgsm, examples):
    corpus = [message["content"] for example in examples for message in mgsm.prompt(example)]
    return build_random_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


def answer(lang: str, gold: str, offset: int = 0, reasoning_lang: str | None = None) -> str:
    """A response reasoning in ``reasoning_lang`` (default ``lang``) that ends with
    ``lang``'s answer phrase and the gold number (plus ``offset``) as ``lang`` writes it."""
    value = format_number(parse_gold_number(gold) + offset, lang)
    return committed_response(lang, value, reasoning=SENTENCES[reasoning_lang or lang][0])


def test_cli_evaluates_every_mgsm_language_and_writes_the_three_files(tiny_model, data_dir, tmp_path, capsys):
    out = tmp_path / "eval"
    code = main(["--task", "mgsm", "--model", str(tiny_model), "--data-dir", str(data_dir), "--limit", "2",
                 "--max-new-tokens", "8", "--batch-size", "8", "--output-dir", str(out), "--seed", "5"])
    assert code == 0
    card = json.loads((out / "scorecard.json").read_text())
    assert SCORECARD_KEYS <= set(card)
    assert set(card["per_language"]) == set(MGSM_LANGUAGES)
    assert card["n_per_language"] == 2 and card["seed"] == 5 and card["model"] == str(tiny_model)
    assert card["seen_languages"] == ["de", "en", "es", "fr", "ja", "ru", "zh"]
    for stats in card["per_language"].values():
        assert stats["n"] == 2 and 0.0 <= stats["accuracy"] <= 1.0 and 0.0 <= stats["fidelity"] <= 1.0

    lines = (out / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 22
    samples = [json.loads(line) for line in lines]
    for sample in samples:
        assert set(sample) == SAMPLE_FIELDS
        assert sample["response_lang"] == sample["lang"]
        assert sample["prompt"][-1]["role"] == "user" and isinstance(sample["response"], str)
        assert isinstance(sample["correct"], bool)
        # The generator's own count of the tokens it generated, at most the budget of 8.
        assert isinstance(sample["response_tokens"], int) and 0 <= sample["response_tokens"] <= 8
        assert sample["line_fidelity"] in (0.0, 1.0) and sample["line_fidelity"] <= sample["fidelity"]
    assert {(s["id"], s["lang"]) for s in samples} == {(f"mgsm-{i}", lang) for i in range(2)
                                                       for lang in MGSM_LANGUAGES}
    # The scorecard is the summary of exactly these samples.
    for lang in MGSM_LANGUAGES:
        mine = [s for s in samples if s["lang"] == lang]
        assert card["per_language"][lang]["accuracy"] == sum(s["correct"] for s in mine) / 2

    markdown = (out / "scorecard.md").read_text(encoding="utf-8")
    assert markdown.startswith("# mgsm (test)") and "| average |" in markdown
    printed = capsys.readouterr().out
    assert "average" in printed and "worst language" in printed


def test_scorer_marks_right_answers_in_the_right_language_correct_and_faithful(mgsm, examples):
    langs = response_languages(examples)
    gate = evaluation_gate(mgsm, langs)
    responses = [answer(ex.lang, ex.answer) for ex in examples]
    samples = score_responses(mgsm, examples, responses, langs, gate)
    for sample in samples:
        assert sample["correct"] and sample["fidelity"] == 1.0, sample
        assert sample["detected_lang"] == sample["lang"]
        assert parse_gold_number(sample["extracted"]) == parse_gold_number(sample["gold"])
    card = build_scorecard(samples, task="mgsm", split="test", model="scripted")
    assert card["average"] == 1.0 and card["fidelity_average"] == 1.0 and card["consistency"] == 1.0


def test_scorer_separates_wrong_answers_from_answers_in_the_wrong_language(mgsm, examples):
    german = [ex for ex in examples if ex.lang == "de"]
    gate = evaluation_gate(mgsm, ["de"])
    wrong_number = answer("de", german[0].answer, offset=1)
    # Right number, German answer phrase, but the reasoning is in English.
    wrong_language = answer("de", german[1].answer, reasoning_lang="en")
    samples = score_responses(mgsm, german, [wrong_number, wrong_language], ["de", "de"], gate)
    assert not samples[0]["correct"] and samples[0]["fidelity"] == 1.0
    assert samples[1]["correct"] and samples[1]["fidelity"] == 0.0 and samples[1]["detected_lang"] == "en"


def test_scorer_rejects_misaligned_inputs(mgsm, examples):
    gate = evaluation_gate(mgsm, ["de"])
    with pytest.raises(ValueError, match="one to one"):
        score_responses(mgsm, examples[:2], ["only one"], ["de", "de"], gate)


class AnswerKey:
    """A generator that answers every prompt with the gold number in the requested
    language: the interface ``evaluate`` accepts besides real models."""

    name = "answer-key"

    def __init__(self, examples, response_lang):
        self.by_question = {}
        for example in examples:
            self.by_question[example.question] = answer(response_lang or example.lang, example.answer)
        self.conversations = []

    def generate(self, conversations, progress=False):
        self.conversations.extend(conversations)
        return [next(text for question, text in self.by_question.items()
                     if conversation[-1]["content"].startswith(question))
                for conversation in conversations]


def test_evaluate_asks_for_english_when_told_and_gates_on_english(mgsm, examples, data_dir, tmp_path):
    generator = AnswerKey(examples, "en")
    card = evaluate(mgsm, generator, langs=["de", "ja"], response_lang="en", limit=2, data_dir=data_dir,
                    output_dir=tmp_path, seen_languages=["de"], progress=False)
    assert all("Answer in English." in c[-1]["content"] for c in generator.conversations)
    # AnswerKey keeps no token counts and has no tokenizer: response tokens are unknown.
    in_english = {"accuracy": 1.0, "fidelity": 1.0, "line_fidelity": 1.0, "code_switching": 0.0,
                  "response_tokens": None, "n": 2}
    assert card["per_language"] == {"de": in_english, "ja": in_english}
    assert card["model"] == "answer-key" and card["response_lang"] == "en"
    samples = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert {s["response_lang"] for s in samples} == {"en"} and {s["detected_lang"] for s in samples} == {"en"}


def test_evaluate_fills_the_baseline_block(mgsm, examples, data_dir):
    generator = AnswerKey(examples, None)
    baseline = build_scorecard([{"id": "mgsm-0", "lang": "de", "correct": False, "fidelity": 1.0},
                                {"id": "mgsm-1", "lang": "de", "correct": True, "fidelity": 1.0}],
                               task="mgsm", split="test", model="m", method="grpo", seen_languages=["de"])
    card = evaluate("mgsm", generator, langs=["de"], limit=2, data_dir=data_dir, seen_languages=["de"],
                    method="lrpo", baseline=baseline, progress=False)
    assert card["baseline"]["method"] == "grpo"
    assert card["baseline"]["delta_average"] == pytest.approx(0.5)


def test_evaluate_accepts_a_loaded_model_and_hands_it_back_in_training_mode(tiny_model, mgsm, data_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    model.train()  # as a trainer holds it
    card = evaluate(mgsm, model, langs=["de"], limit=1, data_dir=data_dir, max_new_tokens=4,
                    tokenizer=AutoTokenizer.from_pretrained(tiny_model), seen_languages=["de"], progress=False)
    assert card["model"] == str(tiny_model) and card["per_language"]["de"]["n"] == 1
    assert card["backend"] == "HFGenerator"
    assert model.training
    with pytest.raises(ValueError, match="only be evaluated with the hf backend"):
        evaluate(mgsm, model, backend="vllm", langs=["de"], limit=1, data_dir=data_dir)


def test_evaluate_rejects_unknown_options(mgsm, tiny_model, data_dir):
    with pytest.raises(ValueError, match="unknown language"):
        evaluate(mgsm, tiny_model, response_lang="xx", limit=1, data_dir=data_dir)
    with pytest.raises(ValueError, match="unknown cue"):
        evaluate(mgsm, tiny_model, cue="shout", limit=1, data_dir=data_dir)
    with pytest.raises(ValueError, match="unknown backend"):
        make_generator("tgi", tiny_model)


def random_head(generator: HFGenerator, seed: int = 0) -> torch.nn.Linear:
    """An untied random output layer. The tiny model's tied head echoes its last
    input token (an end-of-prompt marker) whatever the prompt, which would make
    every response the same; this one makes responses depend on the whole prompt."""
    config = generator.model.config
    torch.manual_seed(seed)
    head = torch.nn.Linear(config.hidden_size, config.vocab_size, bias=False)
    head.weight.data.normal_(0.0, 1.0)
    return head


def test_left_padded_batches_give_the_same_greedy_responses_as_one_at_a_time(tiny_model, mgsm, examples):
    # Prompts of very different lengths share a batch: with a wrong padding side or
    # attention mask, the short ones would continue from pad tokens.
    conversations = [mgsm.prompt(ex) for ex in examples[:6]]
    batched = HFGenerator(tiny_model, batch_size=6, max_new_tokens=12)
    single = HFGenerator(tiny_model, batch_size=1, max_new_tokens=12)
    batched.model.lm_head = single.model.lm_head = random_head(batched)
    responses = batched.generate(conversations)
    assert responses == [single.generate([c])[0] for c in conversations]
    assert len(set(responses)) > 1  # different prompts, different continuations: the order is kept


def always_emit(generator: HFGenerator, token_id: int) -> None:
    """Replace the model's output layer by one that always prefers ``token_id``."""
    config = generator.model.config
    head = torch.nn.Linear(config.hidden_size, config.vocab_size, bias=True)
    head.weight.data.zero_()
    head.bias.data.fill_(-10.0)
    head.bias.data[token_id] = 10.0
    generator.model.lm_head = head


def test_generation_stops_at_the_end_of_turn_token_or_at_max_new_tokens(tiny_model, mgsm, examples):
    conversations = [mgsm.prompt(ex) for ex in examples[:3]]
    ending = HFGenerator(tiny_model, batch_size=3, max_new_tokens=20)
    always_emit(ending, ending.tokenizer.eos_token_id)
    assert ending.generate(conversations) == ["", "", ""]
    rambling = HFGenerator(tiny_model, batch_size=3, max_new_tokens=7)
    always_emit(rambling, rambling.tokenizer.encode("x", add_special_tokens=False)[0])
    assert rambling.generate(conversations) == ["x" * 7] * 3


def test_sampling_is_seeded(tiny_model, mgsm, examples):
    conversations = [mgsm.prompt(ex) for ex in examples[:3]]

    def sample(seed: int) -> list[str]:
        generator = HFGenerator(tiny_model, max_new_tokens=10, temperature=1.0, seed=seed)
        generator.model.lm_head = random_head(generator)
        return generator.generate(conversations)

    assert sample(1) == sample(1)
    assert sample(1) != sample(2)
    with pytest.raises(ValueError, match="temperature"):
        HFGenerator(tiny_model, temperature=-1.0)


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_vllm_backend_without_vllm_says_how_to_get_it(tiny_model):
    with pytest.raises(ImportError, match=r"lrpo\[vllm\]"):
        VLLMGenerator(tiny_model)
