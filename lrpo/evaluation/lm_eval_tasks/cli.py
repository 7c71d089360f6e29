"""``lrpo-lm-eval``: lm-eval's own command line with the lrpo tasks already included.

    lrpo-lm-eval --model hf --model_args pretrained=Qwen/Qwen2.5-1.5B-Instruct \\
        --tasks lrpo_mgsm --apply_chat_template --metadata '{"data_dir": "data"}'

Every argument goes to lm-eval unchanged; ``--include_path`` with this package's
task directory is appended, because lm-eval 0.4.13 discovers external tasks only
that way (it has no plugin entry point). ``--apply_chat_template`` is not implied:
add it to send the prompt ``lrpo.evaluate`` sends.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from lrpo.evaluation.lm_eval_tasks import include_path

INCLUDE_FLAG = "--include_path"


def lm_eval_argv(argv: Sequence[str]) -> list[str]:
    """lm-eval's arguments: the user's, then ``--include_path`` (none added to an
    empty command line, which lm-eval answers with its help)."""
    argv = list(argv)
    if any(arg == INCLUDE_FLAG or arg.startswith(INCLUDE_FLAG + "=") for arg in argv):
        raise SystemExit(f"lrpo-lm-eval sets {INCLUDE_FLAG} itself ({include_path()}); lm-eval takes only one, "
                         "so run lm_eval directly to include another directory")
    return argv + [INCLUDE_FLAG, include_path()] if argv else argv


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from lm_eval.__main__ import cli_evaluate
    except ImportError as e:
        raise SystemExit("lrpo-lm-eval needs lm-eval: pip install 'lrpo[lmeval]'") from e
    arguments = lm_eval_argv(sys.argv[1:] if argv is None else argv)
    # lm-eval's command line reads sys.argv itself.
    sys.argv = ["lrpo-lm-eval", *arguments]
    cli_evaluate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
