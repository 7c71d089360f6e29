"""``python -m lrpo.leaderboard import-lm-eval`` for the paper's multiple-choice benchmarks
(Global-MMLU-Lite and INCLUDE through lm-eval's own tasks) and mGSM: scorecards with the
paper's seen / unseen split (``lrpo.evaluation.lm_eval_import``).

The results files are written here in lm-eval 0.4.13's format (``lm_eval/result_schema.py``:
groups in ``results`` and ``groups`` with ``sample_len`` and ``sample_count``, subtasks'
counts in ``n-samples``, ``group_subtasks``); one is made by lm-eval itself, on two local
datasets shaped like Global-MMLU-Lite's, so the format cannot drift from the installed one.
"""

import json
import math
import textwrap
from pathlib import Path

import pytest

from lrpo.evaluation.leaderboard import read_rows
from lrpo.evaluation.lm_eval_import import (
    GLOBAL_MMLU_LITE_LANGUAGES,
    INCLUDE_LANGUAGES,
    MC_GROUPS,
    lm_eval_scorecards,
    scorecard_path,
    write_lm_eval_scorecards,
)
from lrpo.evaluation.paper import LANGUAGE_COUNTS, benchmark_average
from lrpo.languages import PAPER_LANGUAGES, SEEN_LANGUAGES, UNSEEN_LANGUAGES
from lrpo.leaderboard import main as leaderboard_main

MODEL = "Qwen/Qwen2.5-1.5B-Instruct"
# The paper's unseen languages of each benchmark (shared/paper/README.md): Global-MMLU-Lite's four, and the 30
# INCLUDE languages outside the training languages.
GMMLU_UNSEEN = {"bn", "hi", "sw", "yo"}
TRAINING_LANGUAGES = {"ar", "de", "es", "fr", "id", "it", "ja", "ko", "nl", "pl", "pt", "ru", "vi", "zh"}


def _accuracy(group: str, subject: int) -> float:
    """A distinct accuracy per group and subject, so a wrong mapping shows."""
    return round(0.2 + (sum(map(ord, group)) * 7 + subject * 13) % 61 / 100, 4)


def mc_results(groups: dict[str, list[tuple[str, float, int]]], sample_len: bool = True) -> dict:
    """An lm-eval 0.4.13 results file of multiple-choice groups, each {group: [(subtask, acc, n)]}
    with the group's acc the size-weighted mean (the groups' aggregate_metric_list);
    ``sample_len=False``: the older format, whose groups carry no counts."""
    results, group_results, n_samples = {}, {}, {}
    for group, subtasks in groups.items():
        total = sum(n for _, _, n in subtasks)
        entry = {"alias": group, "name": group, "acc,none": sum(acc * n for _, acc, n in subtasks) / total,
                 "acc_stderr,none": 0.01}
        if sample_len:
            entry.update({"sample_len": total, "sample_count": {"acc,none": total}})
        results[group] = group_results[group] = entry
        for name, acc, n in subtasks:
            results[name] = {"name": name, "alias": f" - {name}", "sample_len": n, "acc,none": acc,
                             "acc_stderr,none": 0.02}
            n_samples[name] = {"original": n, "effective": n}
    return {"results": results, "groups": group_results,
            "group_subtasks": {group: [name for name, _, _ in subtasks] for group, subtasks in groups.items()},
            "configs": {}, "versions": {}, "n-shot": {}, "higher_is_better": {}, "n-samples": n_samples,
            "config": {"model": "vllm", "model_args": f"pretrained={MODEL},dtype=bfloat16", "batch_size": "auto"},
            "git_hash": "abc1234", "date": 1767225600.0, "lm_eval_version": "0.4.13"}


def global_mmlu_results(**kwargs) -> dict:
    return mc_results({f"global_mmlu_{code}": [(f"global_mmlu_{code}_{subject}", _accuracy(code, i), 20 + i)
                                               for i, subject in enumerate(("stem", "humanities", "other"))]
                       for code in GLOBAL_MMLU_LITE_LANGUAGES}, **kwargs)


