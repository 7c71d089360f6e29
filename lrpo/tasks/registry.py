"""Finding tasks by name: the built-in ones and those of other packages.

Other packages add tasks through the entry-point group ``lrpo.tasks``, e.g. in
their pyproject.toml::

    [project.entry-points."lrpo.tasks"]
    mytask = "mypackage.tasks:MyTask"
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module, metadata

from lrpo.tasks.base import Task

ENTRY_POINT_GROUP = "lrpo.tasks"

# name -> "module:attribute"; imported only when asked for, so listing tasks is cheap.
_BUILTIN = {
    "arith": "lrpo.tasks.arith:ArithTask",
    "arith_cot": "lrpo.tasks.arith_cot:ArithCotTask",
    "mgsm": "lrpo.tasks.mgsm:MGSMTask",
    "mmath": "lrpo.tasks.mmath:MMathTask",
    "open_ended": "lrpo.tasks.open_ended:OpenEndedTask",
    "polymath": "lrpo.tasks.mmath:PolyMathTask",
    "xcopa": "lrpo.tasks.xcopa:XCOPATask",
}
_REGISTERED: dict[str, Callable[..., Task]] = {}


def register_task(name: str, factory: Callable[..., Task]) -> None:
    """Register a task class or factory in this process (entry points do it across packages)."""
    if name in _BUILTIN:
        raise ValueError(f"task name {name!r} is taken by a built-in task")
    _REGISTERED[name] = factory


def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available_tasks() -> tuple[str, ...]:
    return tuple(sorted(set(_BUILTIN) | set(_REGISTERED) | set(_entry_points())))


def _resolve(name: str) -> Callable[..., Task]:
    if name in _BUILTIN:
        module, attribute = _BUILTIN[name].split(":")
        return getattr(import_module(module), attribute)
    if name in _REGISTERED:
        return _REGISTERED[name]
    entry_points = _entry_points()
    if name in entry_points:
        return entry_points[name].load()
    raise ValueError(f"unknown task {name!r}; available: {', '.join(available_tasks())}")


def get_task(name: str, **options) -> Task:
    """An instance of the task called ``name``; ``options`` go to its constructor
    (e.g. ``get_task("mgsm", num_fewshot=8)``, ``get_task("polymath", level="top")``)."""
    task = _resolve(name)(**options)
    if not isinstance(task, Task):
        raise TypeError(f"task {name!r} did not produce an lrpo.tasks.Task (got {type(task).__name__})")
    return task
