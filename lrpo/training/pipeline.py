"""A complete run: train, score, compare with GRPO, record.

What ``python -m lrpo.train`` does after parsing its config:
0. before any model loads: check that the output and leaderboard directories can be
   written, that the output directory holds no other run (``check_output_dir``) and,
   when resuming, that the checkpoint and its router state are readable;
1. train the method (LRPO, GRPO or a fixed mix) and save model, router, manifest;
2. score the base model (cached per model, task and its options, split, languages
   and data: ``lrpo.evaluation.run_cache``) and the trained model on the task's
   evaluation split, by the task's metric (accuracy, or open_ended's similarity);
3. find the matching GRPO run on the leaderboards (same task, model, seed,
   rollout budget, evaluation split, prompting and questions per language; this
   run's ``leaderboard_dir`` first, then the committed ``leaderboards/``) or train
   it now under the same settings, saying why no run matched (``python -m lrpo.train``
   on a CPU with cores to spare has trained it during step 1, in a child process that
   records it there: ``lrpo.training.parallel_baseline``);
4. write the run's own outputs (``scorecard.json`` with its ``baseline`` block,
   plots), print the table languages x {base, GRPO, this method, delta}, and only
   then append the run (and a freshly trained baseline) to the shared
   ``<leaderboard_dir>/<task>.csv``, once per configuration hash.

This module is past 400 lines because steps 0-4 share the config and the labels;
each step is one function.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from lrpo.evaluation.aggregate import mean
from lrpo.evaluation.evaluator import SAME, evaluate
from lrpo.evaluation.leaderboard import DEFAULT_DIR, append_scorecard, csv_path, find_runs
from lrpo.evaluation.run_cache import run_key, weights_digest
from lrpo.evaluation.scorecard import with_baseline
from lrpo.evaluation.tables import format_comparison_table


def model_label(config, model: str) -> str:
    """How the model is named on the leaderboard: a hub id as given; a local
    directory by its name and a digest of its weights (``tiny:`` before the tiny
    offline model's: ``tiny:tiny-arith-a1cafcaf14b2@57d106f3``).

    A tiny model's cache name is a hash of the build configuration, but the same
    configuration trained on another CPU gives other weights (float kernels differ:
    the default arith model scored bn 8.5 .. ja 44.5 where it was first built, bn 6.0
    .. en 52.5 on an AMD EPYC), and a directory path says nothing on another machine;
    so a local model's label carries its weights: runs of different models never
    share a leaderboard row or a GRPO baseline.
    """
    path = Path(model)
    if config.model and not path.is_dir():
        return config.model  # a hub id
    prefix = "" if config.model else "tiny:"
    return f"{prefix}{path.resolve().name}@{weights_digest(path)[:8]}"


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
    from lrpo.training.config import build_task

    return evaluate(build_task(config), model, method=method, seed=config.seed, output_dir=output_dir,
                    model_name=label, device="cpu" if config.use_cpu else None, **evaluation_settings(config))


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
    """A scorecard rebuilt from one leaderboard run's rows (enough for a comparison); its
    metric is the leaderboard's (``lrpo.evaluation.scorecard.leaderboard_metric``)."""
    from lrpo.evaluation.metrics import leaderboard_metric

    first = rows[0]
    per_language = {row["language"]: {"accuracy": row["accuracy"], "fidelity": row["fidelity"], "n": row["n"]}
                    for row in rows}
    metric = leaderboard_metric(first["task"])
    return {
        "task": first["task"], "split": first["split"], "model": first["model"], "method": first["method"],
        "seed": first["seed"], "run_id": first["run_id"], "metric": metric.name, "metric_kind": metric.kind,
        "per_language": per_language,
        "average": mean(r["accuracy"] for r in rows),
        "seen_average": mean(r["accuracy"] for r in rows if r["seen"] is True),
        "unseen_average": mean(r["accuracy"] for r in rows if r["seen"] is False),
        "fidelity_average": mean(r["fidelity"] for r in rows),
        "consistency": None,
    }


def questions_per_language(config) -> dict[str, int]:
    """How many questions of each language this run's evaluation scores."""
    from collections import Counter

    from lrpo.training.config import build_task

    examples = build_task(config).load(config.eval_split, config.eval_languages, data_dir=config.data_dir,
                                       limit=config.eval_limit)
    return dict(Counter(example.lang for example in examples))


def baseline_dirs(config) -> list[str]:
    """Where a GRPO baseline is looked up: the run's leaderboard directory, then the
    committed ``leaderboards/`` (read only) when it exists here."""
    dirs = [config.leaderboard_dir]
    if Path(DEFAULT_DIR).is_dir() and Path(DEFAULT_DIR).resolve() != Path(config.leaderboard_dir).resolve():
        dirs.append(DEFAULT_DIR)
    return dirs


def _questions_text(questions: dict[str, int]) -> str:
    counts = sorted(set(questions.values()))
    if len(counts) == 1:
        return f"{counts[0]} questions in each of {', '.join(sorted(questions))}"
    return ", ".join(f"{lang}: {n}" for lang, n in sorted(questions.items()))


def find_baseline(config, label: str, budget: int) -> tuple[dict | None, str]:
    """The latest GRPO run on the leaderboards (``baseline_dirs``) with this run's
    task, model, seed, rollout budget, evaluation split and prompting, scored on as
    many questions of the same languages (a run scored on the first 50 questions is
    not this run's baseline if this one is scored on the first 20), and "" -- or None
    and why no run matched: the GRPO run that differs least and how it differs."""
    wanted = {"model": label, "seed": config.seed, "rollout_budget": budget, "split": config.eval_split,
              "response_lang": SAME, "cue": config.language_cue}
    questions = questions_per_language(config)
    candidates = []  # (differences, directory's place in the search, rows, what differs)
    for place, directory in enumerate(baseline_dirs(config)):
        runs: dict[str, list[dict]] = {}
        for row in find_runs(config.task, directory, method="grpo"):
            runs.setdefault(row["run_id"], []).append(row)
        for rows in runs.values():
            differences = [f"{name} ({rows[0][name]!r} there, {value!r} here)"
                           for name, value in wanted.items() if rows[0][name] != value]
            scored = {row["language"]: row["n"] for row in rows}
            if scored != questions:
                differences.append(f"questions per language ({_questions_text(scored)} there, "
                                   f"{_questions_text(questions)} here)")
            candidates.append((len(differences), place, rows, differences))
    places = " or ".join(str(csv_path(config.task, directory)) for directory in baseline_dirs(config))
    if not candidates:
        return None, f"{places} has no GRPO run of task {config.task!r}"
    matching = [(place, rows) for count, place, rows, _ in candidates if count == 0]
    if matching:  # the latest of the first directory that has one
        first = min(place for place, _ in matching)
        return baseline_from_leaderboard([rows for place, rows in matching if place == first][-1]), ""
    _, _, rows, differences = min(candidates, key=lambda candidate: candidate[:2])
    return None, (f"no GRPO run in {places} matches; the closest, {rows[0]['run_id']}, differs in "
                  + "; ".join(differences))


def train_method(config, model: str):
    """Train one configuration; save the model, router state, the trainer's state
    (``trainer_state.json``: the whole log, with the summary TRL logs after the last
    checkpoint) and manifest (with the run's ``config_hash``,
    ``lrpo.evaluation.run_cache.run_key``).

    The checkpoint to resume (``resume_from_checkpoint``: a path, or true / "last" for
    the latest complete one) and its router state are found and checked before the
    model is built (``lrpo.training.trainer.resume_checkpoint``).
    """
    from lrpo.manifest import write_manifest
    from lrpo.training.model_card import write_model_card
    from lrpo.training.trainer import LRPOTrainer, resume_checkpoint

    checkpoint = resume_checkpoint(config)
    trainer = LRPOTrainer.from_config(config, model)
    with warnings.catch_warnings():
        # TRL 1.16 reads the model's deprecated `is_gradient_checkpointing` before every generation,
        # whether checkpointing is on or not (trl.models.utils.disable_gradient_checkpointing): a
        # FutureWarning that no setting of ours can avoid, silenced for that one message while training.
        warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated",
                                category=FutureWarning)
        trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model(config.output_dir)
    trainer.save_state()  # the whole log: a baseline's curve, drawn by a later run (baseline_log_history)
    if trainer.accelerator.is_main_process:
        write_manifest(config.output_dir, config,
                       extra={"model": model, "global_step": trainer.state.global_step,
                              "rollout_budget": rollout_budget(trainer), "config_hash": run_key(config, model)})
        write_model_card(config, model, model_label(config, model), trainer.state.global_step,
                         rollout_budget(trainer))
    return trainer


