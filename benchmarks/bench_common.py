"""What the benchmark scripts share: printing a figure, and building a demo site via the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

USER = "bench"
PASSPHRASE = "benchmark passphrase"


def figure(name: str, value: float, unit: str) -> None:
    """One figure per line as `name: number unit`."""
    print(f"{name}: {value:.4g} {unit}", flush=True)


def build(path: Path, people: int, actions_per_person: int = 10) -> float:
    """Build (afresh) a demo site with `ahtui demo`; return the seconds it took."""
    env = dict(os.environ, AHTUI_USER=USER, AHTUI_PASSPHRASE=PASSPHRASE)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ahtui",
            "demo",
            "--site",
            str(path),
            "--people",
            str(people),
            "--actions-per-person",
            str(actions_per_person),
            "--no-open",
            "--fresh",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start
