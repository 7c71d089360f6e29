"""The leaderboard: appends, the rendered Markdown, finding runs, concurrent
appends from two processes, and corrupt files."""

import csv
import subprocess
import sys
import textwrap
import time

import pytest

from lrpo.evaluation.leaderboard import (
    COLUMNS,
    append_scorecard,
    csv_path,
    find_runs,
    markdown_path,
    migrate,
    read_rows,
)
from lrpo.evaluation.leaderboard_markdown import render_markdown
from lrpo.evaluation.scorecard import build_scorecard
from lrpo.leaderboard import main
from tests.conftest import REPO_ROOT


def scorecard(accuracy: dict[str, float], method: str | None = "grpo", seed: int = 0, model: str = "tiny",
              n: int = 20) -> dict:
    """A real scorecard whose languages have the given accuracies over ``n`` items."""
    samples = [{"id": f"q{i}", "lang": lang, "correct": i < round(rate * n), "fidelity": 1.0}
               for lang, rate in accuracy.items() for i in range(n)]
    card = build_scorecard(samples, task="mgsm", split="test", model=model, method=method, seed=seed,
                           seen_languages=["de", "en"], n_resamples=10)
    return {**card, "commit": "abc123", "created": "2026-01-02T03:04:05+0000", "response_lang": "same",
            "cue": "instruction"}


