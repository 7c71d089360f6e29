"""Spanish stories. The question word agrees in gender with the object."""

from lrpo.synthetic.arith.phrasebook import Noun, Phrasebook, nouns, words


class Spanish(Phrasebook):
    code = "es"
    names = tuple((n,) for n in "Ana Carlos Lucía Mateo Sofía Diego Elena Pablo Marta Javier Carmen Luis".split())
    items = nouns({"apple": "manzanas", "pencil": "lápices", "book": "libros", "marble": "canicas",
                   "cookie": "galletas", "card": "tarjetas", "egg": "huevos", "flower": "flores"},
                  {"apple": "f", "pencil": "m", "book": "m", "marble": "f", "cookie": "f", "card": "f",
                   "egg": "m", "flower": "f"})
    units = nouns({"box": "cajas", "day": "días", "table": "mesas"})
    number_words = words("dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
                         "dieciséis diecisiete dieciocho diecinueve veinte")
    templates = {
        "add.collect": "{name} recogió {a} el lunes y {b} el martes. ¿{how_many} recogió {name} en total?",
        "add.buy": "{name} tiene {a}. {name} compra {b} más. ¿{how_many} tiene {name} ahora?",
        "add.place": "Hay {a} en una caja y {b} en una cesta. ¿{how_many} hay en total?",
        "sub.give": "{name} tiene {a}. {name} le regala {b} a un amigo. ¿{how_many} le quedan a {name}?",
        "sub.sell": "Una tienda tenía {a}. Hoy vendió {b}. ¿{how_many} quedan en la tienda?",
        "sub.need": "{name} necesita {a} para un proyecto de la escuela y ya tiene {b}. "
                    "¿{how_many} más necesita {name}?",
        "mul.boxes": "{name} tiene {a:box}. En cada caja hay {b}. ¿{how_many} tiene {name}?",
        "mul.days": "{name} compra {b} cada día durante {a:day}. ¿{how_many} compra {name} en total?",
        "mul.rows": "Una maestra pone {b} en cada una de las {a:table}. ¿{how_many} hay sobre las mesas?",
        "two.buy_give": "{name} tiene {a}, compra {b} más y luego le regala {c} a un amigo. "
                        "¿{how_many} tiene {name} ahora?",
        "two.give_twice": "{name} tiene {a}. Le da {b} a su hermano y {c} a su hermana. "
                          "¿{how_many} le quedan a {name}?",
        "two.boxes_more": "{name} tiene {a:box} con {b} cada una y {c} más en un estante. "
                          "¿{how_many} tiene {name} en total?",
    }

    def item_fields(self, noun: Noun) -> dict[str, str]:
        asking = "Cuántas" if noun.kind == "f" else "Cuántos"
        return {"items": noun.plural, "how_many": f"{asking} {noun.plural}"}
