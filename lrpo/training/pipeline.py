"""A complete run: train, score, compare with GRPO, record.

What ``python -m lrpo.train`` does after parsing its config:
1. train the method (LRPO, GRPO or a fixed mix) and save model, router, manifest;
2. score the base model (cached per model, task, split, languages and data) and
   the trained model on the task's evaluation split;
3. find the matching GRPO run on the leaderboard (same task, model, seed,
   rollout budget, evaluation split and questions per language) or train it now
   under the same settings;
4. write ``scorecard.json`` with its ``baseline`` block, print the table
   languages x {base, GRPO, this method, delta}, append the run (and a freshly
   trained baseline) to ``leaderboards/<task>.csv``, and draw the plots.
"""

from __future__ import annotations

import json
from pathlib import Path

from lrpo.evaluation.aggregate import mean
from lrpo.evaluation.evaluator import evaluate
from lrpo.evaluation.leaderboard import append_scorecard, find_runs
from lrpo.evaluation.run_cache import run_key
from lrpo.evaluation.scorecard import with_baseline
from lrpo.evaluation.tables import format_comparison_table


def model_label(config, model: str) -> str:
    """How the model is named on the leaderboard: its id, or the tiny model's cache name."""
    return config.model or f"tiny:{Path(model).name}"


def rollouts_per_step(args, processes: int) -> int:
    """Rollouts generated per optimizer step: batch per device x accumulation x processes."""
    return args.per_device_train_batch_size * args.gradient_accumulation_steps * processes


def rollout_budget(trainer) -> int:
    """Rollouts generated in training: per step (batch x accumulation x processes) x steps."""
    return rollouts_per_step(trainer.args, trainer.accelerator.num_processes) * trainer.state.global_step


def evaluation_settings(config) -> dict:
    """The keyword arguments of ``lrpo.evaluation.evaluator.evaluate`` (besides task,
    model and naming) that every model of a run is scored under: split, languages,
    limit, data directory, language cue, batch size, answer length (tokens) and the
    seen languages (those trained on: ``train_languages``, else the task's default)."""
    from lrpo.tasks import get_task
    from lrpo.training.setup import train_languages

    return {
        "split": config.eval_split, "langs": config.eval_languages, "limit": config.eval_limit,
        "data_dir": config.data_dir, "cue": config.language_cue, "batch_size": config.eval_batch_size,
        "max_new_tokens": config.eval_max_new_tokens or config.max_completion_length,
        "seen_languages": train_languages(config, get_task(config.task)),
    }


def evaluate_model(config, model: str, method: str | None, output_dir, label: str) -> dict:
    """Score ``model`` (an id or directory) under ``evaluation_settings(config)``;
    its outputs go to ``output_dir`` and it is listed as ``label``."""
    return evaluate(config.task, model, method=method, seed=config.seed, output_dir=output_dir, model_name=label,
                    device="cpu" if config.use_cpu else None, **evaluation_settings(config))


def base_scorecard(config, model: str, label: str) -> dict:
    """The untrained model's scorecard, computed once per model and evaluation setting.

    Cached in ``$LRPO_CACHE_DIR/base_scorecards/<key>/`` (default ``~/.cache/lrpo``)
    under the key of ``lrpo.evaluation.run_cache.run_key``, the one that
    ``benchmarks/reproduce.py`` gives its base-model row. The key holds the model's
    files, not its name, so a hit is relabelled ``label``.
    """
    from lrpo.models.tiny import default_cache_dir

    key = run_key(config, model, evaluation=evaluation_settings(config))
    path = default_cache_dir() / "base_scorecards" / key / "scorecard.json"
    if path.is_file():
        return {**json.loads(path.read_text()), "model": label}
    return evaluate_model(config, model, None, path.parent, label)


def baseline_from_leaderboard(rows: list[dict]) -> dict:
    """A scorecard rebuilt from one leaderboard run's rows (enough for a comparison)."""
    first = rows[0]
    per_language = {row["language"]: {"accuracy": row["accuracy"], "fidelity": row["fidelity"], "n": row["n"]}
                    for row in rows}

    return {
        "task": first["task"], "split": first["split"], "model": first["model"], "method": first["method"],
        "seed": first["seed"], "run_id": first["run_id"], "per_language": per_language,
        "average": mean(r["accuracy"] for r in rows),
        "seen_average": mean(r["accuracy"] for r in rows if r["seen"] is True),
        "unseen_average": mean(r["accuracy"] for r in rows if r["seen"] is False),
        "fidelity_average": mean(r["fidelity"] for r in rows),
        "consistency": None,
    }


def questions_per_language(config) -> dict[str, int]:
    """How many questions of each language this run's evaluation scores."""
    from collections import Counter

    from lrpo.tasks import get_task

    examples = get_task(config.task).load(config.eval_split, config.eval_languages, data_dir=config.data_dir,
                                          limit=config.eval_limit)
    return dict(Counter(example.lang for example in examples))


