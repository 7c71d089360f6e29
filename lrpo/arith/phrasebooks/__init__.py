"""The phrasebooks of the ``arith`` world, one module per language."""

from __future__ import annotations

from lrpo.arith.phrasebook import Phrasebook
from lrpo.arith.phrasebooks.bn import Bengali
from lrpo.arith.phrasebooks.de import German
from lrpo.arith.phrasebooks.en import English
from lrpo.arith.phrasebooks.es import Spanish
from lrpo.arith.phrasebooks.fr import French
from lrpo.arith.phrasebooks.ja import Japanese
from lrpo.arith.phrasebooks.ru import Russian
from lrpo.arith.phrasebooks.sw import Swahili
from lrpo.arith.phrasebooks.te import Telugu
from lrpo.arith.phrasebooks.th import Thai
from lrpo.arith.phrasebooks.zh import Chinese

PHRASEBOOKS: dict[str, Phrasebook] = {book.code: book for book in (
    Bengali(), German(), English(), Spanish(), French(), Japanese(), Russian(), Swahili(), Telugu(), Thai(),
    Chinese())}


def get_phrasebook(code: str) -> Phrasebook:
    try:
        return PHRASEBOOKS[code]
    except KeyError:
        raise ValueError(f"the arith world has no phrasebook for {code!r}; available: "
                         f"{', '.join(sorted(PHRASEBOOKS))}") from None
