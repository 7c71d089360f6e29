"""The LLM judge against a local OpenAI-compatible server started by the test: ratings and
labels parsed, a malformed judgment, a timeout and a 500 retried, a cache that makes a
rerun free, and a normal scorecard out of it."""

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lrpo.data.endpoint import ChatEndpoint, MalformedAnswer
from lrpo.evaluation.judge import (
    CORRECT,
    INCORRECT,
    WRONG_LANGUAGE,
    judge_samples,
    judged_scorecard,
    parse_care_pro_label,
    parse_care_rating,
)
from lrpo.judge import main

FIXTURES = Path(__file__).parent / "fixtures" / "open_ended"
EVAL_FILE = FIXTURES / "open_ended" / "test.jsonl"


class FakeChatServer:
    """A chat-completions server on 127.0.0.1. ``script(prompt, n)`` gets the last user
    message and how many times that prompt was asked before, and returns the answer
    text, or ("status", code), or ("sleep", seconds, text). Requests are counted per prompt."""

    def __init__(self, script):
        self.script = script
        self.seen = Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"]
                with server.lock:
                    n = server.seen[prompt]
                    server.seen[prompt] += 1
                action = server.script(prompt, n)
                if isinstance(action, tuple) and action[0] == "status":
                    self._send(action[1], {"error": {"message": "scripted failure", "type": "server_error"}})
                    return
                if isinstance(action, tuple) and action[0] == "sleep":
                    time.sleep(action[1])
                    action = action[2]
                self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": action}}],
                                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _send(self, status, payload):
                data = json.dumps(payload).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout case)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def requests(self) -> int:
        return sum(self.seen.values())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def response_of(prompt: str) -> str:
    """The response under judgment, cut out of either protocol's prompt."""
    found = re.search(r"\[Assistant's response\]\n(.*)$", prompt, re.S) or re.search(
        r"Predicted answer: (.*?)\n\nReply", prompt, re.S)
    return found.group(1).strip()


def care_script(prompt, n):
    """Ratings written into the responses ("R7"); markers script the failures."""
    response = response_of(prompt)
    if "SERVER-ERROR" in response and n == 0:
        return ("status", 500)
    if "SLOW" in response and n == 0:
        return ("sleep", 1.5, "Rating: [[9]]")
    if "MALFORMED" in response and n == 0:
        return "A fine answer, I would say about eight."
    if "HOPELESS" in response:
        return "no rating today"
    rating = re.search(r"R(\d+)", response)
    return f"The response is relevant.\nRating: [[{rating.group(1) if rating else 5}]]"


def write_samples(path: Path, rows) -> Path:
    """samples.jsonl as lrpo.evaluate writes it (the fields the judge reads)."""
    with open(path, "w", encoding="utf-8") as f:
        for id_, lang, response, fidelity in rows:
            f.write(json.dumps({"id": id_, "lang": lang, "response_lang": lang, "response": response,
                                "gold": "ref", "fidelity": fidelity, "correct": False}, ensure_ascii=False) + "\n")
    return path


CARE_ROWS = [("oe-1", "de", "Weißwürste R8", 1.0), ("oe-2", "de", "Blaues Licht R6 SERVER-ERROR", 1.0),
             ("oe-1", "ja", "白ソーセージ R10 SLOW", 1.0), ("oe-2", "ja", "青い光 R4 MALFORMED", 0.0),
             ("oe-3", "zh", "团聚 R2", 1.0)]


def run_judge(tmp_path, server, samples, protocol, out="judged", extra=()):
    return main(["--samples", str(samples), "--eval-file", str(EVAL_FILE), "--protocol", protocol,
                 "--endpoint", server.url, "--judge-model", "judge-m", "--output-dir", str(tmp_path / out),
                 "--cache", str(tmp_path / "cache.jsonl"), "--timeout", "0.5", "--backoff", "0.01",
                 "--seen-languages", "de", "ja", "--quiet", *extra])


def test_care_ratings_retries_cache_and_scorecard(tmp_path):
    samples = write_samples(tmp_path / "samples.jsonl", CARE_ROWS)
    with FakeChatServer(care_script) as server:
        assert run_judge(tmp_path, server, samples, "care") == 0
        # One request each, plus one retry each for the 500, the timeout and the malformed judgment.
        assert server.requests == len(CARE_ROWS) + 3
        card = json.loads((tmp_path / "judged" / "scorecard.json").read_text())
        judged = [json.loads(line) for line in (tmp_path / "judged" / "samples.jsonl").open()]

        assert card["per_language"]["de"]["accuracy"] == pytest.approx((0.8 + 0.6) / 2)
        assert card["per_language"]["ja"]["accuracy"] == pytest.approx((1.0 + 0.4) / 2)
        assert card["per_language"]["zh"]["accuracy"] == pytest.approx(0.2)
        assert card["per_language"]["ja"]["fidelity"] == 0.5
        assert card["seen_languages"] == ["de", "ja"] and card["unseen_languages"] == ["zh"]
        assert card["seen_average"] == pytest.approx((0.7 + 0.7) / 2)
        assert card["worst_language"] == "zh" and card["consistency"] is None
        assert card["metric"] == "judge:care" and card["judge"]["failed"] == 0
        assert card["judge"]["model"] == "judge-m" and card["judge"]["requests"] == server.requests
        low, high = card["ci95"]["per_language"]["de"]
        assert 0.6 <= low <= high <= 0.8
        by_key = {(s["id"], s["lang"]): s for s in judged}
        assert by_key[("oe-1", "de")]["judge_raw"].endswith("Rating: [[8]]")
        assert by_key[("oe-2", "ja")]["judge_label"] == 4 and by_key[("oe-2", "ja")]["correct"] is None

        # The rerun is served from the cache: no request, same numbers.
        before = server.requests
        assert run_judge(tmp_path, server, samples, "care", out="again") == 0
        assert server.requests == before
        again = json.loads((tmp_path / "again" / "scorecard.json").read_text())
        assert again["judge"]["requests"] == 0 and again["judge"]["cached"] == len(CARE_ROWS)
        assert again["per_language"] == card["per_language"]


