"""The one registry of languages the project can prompt, verify and identify.

Every other module (tasks, router, planner, language identification, lm-eval
wiring) asks this registry about a language; none keeps its own list. A language
is here only when all of those parts can handle it, so an unknown code is an
error everywhere, never a silent fallback to English (a defect of the reference
code).

Each entry carries what a prompt and a verifier need in that language:
- ``instruction``: a native sentence asking for the response in that language;
- ``finish``: a native sentence asking the response to end with the answer
  phrase; ``{answer}`` is filled by the task ("N", "1 / 2", ...);
- ``answer_phrases``: the native "The answer is" (first = the one we ask for,
  the rest are common variants a verifier also accepts, e.g. MGSM's exemplars
  write "Die Antwort ist" where we ask for "Die Antwort lautet");
- ``decimal_mark`` and ``group_separators``: how numbers are written, so that
  "1.234" means 1234 in German and 1.234 in English;
- ``question_labels`` (``QUESTION_LABELS``): how a new question is labelled
  ("Question:", "问题："), which is where a model that runs on past its answer
  starts inventing the next exercise.

Besides these, ``NEIGHBOURS`` names the languages the identifier must be able to
answer when a registry language is requested, because text in them passes for
it (Portuguese for Spanish, Dutch for German, Ukrainian for Russian). Some of
them are not registry languages: ``IDENTIFIABLE`` lists them by name; they can be
identified (and so rejected) but not prompted or verified.
"""

from __future__ import annotations

from dataclasses import dataclass

# Space-like characters used as thousands separators: space, no-break space,
# thin space, narrow no-break space.
SPACE_GROUPS = (" ", "\u00a0", "\u2009", "\u202f")


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1
    name: str  # English name
    native_name: str
    script: str  # ISO 15924
    instruction: str
    finish: str
    answer_phrases: tuple[str, ...]
    decimal_mark: str = "."
    group_separators: tuple[str, ...] = (",",)

    @property
    def answer_phrase(self) -> str:
        """The phrase the prompt asks for ("The answer is")."""
        return self.answer_phrases[0]

    def finish_instruction(self, answer: str) -> str:
        return self.finish.format(answer=answer)

    @property
    def question_labels(self) -> tuple[str, ...]:
        """Words that label a new question at the start of a line ("Question", "Frage"),
        the label MGSM's exemplars use first; a colon follows them in text."""
        return QUESTION_LABELS[self.code]


_COMMA_DECIMAL = {"decimal_mark": ",", "group_separators": (".",) + SPACE_GROUPS}
_SPACE_GROUPED_COMMA_DECIMAL = {"decimal_mark": ",", "group_separators": SPACE_GROUPS + (".",)}

