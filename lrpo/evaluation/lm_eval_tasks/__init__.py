"""lm-eval task definitions for the lrpo benchmarks, shipped inside the package.

The YAML files in this directory only wire lm-eval to ``lrpo``: data, prompts
and scoring are the functions of ``lrpo.evaluation.lm_eval_tasks.hooks``, which call the
same ``lrpo.tasks`` plugins the trainer and ``lrpo.evaluate`` call. Groups:

    lrpo_mgsm                      11 languages (``lrpo_mgsm_<lang>``)
    lrpo_mmath                     10 languages
    lrpo_polymath_<level>          low / medium / high / top, 18 languages each
    lrpo_polymath                  the four levels together
    lrpo_xcopa, lrpo_xcopa_ll      11 languages, generative and loglikelihood

lm-eval 0.4.13 has no entry point for task plugins, so it finds these files
only through ``--include_path``: ``python -m lrpo.evaluation.lm_eval_tasks`` prints the
directory, and the ``lrpo-lm-eval`` console script passes it for you. Importing
this package (hooks included) does not import lm_eval: ``lrpo`` works without
the ``lmeval`` extra.
"""

from __future__ import annotations

from pathlib import Path


def include_path() -> str:
    """The directory to pass to lm-eval's ``--include_path`` (or ``TaskManager(include_path=...)``)."""
    return str(Path(__file__).resolve().parent)