def find_baseline(config, label: str, budget: int) -> dict | None:
    """The latest GRPO run on the leaderboard with this run's task, model, seed,
    rollout budget and evaluation split, scored on as many questions of the same
    languages (a run scored on the first 50 questions is not this run's baseline
    if this one is scored on the first 20)."""
    runs: dict[str, list[dict]] = {}
    for row in find_runs(config.task, model=label, method="grpo", seed=config.seed, rollout_budget=budget,
                         leaderboard_dir=config.leaderboard_dir, split=config.eval_split):
        runs.setdefault(row["run_id"], []).append(row)
    wanted = questions_per_language(config)
    matching = [rows for rows in runs.values() if {row["language"]: row["n"] for row in rows} == wanted]
    return baseline_from_leaderboard(matching[-1]) if matching else None


def train_method(config, model: str):
    """Train one configuration; save the model, router state and manifest."""
    from lrpo.manifest import write_manifest
    from lrpo.training.trainer import LRPOTrainer

    trainer = LRPOTrainer.from_config(config, model)
    resume = config.resume_from_checkpoint
    if isinstance(resume, str) and resume.lower() in ("true", "last"):
        resume = True
    trainer.train(resume_from_checkpoint=resume)
    trainer.save_model(config.output_dir)
    if trainer.accelerator.is_main_process:
        write_manifest(config.output_dir, config,
                       extra={"model": model, "global_step": trainer.state.global_step,
                              "rollout_budget": rollout_budget(trainer)})
    return trainer


def draw_plots(output_dir: Path, cards: dict, trainer) -> None:
    from lrpo.evaluation.plots import plot_language_bars, plot_router_probabilities, plot_training_curves

    plot_language_bars({k: v for k, v in cards.items() if v is not None}, output_dir / "accuracy_by_language.png")
    plot_training_curves(trainer.state.log_history, output_dir / "training_curves.png")
    router_log = output_dir / "router_log.jsonl"
    if router_log.is_file() and router_log.stat().st_size:
        plot_router_probabilities(router_log, output_dir / "router_probabilities.png")


def run(config, model: str, derive_config) -> dict | None:
    """Train, then (unless ``skip_evaluation``) score, compare and record; return the scorecard.

    ``derive_config(**overrides)`` builds this run's config with some fields
    changed (the GRPO baseline's), through the same parsing and validation.
    Every rank trains (the method and, when needed, the baseline); the main
    process alone evaluates and writes. The process group is closed at the end, by
    every rank at once: gloo aborts a process that exits with it open.
    """
    trainer = train_method(config, model)
    try:
        return _score_and_record(config, model, derive_config, trainer)
    finally:
        # The other ranks wait for the main process's evaluation, so that every rank closes the
        # process group together: a rank that closed it minutes earlier and exited left the main
        # process hanging in its own close (seen once in a torchrun test on a loaded machine).
        trainer.accelerator.wait_for_everyone()
        trainer.accelerator.end_training()


def _needed_baseline(config, label: str, budget: int, trainer) -> tuple[dict | None, bool]:
    """The leaderboard's matching GRPO scorecard, and whether it must be trained now.

    The main process reads the leaderboard and tells the others, so that every
    rank takes part in training a missing baseline.
    """
    from accelerate.utils import broadcast_object_list

    if config.skip_evaluation or config.method == "grpo" or config.baseline != "grpo":
        return None, False
    found = [find_baseline(config, label, budget) if trainer.accelerator.is_main_process else None]
    if trainer.accelerator.num_processes > 1:
        broadcast_object_list(found, from_process=0)
    return found[0], found[0] is None


def _score_and_record(config, model: str, derive_config, trainer) -> dict | None:
    output_dir = Path(config.output_dir)
    label = model_label(config, model)
    budget = rollout_budget(trainer)
    baseline, train_baseline = _needed_baseline(config, label, budget, trainer)
    if train_baseline:
        if trainer.accelerator.is_main_process:
            print(f"no GRPO run with model {label}, seed {config.seed} and {budget} rollouts on the "
                  "leaderboard: training it now under the same settings")
        grpo_config = derive_config(method="grpo", output_dir=f"{config.output_dir}-grpo-baseline")
        grpo_trainer = train_method(grpo_config, model)
    if config.skip_evaluation or not trainer.accelerator.is_main_process:
        return None

    base = base_scorecard(config, model, label)
    card = evaluate_model(config, str(output_dir), config.method, output_dir / "evaluation", label)
    if train_baseline:
        baseline = evaluate_model(grpo_config, grpo_config.output_dir, "grpo",
                                  Path(grpo_config.output_dir) / "evaluation", label)
        append_scorecard(baseline, config.leaderboard_dir, rollout_budget=rollout_budget(grpo_trainer),
                         model_label=label)
    if baseline is not None:
        card = with_baseline(card, baseline)

    (output_dir / "scorecard.json").write_text(json.dumps(card, indent=2))
    append_scorecard(card, config.leaderboard_dir, rollout_budget=budget, model_label=label)
    print(format_comparison_table(base, baseline, card))
    draw_plots(output_dir, {"base": base, "grpo": baseline, config.method: card}, trainer)
    print(f"scorecard, plots and model in {output_dir}; "
          f"leaderboard rows in {config.leaderboard_dir}/{config.task}.csv")
    return card
