"""The phrasebooks of the ``arith`` world, one module per language."""

from __future__ import annotations

from lrpo.synthetic.arith.phrasebook import Phrasebook
from lrpo.synthetic.arith.phrasebooks.bn import Bengali
from lrpo.synthetic.arith.phrasebooks.de import German
from lrpo.synthetic.arith.phrasebooks.en import English
from lrpo.synthetic.arith.phrasebooks.es import Spanish
from lrpo.synthetic.arith.phrasebooks.fr import French
from lrpo.synthetic.arith.phrasebooks.ja import Japanese
from lrpo.synthetic.arith.phrasebooks.ru import Russian
from lrpo.synthetic.arith.phrasebooks.sw import Swahili
from lrpo.synthetic.arith.phrasebooks.te import Telugu
from lrpo.synthetic.arith.phrasebooks.th import Thai
from lrpo.synthetic.arith.phrasebooks.zh import Chinese

PHRASEBOOKS: dict[str, Phrasebook] = {book.code: book for book in (
    Bengali(), German(), English(), Spanish(), French(), Japanese(), Russian(), Swahili(), Telugu(), Thai(),
    Chinese())}


def get_phrasebook(code: str) -> Phrasebook:
    try:
        return PHRASEBOOKS[code]
    except KeyError:
        raise ValueError(f"the arith world has no phrasebook for {code!r}; available: "
                         f"{', '.join(sorted(PHRASEBOOKS))}") from None
