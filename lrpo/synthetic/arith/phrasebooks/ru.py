"""Russian stories. Nouns after a numeral take one of three forms (2-4 take the
genitive singular, 5-20 the genitive plural) and "two" agrees in gender, so
nouns carry (singular, genitive singular, genitive plural) and a gender.
Names carry their nominative, genitive and dative, which the "У Маши есть"
and "Маше нужно" constructions need; present-tense verbs avoid gender."""

from lrpo.synthetic.arith.phrasebook import Noun, Phrasebook, nouns, words

_GENDERS = {"apple": "n", "pencil": "m", "book": "f", "marble": "m", "cookie": "n", "card": "f",
            "egg": "n", "flower": "m", "box": "f", "day": "m", "table": "m"}


def plural_form(n: int) -> int:
    """Index into (singular, genitive singular, genitive plural) for a count."""
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


class Russian(Phrasebook):
    code = "ru"
    names = (("Маша", "Маши", "Маше"), ("Иван", "Ивана", "Ивану"), ("Аня", "Ани", "Ане"),
             ("Дима", "Димы", "Диме"), ("Оля", "Оли", "Оле"), ("Саша", "Саши", "Саше"),
             ("Катя", "Кати", "Кате"), ("Миша", "Миши", "Мише"), ("Лена", "Лены", "Лене"),
             ("Петя", "Пети", "Пете"), ("Таня", "Тани", "Тане"), ("Коля", "Коли", "Коле"))
    name_fields = ("name", "name_gen", "name_dat")
    items = nouns({"apple": "яблоко|яблока|яблок", "pencil": "карандаш|карандаша|карандашей",
                   "book": "книга|книги|книг", "marble": "шарик|шарика|шариков",
                   "cookie": "печенье|печенья|печений", "card": "открытка|открытки|открыток",
                   "egg": "яйцо|яйца|яиц", "flower": "цветок|цветка|цветов"}, _GENDERS)
    units = nouns({"box": "коробка|коробки|коробок", "day": "день|дня|дней", "table": "стол|стола|столов"},
                  _GENDERS)
    number_words = words("два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать "
                         "тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать "
                         "девятнадцать двадцать")
    templates = {
        "add.collect": "В понедельник {name} собирает {a}, а во вторник ещё {b}. "
                       "Сколько всего {items} собирает {name}?",
        "add.buy": "У {name_gen} есть {a}. {name} покупает ещё {b}. Сколько {items} теперь у {name_gen}?",
        "add.place": "В коробке лежат {a}, а в корзине — {b}. Сколько всего {items}?",
        "sub.give": "У {name_gen} есть {a}. {name} отдаёт другу {b}. Сколько {items} осталось у {name_gen}?",
        "sub.sell": "В магазине было {a}. Сегодня продали {b}. Сколько {items} осталось в магазине?",
        "sub.need": "Для школьного проекта {name_dat} нужно {a}, а у {name_gen} уже есть {b}. "
                    "Сколько ещё {items} нужно {name_dat}?",
        "mul.boxes": "У {name_gen} есть {a:box}. В каждой коробке лежат {b}. Сколько всего {items} у {name_gen}?",
        "mul.days": "{name} каждый день покупает {b}, и так {a:day} подряд. "
                    "Сколько всего {items} покупает {name}?",
        "mul.rows": "В классе {a:table}. Учительница кладёт на каждый стол {b}. Сколько {items} лежит на столах?",
        "two.buy_give": "У {name_gen} есть {a}. {name} покупает ещё {b}, а потом отдаёт другу {c}. "
                        "Сколько {items} теперь у {name_gen}?",
        "two.give_twice": "У {name_gen} есть {a}. {name} отдаёт брату {b}, а сестре — {c}. "
                          "Сколько {items} осталось у {name_gen}?",
        "two.boxes_more": "У {name_gen} есть {a:box}, в каждой лежат {b}, и ещё {c} лежат на полке. "
                          "Сколько всего {items} у {name_gen}?",
    }

    def number(self, n: int, noun: Noun, spelled: bool) -> str:
        if spelled and n == 2 and noun.kind == "f":
            return "две"
        return super().number(n, noun, spelled)

    def quantity(self, n: int, noun: Noun, spelled: bool) -> str:
        return f"{self.number(n, noun, spelled)} {noun.forms[plural_form(n)]}"

    def item_fields(self, noun: Noun) -> dict[str, str]:
        return {"items": noun.forms[2]}
