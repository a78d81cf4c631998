"""Running an attack in a child process under a memory cap, and measuring what it used.

The child gets an address-space cap (so a regression fails fast instead of swapping the
machine) and reports its own peak resident memory with :mod:`resource`; the test asserts the
peak stays under :data:`PEAK_LIMIT_MB`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

#: What one attack may use at most, resident (the issue's bound for the whole suite).
PEAK_LIMIT_MB = 1024
#: The child's address-space cap: imports of numpy, pandas and pyarrow reserve far more
#: address space than they touch, so the cap is looser than the resident bound.
ADDRESS_CAP_MB = 6144

ROOT = Path(__file__).resolve().parent.parent

_PRELUDE = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap} << 20, {cap} << 20))
outcome = {{"error": None, "problems": []}}
try:
{body}
except MemoryError:
    outcome["error"] = "MemoryError"
except RecursionError:
    outcome["error"] = "RecursionError"
except Exception as exc:
    from pipeline.errors import PkmEvalError
    if not isinstance(exc, PkmEvalError):
        outcome["error"] = f"{{type(exc).__name__}}: {{exc}}"[:500]
    else:
        outcome["problems"] = [p.message("en") for p in exc.problems]
outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("OUTCOME" + json.dumps(outcome))
"""


def run_bounded(body: str, *, timeout: float = 300) -> dict:
    """Run ``body`` (Python statements) in a child; its outcome: ``error`` (an exception that
    is not a pkm-eval problem, or None), ``problems`` (the messages of a PkmEvalError) and
    ``peak_mb`` (peak resident memory)."""
    code = _PRELUDE.format(cap=ADDRESS_CAP_MB, body=textwrap.indent(textwrap.dedent(body), "    "))
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("OUTCOME")]
    if not lines:
        return {"error": f"child died ({done.returncode}): {done.stderr[-500:]}", "problems": [],
                "peak_mb": float("nan")}  # fmt: skip
    return json.loads(lines[-1].removeprefix("OUTCOME"))
