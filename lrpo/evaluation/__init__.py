"""Evaluation: scoring a model per language and recording the result.

- ``generation``: batched greedy generation (Hugging Face or vLLM backend).
- ``evaluator``: ``evaluate()``, the task's prompt, verifier and language gate on
  every question, into a scorecard (command line: ``python -m lrpo.evaluate``).
- ``metrics``: what a scorecard's score is (``Metric``: accuracy, the mean similarity
  of open_ended, a judge's score) and the check that keeps different ones apart.
- ``scorecard``: the per-run scorecard (the task's metric, named: accuracy, or
  the mean similarity of open_ended; fidelity, seen/unseen, consistency, bootstrap
  intervals) and its comparison with a baseline.
- ``aggregate``: the one ``mean`` / ``mean_std``, and seed aggregation.
- ``tables``: scorecard, comparison and reproduced-paper tables.
- ``leaderboard``: per-task CSV records of every run (command line:
  ``python -m lrpo.leaderboard``); ``leaderboard_markdown`` renders them,
  ``lm_eval_import`` records lm-eval results on them.
- ``run_cache``: the identity (hash) of a run's configuration, model and task,
  and the cache of finished runs keyed by it.
- ``atomic``: the project's one atomic file write.
- ``plots``: accuracy by language, training curves, router probabilities.
- ``judge``: LLM-judge scoring of open-ended answers (CARE, CARE-pro) through an
  OpenAI-compatible endpoint (command line: ``python -m lrpo.judge``).
- ``paper``: the paper's published numbers and averaging rules, for the rows
  printed beside ours.
- ``lm_eval_tasks``: the same benchmarks as lm-evaluation-harness tasks.
"""
