"""The run manifest: what produced a run, so a result can be traced and rerun."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

PACKAGES = ("lrpo", "torch", "transformers", "trl", "accelerate", "datasets", "numpy", "py3langid",
            "math-verify", "vllm", "lm-eval")


def package_versions() -> dict[str, str | None]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit(path: Path | None = None) -> str | None:
    """The commit of the checkout holding this package (None outside a git checkout)."""
    path = path or Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def write_manifest(output_dir, config, extra: dict | None = None) -> Path:
    """Write ``manifest.json``: the resolved config, versions, seed, commit and command."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": sys.argv,
        "seed": getattr(config, "seed", None),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "config": config.to_dict() if hasattr(config, "to_dict") else dict(config),
        **(extra or {}),
    }
    path = output_dir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, default=str))
    return path