def table_rows(markdown: str) -> dict[str, list[str]]:
    """The Markdown table's rows by 'method model', cells stripped."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("| method") and not line.startswith("| ---"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[f"{cells[0]} {cells[1]}"] = cells
    return rows


def test_append_writes_one_row_per_language_and_renders_means_with_the_best_in_bold(tmp_path):
    append_scorecard(scorecard({"de": 0.4, "en": 0.6, "sw": 0.1}, seed=0), tmp_path, rollout_budget=8)
    append_scorecard(scorecard({"de": 0.6, "en": 0.6, "sw": 0.3}, seed=1), tmp_path, rollout_budget=8)
    path = append_scorecard(scorecard({"de": 0.7, "en": 0.5, "sw": 0.2}, method="lrpo"), tmp_path,
                            rollout_budget=8, run_id="lrpo-seed0")
    append_scorecard(scorecard({"de": 0.1, "en": 0.3, "sw": 0.0}, method=None, model="tiny-instruct"), tmp_path)
    assert path == csv_path("mgsm", tmp_path)

    with path.open(newline="") as f:
        raw = list(csv.reader(f))
    assert tuple(raw[0]) == COLUMNS
    rows = read_rows(path)
    assert len(rows) == 12
    lrpo = [row for row in rows if row["run_id"] == "lrpo-seed0"]
    assert [(r["language"], r["accuracy"], r["seen"]) for r in lrpo] == [("de", 0.7, True), ("en", 0.5, True),
                                                                          ("sw", 0.2, False)]
    assert lrpo[0]["n"] == 20 and lrpo[0]["rollout_budget"] == 8 and lrpo[0]["commit"] == "abc123"
    assert lrpo[0]["date"] == "2026-01-02" and lrpo[0]["split"] == "test" and lrpo[0]["fidelity"] == 1.0

    markdown = markdown_path("mgsm", tmp_path).read_text()
    header = next(line for line in markdown.splitlines() if line.startswith("| method"))
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "method", "model", "rollout_budget", "n", "runs", "seeds", "de", "en", "sw", "avg", "seen", "unseen",
        "fidelity"]
    table = table_rows(markdown)
    # GRPO: two seeds averaged (per-run averages 36.7 and 50.0); ties are all bold.
    assert table["grpo tiny"] == ["grpo", "tiny", "8", "20", "2", "2", "50.0", "**60.0**", "**20.0**", "43.3",
                                  "55.0", "**20.0**", "**100.0**"]
    assert table["lrpo tiny"] == ["lrpo", "tiny", "8", "20", "1", "1", "**70.0**", "50.0", "**20.0**", "**46.7**",
                                  "**60.0**", "**20.0**", "**100.0**"]
    assert table["base tiny-instruct"][2:10] == ["-", "20", "1", "1", "10.0", "30.0", "0.0", "13.3"]
    # Sorted best average first.
    assert list(table) == ["lrpo tiny", "grpo tiny", "base tiny-instruct"]


def test_find_runs_filters_by_model_method_seed_and_budget(tmp_path):
    append_scorecard(scorecard({"de": 0.4, "en": 0.6}, seed=0), tmp_path, rollout_budget=8, run_id="g0")
    append_scorecard(scorecard({"de": 0.4, "en": 0.6}, seed=1), tmp_path, rollout_budget=8, run_id="g1")
    append_scorecard(scorecard({"de": 0.4, "en": 0.6}, seed=1), tmp_path, rollout_budget=16, run_id="g1-16")
    append_scorecard(scorecard({"de": 0.5, "en": 0.6}, method="lrpo", seed=1), tmp_path, rollout_budget=8)
    found = find_runs("mgsm", model="tiny", method="grpo", seed=1, rollout_budget=8, leaderboard_dir=tmp_path)
    assert {row["run_id"] for row in found} == {"g1"} and len(found) == 2
    assert {row["run_id"] for row in find_runs("mgsm", method="grpo", leaderboard_dir=tmp_path)} == {
        "g0", "g1", "g1-16"}
    assert find_runs("mgsm", model="other", leaderboard_dir=tmp_path) == []
    assert find_runs("xcopa", leaderboard_dir=tmp_path) == []


def test_a_run_id_cannot_be_appended_twice(tmp_path):
    card = scorecard({"de": 0.5})
    append_scorecard(card, tmp_path, run_id="once")
    with pytest.raises(ValueError, match="'once' is already on the leaderboard"):
        append_scorecard(card, tmp_path, run_id="once")
    assert len(read_rows(csv_path("mgsm", tmp_path))) == 1
    # A caller re-recording runs under ids derived from what they are asks to skip those already there.
    assert append_scorecard(card, tmp_path, run_id="once", skip_existing=True) is None
    assert append_scorecard(card, tmp_path, run_id="twice", skip_existing=True) == csv_path("mgsm", tmp_path)
    assert [row["run_id"] for row in read_rows(csv_path("mgsm", tmp_path))] == ["once", "twice"]


CONCURRENT_APPENDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from lrpo.evaluation.leaderboard import append_scorecard
    directory, name, count, go = sys.argv[2], sys.argv[3], int(sys.argv[4]), Path(sys.argv[5])
    while not go.exists():
        time.sleep(0.005)
    for i in range(count):
        card = {"task": "mgsm", "split": "test", "model": "tiny", "method": name, "seed": i,
                "per_language": {"de": {"accuracy": 0.5, "fidelity": 1.0, "n": 4},
                                 "en": {"accuracy": 0.25, "fidelity": 1.0, "n": 4}},
                "seen_languages": ["de"], "commit": "c", "created": "2026-01-01", "response_lang": "same",
                "cue": "instruction"}
        append_scorecard(card, directory, run_id=f"{name}-{i}")
""")


def test_two_processes_appending_at_once_lose_no_row(tmp_path):
    count = 40
    go = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, "-c", CONCURRENT_APPENDER, str(REPO_ROOT), str(tmp_path / "lb"),
                                   name, str(count), str(go)], stderr=subprocess.PIPE, text=True)
                 for name in ("first", "second")]
    time.sleep(1.0)  # let both import, so that they start appending together
    go.touch()
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    rows = read_rows(csv_path("mgsm", tmp_path / "lb"))
    assert len(rows) == 2 * 2 * count
    assert {row["run_id"] for row in rows} == {f"{name}-{i}" for name in ("first", "second") for i in range(count)}
    table = table_rows(markdown_path("mgsm", tmp_path / "lb").read_text())
    assert table["first tiny"][4] == table["second tiny"][4] == str(count)  # runs
    assert not list((tmp_path / "lb").glob("*.tmp"))


