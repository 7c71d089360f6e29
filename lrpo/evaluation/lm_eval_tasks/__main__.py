"""``python -m lrpo.evaluation.lm_eval_tasks``: print the directory to give lm-eval as ``--include_path``,

e.g. ``lm_eval --include_path "$(python -m lrpo.evaluation.lm_eval_tasks)" --tasks lrpo_mgsm ...``.
"""

from lrpo.evaluation.lm_eval_tasks import include_path

if __name__ == "__main__":
    print(include_path())
