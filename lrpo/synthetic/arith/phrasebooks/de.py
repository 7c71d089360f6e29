"""German stories."""

from lrpo.synthetic.arith.phrasebook import Phrasebook, nouns, words


class German(Phrasebook):
    code = "de"
    names = tuple((n,) for n in "Anna Lukas Mia Felix Lena Jonas Emma Paul Sophie Leon Marie Tim".split())
    items = nouns({"apple": "Äpfel", "pencil": "Bleistifte", "book": "Bücher", "marble": "Murmeln",
                   "cookie": "Kekse", "card": "Karten", "egg": "Eier", "flower": "Blumen"})
    units = nouns({"box": "Kisten", "day": "Tage", "table": "Tische"})
    number_words = words("zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
                         "fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig")
    templates = {
        "add.collect": "{name} hat am Montag {a} gesammelt und am Dienstag {b}. "
                       "Wie viele {items} hat {name} insgesamt gesammelt?",
        "add.buy": "{name} hat {a}. {name} kauft noch {b} dazu. Wie viele {items} hat {name} jetzt?",
        "add.place": "In einer Kiste liegen {a} und in einem Korb {b}. Wie viele {items} sind es zusammen?",
        "sub.give": "{name} hat {a}. {name} schenkt einem Freund {b}. Wie viele {items} hat {name} noch?",
        "sub.sell": "Ein Laden hatte {a}. Heute hat er {b} verkauft. Wie viele {items} sind noch im Laden?",
        "sub.need": "{name} braucht für ein Schulprojekt {a} und hat schon {b}. "
                    "Wie viele {items} braucht {name} noch?",
        "mul.boxes": "{name} hat {a:box}. In jeder Kiste sind {b}. Wie viele {items} hat {name}?",
        "mul.days": "{name} kauft {a:day} lang jeden Tag {b}. Wie viele {items} kauft {name} insgesamt?",
        "mul.rows": "Eine Lehrerin legt {b} auf jeden der {a:table}. Wie viele {items} liegen auf den Tischen?",
        "two.buy_give": "{name} hat {a}, kauft noch {b} dazu und schenkt dann einem Freund {c}. "
                        "Wie viele {items} hat {name} jetzt?",
        "two.give_twice": "{name} hat {a}. {name} gibt dem Bruder {b} und der Schwester {c}. "
                          "Wie viele {items} hat {name} noch?",
        "two.boxes_more": "{name} hat {a:box}. In jeder Kiste sind {b}, und im Regal liegen noch {c}. "
                          "Wie viele {items} hat {name} insgesamt?",
    }
