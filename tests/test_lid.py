"""Language identification: every registry language, short answers, the cleaning
of math and code, the Indonesian/Malay merge, and bounded cost on hostile input."""

import time

import pytest

from lrpo.languages import (
    CARE_PRO_LANGUAGES,
    LANGUAGES,
    MGSM_LANGUAGES,
    NEIGHBOURS,
    XCOPA_LANGUAGES,
    identifiable_languages,
    supported_languages,
)
from lrpo.rewards.lid import (
    MAX_SEGMENTS,
    SEGMENT_CHARS,
    UNKNOWN,
    detect_language,
    detect_languages,
    identification_languages,
    identifier_languages,
    language_probabilities,
    language_sample,
    matches_language,
    segments,
    strip_non_language,
)

# Written for this test: two full sentences and one short answer per language.
SENTENCES = {
    "ar": ("ذهبت أختي إلى السوق صباح اليوم لشراء الخضار والفواكه.",
           "يحب الأطفال اللعب في الحديقة بعد انتهاء الدروس.",
           "اشترت عشرين كتابا."),
    "bn": ("আমার দাদা প্রতিদিন সকালে নদীর ধারে হাঁটতে যান।",
           "এই বইটি পড়তে আমার তিন দিন সময় লেগেছিল।",
           "উত্তর হলো বারোটি কলম।"),
    "de": ("Meine Großmutter backt jeden Sonntag einen Apfelkuchen für die ganze Familie.",
           "Der Zug nach Hamburg hatte heute Morgen wieder zwanzig Minuten Verspätung.",
           "Sie hat 12 Eier gekauft."),
    "en": ("The farmer sold most of his apples at the market before noon.",
           "My brother forgot his umbrella, so he came home completely soaked.",
           "She needs five more dollars."),
    "es": ("Mi vecina riega las plantas del balcón todas las tardes antes de cenar.",
           "El autobús llegó tarde porque había mucho tráfico en el centro de la ciudad.",
           "Le quedan ocho galletas."),
    "hi": ("मेरी दादी हर सुबह मंदिर जाती हैं और लौटकर बगीचे के पौधों में पानी देती हैं।",
           "कल रात की तेज़ बारिश से शहर की कई सड़कों पर घुटनों तक पानी भर गया।",
           "उसने बारह अंडे खरीदे।"),
    "et": ("Eile õhtul käisime sõpradega kinos ja vaatasime uut filmi.",
           "Talvel on päevad Tallinnas väga lühikesed ja külmad.",
           "Tal on kokku seitse õuna."),
    "fr": ("Chaque matin, mon père achète du pain frais à la boulangerie du coin.",
           "Nous avons passé nos vacances d'été au bord de la mer en Bretagne.",
           "Il lui reste 4 bonbons."),
    "ht": ("Manman m ap fè diri ak pwa pou tout fanmi an aswè a.",
           "Timoun yo te jwe foutbòl nan lakou lekòl la pandan tout apremidi a.",
           "Li gen sis ti poul."),
    "id": ("Setiap pagi ibu saya pergi ke pasar untuk membeli sayuran segar.",
           "Kami harus menunggu kereta selama satu jam karena ada gangguan sinyal.",
           "Jawabannya adalah tiga buku."),
    "it": ("Ogni estate i miei nonni affittano una casa vicino al lago.",
           "Il ristorante in fondo alla strada prepara una pizza buonissima.",
           "Gli restano nove caramelle."),
    "ja": ("昨日は雨が降っていたので、一日中家で本を読んでいました。",
           "駅の近くに新しいパン屋さんができたそうです。",
           "りんごを三つ買いました。"),
    "ko": ("어제 친구와 함께 시장에 가서 과일을 많이 샀어요.",
           "이번 주말에는 가족과 함께 바닷가로 여행을 갈 예정입니다.",
           "모두 열두 개입니다."),
    "ms": ("Kami pergi ke kedai runcit berhampiran rumah untuk membeli beras.",
           "Kerajaan telah mengumumkan cuti umum tambahan pada bulan hadapan.",
           "Jawapannya ialah lima biji epal."),
    "nl": ("Mijn buurman fietst elke ochtend naar zijn werk, zelfs als het regent.",
           "We hebben gisteren een lange wandeling door het bos gemaakt.",
           "Ze heeft nog zes appels."),
    "pl": ("Moja siostra codziennie rano pije kawę przed wyjściem do pracy.",
           "W zeszłym tygodniu pojechaliśmy nad jezioro z całą rodziną.",
           "Zostało mu jeszcze osiem cukierków."),
    "pt": ("Minha avó prepara um bolo de laranja delicioso todos os domingos.",
           "Os alunos ficaram na biblioteca estudando até a hora do jantar.",
           "Ela comprou doze ovos."),
    "qu": ("Mamaymi sapa paqarin chakraman llamk'aq rin.",
           "Wawakunaqa yachaywasipi pukllashanku.",
           "Kimsa papata rantirqan."),
    "ru": ("Каждое утро мой отец читает газету за чашкой крепкого чая.",
           "Вчера мы долго гуляли по парку и кормили уток у пруда.",
           "У неё осталось 5 яблок."),
    "sw": ("Kila asubuhi mama yangu huenda sokoni kununua mboga na matunda.",
           "Watoto walicheza mpira uwanjani hadi jua lilipozama.",
           "Alinunua mayai kumi na mbili."),
    "ta": ("என் அம்மா ஒவ்வொரு நாளும் காலையில் கோவிலுக்குச் செல்வார்.",
           "நேற்று பெய்த கனமழையால் பள்ளிகள் மூடப்பட்டன.",
           "அவளிடம் ஐந்து பழங்கள் உள்ளன."),
    "te": ("మా నాన్నగారు ప్రతిరోజూ ఉదయం తోటలో పని చేస్తారు.",
           "నిన్న రాత్రి కురిసిన భారీ వర్షం వల్ల రోడ్లన్నీ నీటితో నిండిపోయాయి.",
           "ఆమె దగ్గర ఆరు పండ్లు ఉన్నాయి."),
    "th": ("ทุกเช้าแม่ของฉันจะไปตลาดเพื่อซื้อผักและผลไม้",
           "เมื่อวานฝนตกหนักมากจนถนนหลายสายมีน้ำท่วม",
           "เขาซื้อไข่สิบสองฟอง"),
    "tr": ("Her sabah annem pazara gidip taze sebze ve meyve alır.",
           "Dün akşam arkadaşlarımla birlikte sinemaya gittik.",
           "Geriye yedi elma kaldı."),
    "vi": ("Mỗi buổi sáng mẹ tôi đi chợ mua rau và trái cây tươi.",
           "Hôm qua trời mưa rất to nên đường phố bị ngập nước.",
           "Cô ấy có mười hai quả trứng."),
    "zh": ("我妈妈每天早上都去菜市场买新鲜的蔬菜。",
           "昨天下了一整天的雨，所以我们没有出去玩。",
           "他一共买了五本书。"),
}

