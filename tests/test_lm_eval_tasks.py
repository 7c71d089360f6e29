"""The lm-eval tasks (lrpo/evaluation/lm_eval_tasks, linked as ./tasks): lm_eval's real command
line on a tiny model, an oracle model scoring 1.0 on every group, and lm_eval
against lrpo.evaluate on the same model and items: the same prompt tokens, the
same responses, the same per-language scores. Also ``import-lm-eval``."""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM

from lrpo.evaluation.evaluator import evaluate
from lrpo.evaluation.generation import render_prompt
from lrpo.evaluation.leaderboard import read_rows
from lrpo.evaluation.lm_eval_import import LOGLIKELIHOOD_SPLIT, lm_eval_scorecards
from lrpo.evaluation.lm_eval_tasks import hooks, include_path
from lrpo.evaluation.lm_eval_tasks.cli import lm_eval_argv
from lrpo.languages import MGSM_LANGUAGES, MMATH_LANGUAGES, POLYMATH_LANGUAGES, XCOPA_LANGUAGES
from lrpo.leaderboard import main as leaderboard_main
from lrpo.tasks import get_task
from lrpo.tasks.answers import run_on_stops
from lrpo.tasks.mmath import POLYMATH_LEVELS
from tests.conftest import REPO_ROOT
from tests.tiny_model import build_random_tiny_model

lm_eval = pytest.importorskip("lm_eval")  # the optional lrpo[lmeval] extra
from lm_eval.tasks import TaskManager  # noqa: E402

from tests.oracle_lm import OracleLM, ScriptedGenerator, mixed_response  # noqa: E402

SUBTASKS = {
    "lrpo_mgsm": [f"lrpo_mgsm_{lang}" for lang in MGSM_LANGUAGES],
    "lrpo_mmath": [f"lrpo_mmath_{lang}" for lang in MMATH_LANGUAGES],
    **{f"lrpo_polymath_{level}": [f"lrpo_polymath_{level}_{lang}" for lang in POLYMATH_LANGUAGES]
       for level in POLYMATH_LEVELS},
    "lrpo_xcopa": [f"lrpo_xcopa_{lang}" for lang in XCOPA_LANGUAGES],
    "lrpo_xcopa_ll": [f"lrpo_xcopa_ll_{lang}" for lang in XCOPA_LANGUAGES],
}
# The new-token budget of the comparison with lrpo.evaluate, given to both.
MAX_NEW_TOKENS = 64
OFFLINE = {"OMP_NUM_THREADS": "1", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}


@pytest.fixture(scope="module", autouse=True)
def offline():
    with pytest.MonkeyPatch.context() as patch:
        for key, value in OFFLINE.items():
            patch.setenv(key, value)
        yield


@pytest.fixture(scope="module")
def task_manager(data_dir):
    return TaskManager(include_path=include_path(), include_defaults=False, metadata={"data_dir": str(data_dir)})


def _metric_rows(results: dict) -> dict:
    return {name: {key: value for key, value in metrics.items() if "_stderr" not in key and "," in key}
            for name, metrics in results["results"].items()}


# The task files


def test_module_prints_the_include_path_holding_the_yaml():
    printed = subprocess.run([sys.executable, "-m", "lrpo.evaluation.lm_eval_tasks"], capture_output=True,
                             text=True, check=True, cwd=REPO_ROOT).stdout.strip()
    directory = Path(printed)
    assert directory == Path(include_path())
    assert (directory / "mgsm" / "lrpo_mgsm.yaml").is_file() and len(list(directory.rglob("*.yaml"))) > 100
    # The checkout's ./tasks is the same directory, not a copy.
    assert (REPO_ROOT / "tasks").resolve() == directory


def test_the_yaml_and_the_console_script_ship_in_the_wheel():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["lrpo"]
    shipped = {path for pattern in patterns for path in (REPO_ROOT / "lrpo").glob(pattern)}
    assert set(Path(include_path()).rglob("*.yaml")) <= shipped
    assert config["project"]["scripts"]["lrpo-lm-eval"] == "lrpo.evaluation.lm_eval_tasks.cli:main"


