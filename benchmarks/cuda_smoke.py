"""The CUDA path of training and evaluation, on a tiny random model (for a GPU machine).

Three LRPO steps with bf16 and a KL reference model on the GPU, then a greedy
evaluation on the GPU; prints where the model, the reference model and the
generations live, their dtypes, the step times and the router's state. Offline:
the arith task needs no data files.

    python benchmarks/cuda_smoke.py [--cpu]     # --cpu: the same run without a GPU
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from lrpo.evaluation.evaluator import evaluate  # noqa: E402
from lrpo.evaluation.generation import HFGenerator  # noqa: E402
from lrpo.tasks import get_task  # noqa: E402
from lrpo.training.config import LRPOConfig  # noqa: E402
from lrpo.training.trainer import LRPOTrainer  # noqa: E402
from lrpo.training.trl_reward import TaskReward  # noqa: E402
from tests.tiny_model import build_random_tiny_model  # noqa: E402

LANGUAGES = ["de", "en", "ja", "zh"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", action="store_true")
    args = parser.parse_args()
    cuda = not args.cpu
    if cuda and not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible; use --cpu")
    print(f"torch {torch.__version__}, cuda available: {torch.cuda.is_available()}"
          + (f", device: {torch.cuda.get_device_name(0)}" if cuda else ""))

    work = Path(tempfile.mkdtemp(prefix="cuda_smoke_"))
    task = get_task("arith")
    examples = task.load("train", LANGUAGES, limit=40)
    corpus = [task.prompt(ex, lang)[0]["content"] for ex in examples for lang in LANGUAGES]
    model_dir = build_random_tiny_model(work / "model", corpus)

    config = LRPOConfig(
        output_dir=str(work / "run"), task="arith", train_languages=LANGUAGES, train_limit=8, method="lrpo",
        num_generations=4, k_on=1, per_device_train_batch_size=16, max_completion_length=16, max_steps=3,
        learning_rate=1e-4, beta=0.01, bf16=cuda, use_cpu=not cuda, report_to="none", logging_steps=1,
        save_strategy="no", router_update_every=1, seed=0, disable_tqdm=True,
    )
    trainer = LRPOTrainer.from_config(config, str(model_dir),
                                      reward_funcs=[TaskReward(task, candidates=LANGUAGES)])
    started = time.perf_counter()
    trainer.train()
    elapsed = time.perf_counter() - started
    parameter = next(trainer.model.parameters())
    reference = next(trainer.ref_model.parameters()) if trainer.ref_model is not None else None
    print(f"trained {trainer.state.global_step} steps in {elapsed:.2f} s; "
          f"step times {[round(e['step_time'], 3) for e in trainer.state.log_history if 'step_time' in e]}")
    print(f"policy parameters on {parameter.device} ({parameter.dtype}); mixed precision bf16: {config.bf16}")
    if reference is not None:
        print(f"reference model on {reference.device} ({reference.dtype}); "
              f"kl logged: {[round(e['kl'], 5) for e in trainer.state.log_history if 'kl' in e]}")
    print(f"router step {trainer.router.step}, probs {trainer.router.probs(('topic:two-step',))}")

    trainer.save_model(str(work / "run"))
    generator = HFGenerator(str(work / "run"), batch_size=8, max_new_tokens=16, device="cuda" if cuda else "cpu",
                            dtype=torch.bfloat16 if cuda else None)
    card = evaluate("arith", generator, langs=LANGUAGES, limit=4, progress=False)
    weights = next(generator.model.parameters())
    print(f"evaluation generated on {weights.device} ({weights.dtype}): average {card['average']:.3f}, "
          f"fidelity {card['fidelity_average']:.3f}, {card['generation_seconds']} s generation")
    print("cuda smoke check: OK")


if __name__ == "__main__":
    main()
