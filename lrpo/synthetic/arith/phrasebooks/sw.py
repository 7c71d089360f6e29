"""Swahili stories. Numbers follow the noun and the stems 2-5 and 8 agree with
its noun class (matufaha matano, vitabu vitano, kalamu tano), as does the
question word -ngapi; 6, 7, 9, 10 and 20 do not agree."""

from lrpo.synthetic.arith.phrasebook import Noun, Phrasebook, nouns

_STEMS = {1: "moja", 2: "wili", 3: "tatu", 4: "nne", 5: "tano", 6: "sita", 7: "saba", 8: "nane", 9: "tisa",
          10: "kumi", 20: "ishirini"}
_AGREEING = {2, 3, 4, 5, 8}
# Class prefixes of agreeing numerals: ma- (class 6), vi- (class 8), and class 10, where
# "wili" becomes "mbili" and the other stems stay bare.
_PREFIX = {"ma": "ma", "vi": "vi", "n": ""}
_CLASS_10_TWO = "mbili"


def agreeing_number(n: int, noun_class: str) -> str:
    if n > 10 and n < 20:
        unit = agreeing_number(n - 10, noun_class) if n - 10 != 1 else "moja"
        return f"kumi na {unit}"
    stem = _STEMS[n]
    if n not in _AGREEING:
        return stem
    if noun_class == "n":
        return _CLASS_10_TWO if n == 2 else stem
    return _PREFIX[noun_class] + stem


class Swahili(Phrasebook):
    code = "sw"
    names = tuple((n,) for n in "Juma Amani Neema Baraka Zawadi Halima Hassani Rehema Imani Faraji Upendo Salim"
                  .split())
    items = nouns({"apple": "matufaha", "pencil": "penseli", "book": "vitabu", "marble": "gololi",
                   "cookie": "biskuti", "card": "kadi", "egg": "mayai", "flower": "maua"},
                  {"apple": "ma", "pencil": "n", "book": "vi", "marble": "n", "cookie": "n", "card": "n",
                   "egg": "ma", "flower": "ma"})
    units = nouns({"box": "masanduku", "day": "siku", "table": "meza"}, {"box": "ma", "day": "n", "table": "n"})
    number_words = {n: agreeing_number(n, "n") for n in range(2, 21)}
    templates = {
        "add.collect": "Jumatatu {name} alikusanya {a} na Jumanne alikusanya {b}. "
                       "{name} alikusanya {items} {many} kwa jumla?",
        "add.buy": "{name} ana {a}. Ananunua {b} zaidi. Sasa {name} ana {items} {many}?",
        "add.place": "Kuna {a} ndani ya sanduku na {b} ndani ya kikapu. Kuna {items} {many} kwa jumla?",
        "sub.give": "{name} ana {a}. Anampa rafiki yake {b}. {name} amebaki na {items} {many}?",
        "sub.sell": "Duka lilikuwa na {a}. Leo limeuza {b}. Duka limebaki na {items} {many}?",
        "sub.need": "{name} anahitaji {a} kwa mradi wa shule na tayari ana {b}. "
                    "{name} anahitaji {items} {many} zaidi?",
        "mul.boxes": "{name} ana {a:box}. Kila sanduku lina {b}. {name} ana {items} {many} kwa jumla?",
        "mul.days": "{name} ananunua {b} kila siku kwa {a:day}. {name} ananunua {items} {many} kwa jumla?",
        "mul.rows": "Kuna {a:table} darasani. Mwalimu anaweka {b} juu ya kila meza. "
                    "Kuna {items} {many} juu ya meza zote?",
        "two.buy_give": "{name} ana {a}. Ananunua {b} zaidi, kisha anampa rafiki yake {c}. "
                        "Sasa {name} ana {items} {many}?",
        "two.give_twice": "{name} ana {a}. Anampa kaka yake {b} na dada yake {c}. "
                          "{name} amebaki na {items} {many}?",
        "two.boxes_more": "{name} ana {a:box} na kila sanduku lina {b}. Pia kuna {c} juu ya rafu. "
                          "{name} ana {items} {many} kwa jumla?",
    }

    def number(self, n: int, noun: Noun, spelled: bool) -> str:
        return agreeing_number(n, noun.kind) if spelled else str(n)

    def quantity(self, n: int, noun: Noun, spelled: bool) -> str:
        return f"{noun.plural} {self.number(n, noun, spelled)}"

    def item_fields(self, noun: Noun) -> dict[str, str]:
        return {"items": noun.plural, "many": _PREFIX[noun.kind] + "ngapi"}