def test_lrpo_imports_without_lm_eval():
    code = ("import sys, lrpo, lrpo.tasks, lrpo.evaluation.lm_eval_tasks, lrpo.evaluation.lm_eval_tasks.hooks, "
            "lrpo.leaderboard; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'lm_eval'))")
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=REPO_ROOT).stdout.strip()
    assert printed == "[]"


def test_groups_and_subtasks_are_wired_to_their_language(task_manager):
    index = task_manager.task_index
    groups = set(SUBTASKS) | {"lrpo_polymath"}
    assert set(task_manager.all_groups) == groups
    assert set(task_manager.all_subtasks) == {name for names in SUBTASKS.values() for name in names}
    assert index["lrpo_polymath"].cfg["task"] == [f"lrpo_polymath_{level}" for level in POLYMATH_LEVELS]
    for group, names in SUBTASKS.items():
        config = index[group].cfg
        assert config["task"] == names
        assert all(entry["aggregation"] == "mean" and entry["weight_by_size"] is False
                   for entry in config["aggregate_metric_list"])
        for name in names:
            family, _, lang = name.rpartition("_")
            split = family.rpartition("_")[2] if family.startswith("lrpo_polymath_") else "test"
            lrpo_task = family.removeprefix("lrpo_").split("_")[0]
            assert index[name].cfg["dataset_kwargs"] == {"lrpo_task": lrpo_task, "split": split, "lang": lang}


def test_data_dir_falls_back_to_the_environment(data_dir, monkeypatch):
    """Without ``--metadata`` data_dir, the loaders read $LRPO_DATA_DIR; metadata
    lm-eval adds (model arguments, version) does not reach them."""
    monkeypatch.setenv("LRPO_DATA_DIR", str(data_dir))
    manager = TaskManager(include_path=include_path(), include_defaults=False, metadata={"pretrained": "x"})
    task = manager.load(["lrpo_xcopa_ll_it"])["tasks"]["lrpo_xcopa_ll_it"]
    docs = list(task.test_docs())
    assert len(docs) == 500 and {doc["lang"] for doc in docs} == {"it"}
    assert task.doc_to_choice(docs[0]) == get_task("xcopa").loglikelihood_request(hooks.example(docs[0]))[1]


def test_generation_settings_are_lrpo_evaluate_defaults(task_manager):
    config = task_manager.task_index["lrpo_mgsm_de"].cfg
    kwargs = config["generation_kwargs"]
    default = inspect.signature(evaluate).parameters["max_new_tokens"].default
    # Greedy, stopped by the end-of-sequence token (lm-eval adds it) and at a run-on new question,
    # as lrpo.evaluate decodes.
    assert kwargs == {"until": list(run_on_stops()), "do_sample": False, "temperature": 0.0,
                      "max_gen_toks": default}
    assert config["num_fewshot"] == 0


def test_process_results_scores_responses_and_extracted_answers(data_dir):
    example = get_task("mgsm").load("test", ["de"], data_dir=data_dir, limit=1)[0]
    doc = hooks.doc_rows([example], "mgsm")[0]
    assert hooks.example(doc) == example and hooks.example(doc).meta == example.meta
    right = f"{example.question}\nDie Antwort lautet {example.answer}."
    assert hooks.process_results(doc, [right]) == {"accuracy": 1.0, "fidelity": 1.0, "line_fidelity": 1.0,
                                                   "code_switching": 0.0}
    assert hooks.process_results(doc, ["The answer is 7."]) == {"accuracy": 0.0, "fidelity": 0.0,
                                                                "line_fidelity": 0.0, "code_switching": 0.0}
    extracted = hooks.mark_flexible_extract([f"{example.answer}.", "7"], [doc, doc])
    assert [hooks.process_results(doc, [answer]) for answer in extracted] == [{"exact_match": 1.0},
                                                                              {"exact_match": 0.0}]