SENTENCE_ACCURACY = 0.95
SHORT_ANSWER_ACCURACY = 0.85


def test_the_test_set_covers_every_registry_language():
    assert set(SENTENCES) == set(LANGUAGES)


def test_every_registry_language_is_known_to_the_identifier():
    assert set(supported_languages()) <= set(identifier_languages())


def _accuracy(items, merge):
    results = [(lang, text, detect_language(text)[0]) for lang, text in items]
    if merge:
        correct = sum(matches_language(detected, lang) for lang, _, detected in results)
    else:
        correct = sum(detected == lang for lang, _, detected in results)
    misses = [(lang, detected) for lang, _, detected in results if not matches_language(detected, lang)]
    return correct / len(results), misses


def test_identification_accuracy_over_all_languages():
    sentences = [(lang, s) for lang, (a, b, _) in SENTENCES.items() for s in (a, b)]
    short = [(lang, answer) for lang, (_, _, answer) in SENTENCES.items()]
    sentence_acc, sentence_misses = _accuracy(sentences, merge=True)
    short_acc, short_misses = _accuracy(short, merge=True)
    strict_sentence_acc, _ = _accuracy(sentences, merge=False)
    strict_short_acc, _ = _accuracy(short, merge=False)
    report = (f"sentences {sentence_acc:.1%} (strict id/ms {strict_sentence_acc:.1%}) of {len(sentences)}, "
              f"short answers {short_acc:.1%} (strict {strict_short_acc:.1%}) of {len(short)}; "
              f"misses {sentence_misses + short_misses}")
    print(report)
    assert sentence_acc >= SENTENCE_ACCURACY, report
    assert short_acc >= SHORT_ANSWER_ACCURACY, report


def test_probabilities_cover_exactly_the_candidates_and_their_neighbours_and_sum_to_one():
    probs = language_probabilities(SENTENCES["en"][0], candidates=["de", "fr", "nl"])
    assert set(probs) == set(identification_languages(["de", "fr", "nl"]))
    assert set(probs) == {"de", "fr", "nl", "lb", "da", "ca", "it", "af"}
    assert sum(probs.values()) == pytest.approx(1.0, abs=1e-5)
    assert list(probs.values()) == sorted(probs.values(), reverse=True)
    assert detect_language(SENTENCES["en"][0], ["de", "fr", "nl"])[0] in set(probs)


