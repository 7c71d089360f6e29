"""lrpo: language-routed policy optimization (LRPO) and the benchmark suite around it.

Subpackages, by role (each one's docstring says what it owns):

    tasks/        task plugins: data, prompts and verifiers (answer reading)
    router/       the language router and the rollout planner
    rewards/      the language gate, language identification, similarity reward
    training/     LRPOConfig, LRPOTrainer (on TRL), and the pipeline of a run
    evaluation/   generation, scorecards, leaderboards, plots, lm-eval tasks
    synthetic/    the offline worlds;  models/  the tiny models built on them
    data/         converters of the paper's open-ended datasets, the LLM labeller
    languages     the language registry every part shares
    manifest      a run's provenance (config, versions, git commit)

Commands: ``python -m lrpo.train``, ``python -m lrpo.evaluate``,
``python -m lrpo.leaderboard``, ``python -m lrpo.calibrate``, ``python -m lrpo.judge``,
``python -m lrpo.warmstart``, ``python -m lrpo.data``, ``python -m lrpo.models.tiny``,
``lrpo-lm-eval``.
"""