_LANGUAGES = [
    Language("ar", "Arabic", "العربية", "Arab",
             "أجب باللغة العربية.", "اختم إجابتك بعبارة \"الإجابة هي {answer}\".",
             ("الإجابة هي", "الجواب هو", "الإجابة:")),
    Language("bn", "Bengali", "বাংলা", "Beng",
             "বাংলায় উত্তর দিন।", "আপনার উত্তর \"উত্তর হল {answer}\" দিয়ে শেষ করুন।",
             ("উত্তর হল", "উত্তর হলো", "উত্তর:")),
    Language("de", "German", "Deutsch", "Latn",
             "Antworte auf Deutsch.", "Beende deine Antwort mit „Die Antwort lautet {answer}“.",
             ("Die Antwort lautet", "Die Antwort ist", "Antwort:"), **_COMMA_DECIMAL),
    Language("en", "English", "English", "Latn",
             "Answer in English.", "End your response with \"The answer is {answer}\".",
             ("The answer is", "The final answer is", "Answer:")),
    Language("es", "Spanish", "Español", "Latn",
             "Responde en español.", "Termina tu respuesta con \"La respuesta es {answer}\".",
             ("La respuesta es", "La respuesta final es", "Respuesta:"), **_COMMA_DECIMAL),
    Language("et", "Estonian", "Eesti", "Latn",
             "Vasta eesti keeles.", "Lõpeta oma vastus lausega \"Vastus on {answer}\".",
             ("Vastus on", "Vastus:"), **_SPACE_GROUPED_COMMA_DECIMAL),
    Language("fr", "French", "Français", "Latn",
             "Réponds en français.", "Termine ta réponse par « La réponse est {answer} ».",
             ("La réponse est", "La réponse finale est", "Réponse :", "Réponse:"),
             **_SPACE_GROUPED_COMMA_DECIMAL),
    # Hindi writes its verb last ("उत्तर 18 है"); the prompt asks for the phrase before the
    # number, as Bengali's does, so that the answer follows the phrase.
    Language("hi", "Hindi", "हिंदी", "Deva",
             "हिंदी में उत्तर दें।", "अपना उत्तर \"उत्तर है {answer}\" लिखकर समाप्त करें।",
             ("उत्तर है", "अंतिम उत्तर है", "उत्तर:", "अंतिम उत्तर:")),
    Language("ht", "Haitian Creole", "Kreyòl ayisyen", "Latn",
             "Reponn an kreyòl ayisyen.", "Fini repons ou a ak \"Repons lan se {answer}\".",
             ("Repons lan se", "Repons la se", "Repons:"), **_SPACE_GROUPED_COMMA_DECIMAL),
    Language("id", "Indonesian", "Bahasa Indonesia", "Latn",
             "Jawablah dalam bahasa Indonesia.", "Akhiri jawabanmu dengan \"Jawabannya adalah {answer}\".",
             ("Jawabannya adalah", "Jawaban akhirnya adalah", "Jawaban:"), **_COMMA_DECIMAL),
    Language("it", "Italian", "Italiano", "Latn",
             "Rispondi in italiano.", "Concludi la risposta con \"La risposta è {answer}\".",
             ("La risposta è", "La risposta finale è", "Risposta:"), **_COMMA_DECIMAL),
    Language("ja", "Japanese", "日本語", "Jpan",
             "日本語で答えてください。", "最後に「答えは{answer}です」と書いてください。",
             ("答えは", "答え：", "答え:")),
    Language("ko", "Korean", "한국어", "Kore",
             "한국어로 답하세요.", "답변을 \"정답은 {answer}입니다\"로 끝내세요.",
             ("정답은", "답은", "답:")),
    Language("ms", "Malay", "Bahasa Melayu", "Latn",
             "Jawab dalam bahasa Melayu.", "Akhiri jawapan anda dengan \"Jawapannya ialah {answer}\".",
             ("Jawapannya ialah", "Jawapannya adalah", "Jawapan:")),
    Language("nl", "Dutch", "Nederlands", "Latn",
             "Antwoord in het Nederlands.", "Eindig je antwoord met \"Het antwoord is {answer}\".",
             ("Het antwoord is", "Het uiteindelijke antwoord is", "Antwoord:"), **_COMMA_DECIMAL),
    Language("pl", "Polish", "Polski", "Latn",
             "Odpowiedz po polsku.", "Zakończ odpowiedź zdaniem \"Odpowiedź to {answer}\".",
             ("Odpowiedź to", "Odpowiedź brzmi", "Odpowiedź:"), **_SPACE_GROUPED_COMMA_DECIMAL),
    Language("pt", "Portuguese", "Português", "Latn",
             "Responda em português.", "Termine sua resposta com \"A resposta é {answer}\".",
             ("A resposta é", "A resposta final é", "Resposta:"), **_COMMA_DECIMAL),
    Language("qu", "Quechua", "Runasimi", "Latn",
             "Runasimipi kutichiy.", "Kutichiyniykita \"Kutichiyqa {answer} kan\" nispa tukuy.",
             ("Kutichiyqa", "Kutichiy:")),
    Language("ru", "Russian", "Русский", "Cyrl",
             "Отвечай на русском языке.", "Закончи ответ фразой «Ответ — {answer}».",
             ("Ответ —", "Ответ:", "Ответ -", "Ответ"), **_SPACE_GROUPED_COMMA_DECIMAL),
    Language("sw", "Swahili", "Kiswahili", "Latn",
             "Jibu kwa Kiswahili.", "Malizia jibu lako kwa \"Jibu ni {answer}\".",
             ("Jibu ni", "Jibu la mwisho ni", "Jibu:")),
    Language("ta", "Tamil", "தமிழ்", "Taml",
             "தமிழில் பதிலளிக்கவும்.", "உங்கள் பதிலை \"பதில் {answer}\" என்று முடிக்கவும்.",
             ("பதில்", "விடை")),
    Language("te", "Telugu", "తెలుగు", "Telu",
             "తెలుగులో సమాధానం ఇవ్వండి.", "మీ సమాధానాన్ని \"సమాధానం {answer}\" తో ముగించండి.",
             ("సమాధానం", "జవాబు")),
    Language("th", "Thai", "ไทย", "Thai",
             "ตอบเป็นภาษาไทย", "จบคำตอบด้วย \"คำตอบคือ {answer}\"",
             ("คำตอบคือ", "คำตอบ:")),
    Language("tr", "Turkish", "Türkçe", "Latn",
             "Türkçe cevap ver.", "Cevabını \"Cevap {answer}\" ile bitir.",
             ("Cevap", "Yanıt"), **_COMMA_DECIMAL),
    Language("vi", "Vietnamese", "Tiếng Việt", "Latn",
             "Hãy trả lời bằng tiếng Việt.", "Kết thúc câu trả lời bằng \"Đáp án là {answer}\".",
             ("Đáp án là", "Câu trả lời là", "Đáp án:"), **_COMMA_DECIMAL),
    Language("zh", "Chinese", "中文", "Hans",
             "请用中文回答。", "最后以“答案是{answer}”结尾。",
             ("答案是", "答案为", "答案：", "答案:")),
]

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _LANGUAGES}