def test_every_neighbour_is_known_to_the_identifier():
    assert set(NEIGHBOURS) == set(supported_languages())
    assert set(identifiable_languages()) <= set(identifier_languages())
    assert {n for ns in NEIGHBOURS.values() for n in ns} <= set(identifiable_languages())


# Sentences in neighbouring languages, written for this test.
NEIGHBOUR_TEXT = {
    "uk": "Моя бабуся щонеділі пече яблучний пиріг для всієї родини.",
    "ca": "La meva àvia fa un pastís de poma cada diumenge per a tota la família.",
    "gl": "A miña avoa fai unha torta de mazá cada domingo para toda a familia.",
    "pt": SENTENCES["pt"][0], "it": SENTENCES["it"][0], "nl": SENTENCES["nl"][0], "es": SENTENCES["es"][0],
    "mr": "माझी आजी रोज सकाळी देवळात जाते आणि नंतर बागेतल्या झाडांना पाणी घालते.",
    "ne": "मेरी हजुरआमा हरेक बिहान मन्दिर जानुहुन्छ र फर्केपछि बगैंचाका बोटहरूमा पानी हाल्नुहुन्छ।",
}


@pytest.mark.parametrize("text_lang, candidates", [
    ("pt", ("es", "en")), ("it", ("es",)), ("nl", ("de", "en")), ("uk", ("ru", "en")), ("ca", ("es", "fr")),
    ("gl", ("es", "en")), ("es", ("it", "en")), ("mr", ("hi",)), ("ne", CARE_PRO_LANGUAGES),
])
def test_a_neighbour_is_identified_although_not_a_candidate(text_lang, candidates):
    assert detect_language(NEIGHBOUR_TEXT[text_lang], candidates)[0] == text_lang


# Hindi (CARE-pro's unseen language), written for this test: sentences of everyday life and
# of worked arithmetic, and short answers.
HINDI_SENTENCES = SENTENCES["hi"][:2] + (
    "हमारे स्कूल में अगले हफ़्ते खेल-कूद प्रतियोगिता होने वाली है।",
    "दिवाली पर लोग अपने घरों को दीयों, फूलों और रंगोली से सजाते हैं।",
    "अगर एक किताब की कीमत पचास रुपये है, तो चार किताबों की कीमत कितनी होगी?",
    "पहले हम कुल सेब गिनते हैं, फिर उनमें से खाए गए सेब घटा देते हैं।",
    "ट्रेन दिल्ली से सुबह छह बजे चली और दोपहर तक जयपुर पहुँच गई।",
    "मुझे गर्मियों में ठंडी लस्सी पीना और आम खाना सबसे ज़्यादा पसंद है।",
    "बच्चों ने पूरी शाम पार्क में क्रिकेट खेला और अँधेरा होने पर घर लौटे।",
    "इसलिए सीता के पास अब कुल मिलाकर सत्रह पेंसिलें बची हैं।",
    "डॉक्टर ने कहा कि रोज़ आधा घंटा पैदल चलना सेहत के लिए अच्छा है।",
    "मेरे भाई को नई नौकरी के लिए बेंगलुरु जाना पड़ेगा।",
)
HINDI_SHORT_ANSWERS = (SENTENCES["hi"][2], "उत्तर है अठारह।", "उसके पास पाँच आम हैं।", "कुल सात किताबें हैं।")


@pytest.mark.parametrize("candidates", [None, CARE_PRO_LANGUAGES, MGSM_LANGUAGES + ("hi",)])
def test_hindi_is_identified_with_its_neighbours_in_play(candidates):
    """Every Hindi sentence and short answer is Hindi, although Marathi and Nepali (same
    script) may be answered (measured: 16 of 16, the least sure at 0.84)."""
    assert {"mr", "ne"} <= set(identification_languages(candidates))
    texts = HINDI_SENTENCES + HINDI_SHORT_ANSWERS
    detected = [code for code, _ in detect_languages(texts, candidates)]
    assert [(text, code) for text, code in zip(texts, detected, strict=True) if code != "hi"] == []


def test_batch_matches_single_calls():
    texts = [s for triple in SENTENCES.values() for s in triple]
    assert detect_languages(texts, XCOPA_LANGUAGES) == [detect_language(t, XCOPA_LANGUAGES) for t in texts]


