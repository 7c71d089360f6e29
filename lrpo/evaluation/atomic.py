"""Replacing a file so that a reader sees the old content or the new, never a mix.

The project's one way to write a record other processes may read at the same
time: the leaderboards (``lrpo.evaluation.leaderboard``), the run cache
(``lrpo.evaluation.run_cache``), the reproduced tables (``benchmarks/reproduce.py``)
and the router state in checkpoints (``lrpo.training.trainer``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_atomically(path, text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to a temporary file beside ``path``,
    flush it to disk, then rename it over ``path``; return ``path``.

    The temporary file is in the same directory, so the rename stays on one file
    system and is atomic; its name starts with a dot and ends in ``.tmp``, and it
    is removed if writing fails. The parent directory must exist (else
    FileNotFoundError). A file replaced keeps its permission bits (a shared
    leaderboard made group-writable stays so).
    """
    path = Path(path)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # Mode "x" (not tempfile.mkstemp, which makes files private): the file gets the
    # permissions any other file written here would, and a name in use is an error.
    out = open(temporary, "x", encoding="utf-8", newline="")
    try:
        with out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path
