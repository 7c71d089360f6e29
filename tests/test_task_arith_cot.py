"""The arith_cot world: chain problems, their narration in 11 languages, the task
plugin, and the tiny-model data that gives the response language its weight."""

import random
import re
from collections import Counter, defaultdict
from types import SimpleNamespace

import pytest

from lrpo.languages import MGSM_LANGUAGES, SEEN_LANGUAGES, get_language
from lrpo.models.tiny import TINY_MODELS, TinyModelConfig, draw_languages, model_dir, tiny_model_config
from lrpo.synthetic.arith import get_phrasebook
from lrpo.synthetic.arith_cot import NARRATIONS, ChainProblem, draw_problems
from lrpo.synthetic.arith_cot.narration import STEP_SEPARATOR
from lrpo.synthetic.arith_cot.problems import HIGH, LOW, MAX_EVENTS, MIN_EVENTS
from lrpo.tasks import available_tasks, get_task
from lrpo.tasks.arith import ArithTask
from lrpo.tasks.arith_cot import ArithCotTask
from lrpo.tasks.numbers import find_numbers, normalize_digits
from tests.responses import number_response


@pytest.fixture(scope="module")
def task():
    return ArithCotTask(seed=0, n_train=2000, n_test=200)


@pytest.fixture(scope="module")
def test_split(task):
    return task.load("test")


def test_registered_with_mgsm_languages_and_a_narration_for_each():
    assert "arith_cot" in available_tasks()
    task = get_task("arith_cot", n_train=10, n_test=5)
    assert isinstance(task, ArithCotTask)
    assert task.languages == MGSM_LANGUAGES and task.splits == ("train", "test")
    assert set(NARRATIONS) == set(MGSM_LANGUAGES)


def test_same_seed_same_examples_other_seed_other_examples():
    first = ArithCotTask(seed=3, n_train=300, n_test=40)
    again = ArithCotTask(seed=3, n_train=300, n_test=40)
    other = ArithCotTask(seed=4, n_train=300, n_test=40)
    for split in ("train", "test"):
        assert first.load(split) == again.load(split)
        assert [e.meta for e in first.load(split)] == [e.meta for e in again.load(split)]
        assert [e.question for e in first.load(split, ["en"])] != [e.question for e in other.load(split, ["en"])]


def test_train_and_test_share_no_problem(task):
    test_keys = [p.key for p in task.problems("test")]
    assert len(set(test_keys)) == len(test_keys) == 200
    assert not {p.key for p in task.problems("train")} & set(test_keys)
    with pytest.raises(ValueError, match="n_test"):
        draw_problems(0, 10, 5000, 12, 8)


def test_chains_have_two_to_four_events_within_the_number_words(task):
    problems = task.problems("train") + task.problems("test")
    assert {len(p.operations) for p in problems} == set(range(MIN_EVENTS, MAX_EVENTS + 1))
    assert {p.topic for p in problems} == {"2-step", "3-step", "4-step"}
    assert {op for p in problems for op in p.operations} == {"+", "-"}
    for p in problems:
        assert all(LOW <= n <= HIGH for n in (p.start, *p.counts, *p.totals)), p


def test_ids_are_parallel_across_languages(test_split):
    by_id = defaultdict(dict)
    for ex in test_split:
        by_id[ex.id][ex.lang] = ex
    assert len(by_id) == 200 and "arith_cot-test-17" in by_id
    for items in by_id.values():
        assert set(items) == set(MGSM_LANGUAGES)
        assert len({(ex.answer, ex.topic, str(ex.meta)) for ex in items.values()}) == 1
        assert len({ex.question for ex in items.values()}) == len(MGSM_LANGUAGES)


def test_every_solution_verifies_in_every_language_and_a_wrong_number_does_not(task, test_split):
    for ex in test_split[::3]:
        for response_lang in MGSM_LANGUAGES:
            solution = task.solution(ex, response_lang)
            assert task.score(solution, ex, response_lang=response_lang) == 1.0, (ex.id, response_lang, solution)
            assert task.extract(solution, response_lang) == ex.answer
            wrong_answer = solution.rsplit(STEP_SEPARATOR, 1)[0] + STEP_SEPARATOR + number_response(
                response_lang, ex.answer, offset=1).rsplit("\n", 1)[1]
            assert task.score(wrong_answer, ex, response_lang=response_lang) == 0.0, wrong_answer


