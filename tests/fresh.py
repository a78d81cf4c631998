"""Which modules a piece of code loads, asked of a fresh interpreter: the test process has
imported much already, so only a new one tells what a command or a report would load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def loaded_after(code: str, modules: tuple[str, ...]) -> dict[str, bool]:
    """Run ``code`` in a new interpreter at the project's root (matplotlib drawing off
    screen); return which of ``modules`` it loaded."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {modules!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])
