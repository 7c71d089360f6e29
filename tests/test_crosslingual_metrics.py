"""Line-level fidelity, code-switching and response length (issue 17): the one
segmentation the gate and the metrics share, the gate's "lines" mode, the samples,
the scorecard and its round trip, the evaluation table, the leaderboard and the
lm-eval hooks, on MGSM's real German and English questions written as responses."""

import json
import re
import time
from types import SimpleNamespace

import pytest
import torch

from lrpo.evaluation.aggregate import CROSSLINGUAL_SCALARS, aggregate_scorecards
from lrpo.evaluation.evaluator import evaluate, evaluation_gate, response_token_counts, score_responses
from lrpo.evaluation.generation import HFGenerator, _vllm_token_count
from lrpo.evaluation.leaderboard import COLUMNS, SECOND_COLUMNS, append_scorecard, csv_path, read_rows
from lrpo.evaluation.leaderboard_markdown import render_markdown
from lrpo.evaluation.lm_eval_import import lm_eval_scorecards
from lrpo.evaluation.lm_eval_tasks import hooks
from lrpo.evaluation.scorecard import build_scorecard
from lrpo.evaluation.tables import format_table
from lrpo.languages import MGSM_LANGUAGES, get_language
from lrpo.rewards import lid
from lrpo.rewards.gated_reward import GATE_MODES, LanguageGate, LanguageGatedReward
from lrpo.tasks import get_task
from lrpo.training.config import GATE_MODES as CONFIG_GATE_MODES


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.?!])\s+", text.strip())


@pytest.fixture(scope="module")
def mgsm():
    return get_task("mgsm")


@pytest.fixture(scope="module")
def parallel(mgsm, data_dir):
    """The first three MGSM test items in German and in English, by item id."""
    examples = mgsm.load("test", langs=["de", "en"], data_dir=data_dir, limit=3)
    return {lang: [ex for ex in examples if ex.lang == lang] for lang in ("de", "en")}


def german_answer(example, english_line: str | None = None) -> str:
    """A model-like German response: the question restated one sentence a line, an
    optional English line after the first, and the German answer phrase."""
    lines = sentences(example.question)
    if english_line is not None:
        lines.insert(1, english_line)
    return "\n".join(lines) + f"\n{get_language('de').answer_phrase} {example.answer}."


MATH_ONLY = "$$3 \\times 16 = 48$$\n48 - 3 - 4 = 9\n9 * 2 = 18\n\\boxed{18}"


@pytest.fixture(scope="module")
def gate():
    return LanguageGate("hard", MGSM_LANGUAGES)


# The segmentation and the verdicts


def test_one_english_line_in_a_german_answer_fails_line_fidelity_and_is_code_switched(parallel, gate):
    for german, english in zip(parallel["de"], parallel["en"], strict=True):
        mixed = german_answer(german, sentences(english.question)[0])
        verdict = gate.evaluate(mixed, "de", lines=True)
        # The whole response is still German: one sentence of several does not move it.
        assert verdict.fidelity == 1.0 and verdict.detected_lang == "de"
        assert verdict.line_fidelity == 0.0 and verdict.code_switched == 1.0, mixed


def test_a_pure_german_answer_is_faithful_line_by_line_and_not_switched(parallel, gate):
    for german in parallel["de"]:
        verdict = gate.evaluate(german_answer(german), "de", lines=True)
        assert (verdict.fidelity, verdict.line_fidelity, verdict.code_switched) == (1.0, 1.0, 0.0)


def test_an_answer_wholly_in_another_language_is_unfaithful_but_not_switched(parallel, gate):
    english = parallel["en"][0]
    response = "\n".join(sentences(english.question)) + f"\nThe answer is {english.answer}."
    verdict = gate.evaluate(response, "de", lines=True)
    assert (verdict.fidelity, verdict.line_fidelity, verdict.code_switched) == (0.0, 0.0, 0.0)


def test_a_response_of_only_math_has_no_language_and_math_lines_are_skipped(parallel, gate):
    only_math = gate.evaluate(MATH_ONLY, "de", lines=True)
    # No words at all: no language, so it fails every fidelity (as the hard gate always has), and no switch.
    assert lid.judged_lines(lid.clean_lines(MATH_ONLY)) == []  # at most a "- -" of minus signs is left
    assert (only_math.fidelity, only_math.line_fidelity, only_math.code_switched) == (0.0, 0.0, 0.0)
    # The same math lines inside a German answer are not judged as lines of any language.
    german = german_answer(parallel["de"][0]).replace("\n", f"\n{MATH_ONLY}\n", 1)
    assert gate.evaluate(german, "de", lines=True).line_fidelity == 1.0


