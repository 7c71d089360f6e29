"""Verifiers against responses written the way real models write them (issue 17).

Each fault kind of the issue has its examples (values as the issue states them)
and a few of our own in other wording and languages. The gate's kinds (11, 12)
are in ``test_lid.py`` and ``test_rewards.py``.
"""

import pytest

from lrpo.languages import LANGUAGES, MGSM_LANGUAGES, POLYMATH_LANGUAGES, XCOPA_LANGUAGES
from lrpo.tasks import Example, get_task

XCOPA_META = {"choice1": "Ha preso l'ombrello.", "choice2": "È rimasto a casa.", "relation": "effect"}

# (kind, task, response language, gold, response, expected score)
ISSUE = [
    # 1. Markdown around the answer
    (1, "mmath", "en", "73", "Thus the number of residents is **73**.\n\n---\n\nFinal Answer: **73**", 1),
    (1, "mmath", "zh", "73", "答案是 **73**", 1),
    (1, "mmath", "en", "4", "The difference is 8-4.\n\n**Answer:** 4.", 1),
    # 2. Several boxes for a multi-part answer
    (2, "polymath", "en", "$p=2,3,7$", "The primes are $\\boxed{2}$, $\\boxed{3}$ and $\\boxed{7}$.", 1),
    # 3. Run-on continuation
    (3, "mgsm", "en", "18", "… The answer is 18.\n\nQuestion: Tom has 3 apples and buys 4 more. How many apples "
                           "does he have?\nAnswer: 3 + 4 = 7. The answer is 7.", 1),
    # 4. An answer phrase re-used after the commitment
    (4, "mgsm", "en", "18", "… The answer is 18.\n\nLet me make sure the answer is correct: 16 - 3 - 4 = 9 eggs, "
                           "9 x 2 = 18.", 1),
    (4, "mgsm", "en", "18", "… so $\\boxed{18}$.\n\nThe answer is correct.", 1),
    (4, "mgsm", "de", "18", "Die Antwort lautet 18.\nProbe der Antwort: 16 - 3 - 4 = 9, 9 · 2 = 18.", 1),
    (4, "mgsm", "zh", "18", "16-3-4=9，9×2=18。答案是18。\n检查：16-3-4=9，9×2=18，答案是正确的。", 1),
    # 5. An expression after the phrase
    (5, "mgsm", "en", "18", "The answer is 9 * 2 = 18.", 1),
    # 6. Space between two numbers read as grouping
    (6, "mgsm", "en", "3", "The answer is 3 200-page books.", 1),
    # 7. Leading-dot decimals
    (7, "mgsm", "en", "0.5", "The answer is .5", 1),
    (7, "polymath", "en", "0.65", "\\boxed{.65}", 1),
    # 8. LaTeX decimal comma
    (8, "polymath", "de", "2.5", "Die Antwort lautet $\\boxed{2{,}5}$.", 1),
    (8, "mgsm", "de", "2.5", "Die Antwort lautet $2{,}5$.", 1),
    # 9. Minus sign after CJK/Thai text
    (9, "mgsm", "zh", "-5", "答案：最终余额为-5元。", 1),
    # 10. Chinese/Japanese numerals
    (10, "mgsm", "zh", "18", "答案是十八", 1),
    # 13. A choice given as an ordinal or symbol
    (13, "xcopa", "it", "1", "… La risposta è la prima opzione.", 1),
    (13, "xcopa", "zh", "1", "…答案是①。", 1),
    # 14. No commitment must not score
    (14, "xcopa", "it", "2", "Opzione 2 è possibile, ma l'opzione 1 è più plausibile dell'opzione 2.", 0),
    # 15. A word after the number
    (15, "mmath", "en", "18", "The answer is 18 dollars.", 1),
    (15, "polymath", "de", "18", "Die Antwort lautet 18 Dollar.", 1),
    (15, "polymath", "sw", "18", "Jibu ni dola 18.", 1),
    # 16. No commitment in a math answer
    (16, "mmath", "en", "\\frac{10}{9}", "\\frac{10}{9}", 1),
    (16, "mmath", "en", "$[0,1)$", "$[0,1)$", 1),
    (16, "mmath", "en", "2", "AZYUK2A", 0),
    # 17. Prose after the answer phrase
    (17, "mmath", "en", "34", "Final Answer: The largest $n$ is 34.", 1),
]