def test_cli_wrapper_adds_the_include_path():
    assert lm_eval_argv(["--tasks", "lrpo_mgsm"]) == ["--tasks", "lrpo_mgsm", "--include_path", include_path()]
    assert lm_eval_argv([]) == []
    with pytest.raises(SystemExit, match="sets --include_path itself"):
        lm_eval_argv(["--tasks", "x", "--include_path=elsewhere"])
    listed = subprocess.run([sys.executable, "-m", "lrpo.evaluation.lm_eval_tasks.cli", "ls", "groups"],
                            capture_output=True, text=True, check=True, cwd=REPO_ROOT,
                            env={**os.environ, **OFFLINE}).stdout
    assert "lrpo_polymath_top" in listed and "lrpo_xcopa_ll" in listed


# lm_eval's command line on a tiny model, compared with lrpo.evaluate


def build_talkative_tiny_model(directory: Path, corpus: list[str]) -> Path:
    """The tiny random model with its layers re-drawn at a larger scale: as built, its
    tied embeddings make it repeat the last prompt token (a special token, so every
    response decodes to ""), which would make comparing responses vacuous."""
    build_random_tiny_model(directory, corpus)
    model = AutoModelForCausalLM.from_pretrained(directory)
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for parameter in model.model.layers.parameters():
            if parameter.dim() == 2:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.3)
    model.save_pretrained(directory)
    return directory


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, data_dir):
    mgsm = get_task("mgsm")
    corpus = [message["content"] for example in mgsm.load("test", data_dir=data_dir, limit=2)
              for message in mgsm.prompt(example)]
    return build_talkative_tiny_model(tmp_path_factory.mktemp("tiny"), corpus)


