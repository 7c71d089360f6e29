"""Resuming an interrupted tiny-model build.

A build trains for minutes; a Ctrl-C, a kill or a closed laptop used to lose all
of it. The training loop saves its state every ``CHECKPOINT_EVERY`` steps into
``.<model dir name>.partial/`` beside the cache directory, and a later build of
the same configuration continues from there. Resuming is exact: the data, the
batch order and the initial weights are functions of the configuration's seed,
the tiny model has no dropout, and the model and optimizer states are restored,
so a resumed build writes the same weights as an uninterrupted one (tested).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import torch

# Steps between saved states: a default build has ~3,500 steps of ~0.15 s, so at
# most ~40 s of work is redone after an interruption, for ~14 writes of ~15 MB.
CHECKPOINT_EVERY = 250
STATE_FILE = "state.pt"


class BuildCheckpoint:
    """The saved training state of one model build (``fingerprint`` names the
    configuration; a state saved for another is ignored)."""

    def __init__(self, target: Path, fingerprint: str):
        self.directory = target.parent / f".{target.name}.partial"
        self.fingerprint = fingerprint

    def load(self, model, optimizer) -> tuple[int, list[float], int] | None:
        """Restore model and optimizer; (next step, losses so far, tokens seen), or
        None when there is no usable state (absent, unreadable, or another config)."""
        path = self.directory / STATE_FILE
        if not path.is_file():
            return None
        try:
            state = torch.load(path, map_location="cpu", weights_only=False)
        except Exception:  # a state cut short by a kill mid-write cannot exist (atomic replace), but be safe
            return None
        if state.get("fingerprint") != self.fingerprint:
            return None
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        return state["step"], list(state["losses"]), state["seen"]

    def save(self, step: int, model, optimizer, losses: list[float], seen: int) -> None:
        """Save the state after ``step`` steps (atomically: a kill mid-write leaves the previous one)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / f"{STATE_FILE}.{os.getpid()}.tmp"
        torch.save({"fingerprint": self.fingerprint, "step": step, "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(), "losses": losses, "seen": seen}, temporary)
        os.replace(temporary, self.directory / STATE_FILE)

    def clear(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