def test_unknown_candidate_codes_are_rejected_with_the_supported_list():
    with pytest.raises(ValueError, match="supported: ar, bn"):
        detect_language("Guten Morgen", ["de", "xx"])
    with pytest.raises(ValueError, match="empty"):
        detect_language("Guten Morgen", [])


# Indonesian and Malay


def test_indonesian_and_malay_are_merged_only_when_both_are_candidates():
    indonesian, malay = SENTENCES["id"][:2], SENTENCES["ms"][:2]
    # With both candidates the identifier may answer either; both count as the other.
    for text in indonesian:
        detected, _ = detect_language(text)
        assert detected in {"id", "ms"}
        assert matches_language(detected, "id")
    assert matches_language("ms", "id") and matches_language("id", "ms")
    # With one of them only (XCOPA's languages, the paper's), detection is exact and nothing merges.
    assert [detect_language(t, XCOPA_LANGUAGES)[0] for t in indonesian] == ["id", "id"]
    assert [detect_language(t, ["ms", "en", "tr"])[0] for t in malay] == ["ms", "ms"]
    assert matches_language("ms", "id", XCOPA_LANGUAGES + ("ms",))
    assert not matches_language("ms", "id", ["id", "en"])


# Cleaning


def test_latex_code_urls_and_digits_are_stripped_before_deciding():
    response = ("Zuerst berechnen wir den Preis pro Stück: $\\frac{3}{4} \\times 12 = 9$.\n"
                "\\[ \\text{total} = \\sum_{i=1}^{n} price_i \\cdot quantity_i \\]\n"
                "```python\nprint(total_price_for_all_items_in_the_shopping_cart)\n```\n"
                "Siehe https://example.com/the/english/words/of/this/link für die Herleitung. "
                "Die Antwort lautet \\boxed{9}.")
    assert detect_language(response)[0] == "de"
    cleaned = strip_non_language(response)
    for gone in ("frac", "total", "print", "https", "english", "9", "12", "=", "{"):
        assert gone not in cleaned
    assert "Zuerst berechnen wir den Preis pro Stück" in cleaned


def test_prices_are_not_taken_for_inline_math():
    cleaned = strip_non_language("Sie kauft Äpfel für $5 und Birnen für $10.")
    assert cleaned == "Sie kauft Äpfel für und Birnen für ."
    assert strip_non_language("so $x^2 = y$ holds") == "so holds"


@pytest.mark.parametrize("text", ["", "   ", "42", "x = 3 + 4", "$\\frac{1}{2}$", "```print(hello_world)```",
                                  "https://example.com/hello/world", "١٢٣ + ٤٥ = ١٦٨"])
def test_texts_without_three_letters_are_unknown(text):
    assert detect_language(text) == (UNKNOWN, 0.0)
    assert language_probabilities(text) == {}


def test_three_letters_are_enough_to_decide():
    assert language_sample("ok 1") is None
    assert detect_language("abc 12")[0] != UNKNOWN


# Bounded cost


HOSTILE = {
    "megabyte of German": (SENTENCES["de"][0] + " ") * 13_000,
    "binary garbage": bytes(range(256)).decode("latin-1") * 4000,
    "mixed scripts": "".join(triple[0] for triple in SENTENCES.values()) * 250,
    "unclosed display math openers": "\\[ a " * 200_000,
    "dollar signs": "$a" * 500_000,
    "code fences": "```x" * 250_000,
    "digits": "1234567890" * 100_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_identified_in_bounded_time(name):
    text = HOSTILE[name]
    start = time.perf_counter()
    code, prob = detect_language(text)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{name}: {elapsed:.2f} s"
    assert code == UNKNOWN or code in identifiable_languages()
    assert 0.0 <= prob <= 1.0


def test_the_whole_text_is_read_in_a_bounded_number_of_segments():
    middle = (SENTENCES["en"][0] + " ") * 20_000
    text = SENTENCES["de"][0] * 400 + middle + SENTENCES["de"][1] * 400
    assert detect_language(text)[0] == "en"  # the middle is most of it, and it is read
    pieces = segments(strip_non_language(text))
    assert len(pieces) == MAX_SEGMENTS
    assert all(len(piece) <= SEGMENT_CHARS + 64 for piece in pieces)
    assert detect_language(pieces[0])[0] == "de" and detect_language(pieces[-1])[0] == "de"


def test_segments_are_balanced_and_cover_a_text():
    text = " ".join(["wort"] * 1_000)  # 4,999 characters: three segments
    pieces = segments(text)
    assert len(pieces) == 3
    assert " ".join(pieces).split() == text.split()
    assert max(map(len, pieces)) - min(map(len, pieces)) < 16
    assert segments("") == [] and segments("kurz") == ["kurz"]