# Checks before any model loads

# What a run leaves in its output directory besides the model (``check_output_dir``).
RUN_OUTPUTS = ("manifest.json", "trainer_state.json", "scorecard.json", "lrpo_router.json", "router_log.jsonl",
               "evaluation", "accuracy_by_language.png", "training_curves.png", "router_probabilities.png")


def check_writable(directory, field: str) -> None:
    """ValueError naming ``field`` when ``directory`` cannot be created or written
    (tried with a temporary file in it, or in its nearest existing parent)."""
    path = Path(directory)
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise ValueError(f"{field}: {directory} cannot be created: {existing} is a file, not a directory")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise ValueError(f"{field}: {directory} is not writable ({existing}: {e.strerror})") from None


def check_output_dir(config, key: str) -> None:
    """Refuse an ``output_dir`` that holds another run's files (checkpoints, scorecard,
    manifest, router state) so two runs never mix, unless ``resume_from_checkpoint``
    (continue it) or ``overwrite_output_dir`` (its run files are removed here; on the
    main process only) is set. A directory whose manifest has this run's ``key``
    holds the same run: its files are replaced as the run writes them again."""
    out = Path(config.output_dir)
    resume = config.resume_from_checkpoint
    if not out.is_dir() or (resume and str(resume).lower() not in ("false", "none")):
        return
    held = sorted(p.name for p in out.iterdir() if p.name in RUN_OUTPUTS or p.name.startswith("checkpoint-"))
    if not held:
        return
    manifest = out / "manifest.json"
    try:
        same_run = json.loads(manifest.read_text(encoding="utf-8")).get("config_hash") == key
    except (OSError, ValueError, AttributeError):
        same_run = False
    if not (same_run or config.overwrite_output_dir):
        shown = ", ".join(held[:6]) + (", ..." if len(held) > 6 else "")
        raise ValueError(f"output_dir: {out} holds another run ({shown}); pass --overwrite_output_dir true to "
                         "replace it, --resume_from_checkpoint true to continue it, or another --output_dir")
    if int(os.environ.get("RANK", "0")) == 0:
        for name in held:  # the old run's files, so that none is left beside the new run's
            target = out / name
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)