QUESTION_LABELS: dict[str, tuple[str, ...]] = {
    "ar": ("السؤال", "سؤال"), "bn": ("প্রশ্ন",), "de": ("Frage", "Aufgabe"),
    "en": ("Question", "Q", "Problem"), "es": ("Pregunta", "Problema"), "et": ("Küsimus", "Ülesanne"),
    "fr": ("Question", "Problème"), "hi": ("प्रश्न", "सवाल"), "ht": ("Kesyon",), "id": ("Pertanyaan", "Soal"),
    "it": ("Domanda", "Problema"), "ja": ("問題", "質問"), "ko": ("질문", "문제"), "ms": ("Soalan",),
    "nl": ("Vraag", "Opgave"), "pl": ("Pytanie", "Zadanie"), "pt": ("Pergunta", "Questão", "Problema"),
    "qu": ("Tapuy",), "ru": ("Задача", "Вопрос"), "sw": ("Swali",), "ta": ("கேள்வி",), "te": ("ప్రశ్న",),
    "th": ("โจทย์", "คำถาม"), "tr": ("Soru",), "vi": ("Câu hỏi", "Bài toán"),
    "zh": ("问题", "題目", "题目", "問題"),
}

# Languages outside the registry that the identifier must be able to answer: close
# neighbours of registry languages (see NEIGHBOURS). Identifiable, never requested.
IDENTIFIABLE: dict[str, str] = {
    "af": "Afrikaans", "as": "Assamese", "az": "Azerbaijani", "be": "Belarusian", "bg": "Bulgarian",
    "ca": "Catalan", "cs": "Czech", "da": "Danish", "fa": "Persian", "fi": "Finnish", "gl": "Galician",
    "kn": "Kannada", "lb": "Luxembourgish", "lo": "Lao", "ml": "Malayalam", "mr": "Marathi", "ne": "Nepali",
    "sk": "Slovak", "uk": "Ukrainian", "ur": "Urdu",
}

# Close neighbours of each registry language: text in them passes for the language
# when the identifier may not answer them (Portuguese asked in Spanish). Indonesian and
# Malay are not each other's neighbours: the identifier cannot tell them apart (see
# lrpo.rewards.lid), so listing them would reject real Indonesian.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "ar": ("fa", "ur"), "bn": ("as",), "de": ("nl", "lb", "da"), "en": (), "es": ("pt", "ca", "gl", "it"),
    "et": ("fi",), "fr": ("ca", "it"), "hi": ("mr", "ne"), "ht": ("fr",), "id": (), "it": ("es", "ca"),
    "ja": ("zh",), "ko": (), "ms": (), "nl": ("de", "af"), "pl": ("cs", "sk"), "pt": ("es", "gl"), "qu": ("es",),
    "ru": ("uk", "be", "bg"), "sw": (), "ta": ("ml",), "te": ("kn",), "th": ("lo",), "tr": ("az",),
    "vi": (), "zh": ("ja",),
}

# Language sets of the benchmarks and of the paper, as published.
MGSM_LANGUAGES = ("bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh")
XCOPA_LANGUAGES = ("et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh")
PAPER_LANGUAGES = ("ar", "de", "en", "es", "fr", "id", "it", "ja", "ko", "nl", "pl", "pt",
                   "ru", "vi", "zh")
MMATH_LANGUAGES = ("ar", "en", "es", "fr", "ja", "ko", "pt", "th", "vi", "zh")
POLYMATH_LANGUAGES = ("ar", "bn", "de", "en", "es", "fr", "id", "it", "ja", "ko", "ms", "pt",
                      "ru", "sw", "te", "th", "vi", "zh")
# CARE-pro's languages in the paper: Chinese and Spanish (seen) and Hindi (unseen).
CARE_PRO_LANGUAGES = ("es", "hi", "zh")
# The paper's mGSM split: the languages trained on ("seen") and held out ("unseen").
SEEN_LANGUAGES = ("en", "de", "es", "fr", "ja", "ru", "zh")
UNSEEN_LANGUAGES = tuple(code for code in MGSM_LANGUAGES if code not in SEEN_LANGUAGES)


def supported_languages() -> tuple[str, ...]:
    return tuple(sorted(LANGUAGES))


def get_language(code: str) -> Language:
    """The registry entry for an ISO 639-1 code; a clear error for anything else."""
    try:
        return LANGUAGES[code]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown language {code!r}; supported: {', '.join(supported_languages())}"
        ) from None


def identifiable_languages() -> tuple[str, ...]:
    """Every code language identification may answer: the registry and ``IDENTIFIABLE``."""
    return tuple(sorted(set(LANGUAGES) | set(IDENTIFIABLE)))


def with_neighbours(codes) -> tuple[str, ...]:
    """``codes`` (registry languages) and all their ``NEIGHBOURS``, sorted."""
    return tuple(sorted({n for code in codes for n in (code, *NEIGHBOURS[code])}))


def validate_languages(codes) -> tuple[str, ...]:
    """Check a collection of codes (rejecting empties and unknowns); return them as a tuple."""
    codes = tuple(codes)
    if not codes:
        raise ValueError("empty language list")
    for code in codes:
        get_language(code)
    return codes
