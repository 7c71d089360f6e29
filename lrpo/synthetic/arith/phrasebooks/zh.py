"""Chinese stories. Counts take a measure word (个, 支, 本, 颗, 块, 张, 朵), and
2 before a measure word is 两, not 二."""

from lrpo.synthetic.arith.phrasebook import Noun, Phrasebook, nouns, words


class Chinese(Phrasebook):
    code = "zh"
    names = tuple((n,) for n in "小明 小红 小华 小丽 小刚 小芳 小军 小兰 小强 小雪 小东 小梅".split())
    items = nouns({"apple": "苹果", "pencil": "铅笔", "book": "书", "marble": "弹珠", "cookie": "饼干",
                   "card": "卡片", "egg": "鸡蛋", "flower": "花"},
                  {"apple": "个", "pencil": "支", "book": "本", "marble": "颗", "cookie": "块", "card": "张",
                   "egg": "个", "flower": "朵"})
    units = nouns({"box": "盒子", "day": "天", "table": "桌子"}, {"box": "个", "day": "", "table": "张"})
    number_words = words("二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十")
    templates = {
        "add.collect": "{name}星期一收集了{a}，星期二收集了{b}。{name}一共收集了{how_many}？",
        "add.buy": "{name}有{a}，又买了{b}。{name}现在有{how_many}？",
        "add.place": "盒子里有{a}，篮子里有{b}。一共有{how_many}？",
        "sub.give": "{name}有{a}，送给朋友{b}。{name}还剩{how_many}？",
        "sub.sell": "商店里原来有{a}，今天卖出了{b}。商店里还剩{how_many}？",
        "sub.need": "{name}做学校的手工需要{a}，已经有了{b}。{name}还需要{how_many}？",
        "mul.boxes": "{name}有{a:box}，每个盒子里有{b}。{name}一共有{how_many}？",
        "mul.days": "{name}每天买{b}，连续买了{a:day}。{name}一共买了{how_many}？",
        "mul.rows": "老师在{a:table}上各放了{b}。桌子上一共有{how_many}？",
        "two.buy_give": "{name}有{a}，又买了{b}，然后送给朋友{c}。{name}现在有{how_many}？",
        "two.give_twice": "{name}有{a}，给了弟弟{b}，给了妹妹{c}。{name}还剩{how_many}？",
        "two.boxes_more": "{name}有{a:box}，每个盒子里有{b}，书架上还有{c}。{name}一共有{how_many}？",
    }
    answer_line = "{work} = {answer}。{phrase}{answer}。"

    def number(self, n: int, noun: Noun, spelled: bool) -> str:
        if spelled and n == 2:
            return "两"
        return super().number(n, noun, spelled)

    def quantity(self, n: int, noun: Noun, spelled: bool) -> str:
        return f"{self.number(n, noun, spelled)}{noun.kind}{noun.plural}"

    def item_fields(self, noun: Noun) -> dict[str, str]:
        return {"items": noun.plural, "how_many": f"多少{noun.kind}{noun.plural}"}