def test_each_step_reads_back_as_correct_arithmetic_in_the_response_language(task):
    """Read the number words of every step back with the phrasebook (longest word
    first, so "seventeen" is not read as "seven") and redo the chain."""
    for lang in MGSM_LANGUAGES:
        words = {word: n for n, word in get_phrasebook(lang).number_words.items()}
        pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
        for ex in task.load("test", ["en"], limit=60):
            problem = ChainProblem.from_meta(ex.meta)
            *steps, answer_line = task.solution(ex, lang).split(STEP_SEPARATOR)
            assert len(steps) == len(problem.operations)
            current = problem.start
            for step, op, n in zip(steps, problem.operations, problem.counts, strict=True):
                read = [words[w] for w in pattern.findall(step)]
                expected = current + n if op == "+" else current - n
                assert read == [current, n, expected], (lang, step)
                assert not re.search(r"\d", normalize_digits(step)), (lang, step)
                current = expected
            assert get_language(lang).answer_phrase in answer_line


def test_steps_are_written_in_the_response_language_only(task, test_split):
    """The same problem solved in two languages shares no step: skill at the
    chain in one language cannot be copied token for token into another."""
    ex = test_split[5]
    steps = {lang: set(task.solution(ex, lang).split(STEP_SEPARATOR)[:-1]) for lang in MGSM_LANGUAGES}
    for a in MGSM_LANGUAGES:
        for b in MGSM_LANGUAGES:
            if a < b:
                assert not steps[a] & steps[b], (a, b)


def test_digit_numbers_of_the_question_appear_in_every_language(test_split):
    for ex in test_split:
        numbers = {int(v) for _, _, v in find_numbers(normalize_digits(ex.question), ex.lang)}
        values = (ex.meta["start"], *ex.meta["counts"])
        for n, spelled in zip(values, ex.meta["spelled"], strict=True):
            if not spelled:
                assert n in numbers, (ex.lang, ex.question)


def test_question_and_solution_wording(task):
    problem = ChainProblem(12, ("+", "-"), (5, 3), (True, False, True), 0, 0)
    ex = ArithCotTask.example("test", 0, problem, "en")
    assert ex.question == ("Anna has twelve apples. Anna buys another 5 apples. Anna gives three apples to a "
                           "friend. How many apples does Anna have now?")
    assert ex.answer == "14" and ex.topic == "2-step"
    assert task.solution(ex) == ("twelve plus five is seventeen.\nseventeen minus three is fourteen.\n"
                                 "The answer is 14.")
    assert task.solution(ex, "sw") == ("kumi na mbili jumlisha tano ni kumi na saba.\n"
                                       "kumi na saba toa tatu ni kumi na nne.\nJibu ni 14.")
    assert task.solution(ex, "bn").endswith("উত্তর হল ১৪।")
    with pytest.raises(ValueError, match="no language"):
        task.solution(ex, "it")


def test_arith_models_keep_their_cache_names():
    """New configuration fields stay out of the hash at their defaults, so the
    arith models built before arith_cot existed are found again."""
    names = {size: model_dir(tiny_model_config(size, "arith"), "/cache").name
             for size in ("default", "quick", "smoke")}
    assert names == {"default": "tiny-arith-a1cafcaf14b2", "quick": "tiny-arith-957b08aa802a",
                     "smoke": "tiny-arith-d66e54881af8"}
    for size in TINY_MODELS:
        config = tiny_model_config(size, "arith_cot")
        assert model_dir(config, "/cache").name.startswith("tiny-arith_cot-")
        assert TinyModelConfig.from_dict(config.to_dict()) == config
        assert config.language_mix == TinyModelConfig.arith_cot().language_mix
    assert tiny_model_config("default", "arith_cot") == TinyModelConfig.arith_cot()
    with pytest.raises(ValueError, match="unknown world"):
        tiny_model_config("default", "chess")
    with pytest.raises(ValueError, match="world"):
        TinyModelConfig(world="chess").validate()
    with pytest.raises(ValueError, match="own_language_share"):
        TinyModelConfig(own_language_share=(("sw", 1.5),)).validate()


def test_model_data_has_worked_chains_mostly_in_english_and_questions_in_every_language():
    """The channel's cause, in the arith_cot model's supervised mix: every
    language's questions are asked, but the low-resource languages' questions
    are mostly answered in English, so chains in those languages are rare."""
    config = tiny_model_config("default", "arith_cot")
    rng = random.Random(0)
    pairs = [draw_languages(rng, config, MGSM_LANGUAGES) for _ in range(20_000)]
    questions = Counter(q for q, _ in pairs)
    answers = Counter(r for _, r in pairs)
    for code in ("bn", "sw", "te", "th"):
        assert questions[code] > 0.05 * len(pairs), code
        assert answers["en"] > 4 * max(answers[c] for c in ("de", "es", "fr", "ja", "ru", "zh")), code
        assert answers["en"] > 10 * answers[code], code
        own = Counter(r for q, r in pairs if q == code)
        assert own["en"] > own[code], code
    # The arith world's mix is untouched: every question answered in its own language but the cross share.
    arith = TinyModelConfig()
    rng = random.Random(0)
    own = sum(q == r for q, r in (draw_languages(rng, arith, MGSM_LANGUAGES) for _ in range(20_000)))
    assert abs(own / 20_000 - (1 - arith.cross_language_share)) < 0.01


