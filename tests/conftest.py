"""Shared fixtures. Tests run offline on a CPU; benchmark data is read from
$LRPO_DATA_DIR (default ../shared/data beside the checkout)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO_ROOT = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    return Path(os.environ.get("LRPO_DATA_DIR") or REPO_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real benchmark files. Missing data fails in CI (where it must exist) and
    skips elsewhere."""
    path = _data_dir()
    if not (path / "mgsm").is_dir():
        message = f"benchmark data not found at {path} (set LRPO_DATA_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