def test_lines_are_the_cleaned_text_line_by_line_and_the_gate_reads_them_joined():
    text = ("Erst rechnen wir:\n```python\nprint('hello world')\n```\n$$x = \\frac{1}{2}$$\n"
            "Dann gilt $x = 3$ und   damit\r\nist alles klar: 42.\n\n")
    assert lid.clean_lines(text) == ["Erst rechnen wir:", "Dann gilt und damit", "ist alles klar: ."]
    assert lid.strip_non_language(text) == " ".join(lid.clean_lines(text))


def test_short_lines_are_not_judged_and_long_lines_are_judged_in_segments():
    short = "Antwort:"  # fewer than MIN_LINE_LETTERS letters: no verdict of its own
    assert lid.judged_lines([short]) == []
    long_line = "Wort " * (lid.SEGMENT_CHARS // 2)
    assert len(lid.judged_lines([long_line])) == len(lid.segments(long_line)) > 1
    many = [f"Zeile Nummer {i} mit Wörtern" for i in range(10 * lid.MAX_LINES)]
    judged = lid.judged_lines(many)
    assert len(judged) == lid.MAX_LINES and judged[0] == many[0] and judged[-1] == many[-1]


def test_a_confusable_pair_is_one_language_when_both_are_candidates():
    assert not lid.code_switched(["id", "ms", "id"], ("en", "id", "ms"))
    assert lid.code_switched(["id", "en"], ("en", "id", "ms"))
    assert not lid.code_switched(["de", "de"], ("de", "en"))


def test_line_verdicts_cost_is_bounded_on_a_megabyte_of_lines(gate):
    hostile = "\n".join(f"Zeile {i} hat Wörter und noch mehr Wörter" for i in range(25_000))
    started = time.perf_counter()
    verdict = LanguageGate("lines", MGSM_LANGUAGES).evaluate(hostile, "de")
    assert time.perf_counter() - started < 2.0 and verdict.line_fidelity == 1.0


# The gate's "lines" mode


def test_the_lines_gate_fails_a_code_switched_answer_the_hard_gate_passes(parallel):
    mixed = german_answer(parallel["de"][0], sentences(parallel["en"][0].question)[0])
    pure = german_answer(parallel["de"][0])
    hard, lines = LanguageGate("hard", MGSM_LANGUAGES), LanguageGate("lines", MGSM_LANGUAGES)
    assert hard(mixed, "de") == 1.0 and lines(mixed, "de") == 0.0 and lines(pure, "de") == 1.0
    # Without lines=True, the hard gate does not judge lines (its cost is unchanged).
    assert hard.evaluate(mixed, "de").line_fidelity is None
    reward = LanguageGatedReward(get_task("mgsm"), gate="lines", candidates=MGSM_LANGUAGES)
    assert reward(mixed, parallel["de"][0]).total == 0.0 and reward(pure, parallel["de"][0]).total == 1.0


def test_every_gate_mode_of_the_training_config_builds_a_gate():
    assert "lines" in CONFIG_GATE_MODES
    assert set(CONFIG_GATE_MODES) - {"off"} == set(GATE_MODES)
    for mode in GATE_MODES:
        assert LanguageGate(mode).mode == mode


# Samples, scorecard, table


class ScriptedGenerator:
    """Answers each prompt with a fixed response; keeps token counts only when told."""

    name = "scripted"

    def __init__(self, by_question: dict[str, str], counts: bool = True):
        self.by_question, self.counts = by_question, counts
        self.last_token_counts = None

    def generate(self, conversations, progress=False):
        responses = [next(text for question, text in self.by_question.items()
                          if conversation[-1]["content"].startswith(question)) for conversation in conversations]
        if self.counts:
            self.last_token_counts = [len(response.split()) for response in responses]
        return responses


@pytest.fixture(scope="module")
def scripted(parallel):
    """German items: two pure answers, one with an English line; English items: pure."""
    german, english = parallel["de"], parallel["en"]
    responses = {german[0].question: german_answer(german[0]),
                 german[1].question: german_answer(german[1], sentences(english[1].question)[0]),
                 german[2].question: german_answer(german[2])}
    for example in english:
        responses[example.question] = "\n".join(sentences(example.question)) + f"\nThe answer is {example.answer}."
    return responses


def test_samples_and_scorecard_carry_the_measures_and_round_trip(mgsm, scripted, data_dir, tmp_path):
    card = evaluate(mgsm, ScriptedGenerator(scripted), langs=["de", "en"], limit=3, data_dir=data_dir,
                    output_dir=tmp_path, seen_languages=["de"], progress=False)
    samples = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    by_key = {(s["lang"], s["id"]): s for s in samples}
    assert by_key[("de", "mgsm-1")]["line_fidelity"] == 0.0 and by_key[("de", "mgsm-1")]["code_switched"] == 1.0
    assert by_key[("de", "mgsm-1")]["fidelity"] == 1.0
    for sample in samples:
        assert sample["response_tokens"] == len(sample["response"].split())  # the generator's own count
    german, english = card["per_language"]["de"], card["per_language"]["en"]
    assert german["line_fidelity"] == pytest.approx(2 / 3) and german["code_switching"] == pytest.approx(1 / 3)
    assert english["line_fidelity"] == 1.0 and english["code_switching"] == 0.0
    assert german["response_tokens"] == pytest.approx(
        sum(s["response_tokens"] for s in samples if s["lang"] == "de") / 3)
    # Averages over languages as fidelity's, and over the seen (de) and unseen (en) ones.
    assert card["line_fidelity_average"] == pytest.approx((2 / 3 + 1) / 2)
    assert card["line_fidelity_seen_average"] == pytest.approx(2 / 3)
    assert card["code_switching_unseen_average"] == 0.0
    assert card["response_tokens_average"] == pytest.approx(
        (german["response_tokens"] + english["response_tokens"]) / 2)
    # The file holds the same scorecard, and the table prints the new columns from it.
    assert json.loads((tmp_path / "scorecard.json").read_text(encoding="utf-8")) == json.loads(json.dumps(card))
    table = format_table(card, "console")
    assert "line fidelity %" in table and "code-switched %" in table and "tokens" in table
    german_row = next(line for line in table.splitlines() if line.startswith("de "))
    assert "66.7" in german_row and "33.3" in german_row
    assert "66.7" in (tmp_path / "scorecard.md").read_text(encoding="utf-8")


def test_response_tokens_come_from_the_generator_else_its_tokenizer_else_null(mgsm, scripted, data_dir):
    responses = ["eins zwei drei", "vier"]
    counted = SimpleNamespace(last_token_counts=[7, 9], tokenizer=None)
    assert response_token_counts(counted, responses) == [7, 9]  # never re-tokenized when counted

    class Characters:
        def __call__(self, texts, add_special_tokens=True):
            assert not add_special_tokens
            return {"input_ids": [list(text) for text in texts]}

    assert response_token_counts(SimpleNamespace(tokenizer=Characters()), responses) == [14, 4]
    assert response_token_counts(SimpleNamespace(), responses) is None
    card = evaluate(mgsm, ScriptedGenerator(scripted, counts=False), langs=["de"], limit=3, data_dir=data_dir,
                    seen_languages=["de"], progress=False)
    assert card["per_language"]["de"]["response_tokens"] is None and card["response_tokens_average"] is None
    assert "tokens" not in format_table(card)  # a column no language has is left out


def test_hf_counts_generated_tokens_up_to_the_end_or_the_padding():
    generator = SimpleNamespace(eos_token_id=[2, 3], pad_token_id=0)
    generated = torch.tensor([[5, 6, 2, 0], [5, 0, 0, 0], [5, 6, 7, 8], [3, 0, 0, 0]])
    assert HFGenerator._generated_counts(generator, generated) == [2, 1, 4, 0]


def test_vllm_counts_leave_out_the_end_of_sequence_token_only():
    def completion(ids, reason, stop=None):
        return SimpleNamespace(token_ids=ids, finish_reason=reason, stop_reason=stop)

    assert _vllm_token_count(completion([5, 6, 2], "stop")) == 2            # the EOS
    assert _vllm_token_count(completion([5, 6, 7], "stop", 7)) == 2         # a stop token id
    assert _vllm_token_count(completion([5, 6, 7], "stop", "\nQ:")) == 3    # a stop string: its tokens count
    assert _vllm_token_count(completion([5, 6, 7], "length")) == 3


def test_a_scorecard_without_the_measures_still_prints_and_aggregates(parallel, gate, mgsm):
    examples = parallel["de"]
    responses = [german_answer(ex) for ex in examples]
    samples = score_responses(mgsm, examples, responses, ["de"] * 3, evaluation_gate(mgsm, ["de"]),
                              token_counts=[10, 20, 30])
    new = build_scorecard(samples, task="mgsm", split="test", model="m", seen_languages=["de"])
    # As written before the measures existed.
    old = {key: value for key, value in new.items() if key not in CROSSLINGUAL_SCALARS}
    old["per_language"] = {"de": {key: new["per_language"]["de"][key] for key in ("accuracy", "fidelity", "n")}}
    assert "line fidelity" not in format_table(old) and "| de |" in format_table(old)
    both = aggregate_scorecards([new, old])
    assert both["per_language"]["de"]["response_tokens"] == {"mean": 20.0, "std": None, "n": 1}
    assert both["line_fidelity_average"] == {"mean": 1.0, "std": None, "n": 1}
    assert "line fidelity %" in format_table(both)


# Leaderboard and lm-eval


def crosslingual_card(line_fidelity: float, switching: float, tokens: float, method: str) -> dict:
    samples = [{"id": f"q{i}", "lang": lang, "correct": i == 0, "fidelity": 1.0,
                "line_fidelity": float(i < line_fidelity * 4), "code_switched": float(i < switching * 4),
                "response_tokens": tokens} for lang in ("de", "en") for i in range(4)]
    card = build_scorecard(samples, task="mgsm", split="test", model="tiny", method=method, seed=0,
                           seen_languages=["de"], n_resamples=10)
    return {**card, "commit": "abc", "created": "2026-01-02T00:00:00+0000", "response_lang": "same",
            "cue": "instruction"}


def test_the_leaderboard_records_and_shows_the_measures(tmp_path):
    append_scorecard(crosslingual_card(0.75, 0.25, 120.0, "grpo"), tmp_path)
    append_scorecard(crosslingual_card(1.0, 0.0, 80.0, "lrpo"), tmp_path)
    rows = read_rows(csv_path("mgsm", tmp_path))
    recorded = {(row["method"], row["line_fidelity"], row["code_switching"], row["response_tokens"])
                for row in rows}
    assert recorded == {("grpo", 0.75, 0.25, 120.0), ("lrpo", 1.0, 0.0, 80.0)}
    markdown = (tmp_path / "mgsm.md").read_text(encoding="utf-8")
    header = next(line for line in markdown.splitlines() if line.startswith("| method"))
    assert header.rstrip(" |").endswith("fidelity | line fidelity | code-switched | tokens")
    lines = {line.split("|")[1].strip(): line for line in markdown.splitlines() if line.startswith("| ")}
    # Best line fidelity is the highest, best code-switching the lowest; tokens have no best.
    assert lines["lrpo"].rstrip(" |").endswith("**100.0** | **0.0** | 80.0")
    assert lines["grpo"].rstrip(" |").endswith("75.0 | 25.0 | 120.0")
    assert "code-switched = responses switching language" in markdown


def test_a_leaderboard_of_the_second_schema_is_read_and_upgraded_on_append(tmp_path):
    row = "r1,mgsm,tiny,grpo,0,8,de,0.5,1.0,4,abc,2026-01-01,test,1,same,instruction,"
    path = csv_path("mgsm", tmp_path)
    path.write_text(",".join(SECOND_COLUMNS) + f"\n{row}\n", encoding="utf-8")
    (old,) = read_rows(path)
    assert old["line_fidelity"] is None and old["response_tokens"] is None and old["accuracy"] == 0.5
    before = render_markdown("mgsm", [old])
    assert "line fidelity" not in before and "tokens" not in before  # rendered as before the columns existed
    append_scorecard(crosslingual_card(1.0, 0.0, 50.0, "lrpo"), tmp_path)
    assert path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)
    assert read_rows(path)[0] == old


def test_lm_eval_process_results_and_import_carry_line_fidelity_and_code_switching(parallel):
    german, english = parallel["de"][1], parallel["en"][1]
    doc = hooks.doc_rows([german], "mgsm")[0]
    mixed = german_answer(german, sentences(english.question)[0])
    assert hooks.process_results(doc, [mixed]) == {"accuracy": 1.0, "fidelity": 1.0, "line_fidelity": 0.0,
                                                    "code_switching": 1.0}
    results = {"results": {"lrpo_mgsm_de": {"accuracy,none": 0.5, "fidelity,none": 1.0,
                                            "line_fidelity,none": 0.75, "code_switching,none": 0.25}},
               "n-samples": {"lrpo_mgsm_de": {"effective": 4}}, "config": {"model_args": "pretrained=tiny"}}
    (card,) = lm_eval_scorecards(results, "results.json")
    assert card["per_language"]["de"] == {"accuracy": 0.5, "fidelity": 1.0, "line_fidelity": 0.75,
                                          "code_switching": 0.25, "response_tokens": None, "n": 4}