def test_a_sample_the_judge_cannot_score_is_counted_not_zeroed(tmp_path):
    rows = CARE_ROWS[:1] + [("oe-2", "de", "HOPELESS", 1.0)]
    samples = write_samples(tmp_path / "samples.jsonl", rows)
    with FakeChatServer(care_script) as server:
        assert run_judge(tmp_path, server, samples, "care", extra=("--max-attempts", "3")) == 1
        assert server.requests == 1 + 3
    card = json.loads((tmp_path / "judged" / "scorecard.json").read_text())
    assert card["per_language"]["de"] == {"accuracy": pytest.approx(0.8), "fidelity": 1.0, "line_fidelity": None,
                                          "code_switching": None, "response_tokens": None, "n": 1}
    assert card["judge"]["failed"] == 1 and card["judge"]["failures"][0]["id"] == "oe-2"
    assert "malformed" in card["judge"]["failures"][0]["error"]
    judged = [json.loads(line) for line in (tmp_path / "judged" / "samples.jsonl").open()]
    assert judged[1]["judge_score"] is None and judged[1]["judge_raw"] == "no rating today"


def test_care_pro_labels_only_correct_counts(tmp_path):
    answers = {"right": "A", "wrong-lang": "B", "wrong": " c. ", "refused": "NOT_ATTEMPTED"}

    def script(prompt, n):
        return answers[response_of(prompt)]

    rows = [("oe-1", "de", "right", 1.0), ("oe-2", "de", "wrong-lang", 0.0), ("oe-1", "ja", "wrong", 1.0),
            ("oe-2", "ja", "refused", 1.0), ("oe-4", "es", "right", 1.0)]
    samples = write_samples(tmp_path / "samples.jsonl", rows)
    with FakeChatServer(script) as server:
        assert run_judge(tmp_path, server, samples, "care_pro") == 0
    card = json.loads((tmp_path / "judged" / "scorecard.json").read_text())
    assert {lang: s["accuracy"] for lang, s in card["per_language"].items()} == {"de": 0.5, "ja": 0.0, "es": 1.0}
    judged = [json.loads(line) for line in (tmp_path / "judged" / "samples.jsonl").open()]
    assert [s["judge_label"] for s in judged] == [CORRECT, WRONG_LANGUAGE, INCORRECT, "NOT_ATTEMPTED", CORRECT]
    assert [s["correct"] for s in judged] == [True, False, False, False, True]
    # Consistency needs items present in every language; es holds only oe-4.
    assert card["consistency"] is None and card["consistency_items"] == 0


def test_concurrency_is_bounded(tmp_path):
    in_flight, peak, lock = [0], [0], threading.Lock()

    def script(prompt, n):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return "Rating: [[5]]"

    with FakeChatServer(script) as server:
        endpoint = ChatEndpoint(server.url, "m", concurrency=2, timeout_s=5)
        answers = endpoint.ask_many([[{"role": "user", "content": f"q{i}"}] for i in range(8)], parse_care_rating)
    assert [a.value for a in answers] == [(5, 0.5)] * 8
    assert peak[0] == 2


def test_a_client_error_is_not_retried():
    with FakeChatServer(lambda prompt, n: ("status", 404)) as server:
        answer = ChatEndpoint(server.url, "m", max_attempts=4, backoff_s=0).ask(
            [{"role": "user", "content": "q"}], parse_care_rating)
        assert server.requests == 1
    assert answer.value is None and "NotFound" in answer.error


def test_judge_needs_the_question_of_every_sample():
    endpoint = ChatEndpoint("http://127.0.0.1:9/v1", "m")
    with pytest.raises(ValueError, match="no question for sample 'x'"):
        judge_samples([{"id": "x", "lang": "de", "response": "r", "gold": "g"}], {}, endpoint, "care")
    with pytest.raises(ValueError, match="scored none"):
        judged_scorecard([{"id": "x", "lang": "de", "judge_error": "boom"}], task="t", split="s", model="m")


@pytest.mark.parametrize("text, rating", [("Rating: [[7]]", 7), ("[[3]] then Rating: [[10]]", 10),
                                          ("Rating: [[ 1 ]]", 1)])
def test_care_rating_parse(text, rating):
    assert parse_care_rating(text) == (rating, rating / 10)


@pytest.mark.parametrize("text", ["Rating: 7", "Rating: [[0]]", "Rating: [[11]]", "Rating: [[7.5]]", ""])
def test_care_rating_malformed(text):
    with pytest.raises(MalformedAnswer):
        parse_care_rating(text)


@pytest.mark.parametrize("text, label", [("A", CORRECT), ("b", WRONG_LANGUAGE), ("C.", INCORRECT),
                                         ("INCORRECT", INCORRECT), ("Not attempted", "NOT_ATTEMPTED"),
                                         ("A. CORRECT", CORRECT), ("**D**", "NOT_ATTEMPTED")])
def test_care_pro_label_parse(text, label):
    assert parse_care_pro_label(text)[0] == label


@pytest.mark.parametrize("text", ["E", "A or B", "CORRECT INCORRECT", "The answer is correct", "B. CORRECT"])
def test_care_pro_label_malformed(text):
    with pytest.raises(MalformedAnswer):
        parse_care_pro_label(text)