# The same kinds in other wording and languages.
OURS = [
    # A sentence ended by the danda (Bengali, Hindi) before a label: the label stands alone.
    (4, "mgsm", "bn", "18", "যাচাই: 3 + 4 = 7। উত্তর: 18", 1),
    (1, "mgsm", "fr", "42", "Donc il reste **42** pommes.\n\n**Réponse :** **42**", 1),
    (1, "polymath", "es", "12", "### Respuesta final\n\nLa respuesta es __12__.", 1),
    (1, "mmath", "ja", "7", "よって、答えは **7** です。", 1),
    (1, "mmath", "en", "8", "We compute 2**3 = 8.\n\n**Final Answer:** $8$", 1),
    (2, "polymath", "en", "$1, 2$", "So $x = \\boxed{1}$ or $x = \\boxed{2}$", 1),
    (2, "polymath", "en", "$1, 2$", "First $\\boxed{1}$. Much later in another paragraph we verify "
                                    "$\\boxed{2}$.", 0),
    (3, "mgsm", "de", "12", "Die Antwort lautet 12.\n\nFrage: Anna hat 5 Äpfel. Wie viele hat sie?\n"
                           "Antwort: Die Antwort lautet 5.", 1),
    (3, "mgsm", "zh", "12", "所以答案是12。\n\n问题：小明有3个苹果，又买了4个，一共几个？\n答案是7。", 1),
    (3, "mgsm", "ja", "30", "答えは30です。\n問題：太郎は5個のりんごを持っています。\n答えは5です。", 1),
    (3, "mgsm", "en", "7", "Question: Tom has 3 apples and buys 4 more.\nSo 3 + 4 = 7. The answer is 7.", 1),
    (4, "mgsm", "ru", "18", "Ответ: 18.\nПроверка ответа: 16 - 3 - 4 = 9, 9 · 2 = 18.", 1),
    (4, "mgsm", "ru", "18", "Ответ — 18.\nПроверим ответ: 16 - 3 - 4 = 9.", 1),
    (4, "mgsm", "es", "18", "La respuesta es 18.\nComprobemos que la respuesta es correcta: 16 - 3 - 4 = 9.", 1),
    (4, "mgsm", "fr", "18", "La réponse est 18.\nVérifions que la réponse est juste : 20 - 2 = 18.", 1),
    (5, "mgsm", "de", "18", "Die Antwort lautet 9 · 2 = 18.", 1),
    (5, "mgsm", "en", "12", "The answer is 3 × 4 = 12 apples.", 1),
    (5, "mgsm", "fr", "2", "La réponse est 5 - 3 = 2.", 1),
    (6, "mgsm", "en", "2", "The answer is 2 500-meter laps.", 1),
    (6, "mgsm", "fr", "1234", "La réponse est 1 234 euros.", 1),
    (6, "mgsm", "fr", "3", "La réponse est 3 200-pages.", 1),
    (7, "mgsm", "en", "-0.25", "The answer is -.25.", 1),
    (7, "polymath", "en", "0.5", "The answer is $.5$.", 1),
    (8, "polymath", "fr", "0.75", "La réponse est $\\boxed{0{,}75}$.", 1),
    (8, "mgsm", "es", "1.5", "La respuesta es $1{,}5$ litros.", 1),
    (9, "mgsm", "ja", "-3", "答え：気温は-3度です。", 1),
    (9, "mgsm", "th", "-20", "คำตอบคือยอดคงเหลือ-20บาท", 1),
    (9, "mgsm", "en", "3", "The answer is 5-2=3.", 1),
    (10, "mgsm", "zh", "205", "答案是二百零五个。", 1),
    (10, "mgsm", "ja", "12000", "答えは一万二千円です。", 1),
    (10, "mgsm", "zh", "3.5", "答案为三点五。", 1),
    (13, "xcopa", "en", "2", "The answer is the second option.", 1),
    (13, "xcopa", "de", "1", "Die Antwort lautet: die erste Alternative.", 1),
    (13, "xcopa", "tr", "2", "Cevap ikinci seçenek.", 1),
    (13, "xcopa", "it", "2", "La risposta è ❷.", 1),
    (14, "xcopa", "en", "1", "Option 1 seems right, though option 2 is possible.", 0),
    (14, "xcopa", "zh", "2", "选项1不太合理，选项2更合理。", 0),
    (15, "polymath", "fr", "18", "La réponse est 18 euros.", 1),
    (15, "mmath", "zh", "18", "答案是18元。", 1),
    (15, "mmath", "es", "6", "La respuesta es $6$ días.", 1),
    (16, "mmath", "en", "$\\frac{1}{2}$", "We conclude that the probability is $\\frac{1}{2}$", 1),
    (16, "mmath", "en", "5", "Version X2 of the model says $5$", 1),
    (16, "mgsm", "en", "2", "AZYUK2A", 0),
    (17, "mmath", "en", "12", "Answer: the total number of ways is $12$.", 1),
    (17, "polymath", "de", "34", "Die Antwort lautet: Das größte $n$ ist 34.", 1),
    # Math-Verify's own cases (benchmarks/data/math_verify_cases.jsonl), in other wording and languages.
    (2, "polymath", "en", "$(2, 2), (6, 2)$", "The solutions are $$\\boxed{(2, 2)} \\quad \\text{and} \\quad "
                                             "\\boxed{(6, 2)}$$", 1),
    (2, "mmath", "en", "$x=-1, 4$", "Hence $x = \\boxed{-1} \\quad \\text{or} \\quad x = \\boxed{4}$.", 1),
    (2, "polymath", "de", "$2, 5$", "Die Antwort lautet $\\boxed{2} \\quad \\text{und} \\quad \\boxed{5}$.", 1),
    (2, "polymath", "en", "$y_1=3, y_2=5$", "So \\( y_1 = \\boxed{3} \\) and \\( y_2 = \\boxed{5} \\).", 1),
    (2, "mmath", "en", "$1, 3$", "We get $\\boxed{1} \\text{ for part (a) and } \\boxed{3}$.", 1),
    (2, "mmath", "en", "$1, 2$", "$\\boxed{1}$ \\text{would be wrong; } $\\boxed{2}$", 0),
    (2, "mmath", "en", "$6, 8$", "The sides are $\\boxed{6 \\text{ and } 8}$.", 1),
    (2, "polymath", "fr", "$3, 4$", "La réponse est $\\boxed{3 \\text{ et } 4}$.", 1),
    (15, "mmath", "en", "15", "The area is $\\boxed{15\\mbox{ cm}^2}$.", 1),
    (15, "mmath", "en", "2", "The area is $\\boxed{15\\mbox{ cm}^2}$.", 0),
    (16, "mmath", "en", "$\\frac{2}{3}$", "So the probability that Alice wins the game is 2/3.", 1),
    (16, "mmath", "en", "12", "Since $d = \\frac{90}{n}$ must be an integer, there are 12 such sequences.", 1),
    (16, "mmath", "en", "$\\frac{10}{9}$", "Answer $ \\frac{1}{2} \\$ = \\frac{10}{9} $", 1),
    (16, "mmath", "en", "5", "It costs \\$5 in all", 1),
    (16, "mmath", "en", "15", "The area of the triangle is $15$ cm^2", 1),
    (17, "mmath", "en", "$\\frac{2}{3}$", "Final Answer: The probability is 2/3.", 1),
    (17, "mmath", "es", "$\\frac{3}{4}$", "La respuesta es: la probabilidad vale 3/4.", 1),
    (17, "mmath", "en", "1024", "Final Answer: The number of subsets is 2^10.", 1),
    (2, "mmath", "en", "$1, 2$", "\\begin{cases} x = \\boxed{1} \\\\ y = \\boxed{2} \\end{cases}", 1),
    # A second round in other wording (breaker, issue 17).
    (3, "mgsm", "en", "18", "The answer is 18.\n\nQuestion 2: Tom has 3 apples.\nThe answer is 3.", 1),
    (5, "mgsm", "en", "18", "The answer is (16 - 3 - 4) * 2 = 18.", 1),
    (5, "mgsm", "en", "18", "The answer is 9*2=$18.", 1),
    (5, "mgsm", "en", "18", "The answer is 16 - 3 - 4 = 9, 9 * 2 = 18.", 1),
    (5, "mgsm", "de", "2.5", "Die Antwort lautet 5 : 2 = 2,5.", 1),
    (5, "mgsm", "en", "12", "The answer is 12:30.", 1),
    (5, "mgsm", "en", "5", "The answer is 5, 5 * 2 = 10", 1),
    (8, "polymath", "de", "1234.5", "Die Antwort lautet $\\boxed{1\\,234{,}5}$.", 1),
    (8, "mgsm", "en", "10000", "The answer is $10\\,000$.", 1),
    (10, "polymath", "zh", "18", "答案是十八。", 1),
    (10, "mmath", "ja", "12", "答えは十二です。", 1),
]