def write_csv(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


HEADER = ",".join(COLUMNS)
GOOD_ROW = "r1,mgsm,tiny,grpo,0,8,de,0.5,1.0,20,abc,2026-01-01,test,1,same,instruction,,,,"


@pytest.mark.parametrize("text, message", [
    ("model,score\ntiny,0.5\n", r"mgsm\.csv:1: not a leaderboard header"),
    (f"{HEADER}\n{GOOD_ROW}\nr2,mgsm,tiny,grpo,0,8,en,high,1.0,20,abc,2026-01-01,test,1,same,instruction,,,,\n",
     r"mgsm\.csv:3: column 'accuracy' must be a number"),
    (f"{HEADER}\n{GOOD_ROW}\nr2,mgsm,tiny,grpo,0,8,en,1.5,1.0,20,abc,2026-01-01,test,1,same,instruction,,,,\n",
     r"mgsm\.csv:3: column 'accuracy' must be a number in \[0, 1\]"),
    (f"{HEADER}\nr2,mgsm,tiny,grpo,0,8,en,0.5\n", r"mgsm\.csv:2: expected 20 fields, got 8"),
    (f"{HEADER}\nr2,mgsm,tiny,grpo,zero,8,en,0.5,1.0,20,abc,2026-01-01,test,1,same,instruction,,,,\n",
     r"mgsm\.csv:2: column 'seed' must be an integer"),
    (f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW}\n", r"mgsm\.csv:3: run 'r1' lists language 'de' twice"),
    (f'{HEADER}\n"r1,mgsm\n', r"mgsm\.csv:\d+: "),
])
def test_a_corrupt_csv_is_an_error_naming_the_file_and_line(tmp_path, text, message):
    path = write_csv(csv_path("mgsm", tmp_path), text)
    with pytest.raises(ValueError, match=message):
        read_rows(path)
    # Appending onto it fails the same way and leaves it as it was.
    with pytest.raises(ValueError, match=message):
        append_scorecard(scorecard({"de": 0.5}), tmp_path)
    assert path.read_text() == text


def test_cli_renders_the_markdown_from_the_csv_and_appends_a_scorecard_file(tmp_path, capsys):
    path = write_csv(csv_path("mgsm", tmp_path), f"{HEADER}\n{GOOD_ROW}\n")
    assert main(["render", "mgsm", "--dir", str(tmp_path)]) == 0
    markdown = markdown_path("mgsm", tmp_path).read_text()
    assert markdown == render_markdown("mgsm", read_rows(path))
    assert "| grpo | tiny | 8 | 20 | 1 | 1 | 50.0 |" in markdown

    card_file = tmp_path / "scorecard.json"
    card_file.write_text(__import__("json").dumps(scorecard({"de": 0.25}, method="lrpo")))
    assert main(["append", str(card_file), "--dir", str(tmp_path), "--rollout-budget", "8",
                 "--model-label", "Tiny"]) == 0
    assert [row["model"] for row in read_rows(path)] == ["tiny", "Tiny"]
    assert str(path) in capsys.readouterr().out
    assert main(["render", "xcopa", "--dir", str(tmp_path)]) == 2  # one line, no traceback
    assert "no leaderboard for task 'xcopa'" in capsys.readouterr().err


# Issue 14, items 1, 2, 4 and 12: results that do not mix


def test_runs_scored_on_different_numbers_of_questions_or_prompts_are_separate_rows(tmp_path):
    append_scorecard(scorecard({"de": 0.5, "en": 0.5}, seed=0, n=50), tmp_path, rollout_budget=320)
    append_scorecard(scorecard({"de": 0.6, "en": 0.6}, seed=1, n=50), tmp_path, rollout_budget=320)
    append_scorecard(scorecard({"de": 0.9, "en": 0.9}, seed=0, n=20), tmp_path, rollout_budget=320)  # a quick run
    append_scorecard({**scorecard({"de": 0.1, "en": 0.1}, seed=0, n=50), "cue": "tag"}, tmp_path,
                     rollout_budget=320)
    markdown = markdown_path("mgsm", tmp_path).read_text()
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines()
             if line.startswith("| grpo")]
    # method, model, response/cue, rollout_budget, n, runs, seeds, de, ...
    assert sorted(row[2:9] for row in cells) == [
        ["same/instruction", "320", "20", "1", "1", "**90.0**", "**90.0**"],
        ["same/instruction", "320", "50", "2", "2", "55.0", "55.0"],
        ["same/tag", "320", "50", "1", "1", "10.0", "10.0"]]


