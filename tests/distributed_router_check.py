"""Run under ``torchrun --nproc_per_node 2``: a few LRPO steps on two CPU processes
(gloo), a group straddling the ranks; each rank writes its router state and the
languages it planned, for tests/test_distributed.py to compare."""

import json
import sys
from pathlib import Path

from lrpo.tasks import get_task
from lrpo.training.config import LRPOConfig
from lrpo.training.trainer import LRPOTrainer
from lrpo.training.trl_reward import TaskReward


def main(model_dir: str, data_dir: str, output_dir: str) -> None:
    # 6 rollouts per rank, K = 4: the global batch of 12 holds 3 groups and the
    # second one (rollouts 4-7) is split 2 + 2 between the ranks.
    config = LRPOConfig(
        output_dir=output_dir, task="mgsm", data_dir=data_dir, train_languages=["de", "en", "ja", "zh"],
        train_limit=6, method="lrpo", num_generations=4, k_on=1, per_device_train_batch_size=6,
        max_completion_length=8, max_steps=3, learning_rate=1e-3, beta=0.0, use_cpu=True, bf16=False,
        report_to="none", logging_steps=1, save_strategy="no", router_update_every=1, seed=0,
        disable_tqdm=True, ddp_backend="gloo",
    )
    task = get_task("mgsm")
    planned = []

    class Recording(TaskReward):
        def __call__(self, prompts, completions, example, response_lang, **kwargs):
            planned.append({"group": list(kwargs["group"]), "response_lang": list(response_lang),
                            "plans": {str(g): plan for g, plan in trainer.last_plans.items()}})
            return super().__call__(prompts, completions, example, response_lang, **kwargs)

    trainer = LRPOTrainer.from_config(config, model_dir,
                                      reward_funcs=[Recording(task, candidates=["de", "en", "ja", "zh"])])
    trainer.train()
    rank = trainer.accelerator.process_index
    out = Path(output_dir) / f"rank{rank}.json"
    out.write_text(json.dumps({"router": trainer.router.state_dict(), "planned": planned,
                               "world_size": trainer.accelerator.num_processes}))
    # gloo aborts a process that exits with its process group still open.
    trainer.accelerator.end_training()


if __name__ == "__main__":
    main(*sys.argv[1:4])
