"""Models built by the project itself, for offline tests and CPU experiments.

``tiny`` trains a small multilingual model of a synthetic world in minutes on
two CPU cores and caches it, so the trainer, evaluator and router can be
exercised end to end without a download: sizes ``default`` (~1.3M parameters,
the ``arith`` world), ``quick`` (for ``--quick``), ``smoke`` (seconds, for
tests) and ``arith_cot`` (the ``arith_cot`` world). ``tokenizer`` trains its
byte-level BPE tokenizer with the chat template and language tags.
"""

from importlib import import_module

__all__ = ["TinyModelConfig", "build_tiny_model", "default_cache_dir", "evaluate_accuracy", "model_dir",
           "read_build_info"]


def __getattr__(name: str):
    # Imported on first use, so `python -m lrpo.models.tiny` does not import
    # the module twice (and `import lrpo.models` stays cheap).
    if name in __all__:
        return getattr(import_module("lrpo.models.tiny"), name)
    raise AttributeError(f"module 'lrpo.models' has no attribute {name!r}")
