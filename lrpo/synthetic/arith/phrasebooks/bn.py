"""Bengali stories. Bengali writes its own digits (৫, ১৬), in the question and
in the worked answer alike, and counts objects with the classifier -টি
("৫টি আপেল", "পাঁচটি আপেল"; two is দুটি). Days are counted without it.
Names all end in a vowel so their genitive is the name plus -র."""

from lrpo.synthetic.arith.phrasebook import Noun, Phrasebook, nouns, words

_BENGALI_DIGITS = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")


class Bengali(Phrasebook):
    code = "bn"
    names = tuple((n, n + "র") for n in "রিনা সুমি তানিয়া রাজু মিতা পিয়া রবি নীলা মিঠু দীপা বাবু শিলা".split())
    name_fields = ("name", "name_gen")
    items = nouns({"apple": "আপেল", "pencil": "পেন্সিল", "book": "বই", "marble": "মার্বেল", "cookie": "বিস্কুট",
                   "card": "কার্ড", "egg": "ডিম", "flower": "ফুল"}, dict.fromkeys(
                       ("apple", "pencil", "book", "marble", "cookie", "card", "egg", "flower"), "টি"))
    units = nouns({"box": "বাক্স", "day": "দিন", "table": "টেবিল"}, {"box": "টি", "table": "টি"})
    number_words = words("দুই তিন চার পাঁচ ছয় সাত আট নয় দশ এগারো বারো তেরো চোদ্দ পনেরো ষোলো সতেরো আঠারো "
                         "উনিশ কুড়ি")
    templates = {
        "add.collect": "{name} সোমবার {a} আর মঙ্গলবার {b} জোগাড় করল। {name} মোট কতগুলো {items} জোগাড় করল?",
        "add.buy": "{name_gen} কাছে {a} আছে। সে আরও {b} কিনল। এখন {name_gen} কাছে কতগুলো {items} আছে?",
        "add.place": "একটি বাক্সে {a} আর একটি ঝুড়িতে {b} আছে। সব মিলিয়ে কতগুলো {items} আছে?",
        "sub.give": "{name_gen} কাছে {a} আছে। সে একজন বন্ধুকে {b} দিল। {name_gen} কাছে আর কতগুলো {items} বাকি আছে?",
        "sub.sell": "একটি দোকানে {a} ছিল। আজ {b} বিক্রি হয়েছে। দোকানে আর কতগুলো {items} বাকি আছে?",
        "sub.need": "স্কুলের একটি প্রকল্পের জন্য {name_gen} {a} দরকার। তার কাছে আগে থেকেই {b} আছে। "
                    "{name_gen} আর কতগুলো {items} দরকার?",
        "mul.boxes": "{name_gen} কাছে {a:box} আছে। প্রতিটি বাক্সে {b} আছে। {name_gen} কাছে মোট কতগুলো {items} আছে?",
        "mul.days": "{name} {a:day} ধরে প্রতিদিন {b} করে কিনল। {name} মোট কতগুলো {items} কিনল?",
        "mul.rows": "শ্রেণিকক্ষে {a:table} আছে। শিক্ষক প্রতিটি টেবিলে {b} করে রাখলেন। "
                    "টেবিলগুলোর উপর মোট কতগুলো {items} আছে?",
        "two.buy_give": "{name_gen} কাছে {a} আছে। সে আরও {b} কিনল, তারপর একজন বন্ধুকে {c} দিল। "
                        "এখন {name_gen} কাছে কতগুলো {items} আছে?",
        "two.give_twice": "{name_gen} কাছে {a} আছে। সে ভাইকে {b} আর বোনকে {c} দিল। "
                          "{name_gen} কাছে আর কতগুলো {items} বাকি আছে?",
        "two.boxes_more": "{name_gen} কাছে {a:box} আছে, প্রতিটি বাক্সে {b}। এ ছাড়া তাকের উপর আরও {c} রাখা আছে। "
                          "{name_gen} কাছে মোট কতগুলো {items} আছে?",
    }
    answer_line = "{work} = {answer}। {phrase} {answer}।"

    def numeral(self, text: str) -> str:
        return text.translate(_BENGALI_DIGITS)

    def number(self, n: int, noun: Noun, spelled: bool) -> str:
        if not spelled:
            return self.numeral(str(n))
        if noun.kind == "টি" and n == 2:
            return "দু"  # দুই + টি contracts to দুটি
        return self.number_words[n]

    def quantity(self, n: int, noun: Noun, spelled: bool) -> str:
        return f"{self.number(n, noun, spelled)}{noun.kind} {noun.plural}"
