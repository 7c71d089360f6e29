"""Evaluation: scoring a model per language and recording the result.

- ``generation``: batched greedy generation (Hugging Face or vLLM backend).
- ``evaluator``: ``evaluate()``, the task's prompt, verifier and language gate on
  every question, into a scorecard (command line: ``python -m lrpo.evaluate``).
- ``scorecard``: the per-run scorecard (accuracy, fidelity, seen/unseen,
  consistency, bootstrap intervals), seed aggregation, and its tables.
- ``leaderboard``: per-task CSV records of every run and their Markdown tables
  (command line: ``python -m lrpo.leaderboard``).
- ``plots``: accuracy by language, training curves, router probabilities.
- ``lm_eval_tasks``: the same benchmarks as lm-evaluation-harness tasks.
"""