def test_the_same_run_is_recorded_once_and_seeds_count_distinct_seeds(tmp_path):
    card = scorecard({"de": 0.5, "en": 0.5}, seed=0)
    assert append_scorecard(card, tmp_path, rollout_budget=8, config_hash="a" * 64) == csv_path("mgsm", tmp_path)
    # The same command again: same configuration hash, same run, nothing appended.
    assert append_scorecard(card, tmp_path, rollout_budget=8, config_hash="a" * 64) is None
    assert len(read_rows(csv_path("mgsm", tmp_path))) == 2
    assert {row["config_hash"] for row in read_rows(csv_path("mgsm", tmp_path))} == {"a" * 64}
    # Another configuration with the same seed is another run; the table says 2 runs of 1 seed.
    append_scorecard(card, tmp_path, rollout_budget=8, config_hash="b" * 64)
    table = table_rows(markdown_path("mgsm", tmp_path).read_text())
    assert table["grpo tiny"][3:6] == ["20", "2", "1"]


def test_a_previous_schema_csv_is_migrated_keeping_every_value(tmp_path):
    from lrpo.evaluation.leaderboard import PREVIOUS_COLUMNS

    old_row = "r1,mgsm,tiny,grpo,0,320,de,0.55,1.0,20,abc,2026-01-01,test,1"
    path = write_csv(csv_path("mgsm", tmp_path), ",".join(PREVIOUS_COLUMNS) + f"\n{old_row}\n")
    with pytest.raises(ValueError, match="previous schema.*python -m lrpo.leaderboard migrate"):
        read_rows(path)
    assert main(["migrate", str(path), "--response-lang", "same", "--cue", "instruction"]) == 0
    assert path.read_text().splitlines() == [HEADER, old_row + ",same,instruction,,,,"]
    assert markdown_path("mgsm", tmp_path).is_file()
    with pytest.raises(ValueError, match="not a leaderboard of the previous schema"):
        migrate(path, "same", "instruction")
    assert main(["migrate", str(path), "--response-lang", "same", "--cue", "instruction"]) == 2


def test_the_committed_leaderboard_reads_under_the_current_schema():
    rows = read_rows(REPO_ROOT / "leaderboards" / "arith.csv")
    assert rows and {(row["response_lang"], row["cue"]) for row in rows} == {("same", "instruction")}
    assert render_markdown("arith", rows) == (REPO_ROOT / "leaderboards" / "arith.md").read_text()


def test_rollout_budget_has_one_meaning_in_the_csv_and_on_the_command_line(capsys):
    from lrpo.leaderboard import build_parser

    for command in ("append", "import-lm-eval"):
        with pytest.raises(SystemExit):
            build_parser().parse_args([command, "--help"])
        assert "rollouts generated in training, in total" in " ".join(capsys.readouterr().out.split())
    assert "(K)" not in build_parser().format_help()


def test_user_runs_and_committed_results_go_to_different_directories():
    import dataclasses

    from lrpo.evaluation.leaderboard import DEFAULT_DIR, USER_DIR
    from lrpo.leaderboard import build_parser
    from lrpo.training.config import LRPOConfig

    field = {f.name: f for f in dataclasses.fields(LRPOConfig)}["leaderboard_dir"]
    assert field.default == USER_DIR != DEFAULT_DIR
    assert build_parser().parse_args(["append", "x.json"]).dir == USER_DIR
    ignored = subprocess.run(["git", "-C", str(REPO_ROOT), "check-ignore", "-q", f"{USER_DIR}/arith.csv"])
    assert ignored.returncode == 0, f"{USER_DIR} must be git-ignored"


def test_an_append_keeps_the_file_mode(tmp_path):
    append_scorecard(scorecard({"de": 0.5}), tmp_path, run_id="first")
    for path in (csv_path("mgsm", tmp_path), markdown_path("mgsm", tmp_path)):
        path.chmod(0o640)
    append_scorecard(scorecard({"de": 0.5}), tmp_path, run_id="second")
    assert csv_path("mgsm", tmp_path).stat().st_mode & 0o777 == 0o640
    assert markdown_path("mgsm", tmp_path).stat().st_mode & 0o777 == 0o640