def include_results() -> dict:
    return mc_results({f"include_base_44_{name}": [
        (f"include_base_44_{name}_{subject}", _accuracy(name, i), 30 + i)
        for i, subject in enumerate(("stem", "driving_license"))] for name in INCLUDE_LANGUAGES})


def write_results(directory: Path, results: dict, stamp: str = "2026-01-01T00-00-00.000000") -> Path:
    path = directory / MODEL.replace("/", "__") / f"results_{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results), encoding="utf-8")
    return directory


def _weighted(subtasks) -> float:
    return sum(acc * n for _, acc, n in subtasks) / sum(n for _, _, n in subtasks)


# The paper's split of each benchmark


@pytest.mark.parametrize("results, task, benchmark, unseen", [
    (global_mmlu_results(), "global_mmlu_lite", "global_mmlu_lite", GMMLU_UNSEEN),
    (include_results(), "include_base_44", "include_lite", set(INCLUDE_LANGUAGES.values()) - TRAINING_LANGUAGES),
])
def test_multiple_choice_groups_become_a_scorecard_with_the_papers_split(results, task, benchmark, unseen):
    (card,) = lm_eval_scorecards(results, "results.json")
    assert (card["task"], card["split"], card["model"], card["cue"]) == (task, "test", MODEL, "none")
    groups = {group: subtasks for group, subtasks in results["group_subtasks"].items()}
    for group, (_, language) in ((g, MC_GROUPS[g]) for g in groups):
        subtasks = [(name, results["results"][name]["acc,none"], results["n-samples"][name]["effective"])
                    for name in groups[group]]
        stats = card["per_language"][language]
        assert stats["accuracy"] == pytest.approx(_weighted(subtasks))
        assert stats["n"] == sum(n for _, _, n in subtasks) and stats["fidelity"] is None
    assert set(card["unseen_languages"]) == unseen
    assert (len(card["seen_languages"]), len(card["unseen_languages"])) == LANGUAGE_COUNTS[benchmark]
    assert set(card["seen_languages"]) <= set(PAPER_LANGUAGES)
    # The scorecard's macro average is the paper's weighted average of its seen and unseen sides.
    paper = benchmark_average(benchmark, 100 * card["seen_average"], 100 * card["unseen_average"])
    assert 100 * card["average"] == pytest.approx(paper, abs=1e-9)
    accuracies = [stats["accuracy"] for stats in card["per_language"].values()]
    assert card["average"] == pytest.approx(math.fsum(accuracies) / len(accuracies))


def test_group_counts_come_from_the_subtasks_when_the_group_has_none():
    """Results of lm-eval versions before 0.4.13 give a group no sample_len."""
    old, new = global_mmlu_results(sample_len=False), global_mmlu_results()
    assert "sample_len" not in old["results"]["global_mmlu_de"]
    (old_card,), (new_card,) = lm_eval_scorecards(old), lm_eval_scorecards(new)
    assert old_card["per_language"] == new_card["per_language"]


def test_other_groups_and_subtasks_are_not_languages():
    results = global_mmlu_results()
    # global_mmlu_full_<code> is the full Global-MMLU, not the Lite benchmark; a subject alone is no language.
    results["results"]["global_mmlu_full_de"] = {"acc,none": 0.9, "sample_len": 5}
    (card,) = lm_eval_scorecards(results)
    assert set(card["per_language"]) == set(GLOBAL_MMLU_LITE_LANGUAGES)


def test_a_group_without_accuracy_names_the_file_and_group():
    results = global_mmlu_results()
    del results["results"]["global_mmlu_ja"]["acc,none"]
    with pytest.raises(ValueError, match=r"results_x\.json: global_mmlu_ja has no 'acc,none'"):
        lm_eval_scorecards(results, "results_x.json")


