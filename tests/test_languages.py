import pytest

from lrpo.languages import (
    CARE_PRO_LANGUAGES,
    LANGUAGES,
    MGSM_LANGUAGES,
    MMATH_LANGUAGES,
    PAPER_LANGUAGES,
    POLYMATH_LANGUAGES,
    XCOPA_LANGUAGES,
    get_language,
    supported_languages,
    validate_languages,
)


def test_registry_covers_every_benchmark_and_the_paper():
    needed = set(MGSM_LANGUAGES) | set(XCOPA_LANGUAGES) | set(PAPER_LANGUAGES) \
        | set(MMATH_LANGUAGES) | set(POLYMATH_LANGUAGES) | set(CARE_PRO_LANGUAGES)
    assert needed <= set(LANGUAGES)
    assert len(MGSM_LANGUAGES) == 11 and len(XCOPA_LANGUAGES) == 11
    assert len(PAPER_LANGUAGES) == 15 and len(MMATH_LANGUAGES) == 10
    assert len(POLYMATH_LANGUAGES) == 18


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_entry_is_complete(code):
    lang = get_language(code)
    assert lang.code == code and len(code) == 2
    assert lang.name and lang.native_name and len(lang.script) == 4
    assert lang.instruction.strip()
    assert "{answer}" in lang.finish
    assert "42" in lang.finish_instruction("42")
    assert lang.answer_phrase and all(p.strip() for p in lang.answer_phrases)
    assert lang.decimal_mark in ",."
    assert lang.decimal_mark not in lang.group_separators


def test_known_answer_phrases():
    assert get_language("en").answer_phrase == "The answer is"
    assert get_language("de").answer_phrase == "Die Antwort lautet"
    assert get_language("zh").answer_phrase == "答案是"
    assert get_language("hi").answer_phrase == "उत्तर है"


def test_unknown_code_lists_supported():
    with pytest.raises(ValueError) as err:
        get_language("xx")
    message = str(err.value)
    assert "'xx'" in message
    for code in supported_languages():
        assert code in message


def test_validate_languages_rejects_empty_and_unknown():
    assert validate_languages(["de", "en"]) == ("de", "en")
    with pytest.raises(ValueError, match="empty"):
        validate_languages([])
    with pytest.raises(ValueError, match="supported"):
        validate_languages(["de", "klingon"])
