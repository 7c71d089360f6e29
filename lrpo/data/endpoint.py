"""Asking an OpenAI-compatible chat endpoint many prompts: the labeller's and the judge's client.

Works with any server that speaks the chat-completions API (``vllm serve MODEL``,
a hosted API) through the ``openai`` client. What both callers need:

- bounded concurrency (``concurrency`` requests in flight, threads);
- retries with exponential backoff (``backoff_s`` × 2^(attempt − 1)) on timeouts,
  connection errors, 429 and 5xx answers, and on answers the caller's ``parse``
  rejects (a malformed judgment or label). A malformed answer is re-asked at
  ``retry_temperature`` (a greedy server would repeat itself at temperature 0).
  Other HTTP errors (400, 401, 404: a wrong model name or key) fail at once;
- a cache of accepted answers keyed by (model, messages, sampling settings), a
  JSONL file appended as answers arrive, so a rerun (or a resumed run) makes no
  request for what it already has. Rejected answers are not cached.

Failures do not raise: each prompt gets an ``Answer`` whose ``error`` says what
went wrong after the last attempt, with the last raw text kept. The one exception is
an endpoint that fails as a whole (down, refusing the model name or the key, or not
a chat-completions server, e.g. a proxy's HTML page): ``ask_many`` asks the first
prompt that needs a request alone and raises ``EndpointError`` when it fails so,
before the others are sent, rather than failing every prompt after its retries and
backoff (hours for a few thousand prompts).

Kept in ``lrpo.data`` because the labeller is its first user; the judge
(``lrpo.evaluation.judge``) imports it from here.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Messages = Sequence[dict[str, str]]


class MalformedAnswer(ValueError):
    """Raised by a ``parse`` function for an answer that does not follow the requested format."""


class NotAChatCompletion(RuntimeError):
    """The server answered, but not with a chat completion (an HTML page, an empty ``choices``)."""


class EndpointError(RuntimeError):
    """The endpoint failed as a whole on the first prompt asked (see the module docstring)."""


@dataclass(frozen=True)
class Answer:
    """What became of one prompt: the accepted ``value`` (``parse``'s result), the raw
    ``text`` of the last answer, ``attempts`` (requests made for it; 0 = from the
    cache), ``error`` (None on success), and ``endpoint_failed``: whether the last
    failure was the endpoint's own (``endpoint_wide``), not this prompt's."""

    value: Any
    text: str | None
    attempts: int
    cached: bool
    error: str | None = None
    endpoint_failed: bool = False


def cache_key(model: str, messages: Messages, temperature: float, max_tokens: int) -> str:
    payload = json.dumps([model, list(messages), temperature, max_tokens], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AnswerCache:
    """Accepted answers by key, persisted as JSON lines (``{"key", "model", "text"}``)
    when ``path`` is given; safe to share between threads."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else None
        self._texts: dict[str, str] = {}
        self._lock = threading.Lock()
        if self.path is not None and self.path.is_file():
            with open(self.path, encoding="utf-8") as f:
                for line in f:
                    try:
                        entry = json.loads(line)
                        self._texts[entry["key"]] = entry["text"]
                    except (json.JSONDecodeError, KeyError, TypeError):
                        continue  # a line cut short by a killed run: that answer is asked again

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._texts.get(key)

    def put(self, key: str, model: str, text: str) -> None:
        with self._lock:
            self._texts[key] = text
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a", encoding="utf-8") as f:
                    f.write(json.dumps({"key": key, "model": model, "text": text}, ensure_ascii=False) + "\n")

    def __len__(self) -> int:
        return len(self._texts)


def _is_transient(error: Exception) -> bool:
    import openai

    if isinstance(error, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return False


def endpoint_wide(error: Exception) -> bool:
    """Whether ``error`` says the endpoint fails whatever the prompt: unreachable or timing
    out, 401/403/404 (key, permission, model name or URL), 408/429/5xx after every attempt,
    or no chat completion at all. A 400 or 422 (e.g. a prompt too long for the model) is
    the prompt's own failure."""
    import openai

    if isinstance(error, (openai.APIConnectionError, NotAChatCompletion)):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (401, 403, 404) or _is_transient(error)
    return False


class ChatEndpoint:
    """An OpenAI-compatible chat endpoint (``base_url``, e.g. ``http://localhost:8000/v1``)
    serving ``model``.

    ``timeout_s``: seconds per request. ``max_attempts`` ≥ 1 requests per prompt.
    ``cache``: an ``AnswerCache``, or a path for one (None: in memory only).
    ``client``: an ``openai.OpenAI`` to use instead of building one (tests).
    """

    def __init__(self, base_url: str, model: str, *, api_key: str | None = None, concurrency: int = 8,
                 max_attempts: int = 4, backoff_s: float = 1.0, timeout_s: float = 60.0, temperature: float = 0.0,
                 retry_temperature: float = 0.7, max_tokens: int = 512, cache=None, client=None):
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        if timeout_s <= 0 or backoff_s < 0:
            raise ValueError(f"timeout_s must be > 0 and backoff_s >= 0, got {timeout_s}, {backoff_s}")
        self.base_url, self.model = base_url, model
        self.concurrency, self.max_attempts, self.backoff_s = concurrency, max_attempts, backoff_s
        self.temperature, self.retry_temperature, self.max_tokens = temperature, retry_temperature, max_tokens
        self.timeout_s = timeout_s
        self.cache = cache if isinstance(cache, AnswerCache) else AnswerCache(cache)
        if client is None:
            import openai

            # Retries are ours (malformed answers need them too), so the client makes none.
            key = api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY"  # vllm serve takes any key
            client = openai.OpenAI(base_url=base_url, api_key=key, timeout=timeout_s, max_retries=0)
        self._client = client
        self._count_lock = threading.Lock()
        self.requests = 0  # requests sent by this object (a rerun served from the cache sends none)

    def describe(self) -> dict:
        """What a result file should record about the endpoint."""
        return {"endpoint": self.base_url, "model": self.model, "temperature": self.temperature,
                "max_tokens": self.max_tokens, "max_attempts": self.max_attempts}

    def check_reachable(self) -> None:
        """EndpointError when the server cannot be reached or refuses the key (GET
        ``/models``, which sends no prompt): for a caller with work to do before its first
        prompt (generating the answers to judge). A server without ``/models`` passes."""
        import openai

        try:
            self._client.models.list()
        except (openai.APIConnectionError, openai.AuthenticationError, openai.PermissionDeniedError) as e:
            raise EndpointError(f"the endpoint {self.base_url} cannot be used: {type(e).__name__}: {e}") from None
        except openai.OpenAIError:
            pass  # no /models route (not every compatible server has one): the first prompt will tell

    def _request(self, messages: Messages, temperature: float) -> str:
        with self._count_lock:
            self.requests += 1
        response = self._client.chat.completions.create(model=self.model, messages=list(messages),
                                                        temperature=temperature, max_tokens=self.max_tokens)
        choices = getattr(response, "choices", None)
        if not choices or getattr(choices[0], "message", None) is None:
            # The openai client hands back a non-JSON body as a str: a proxy's page, a wrong URL.
            raise NotAChatCompletion(f"the answer is not a chat completion: {str(response)[:120]!r}; is "
                                     f"{self.base_url} the /v1 URL of an OpenAI-compatible server?")
        return choices[0].message.content or ""

    def ask(self, messages: Messages, parse: Callable[[str], Any]) -> Answer:
        """One prompt: from the cache, else asked until ``parse`` accepts an answer or
        the attempts run out. ``parse`` raises MalformedAnswer (or ValueError) to reject."""
        key = cache_key(self.model, messages, self.temperature, self.max_tokens)
        cached = self.cache.get(key)
        if cached is not None:
            try:
                return Answer(parse(cached), cached, 0, True)
            except ValueError:
                pass  # the parser got stricter since: ask again
        text, error, malformed, failure = None, None, False, None
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                time.sleep(self.backoff_s * 2 ** (attempt - 2))
            temperature = self.retry_temperature if malformed else self.temperature
            try:
                text = self._request(messages, temperature)
            except Exception as e:  # noqa: BLE001 - classified below
                if not _is_transient(e):
                    return Answer(None, text, attempt, False, f"{type(e).__name__}: {e}", endpoint_wide(e))
                error, malformed, failure = f"{type(e).__name__}: {e}", False, e
                continue
            try:
                value = parse(text)
            except ValueError as e:
                error, malformed, failure = f"malformed answer: {e}", True, None
                continue
            self.cache.put(key, self.model, text)
            return Answer(value, text, attempt, False)
        return Answer(None, text, self.max_attempts, False, f"gave up after {self.max_attempts} attempts; {error}",
                      failure is not None and endpoint_wide(failure))

    def ask_many(self, prompts: Sequence[Messages], parse: Callable[[str], Any], progress: bool = False
                 ) -> list[Answer]:
        """``ask`` for every prompt, at most ``concurrency`` at a time; answers in prompt order.

        The prompts up to the first one that needs a request are asked one by one; when
        that one fails because of the endpoint (``Answer.endpoint_failed``), EndpointError
        (naming the endpoint, the model and the error) is raised and no other prompt is sent."""
        answers = []
        for messages in prompts:
            answers.append(self.ask(messages, parse))
            if not answers[-1].cached:
                break
        if answers and answers[-1].endpoint_failed:
            raise EndpointError(f"the endpoint {self.base_url} (model {self.model!r}) failed on the first prompt "
                                f"asked: {answers[-1].error}; nothing else was sent")
        rest = prompts[len(answers):]
        if not rest:
            return answers
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(rest))) as pool:
            futures = [pool.submit(self.ask, messages, parse) for messages in rest]
            if progress:
                from tqdm.auto import tqdm

                for future in tqdm(futures, desc=f"asking {self.model}", unit="prompt", total=len(prompts),
                                   initial=len(answers)):
                    future.result()
            return answers + [future.result() for future in futures]


def add_endpoint_arguments(parser, *, what: str, timeout_s: float) -> None:
    """The command-line options of a ``ChatEndpoint`` besides its URL and model:
    ``--api-key --concurrency --max-attempts --timeout --backoff`` (``what`` names the
    requests in the help, e.g. "judge requests")."""
    parser.add_argument("--api-key", default=None, help="default: $OPENAI_API_KEY, else 'EMPTY' (vllm serve)")
    parser.add_argument("--concurrency", type=int, default=8, help=f"{what} in flight (default 8)")
    parser.add_argument("--max-attempts", type=int, default=4, help="requests per item (default 4)")
    parser.add_argument("--timeout", type=float, default=timeout_s,
                        help=f"seconds per request (default {timeout_s:g})")
    parser.add_argument("--backoff", type=float, default=1.0,
                        help="first retry delay in seconds, doubling (default 1)")