def test_mgsm_takes_the_seen_languages_it_is_given():
    results = {"results": {f"lrpo_mgsm_{code}": {"accuracy,none": 0.1 * (i + 1), "fidelity,none": 1.0}
                           for i, code in enumerate(sorted(SEEN_LANGUAGES + UNSEEN_LANGUAGES))},
               "n-samples": {f"lrpo_mgsm_{code}": {"original": 250, "effective": 250}
                             for code in SEEN_LANGUAGES + UNSEEN_LANGUAGES},
               "config": {"model_args": {"pretrained": MODEL}}}
    (unknown,) = lm_eval_scorecards(results)
    assert unknown["seen_average"] is None and "seen_languages" not in unknown  # as before: not known
    (card,) = lm_eval_scorecards(results, seen_languages=PAPER_LANGUAGES)
    assert set(card["seen_languages"]) == set(SEEN_LANGUAGES) and set(card["unseen_languages"]) == set(
        UNSEEN_LANGUAGES)
    paper = benchmark_average("mgsm_v2", 100 * card["seen_average"], 100 * card["unseen_average"])
    assert 100 * card["average"] == pytest.approx(paper, abs=1e-9)


# The command line


def test_import_writes_scorecards_and_leaderboard_rows_with_the_split(tmp_path, capsys):
    results = write_results(tmp_path / "lm-eval", {**global_mmlu_results(), **{
        key: {**global_mmlu_results()[key], **include_results()[key]}
        for key in ("results", "groups", "group_subtasks", "n-samples")}})
    scorecards, boards = tmp_path / "benchmarks", tmp_path / "boards"
    assert leaderboard_main(["import-lm-eval", str(results), "--scorecard-dir", str(scorecards),
                             "--no-leaderboard", "--method", "grpo"]) == 0
    assert not boards.exists()
    written = {task: json.loads(scorecard_path(scorecards, task, "test").read_text(encoding="utf-8"))
               for task in ("global_mmlu_lite", "include_base_44")}
    assert written["global_mmlu_lite"]["method"] == "grpo"
    assert "include-lite-44" in written["include_base_44"]["benchmark_data"]
    assert leaderboard_main(["import-lm-eval", str(results), "--dir", str(boards), "--model-label", "qwen"]) == 0
    rows = read_rows(boards / "include_base_44.csv")
    assert len(rows) == 44 and {row["model"] for row in rows} == {"qwen"}
    assert {row["language"] for row in rows if row["seen"]} == TRAINING_LANGUAGES
    assert {row["language"] for row in rows if row["seen"] is False} == (set(INCLUDE_LANGUAGES.values())
                                                                           - TRAINING_LANGUAGES)
    assert len(read_rows(boards / "global_mmlu_lite.csv")) == 15
    # Again: nothing new.
    assert leaderboard_main(["import-lm-eval", str(results), "--dir", str(boards)]) == 0
    assert "already on the leaderboard" in capsys.readouterr().out
    assert len(read_rows(boards / "include_base_44.csv")) == 44


def test_import_labels_the_mgsm_data_and_refuses_an_empty_directory(tmp_path):
    results = {"results": {"lrpo_mgsm_de": {"accuracy,none": 0.5}, "lrpo_mgsm_sw": {"accuracy,none": 0.25}},
               "n-samples": {"lrpo_mgsm_de": {"effective": 4}, "lrpo_mgsm_sw": {"effective": 4}},
               "config": {"model_args": f"pretrained={MODEL}"}}
    directory = write_results(tmp_path / "mgsm", results)
    (path,) = write_lm_eval_scorecards(directory, tmp_path / "out", seen_languages=PAPER_LANGUAGES,
                                       data_label="mGSM-v2 (/data/mgsm-v2)")
    card = json.loads(path.read_text(encoding="utf-8"))
    assert path == tmp_path / "out" / "mgsm" / "scorecard.json"
    assert (card["benchmark_data"], card["seen_languages"], card["unseen_average"]) == (
        "mGSM-v2 (/data/mgsm-v2)", ["de"], 0.25)
    with pytest.raises(FileNotFoundError, match="no lm-eval results"):
        write_lm_eval_scorecards(tmp_path / "nothing", tmp_path / "out")
    with pytest.raises(SystemExit, match="--no-leaderboard writes nothing"):
        leaderboard_main(["import-lm-eval", str(directory), "--no-leaderboard"])


# Against the installed lm-eval


