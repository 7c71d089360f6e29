"""The ``arith`` world: small word problems told natively in the 11 MGSM languages.

``problems`` draws language-neutral problems (template, operands, which
operands are spelled out, name, object); ``phrasebooks`` tells them in each
language and writes the short worked answer used for supervised warm starts.
The task plugin is ``lrpo.tasks.arith``; the tiny model trained on it is
``lrpo.models.tiny``.
"""

from lrpo.synthetic.arith.phrasebooks import PHRASEBOOKS, get_phrasebook
from lrpo.synthetic.arith.problems import TEMPLATES, TOPICS, Problem, draw_problems

__all__ = ["PHRASEBOOKS", "TEMPLATES", "TOPICS", "Problem", "draw_problems", "get_phrasebook"]