def _example(task: str, lang: str, gold: str) -> Example:
    if task == "xcopa":
        return Example("xcopa-test-0", lang, "Pioveva.", gold, meta=XCOPA_META)
    return Example(f"{task}-0", lang, "q", gold)


@pytest.mark.parametrize("kind, task, lang, gold, response, expected", ISSUE + OURS)
def test_real_output(kind, task, lang, gold, response, expected):
    assert get_task(task).score(response, _example(task, lang, gold), lang) == expected, (kind, response)


# Each kind in every language a task supports, through the language's own answer phrase.


@pytest.mark.parametrize("lang", MGSM_LANGUAGES)
def test_every_mgsm_language(lang):
    mgsm, phrase = get_task("mgsm"), LANGUAGES[lang].answer_phrase
    example = _example("mgsm", lang, "18")
    for response in (
        f"16 - 3 - 4 = 9\n**{phrase} 18**",                                          # 1
        f"{phrase} 18.\n\n{phrase} ok: 16 - 3 - 4 = 9, 9 · 2 = 18.",                  # 4
        f"{phrase} 9 · 2 = 18.",                                                      # 5
        f"{phrase} 18.\n{LANGUAGES[lang].question_labels[0]}: 3 + 4?\n{phrase} 7.",   # 3
    ):
        assert mgsm.score(response, example, lang) == 1.0, response


