"""French stories. Questions use impersonal or inverted forms so that no
participle or pronoun has to agree with the name's gender."""

from lrpo.synthetic.arith.phrasebook import Noun, Phrasebook, nouns, words


class French(Phrasebook):
    code = "fr"
    names = tuple((n,) for n in "Léa Hugo Chloé Louis Camille Jules Manon Lucas Inès Nathan Zoé Théo".split())
    items = nouns({"apple": "pommes", "pencil": "crayons", "book": "livres", "marble": "billes",
                   "cookie": "biscuits", "card": "cartes", "egg": "œufs", "flower": "fleurs"})
    units = nouns({"box": "boîtes", "day": "jours", "table": "tables"})
    number_words = words("deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze "
                         "seize dix-sept dix-huit dix-neuf vingt")
    templates = {
        "add.collect": "{name} a ramassé {a} lundi et {b} mardi. {how_many} cela fait-il en tout ?",
        "add.buy": "{name} a {a}. {name} achète encore {b}. {how_many} a {name} maintenant ?",
        "add.place": "Il y a {a} dans une boîte et {b} dans un panier. {how_many} y a-t-il en tout ?",
        "sub.give": "{name} a {a}. {name} donne {b} à un ami. {how_many} reste-t-il à {name} ?",
        "sub.sell": "Un magasin avait {a}. Aujourd'hui, il a vendu {b}. {how_many} reste-t-il dans le magasin ?",
        "sub.need": "{name} a besoin de {a} pour un projet d'école et a déjà {b}. "
                    "{how_many} manque-t-il encore à {name} ?",
        "mul.boxes": "{name} a {a:box}. Chaque boîte contient {b}. {how_many} a {name} ?",
        "mul.days": "{name} achète {b} chaque jour pendant {a:day}. {how_many} cela fait-il en tout ?",
        "mul.rows": "Une maîtresse pose {b} sur chacune des {a:table}. {how_many} y a-t-il sur les tables ?",
        "two.buy_give": "{name} a {a}, achète encore {b}, puis donne {c} à un ami. "
                        "{how_many} a {name} maintenant ?",
        "two.give_twice": "{name} a {a}. {name} donne {b} à son frère et {c} à sa sœur. "
                          "{how_many} reste-t-il à {name} ?",
        "two.boxes_more": "{name} a {a:box} contenant chacune {b}, et encore {c} sur une étagère. "
                          "{how_many} a {name} en tout ?",
    }

    def item_fields(self, noun: Noun) -> dict[str, str]:
        elided = noun.plural[0] in "aeiouéœ"
        return {"items": noun.plural, "how_many": f"Combien d'{noun.plural}" if elided
                else f"Combien de {noun.plural}"}
