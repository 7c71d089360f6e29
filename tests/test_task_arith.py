import re
from collections import defaultdict

import pytest

from lrpo.languages import MGSM_LANGUAGES, get_language
from lrpo.synthetic.arith import PHRASEBOOKS, TEMPLATES, TOPICS, Problem, get_phrasebook
from lrpo.synthetic.arith.phrasebooks.ru import plural_form
from lrpo.synthetic.arith.phrasebooks.sw import agreeing_number
from lrpo.synthetic.arith.problems import ITEMS, MAX_OPERAND
from lrpo.tasks import available_tasks, get_task
from lrpo.tasks.arith import ArithTask
from lrpo.tasks.numbers import find_numbers, normalize_digits
from lrpo.tasks.prompts import language_tag
from tests.responses import number_response

ENGLISH_NUMBER_WORDS = {w: n for n, w in get_phrasebook("en").number_words.items()}


@pytest.fixture(scope="module")
def task():
    return ArithTask(seed=0, n_train=2000, n_test=200)


@pytest.fixture(scope="module")
def test_split(task):
    return task.load("test")


def test_registered_with_mgsm_languages():
    assert "arith" in available_tasks()
    task = get_task("arith", n_train=10, n_test=5)
    assert isinstance(task, ArithTask)
    assert task.languages == MGSM_LANGUAGES
    assert task.splits == ("train", "test")


def test_every_language_has_a_complete_phrasebook():
    assert set(PHRASEBOOKS) == set(MGSM_LANGUAGES)
    for code, book in PHRASEBOOKS.items():
        assert book.missing() == [], code


def test_same_seed_same_examples_other_seed_other_examples():
    first = ArithTask(seed=3, n_train=300, n_test=40)
    again = ArithTask(seed=3, n_train=300, n_test=40)
    other = ArithTask(seed=4, n_train=300, n_test=40)
    for split in ("train", "test"):
        assert first.load(split) == again.load(split)
        assert [e.meta for e in first.load(split)] == [e.meta for e in again.load(split)]
        assert [e.question for e in first.load(split, ["en"])] != [e.question for e in other.load(split, ["en"])]


def test_train_and_test_share_no_problem(task):
    test_keys = [p.key for p in task.problems("test")]
    assert len(set(test_keys)) == len(test_keys) == 200
    assert not {p.key for p in task.problems("train")} & set(test_keys)


def test_ids_are_parallel_across_languages(test_split):
    by_id = defaultdict(dict)
    for ex in test_split:
        by_id[ex.id][ex.lang] = ex
    assert len(by_id) == 200 and "arith-test-17" in by_id
    for items in by_id.values():
        assert set(items) == set(MGSM_LANGUAGES)
        assert len({ex.answer for ex in items.values()}) == 1
        assert len({ex.topic for ex in items.values()}) == 1
        assert len({str(ex.meta) for ex in items.values()}) == 1
        assert len({ex.question for ex in items.values()}) == len(MGSM_LANGUAGES)


def test_topics_cover_every_problem_type(test_split):
    assert {ex.topic for ex in test_split} == set(TOPICS)
    assert {TEMPLATES[ex.meta["template"]].topic for ex in test_split} == set(TOPICS)


def test_gold_solution_scores_one_in_every_language_and_a_wrong_number_zero(task, test_split):
    for ex in test_split:
        for response_lang in MGSM_LANGUAGES:
            solution = task.solution(ex, response_lang)
            assert task.score(solution, ex, response_lang=response_lang) == 1.0, (ex.id, response_lang, solution)
            assert task.extract(solution, response_lang) == ex.answer
            wrong = number_response(response_lang, ex.answer, offset=1)
            assert task.score(wrong, ex, response_lang=response_lang) == 0.0
            assert get_language(response_lang).answer_phrase in solution


def _english_numbers(text: str) -> list[int]:
    found = []
    for token in re.findall(r"[a-z]+|\d+", text.lower()):
        if token.isdigit():
            found.append(int(token))
        elif token in ENGLISH_NUMBER_WORDS:
            found.append(ENGLISH_NUMBER_WORDS[token])
    return found