@pytest.fixture(scope="module")
def cli_run(tiny_model, data_dir, tmp_path_factory):
    """``lm_eval`` on lrpo_mgsm (limit 2) as a user runs it: returns its output directory."""
    out = tmp_path_factory.mktemp("lm_eval")
    command = [sys.executable, "-m", "lm_eval", "--model", "hf", "--model_args", f"pretrained={tiny_model}",
               "--tasks", "lrpo_mgsm", "--include_path", "tasks", "--limit", "2", "--output_path", str(out),
               "--apply_chat_template", "--log_samples", "--device", "cpu", "--batch_size", "1",
               "--metadata", json.dumps({"data_dir": str(data_dir)}),
               "--gen_kwargs", f"max_gen_toks={MAX_NEW_TOKENS}"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, env={**os.environ, **OFFLINE},
                          timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    print(done.stdout)
    return out


def _results(out: Path) -> dict:
    (path,) = out.rglob("results_*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _logged_samples(out: Path) -> dict[tuple[str, str], dict]:
    """(item id, language) -> lm-eval's logged sample of the whole response (filter none)."""
    samples = {}
    for path in out.rglob("samples_lrpo_mgsm_*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            sample = json.loads(line)
            if sample["filter"] == "none":
                samples[sample["doc"]["id"], sample["doc"]["lang"]] = sample
    return samples


def test_cli_results_hold_every_subtask_and_the_group(cli_run):
    results = _results(cli_run)
    rows = _metric_rows(results)
    assert set(rows) == {"lrpo_mgsm", *SUBTASKS["lrpo_mgsm"]}
    assert results["group_subtasks"]["lrpo_mgsm"] == SUBTASKS["lrpo_mgsm"]
    metrics = {"accuracy,none", "fidelity,none", "line_fidelity,none", "code_switching,none",
               "exact_match,flexible-extract"}
    for name in SUBTASKS["lrpo_mgsm"]:
        assert set(rows[name]) == metrics
        assert results["n-samples"][name]["effective"] == 2
    for metric in metrics:  # the group row is the unweighted mean of the languages
        mean = sum(rows[name][metric] for name in SUBTASKS["lrpo_mgsm"]) / len(MGSM_LANGUAGES)
        assert rows["lrpo_mgsm"][metric] == pytest.approx(mean)


@pytest.fixture(scope="module")
def lrpo_run(tiny_model, data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("lrpo_evaluate")
    card = evaluate("mgsm", tiny_model, limit=2, data_dir=data_dir, output_dir=out, batch_size=1,
                    max_new_tokens=MAX_NEW_TOKENS, device="cpu", progress=False)
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    return card, {(sample["id"], sample["lang"]): sample for sample in samples}


def test_lm_eval_and_lrpo_evaluate_give_identical_responses_and_scores(cli_run, lrpo_run):
    card, ours = lrpo_run
    theirs = _logged_samples(cli_run)
    assert set(theirs) == set(ours) and len(ours) == 22
    for key, sample in ours.items():
        assert theirs[key]["resps"] == [[sample["response"]]], key
        assert theirs[key]["accuracy"] == float(sample["correct"]), key
        assert theirs[key]["fidelity"] == sample["fidelity"], key
        assert theirs[key]["line_fidelity"] == sample["line_fidelity"], key
        assert theirs[key]["code_switching"] == sample["code_switched"], key
    responses = [sample["response"] for sample in ours.values()]
    # Not vacuous: the model writes text, different for different prompts.
    assert sum(bool(response.strip()) for response in responses) >= 18 and len(set(responses)) >= 18
    rows = _metric_rows(_results(cli_run))
    for lang, stats in card["per_language"].items():
        assert rows[f"lrpo_mgsm_{lang}"]["accuracy,none"] == stats["accuracy"]
        assert rows[f"lrpo_mgsm_{lang}"]["fidelity,none"] == stats["fidelity"]
        assert rows[f"lrpo_mgsm_{lang}"]["line_fidelity,none"] == stats["line_fidelity"]
        assert rows[f"lrpo_mgsm_{lang}"]["code_switching,none"] == stats["code_switching"]


def test_lm_eval_prompt_tokens_are_lrpo_evaluates(cli_run, tiny_model, data_dir):
    from lm_eval.models.huggingface import HFLM

    lm = HFLM(pretrained=str(tiny_model), device="cpu", batch_size=1)
    mgsm = get_task("mgsm")
    examples = {(example.id, example.lang): example for example in mgsm.load("test", data_dir=data_dir, limit=2)}
    for key, sample in _logged_samples(cli_run).items():
        context = sample["arguments"]["gen_args_0"]["arg_0"]
        input_ids, _ = lm.tok_batch_encode([context])
        assert input_ids[0].tolist() == render_prompt(lm.tokenizer, mgsm.prompt(examples[key])), key


def test_import_lm_eval_appends_each_language_once(cli_run, tiny_model, tmp_path, capsys):
    board = tmp_path / "boards"
    assert leaderboard_main(["import-lm-eval", str(cli_run), "--dir", str(board), "--model-label", "tiny"]) == 0
    results = _metric_rows(_results(cli_run))
    rows = read_rows(board / "mgsm.csv")
    assert {row["language"] for row in rows} == set(MGSM_LANGUAGES) and len(rows) == 11
    for row in rows:
        assert (row["task"], row["split"], row["method"], row["model"], row["n"]) == (
            "mgsm", "test", "lm-eval", "tiny", 2)
        assert row["accuracy"] == results[f"lrpo_mgsm_{row['language']}"]["accuracy,none"]
        assert row["fidelity"] == results[f"lrpo_mgsm_{row['language']}"]["fidelity,none"]
        assert row["line_fidelity"] == results[f"lrpo_mgsm_{row['language']}"]["line_fidelity,none"]
        assert row["response_tokens"] is None  # lm-eval reports no token counts
    assert (board / "mgsm.md").is_file()
    # Importing the same directory again adds nothing; without a label the model is the path.
    assert leaderboard_main(["import-lm-eval", str(cli_run), "--dir", str(board)]) == 0
    assert "already on the leaderboard" in capsys.readouterr().out
    assert len(read_rows(board / "mgsm.csv")) == 11
    other = tmp_path / "other"
    leaderboard_main(["import-lm-eval", str(cli_run), "--dir", str(other), "--method", "grpo"])
    assert {(row["model"], row["method"]) for row in read_rows(other / "mgsm.csv")} == {(str(tiny_model), "grpo")}


# The oracle: every group scores 1.0


def test_oracle_scores_one_on_every_subtask_of_every_group(task_manager):
    from lm_eval.utils import make_table

    groups = ["lrpo_mgsm", "lrpo_mmath", "lrpo_polymath", "lrpo_xcopa", "lrpo_xcopa_ll"]
    results = lm_eval.simple_evaluate(model=OracleLM(), tasks=groups, task_manager=task_manager, limit=3)
    print(make_table(results))
    print(make_table(results, "groups"))
    rows = _metric_rows(results)
    expected = {name for names in SUBTASKS.values() for name in names} | set(SUBTASKS) | {"lrpo_polymath"}
    assert set(rows) == expected
    generative = {"accuracy,none", "fidelity,none", "line_fidelity,none", "code_switching,none"}
    line_level = {"line_fidelity,none", "code_switching,none"}
    for name, metrics in rows.items():
        assert metrics and all(value == 1.0 for key, value in metrics.items() if key not in line_level), (
            name, metrics)
        # No right answer in its own language switches language, except where the oracle restates a
        # question holding an Asymptote diagram ([asy] code, PolyMath and MMATH): its lines are code.
        if not name.startswith(("lrpo_polymath", "lrpo_mmath")) and line_level <= set(metrics):
            assert (metrics["line_fidelity,none"], metrics["code_switching,none"]) == (1.0, 0.0), name
        if name.startswith("lrpo_mgsm"):
            assert set(metrics) == generative | {"exact_match,flexible-extract"}
        elif name.startswith("lrpo_xcopa_ll"):
            assert set(metrics) == {"acc,none", "acc_norm,none"}
        else:
            assert set(metrics) == generative
    assert all(results["n-samples"][name]["effective"] == 3 for name in SUBTASKS["lrpo_xcopa_ll"])
    # What import-lm-eval makes of them: one scorecard per task and split, every language.
    cards = {(card["task"], card["split"]): card for card in lm_eval_scorecards(results)}
    assert set(cards) == {("mgsm", "test"), ("mmath", "test"), ("xcopa", "test"), ("xcopa", LOGLIKELIHOOD_SPLIT),
                          *(("polymath", level) for level in POLYMATH_LEVELS)}
    assert set(cards["polymath", "top"]["per_language"]) == set(POLYMATH_LANGUAGES)
    assert cards["xcopa", LOGLIKELIHOOD_SPLIT]["per_language"]["qu"] == {
        "accuracy": 1.0, "fidelity": None, "line_fidelity": None, "code_switching": None, "response_tokens": None,
        "n": 3}


@pytest.mark.parametrize("task, group", [("mgsm", "lrpo_mgsm"), ("xcopa", "lrpo_xcopa"), ("mmath", "lrpo_mmath")])
def test_lm_eval_and_lrpo_evaluate_score_the_same_answers_alike(task, group, task_manager, data_dir):
    """Right, wrong and English answers mixed by item: the per-language scores of
    both harnesses agree, and are not all 0 or 1."""
    examples = get_task(task).load("test", data_dir=data_dir, limit=3)
    card = evaluate(task, ScriptedGenerator(task, examples, mixed_response), limit=3, data_dir=data_dir,
                    progress=False)
    results = lm_eval.simple_evaluate(model=OracleLM(mixed_response), tasks=[group], task_manager=task_manager,
                                      limit=3)
    rows = _metric_rows(results)
    for lang, stats in card["per_language"].items():
        assert rows[f"{group}_{lang}"]["accuracy,none"] == pytest.approx(stats["accuracy"]), lang
        assert rows[f"{group}_{lang}"]["fidelity,none"] == pytest.approx(stats["fidelity"]), lang
        assert rows[f"{group}_{lang}"]["line_fidelity,none"] == pytest.approx(stats["line_fidelity"]), lang
        assert rows[f"{group}_{lang}"]["code_switching,none"] == pytest.approx(stats["code_switching"]), lang
    values = [stats[key] for stats in card["per_language"].values() for key in ("accuracy", "fidelity")]
    assert any(0.0 < value < 1.0 for value in values)
