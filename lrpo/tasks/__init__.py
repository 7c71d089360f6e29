"""Task plugins: datasets with one prompt and one verifier each, shared by the
trainer, the evaluator and the lm-eval integration.

    from lrpo.tasks import get_task, available_tasks
    task = get_task("mgsm")
    examples = task.load(split="test", langs=["de"])
    task.score(response, examples[0], response_lang="ja")

Third-party tasks register a ``Task`` subclass (or a factory returning one)
under the entry-point group ``lrpo.tasks``.

Modules: ``base`` (``Task``, ``Example``), ``registry``, ``data`` (file readers
whose errors name file:line); the tasks ``mgsm``, ``mmath`` (and PolyMath),
``xcopa``, ``arith``, ``arith_cot``, ``open_ended``; and how answers are asked
for and read: ``prompts``, ``answers``, ``numbers``, ``math_answers``,
``final_number``.
"""

from lrpo.tasks.base import Example, Message, Task
from lrpo.tasks.data import DATA_DIR_ENV, DataError
from lrpo.tasks.registry import available_tasks, get_task, register_task

__all__ = ["DATA_DIR_ENV", "DataError", "Example", "Message", "Task", "available_tasks",
           "get_task", "register_task"]
