import sys
import textwrap

import pytest

from lrpo.tasks import Task, available_tasks, get_task, register_task


def test_builtin_tasks():
    assert {"mgsm", "mmath", "polymath", "xcopa"} <= set(available_tasks())


def test_unknown_task_lists_available():
    with pytest.raises(ValueError, match=r"unknown task 'nope'; available: .*mgsm"):
        get_task("nope")


def test_bad_option_is_an_error():
    with pytest.raises(TypeError):
        get_task("xcopa", shots=3)


def test_entry_point_plugin(tmp_path, monkeypatch):
    """A third-party package registers a task through the `lrpo.tasks` entry-point group."""
    (tmp_path / "thirdparty_tasks.py").write_text(textwrap.dedent('''
        from lrpo.tasks import Example, Task

        class EchoTask(Task):
            name = "echo"
            languages = ("en",)
            splits = ("test",)

            def load(self, split="test", langs=None, data_dir=None, limit=None):
                return [Example("echo-0", "en", "say 3", "3")]

            def prompt(self, example, response_lang=None):
                return [{"role": "user", "content": example.question}]

            def extract(self, response, response_lang=None):
                return response.strip()

            def score(self, response, example, response_lang=None):
                return float(self.extract(response) == example.answer)
    '''))
    dist = tmp_path / "thirdparty_tasks-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-tasks\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[lrpo.tasks]\necho = thirdparty_tasks:EchoTask\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "echo" in available_tasks()
    task = get_task("echo")
    ex = task.load()[0]
    assert task.score("3", ex) == 1.0 and task.score("4", ex) == 0.0
    sys.modules.pop("thirdparty_tasks", None)


def test_register_task_in_process():
    class Tiny(Task):
        name = "tiny-inline"
        languages = ("en",)
        splits = ("test",)

    register_task("tiny-inline", Tiny)
    assert isinstance(get_task("tiny-inline"), Tiny)
    with pytest.raises(ValueError, match="built-in"):
        register_task("mgsm", Tiny)