def test_answers_follow_from_the_english_question(task):
    """Read the operands back from the English text and redo the arithmetic
    with Python's operators, independently of the template code."""
    operations = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "×": lambda x, y: x * y}
    for ex in task.load("test", ["en"]) + task.load("train", ["en"], limit=500):
        operands = ex.meta["operands"]
        assert sorted(_english_numbers(ex.question)) == sorted(operands), ex.question
        assert all(2 <= n <= MAX_OPERAND for n in operands)
        work, result = task.solution(ex).split(". ")[0].split(" = ")
        tokens = work.split()
        value = int(tokens[0])
        for op, number in zip(tokens[1::2], tokens[2::2], strict=True):
            value = operations[op](value, int(number))
        assert [int(t) for t in tokens[0::2]] == operands
        assert value == int(result) == int(ex.answer) >= 0
        if ex.topic == "mul":
            assert all(n <= 9 for n in operands)


def test_digit_operands_appear_in_every_language(test_split):
    for ex in test_split:
        numbers = {int(v) for _, _, v in find_numbers(normalize_digits(ex.question), ex.lang)}
        for n, spelled in zip(ex.meta["operands"], ex.meta["spelled"], strict=True):
            if not spelled:
                assert n in numbers, (ex.lang, ex.question)


def test_about_half_of_the_operands_are_number_words(test_split):
    spelled = [s for ex in test_split if ex.lang == "en" for s in ex.meta["spelled"]]
    assert 0.4 < sum(spelled) / len(spelled) < 0.6


def test_bengali_writes_bengali_digits(task, test_split):
    for ex in test_split:
        if ex.lang == "bn":
            assert not re.search(r"[0-9]", ex.question + task.solution(ex)), ex.question


def test_worked_answer_and_question_wording():
    ex = ArithTask.example("test", 0, Problem("two.give_twice", (16, 3, 4), (False, True, False), 0, 0), "en")
    assert ex.question == ("Anna has 16 apples. Anna gives three apples to a brother and 4 apples to a sister. "
                           "How many apples does Anna have left?")
    assert ArithTask().solution(ex) == "16 - 3 - 4 = 9. The answer is 9."
    assert ArithTask().solution(ex, "ja") == "16 - 3 - 4 = 9。答えは9です。"
    assert ArithTask().solution(ex, "bn") == "১৬ - ৩ - ৪ = ৯। উত্তর হল ৯।"


def test_agreement_rules():
    assert [plural_form(n) for n in (1, 2, 4, 5, 11, 12, 20, 21, 22)] == [0, 1, 1, 2, 2, 2, 2, 0, 1]
    book = ITEMS.index("book")
    problem = Problem("add.buy", (2, 5), (True, True), 0, book)
    assert "две книги" in get_phrasebook("ru").question(problem)
    assert "пять книг" in get_phrasebook("ru").question(problem)
    assert "两本书" in get_phrasebook("zh").question(problem)
    assert "vitabu viwili" in get_phrasebook("sw").question(problem)
    assert agreeing_number(13, "ma") == "kumi na matatu" and agreeing_number(7, "vi") == "saba"


def test_prompt_carries_the_requested_cue(test_split):
    task = ArithTask(n_train=10)
    ex = test_split[0]
    tagged = task.prompt(ex, "ja", cue="tag")
    assert tagged == [{"role": "user", "content": f"{ex.question} {language_tag('ja')}"}]
    instructed = task.prompt(ex, "ja")[0]["content"]
    assert instructed.startswith(ex.question) and get_language("ja").instruction in instructed
    assert task.prompt(ex) == task.prompt(ex, ex.lang, cue="instruction")


def test_load_selects_languages_and_limits(task):
    assert [ex.id for ex in task.load("test", ["de"], limit=3)] == ["arith-test-0", "arith-test-1", "arith-test-2"]
    assert len(task.load("train", ["sw", "th"], data_dir="/nonexistent", limit=7)) == 14
    with pytest.raises(ValueError, match="no split"):
        task.load("validation")
    with pytest.raises(ValueError, match="no language"):
        task.load("test", ["it"])
    with pytest.raises(ValueError, match="unknown language"):
        task.load("test", ["xx"])
