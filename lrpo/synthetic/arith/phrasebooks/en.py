"""English stories."""

from lrpo.synthetic.arith.phrasebook import Phrasebook, nouns, words


class English(Phrasebook):
    code = "en"
    names = tuple((n,) for n in "Anna Ben Clara David Emma Frank Grace Henry Iris Jack Kate Leo".split())
    items = nouns({"apple": "apples", "pencil": "pencils", "book": "books", "marble": "marbles",
                   "cookie": "cookies", "card": "cards", "egg": "eggs", "flower": "flowers"})
    units = nouns({"box": "boxes", "day": "days", "table": "tables"})
    number_words = words("two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                         "fifteen sixteen seventeen eighteen nineteen twenty")
    templates = {
        "add.collect": "{name} collected {a} on Monday and {b} on Tuesday. "
                       "How many {items} did {name} collect in total?",
        "add.buy": "{name} has {a}. {name} buys another {b}. How many {items} does {name} have now?",
        "add.place": "There are {a} in a box and {b} in a basket. How many {items} are there altogether?",
        "sub.give": "{name} has {a}. {name} gives {b} to a friend. How many {items} does {name} have left?",
        "sub.sell": "A shop had {a}. It sold {b} today. How many {items} are left in the shop?",
        "sub.need": "{name} needs {a} for a school project and already has {b}. "
                    "How many more {items} does {name} need?",
        "mul.boxes": "{name} has {a:box}. Each box holds {b}. How many {items} does {name} have?",
        "mul.days": "{name} buys {b} every day for {a:day}. How many {items} does {name} buy in all?",
        "mul.rows": "A teacher puts {b} on each of {a:table}. How many {items} are on the tables?",
        "two.buy_give": "{name} has {a}, buys another {b} and then gives {c} to a friend. "
                        "How many {items} does {name} have now?",
        "two.give_twice": "{name} has {a}. {name} gives {b} to a brother and {c} to a sister. "
                          "How many {items} does {name} have left?",
        "two.boxes_more": "{name} has {a:box} with {b} in each box and {c} more on a shelf. "
                          "How many {items} does {name} have in total?",
    }
