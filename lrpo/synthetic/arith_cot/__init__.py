"""The ``arith_cot`` world: 2-4 step word problems whose worked solution is a chain
of steps written in the response language, so that which language a model
answers in changes whether it gets the answer right.

``problems`` draws language-neutral chains of events; ``narration`` tells them
in each language (with the words of the ``arith`` phrasebooks) and writes the
step-by-step solution in the response language's number words. The task
plugin is ``lrpo.tasks.arith_cot``; its tiny model is the ``arith_cot``
configuration of ``lrpo.models.tiny``.
"""

from lrpo.synthetic.arith_cot.narration import NARRATIONS, Narration, get_narration
from lrpo.synthetic.arith_cot.problems import ChainProblem, draw_problems

__all__ = ["NARRATIONS", "ChainProblem", "Narration", "draw_problems", "get_narration"]