def check_directories(config) -> None:
    """The output and leaderboard directories can be written (``check_writable``);
    needs no model, so ``python -m lrpo.train`` checks it before building one."""
    check_writable(config.output_dir, "output_dir")
    if not config.skip_evaluation:
        check_writable(config.leaderboard_dir, "leaderboard_dir")


def check_before_training(config, model: str) -> None:
    """What can fail later in a run, checked before any model loads: the directories
    (``check_directories``, ``check_output_dir``) and the checkpoint to resume
    (``lrpo.training.trainer.resume_checkpoint``). ValueError naming the field."""
    from lrpo.training.trainer import resume_checkpoint

    check_directories(config)
    check_output_dir(config, run_key(config, model))
    resume_checkpoint(config)


def baseline_log_history(grpo_config, model: str, grpo_trainer) -> list[dict] | None:
    """The GRPO baseline's training log: its trainer's, when it was trained in this run,
    else, when its directory (``<output_dir>-grpo-baseline``) holds this very baseline,
    finished (its manifest's configuration hash is ``grpo_config``'s), the
    ``trainer_state.json`` that ``train_method`` wrote there (a run trained before it did
    so: its last checkpoint's, which lacks the summary logged after it); None otherwise."""
    if grpo_trainer is not None:
        return grpo_trainer.state.log_history
    directory = Path(grpo_config.output_dir)
    try:
        finished = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))["config_hash"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if finished != run_key(grpo_config, model):  # another run's curve is no baseline of this one
        return None
    states = sorted(directory.glob("checkpoint-*/trainer_state.json"),
                    key=lambda path: int(path.parent.name.rpartition("-")[2] or 0))
    if (directory / "trainer_state.json").is_file():  # the whole run's, written after its last checkpoint
        states.append(directory / "trainer_state.json")
    return json.loads(states[-1].read_text(encoding="utf-8"))["log_history"] if states else None


def draw_plots(output_dir: Path, cards: dict, trainer, method: str, baseline_history=None) -> None:
    """The run's three figures (``lrpo.evaluation.plots``): the task's metric (accuracy,
    similarity) per language of ``cards`` ({label: scorecard or None}), the training
    curves of ``trainer`` (labelled ``method``) beside the GRPO baseline's
    ``baseline_history`` when given, and the router's probabilities when the run
    logged any."""
    from lrpo.evaluation.plots import plot_language_bars, plot_router_probabilities, plot_training_curves

    plot_language_bars({k: v for k, v in cards.items() if v is not None}, output_dir / "accuracy_by_language.png")
    runs = {method: trainer.state.log_history}
    if baseline_history and method != "grpo":
        runs["grpo"] = baseline_history
    plot_training_curves(runs, output_dir / "training_curves.png")
    router_log = output_dir / "router_log.jsonl"
    if router_log.is_file() and router_log.stat().st_size:
        plot_router_probabilities(router_log, output_dir / "router_probabilities.png")


def run(config, model: str, derive_config, alongside=None) -> dict | None:
    """Train, then (unless ``skip_evaluation``) score, compare and record; return the scorecard.

    ``derive_config(**overrides)`` builds this run's config with some fields
    changed (the GRPO baseline's), through the same parsing and validation.
    ``alongside``: a context manager entered around the method's training, or None;
    ``python -m lrpo.train`` passes ``lrpo.training.parallel_baseline.baseline_alongside``'s,
    which trains a needed GRPO baseline in a child process meanwhile and waits for it.
    Every rank trains (the method and, when needed, the baseline); the main
    process alone evaluates and writes. The process group is closed at the end, by
    every rank at once: gloo aborts a process that exits with it open. Call
    ``check_before_training`` first (``python -m lrpo.train`` does).
    """
    with alongside or contextlib.nullcontext():
        trainer = train_method(config, model)
    try:
        return _score_and_record(config, model, derive_config, trainer)
    finally:
        # The other ranks wait for the main process's evaluation, so that every rank closes the
        # process group together: a rank that closed it minutes earlier and exited left the main
        # process hanging in its own close (seen once in a torchrun test on a loaded machine).
        trainer.accelerator.wait_for_everyone()
        trainer.accelerator.end_training()


def _needed_baseline(config, label: str, budget: int, trainer) -> tuple[dict | None, bool, str]:
    """The leaderboard's matching GRPO scorecard, whether it must be trained now, and
    why no leaderboard run matched.

    The main process reads the leaderboard and tells the others, so that every
    rank takes part in training a missing baseline.
    """
    from accelerate.utils import broadcast_object_list

    if config.skip_evaluation or config.method == "grpo" or config.baseline != "grpo":
        return None, False, ""
    found = [find_baseline(config, label, budget) if trainer.accelerator.is_main_process else None]
    if trainer.accelerator.num_processes > 1:
        broadcast_object_list(found, from_process=0)
    baseline, why = found[0]
    return baseline, baseline is None, why


def missing_baseline_message(config, label: str, budget: int, why: str) -> str:
    """The line saying that no GRPO run on the leaderboard matches this run (``why``:
    ``find_baseline``'s reason) and that it is trained now under the same settings."""
    return (f"no GRPO run with model {label}, seed {config.seed} and {budget} rollouts on the leaderboard "
            f"({why}): training it now under the same settings")


def baseline_overrides(config) -> dict[str, str]:
    """The fields in which the GRPO baseline's config differs from its run's: the method,
    its own directory (``<output_dir>-grpo-baseline``), and no checkpoint to resume (a
    resumed LRPO run's checkpoint is not the baseline's; the baseline is retrained whole)."""
    return {"method": "grpo", "output_dir": f"{config.output_dir}-grpo-baseline",
            "resume_from_checkpoint": "false"}


def _score_and_record(config, model: str, derive_config, trainer) -> dict | None:
    output_dir = Path(config.output_dir)
    label = model_label(config, model)
    budget = rollout_budget(trainer)
    baseline, train_baseline, why = _needed_baseline(config, label, budget, trainer)
    if train_baseline:
        if trainer.accelerator.is_main_process:
            print(missing_baseline_message(config, label, budget, why))
        # The baseline's directory belongs to this run: a previous baseline there is replaced.
        grpo_config = derive_config(**baseline_overrides(config), overwrite_output_dir="true")
        check_output_dir(grpo_config, run_key(grpo_config, model))
        grpo_trainer = train_method(grpo_config, model)
    if config.skip_evaluation or not trainer.accelerator.is_main_process:
        return None

    base = base_scorecard(config, model, label)
    card = evaluate_model(config, str(output_dir), config.method, output_dir / "evaluation", label)
    if train_baseline:
        baseline = evaluate_model(grpo_config, grpo_config.output_dir, "grpo",
                                  Path(grpo_config.output_dir) / "evaluation", label)
    if baseline is not None:
        card = with_baseline(card, baseline)

    # The run's own outputs first: a shared leaderboard that fails to take the rows loses nothing.
    (output_dir / "scorecard.json").write_text(json.dumps(card, indent=2))
    print(format_comparison_table(base, baseline, card))
    grpo_history = None
    if config.method != "grpo" and config.baseline == "grpo":
        on_disk = None if train_baseline else derive_config(**baseline_overrides(config))
        grpo_history = baseline_log_history(grpo_config if train_baseline else on_disk, model,
                                            grpo_trainer if train_baseline else None)
    draw_plots(output_dir, {"base": base, "grpo": baseline, config.method: card}, trainer, config.method,
               grpo_history)
    print(f"scorecard, plots and model in {output_dir}")
    if train_baseline:
        _record(baseline, grpo_config, model, rollout_budget(grpo_trainer), label)
    _record(card, config, model, budget, label)
    return card


def _record(card: dict, config, model: str, budget: int, label: str) -> None:
    """Append a run to its leaderboard, once per configuration hash, and say where it went."""
    key = run_key(config, model)
    path = append_scorecard(card, config.leaderboard_dir, rollout_budget=budget, model_label=label,
                            config_hash=key)
    where = csv_path(config.task, config.leaderboard_dir)
    if path is None:
        print(f"{card['method']}: the same run (configuration hash {key[:12]}) is already in {where}: "
              "not added again")
    else:
        print(f"{card['method']}: leaderboard rows in {where}")