def test_the_group_tables_are_lm_evals_installed_task_names():
    lm_eval = pytest.importorskip("lm_eval")
    tasks = Path(lm_eval.__file__).parent / "tasks"
    assert {path.name for path in (tasks / "global_mmlu" / "default").iterdir() if path.is_dir()} == set(
        GLOBAL_MMLU_LITE_LANGUAGES)
    groups = {line.split(":", 1)[1].strip() for path in (tasks / "include" / "default").glob("*/_*.yaml")
              for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("group:")}
    assert groups == {f"include_base_44_{name}" for name in INCLUDE_LANGUAGES}


TEMPLATE = """\
    dataset_path: json
    test_split: test
    output_type: multiple_choice
    doc_to_text: "{{question}}\\nA. {{option_a}}\\nB. {{option_b}}\\nC. {{option_c}}\\nD. {{option_d}}\\nAnswer:"
    doc_to_choice: ["A", "B", "C", "D"]
    doc_to_target: answer
    metric_list:
      - metric: acc
        aggregation: mean
        higher_is_better: true
    metadata:
      version: 0.0
"""


def test_results_written_by_lm_eval_itself_import_alike(tmp_path):
    """A group shaped like global_mmlu_de (two subjects of 6 and 3 questions, the group's acc
    weighted by size), scored by lm-eval with a model that always answers A."""
    lm_eval = pytest.importorskip("lm_eval")
    from lm_eval.api.model import LM
    from lm_eval.tasks import TaskManager
    from lm_eval.utils import handle_non_serializable

    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "_template.yaml").write_text(textwrap.dedent(TEMPLATE), encoding="utf-8")
    answers = {"stem": "ABCDAB", "other": "AAA"}  # always A: 2 of 6 and 3 of 3 right
    for subject, golds in answers.items():
        data = tmp_path / f"{subject}.jsonl"
        data.write_text("\n".join(json.dumps({"question": f"q{i}", "option_a": "a", "option_b": "b",
                                              "option_c": "c", "option_d": "d", "answer": gold})
                                  for i, gold in enumerate(golds)), encoding="utf-8")
        (tasks / f"{subject}.yaml").write_text(
            f"include: _template.yaml\ntask: global_mmlu_de_{subject}\n"
            f"dataset_kwargs:\n  data_files:\n    test: {data}\n", encoding="utf-8")
    (tasks / "group.yaml").write_text(
        "group: global_mmlu_de\ntask:\n  - global_mmlu_de_stem\n  - global_mmlu_de_other\n"
        "aggregate_metric_list:\n  - metric: acc\n    weight_by_size: true\nmetadata:\n  version: 0.0\n",
        encoding="utf-8")

    class AlwaysA(LM):
        def loglikelihood(self, requests, disable_tqdm=False):
            return [(0.0 if request.args[1].strip() == "A" else -1.0, False) for request in requests]

        def loglikelihood_rolling(self, requests, disable_tqdm=False):
            raise NotImplementedError

        def generate_until(self, requests, disable_tqdm=False):
            raise NotImplementedError

    manager = TaskManager(include_path=str(tasks), include_defaults=False)
    results = lm_eval.simple_evaluate(model=AlwaysA(), tasks=["global_mmlu_de"], task_manager=manager)
    results.pop("samples", None)
    directory = write_results(tmp_path / "out", json.loads(json.dumps(results, default=handle_non_serializable)))
    (path,) = write_lm_eval_scorecards(directory, tmp_path / "cards")
    card = json.loads(path.read_text(encoding="utf-8"))
    assert card["per_language"]["de"]["accuracy"] == pytest.approx(5 / 9)
    assert card["per_language"]["de"]["n"] == 9
    assert card["seen_languages"] == ["de"] and card["unseen_average"] is None


def test_a_results_file_that_is_not_lm_evals_is_named_in_one_line(tmp_path, capsys):
    """Bad input to import-lm-eval: the file is named, the command exits 2 without a traceback."""
    bad = {"garbage": "{not json", "list": "[1, 2]", "shape": '{"results": {"lrpo_mgsm_de": 3}}'}
    for name, text in bad.items():
        directory = tmp_path / name
        directory.mkdir()
        (directory / "results_2026.json").write_text(text)
        assert leaderboard_main(["import-lm-eval", str(directory), "--dir", str(tmp_path / "boards")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and str(directory / "results_2026.json") in err, (name, err)
