"""Thai stories. Counts follow the noun with a classifier ("แอปเปิ้ล 5 ลูก");
templates place the noun themselves and the count brings the classifier.
Thai writes no full stops: clauses are separated by spaces."""

from lrpo.synthetic.arith.phrasebook import Noun, Phrasebook, nouns, words


class Thai(Phrasebook):
    code = "th"
    names = tuple((n,) for n in "มานี ปิติ ชูใจ มานะ วีระ สมชาย สมหญิง นิดา กมล ดารา ประเสริฐ อรุณ".split())
    items = nouns({"apple": "แอปเปิ้ล", "pencil": "ดินสอ", "book": "หนังสือ", "marble": "ลูกแก้ว",
                   "cookie": "คุกกี้", "card": "การ์ด", "egg": "ไข่", "flower": "ดอกไม้"},
                  {"apple": "ลูก", "pencil": "แท่ง", "book": "เล่ม", "marble": "ลูก", "cookie": "ชิ้น",
                   "card": "ใบ", "egg": "ฟอง", "flower": "ดอก"})
    units = nouns({"box": "กล่อง", "day": "วัน", "table": "โต๊ะ"}, {"box": "ใบ", "day": "วัน", "table": "ตัว"})
    number_words = words("สอง สาม สี่ ห้า หก เจ็ด แปด เก้า สิบ สิบเอ็ด สิบสอง สิบสาม สิบสี่ สิบห้า สิบหก "
                         "สิบเจ็ด สิบแปด สิบเก้า ยี่สิบ")
    templates = {
        "add.collect": "วันจันทร์{name}เก็บ{items}ได้ {a} วันอังคารเก็บได้อีก {b} "
                       "{name}เก็บ{items}ได้ทั้งหมดกี่{classifier}",
        "add.buy": "{name}มี{items} {a} แล้วซื้อมาเพิ่มอีก {b} ตอนนี้{name}มี{items}กี่{classifier}",
        "add.place": "ในกล่องมี{items} {a} ในตะกร้ามีอีก {b} รวมทั้งหมดมี{items}กี่{classifier}",
        "sub.give": "{name}มี{items} {a} ให้เพื่อนไป {b} {name}เหลือ{items}กี่{classifier}",
        "sub.sell": "ร้านค้ามี{items} {a} วันนี้ขายไป {b} ร้านค้าเหลือ{items}กี่{classifier}",
        "sub.need": "{name}ต้องใช้{items} {a} ทำโครงงานของโรงเรียน ตอนนี้มีอยู่แล้ว {b} "
                    "{name}ต้องหา{items}เพิ่มอีกกี่{classifier}",
        "mul.boxes": "{name}มีกล่อง {a:box} แต่ละกล่องมี{items} {b} {name}มี{items}ทั้งหมดกี่{classifier}",
        "mul.days": "{name}ซื้อ{items}วันละ {b} เป็นเวลา {a:day} {name}ซื้อ{items}ทั้งหมดกี่{classifier}",
        "mul.rows": "ในห้องเรียนมีโต๊ะ {a:table} ครูวาง{items}บนโต๊ะตัวละ {b} "
                    "บนโต๊ะมี{items}ทั้งหมดกี่{classifier}",
        "two.buy_give": "{name}มี{items} {a} ซื้อมาเพิ่มอีก {b} แล้วให้เพื่อนไป {c} "
                        "ตอนนี้{name}มี{items}กี่{classifier}",
        "two.give_twice": "{name}มี{items} {a} ให้น้องชายไป {b} และให้น้องสาวไป {c} "
                          "{name}เหลือ{items}กี่{classifier}",
        "two.boxes_more": "{name}มีกล่อง {a:box} แต่ละกล่องมี{items} {b} และบนชั้นวางมีอีก {c} "
                          "{name}มี{items}ทั้งหมดกี่{classifier}",
    }
    answer_line = "{work} = {answer} {phrase} {answer}"

    def quantity(self, n: int, noun: Noun, spelled: bool) -> str:
        if spelled:
            return f"{self.number_words[n]}{noun.kind}"
        return f"{n} {noun.kind}"

    def item_fields(self, noun: Noun) -> dict[str, str]:
        return {"items": noun.plural, "classifier": noun.kind}