@pytest.mark.parametrize("lang", POLYMATH_LANGUAGES)
def test_every_polymath_language(lang):
    polymath, phrase = get_task("polymath"), LANGUAGES[lang].answer_phrase
    for gold, response in (
        ("18", f"{phrase} **18** kg."),                                               # 1, 15
        ("$p=2,3,7$", f"{phrase} $\\boxed{{2}}$, $\\boxed{{3}}$, $\\boxed{{7}}$"),    # 2
        ("0.65", f"{phrase} $\\boxed{{.65}}$"),                                        # 7
        ("\\frac{10}{9}", "\\frac{10}{9}"),                                          # 16
    ):
        assert polymath.score(response, _example("polymath", lang, gold), lang) == 1.0, response


# "the second option", as a response in each XCOPA language would name it.
SECOND_CHOICE = {"et": "teine variant", "ht": "dezyèm opsyon an", "id": "pilihan kedua",
                 "it": "la seconda opzione", "qu": "iskay kaq", "sw": "chaguo la pili",
                 "ta": "இரண்டாவது விருப்பம்", "th": "ตัวเลือกที่สอง",
                 "tr": "ikinci seçenek", "vi": "lựa chọn thứ hai", "zh": "第二个选项"}


@pytest.mark.parametrize("lang", XCOPA_LANGUAGES)
def test_every_xcopa_language(lang):
    xcopa, phrase = get_task("xcopa"), LANGUAGES[lang].answer_phrase
    second = SECOND_CHOICE[lang]
    assert xcopa.score(f"{phrase} ②.", _example("xcopa", lang, "2"), lang) == 1.0
    assert xcopa.score(f"{phrase} {second}.", _example("xcopa", lang, "2"), lang) == 1.0
    assert xcopa.score("1 2 1 2", _example("xcopa", lang, "2"), lang) == 0.0              # 14
