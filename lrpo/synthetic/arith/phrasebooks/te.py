"""Telugu stories. Telugu past-tense verbs agree with the subject's gender, so
the names are all masculine and the verbs take the masculine form (కొన్నాడు);
possession is "X దగ్గర ... ఉన్నాయి", which needs no case ending on the name."""

from lrpo.synthetic.arith.phrasebook import Phrasebook, nouns, words


class Telugu(Phrasebook):
    code = "te"
    names = tuple((n,) for n in "రాము రవి కిరణ్ అర్జున్ సురేష్ వంశీ మహేష్ గోపి శ్రీను రాజు వెంకట్ ప్రసాద్".split())
    items = nouns({"apple": "ఆపిల్ పండ్లు", "pencil": "పెన్సిళ్లు", "book": "పుస్తకాలు", "marble": "గోలీలు",
                   "cookie": "బిస్కెట్లు", "card": "కార్డులు", "egg": "గుడ్లు", "flower": "పువ్వులు"})
    # Days are only counted before పాటు ("for"), which takes the oblique form రోజుల.
    units = nouns({"box": "పెట్టెలు", "day": "రోజుల", "table": "బల్లలు"})
    number_words = words("రెండు మూడు నాలుగు ఐదు ఆరు ఏడు ఎనిమిది తొమ్మిది పది పదకొండు పన్నెండు పదమూడు "
                         "పద్నాలుగు పదిహేను పదహారు పదిహేడు పద్దెనిమిది పంతొమ్మిది ఇరవై")
    templates = {
        "add.collect": "{name} సోమవారం {a}, మంగళవారం {b} సేకరించాడు. {name} మొత్తం ఎన్ని {items} సేకరించాడు?",
        "add.buy": "{name} దగ్గర {a} ఉన్నాయి. {name} ఇంకా {b} కొన్నాడు. ఇప్పుడు {name} దగ్గర ఎన్ని {items} ఉన్నాయి?",
        "add.place": "ఒక పెట్టెలో {a}, ఒక బుట్టలో {b} ఉన్నాయి. మొత్తం ఎన్ని {items} ఉన్నాయి?",
        "sub.give": "{name} దగ్గర {a} ఉన్నాయి. {name} తన స్నేహితుడికి {b} ఇచ్చాడు. "
                    "ఇప్పుడు {name} దగ్గర ఎన్ని {items} మిగిలాయి?",
        "sub.sell": "ఒక దుకాణంలో {a} ఉండేవి. ఈ రోజు {b} అమ్ముడయ్యాయి. దుకాణంలో ఇంకా ఎన్ని {items} మిగిలాయి?",
        "sub.need": "పాఠశాల ప్రాజెక్టు కోసం {name}కు {a} కావాలి. {name} దగ్గర ఇప్పటికే {b} ఉన్నాయి. "
                    "{name}కు ఇంకా ఎన్ని {items} కావాలి?",
        "mul.boxes": "{name} దగ్గర {a:box} ఉన్నాయి. ప్రతి పెట్టెలో {b} ఉన్నాయి. {name} దగ్గర మొత్తం ఎన్ని {items} ఉన్నాయి?",
        "mul.days": "{name} {a:day} పాటు ప్రతి రోజు {b} కొన్నాడు. {name} మొత్తం ఎన్ని {items} కొన్నాడు?",
        "mul.rows": "తరగతిలో {a:table} ఉన్నాయి. టీచర్ ప్రతి బల్ల మీద {b} పెట్టారు. బల్లల మీద మొత్తం ఎన్ని {items} ఉన్నాయి?",
        "two.buy_give": "{name} దగ్గర {a} ఉన్నాయి. {name} ఇంకా {b} కొని, తర్వాత తన స్నేహితుడికి {c} ఇచ్చాడు. "
                        "ఇప్పుడు {name} దగ్గర ఎన్ని {items} ఉన్నాయి?",
        "two.give_twice": "{name} దగ్గర {a} ఉన్నాయి. {name} తమ్ముడికి {b}, చెల్లెలికి {c} ఇచ్చాడు. "
                          "{name} దగ్గర ఇంకా ఎన్ని {items} మిగిలాయి?",
        "two.boxes_more": "{name} దగ్గర {a:box} ఉన్నాయి, ప్రతి పెట్టెలో {b} ఉన్నాయి. అలమరలో ఇంకా {c} ఉన్నాయి. "
                          "{name} దగ్గర మొత్తం ఎన్ని {items} ఉన్నాయి?",
    }