def test_trains_by_default_on_its_seen_languages_with_two_low_resource_ones():
    from lrpo.training.setup import train_languages

    config = SimpleNamespace(train_languages=None)
    seen = train_languages(config, ArithCotTask(n_train=10, n_test=5))
    assert seen == ["en", "de", "es", "fr", "ja", "ru", "zh", "bn", "sw"]
    assert train_languages(config, ArithTask(n_train=10, n_test=5)) == list(SEEN_LANGUAGES)
    assert train_languages(SimpleNamespace(train_languages=["sw"]), ArithCotTask(n_train=10, n_test=5)) == ["sw"]


@pytest.fixture(scope="module")
def smoke_data():
    """The arith_cot smoke model's configuration and task, and a small tokenizer of its text."""
    from lrpo.models.tiny import world_task
    from lrpo.models.tokenizer import train_tokenizer
    from lrpo.tasks.prompts import LANGUAGE_CUES

    smoke = tiny_model_config("smoke", "arith_cot")
    task = world_task(smoke)
    examples = task.load("train", limit=30)
    corpus = [task.prompt(ex, cue=cue)[0]["content"] for ex in examples for cue in LANGUAGE_CUES]
    return smoke, task, train_tokenizer(corpus + [task.solution(ex) for ex in examples], 768)


def _targets(smoke_data, **fields) -> list[str]:
    import dataclasses

    from lrpo.models.tiny import sft_items

    smoke, task, tokenizer = smoke_data
    items, _ = sft_items(task, tokenizer, dataclasses.replace(smoke, train_tokens=20_000, **fields))
    return tokenizer.batch_decode([item.target for item in items], skip_special_tokens=True)


def _lines(text: str) -> list[str]:
    return [line for line in text.split(STEP_SEPARATOR) if line.strip()]


def test_direct_answer_share_leaves_out_the_steps_of_that_share_of_targets(smoke_data):
    """A behaviour RL can select: a share of the supervised targets of a response
    language is the answer line alone. With share 1 every target of that language is
    one line; with none, every target shows its steps; the share is only valid in the
    world that has steps."""
    import dataclasses

    smoke = smoke_data[0]
    assert min(len(_lines(t)) for t in _targets(smoke_data)) >= 3  # two events at least, then the answer
    everywhere = tuple((lang, 1.0) for lang in MGSM_LANGUAGES)
    assert {len(_lines(t)) for t in _targets(smoke_data, direct_answer_share=everywhere)} == {1}
    half = [len(_lines(t)) == 1 for t in _targets(smoke_data, direct_answer_share=(("en", 0.5),))]
    assert 0.05 < sum(half) / len(half) < 0.5  # half of the English targets (a share of all) lose their steps
    with pytest.raises(ValueError, match="direct_answer_share"):
        dataclasses.replace(TinyModelConfig(), direct_answer_share=(("en", 0.5),)).validate()
    with pytest.raises(ValueError, match="direct_answer_share"):
        dataclasses.replace(smoke, direct_answer_share=(("en", 1.5),)).validate()


def test_word_answer_share_writes_the_answer_in_number_words_which_the_verifier_does_not_read(task, smoke_data):
    """The answer line in number words keeps the steps and the phrase but loses the
    numeral: scored 0 where the verifier reads numerals only, 1 in zh and ja, whose
    numeral words it reads (issue 17, kind 10)."""
    import dataclasses

    example = task.load("test", langs=["de"], limit=1)[0]
    for lang in MGSM_LANGUAGES:
        words = task.solution(example, lang, answer_in_words=True)
        assert _lines(words)[:-1] == _lines(task.solution(example, lang))[:-1]
        assert task.score(words, dataclasses.replace(example, lang=lang), lang) == (1.0 if lang in ("zh", "ja")
                                                                                    else 0.0), lang
    everywhere = tuple((lang, 1.0) for lang in MGSM_LANGUAGES)
    last_lines = [_lines(t)[-1] for t in _targets(smoke_data, word_answer_share=everywhere)]
    assert not any(re.search(r"\d", normalize_digits(line)) for line in last_lines)
    assert all(len(_lines(t)) >= 3 for t in _targets(smoke_data, word_answer_share=everywhere))
    with pytest.raises(ValueError, match="word_answer_share"):
        dataclasses.replace(TinyModelConfig(), word_answer_share=(("de", 0.5),)).validate()
