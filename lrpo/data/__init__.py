"""Open-ended data: the record schema, converters from the paper's datasets, LLM labels.

- ``schema``: the JSONL record ``{"id", "lang", "question", "reference", "topic",
  "region"}`` (+ ``history``, ``source``), its checks (errors name file:line and
  field) and the metadata file written beside every data file.
- ``converters``: HelpSteer3 (multilingual preference subset), CARE, CARE-pro ->
  records (``python -m lrpo.data prepare NAME --out DIR``).
- ``labeller``: topic and region labels from an OpenAI-compatible chat endpoint
  (``python -m lrpo.data label --endpoint URL --model NAME IN OUT``).
- ``endpoint``: the chat client both the labeller and the LLM judge use (bounded
  concurrency, retries with backoff, an answer cache).
- ``countries``: the region names a labeller may give.

The task that reads these records is ``lrpo.tasks.open_ended`` (``get_task("open_ended")``).
"""
