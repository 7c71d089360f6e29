"""Japanese stories. Objects are counted with their counter (個, 本, 冊, 枚),
numbers are written in digits or kanji numerals, and the object noun stands
apart from its count ("りんごを5個"), so templates place ``{items}`` themselves."""

from lrpo.synthetic.arith.phrasebook import Noun, Phrasebook, nouns, words


class Japanese(Phrasebook):
    code = "ja"
    names = tuple((n,) for n in
                  "さくら ゆうた はると あおい りく ひな そうた ゆい けんた みお たくみ めい".split())
    items = nouns({"apple": "りんご", "pencil": "鉛筆", "book": "本", "marble": "ビー玉", "cookie": "クッキー",
                   "card": "カード", "egg": "卵", "flower": "花"},
                  {"apple": "個", "pencil": "本", "book": "冊", "marble": "個", "cookie": "枚", "card": "枚",
                   "egg": "個", "flower": "本"})
    units = nouns({"box": "箱", "day": "日", "table": "机"}, {"box": "箱", "day": "日間", "table": "台"})
    number_words = words("二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十")
    templates = {
        "add.collect": "{name}さんは月曜日に{items}を{a}、火曜日に{b}集めました。"
                       "{name}さんは全部で{items}を{how_many}集めましたか。",
        "add.buy": "{name}さんは{items}を{a}持っています。さらに{b}買いました。"
                   "{name}さんは今、{items}を{how_many}持っていますか。",
        "add.place": "箱に{items}が{a}、かごに{b}入っています。{items}は全部で{how_many}ありますか。",
        "sub.give": "{name}さんは{items}を{a}持っています。友だちに{b}あげました。"
                    "{name}さんの{items}は{how_many}残っていますか。",
        "sub.sell": "店に{items}が{a}ありました。今日{b}売れました。店に{items}は{how_many}残っていますか。",
        "sub.need": "{name}さんは学校の工作に{items}が{a}必要です。すでに{b}持っています。"
                    "{items}はあと{how_many}必要ですか。",
        "mul.boxes": "{name}さんは箱を{a:box}持っています。どの箱にも{items}が{b}入っています。"
                     "{items}は全部で{how_many}ありますか。",
        "mul.days": "{name}さんは毎日{items}を{b}ずつ、{a:day}買いました。{items}を全部で{how_many}買いましたか。",
        "mul.rows": "先生は{a:table}の机のそれぞれに{items}を{b}ずつ置きました。"
                    "机の上の{items}は全部で{how_many}ですか。",
        "two.buy_give": "{name}さんは{items}を{a}持っています。さらに{b}買い、そのあと友だちに{c}あげました。"
                        "{name}さんは今、{items}を{how_many}持っていますか。",
        "two.give_twice": "{name}さんは{items}を{a}持っています。弟に{b}、妹に{c}あげました。"
                          "{name}さんの{items}は{how_many}残っていますか。",
        "two.boxes_more": "{name}さんは{items}が{b}ずつ入った箱を{a:box}持っていて、ほかに棚の上にも{c}あります。"
                          "{items}は全部で{how_many}ありますか。",
    }
    answer_line = "{work} = {answer}。{phrase}{answer}です。"

    def quantity(self, n: int, noun: Noun, spelled: bool) -> str:
        return f"{self.number(n, noun, spelled)}{noun.kind}"

    def item_fields(self, noun: Noun) -> dict[str, str]:
        return {"items": noun.plural, "how_many": f"何{noun.kind}"}
