"""What a Dask worker has imported, asked from a module that imports nothing itself (a test
module would bring pandas into the worker just by being unpickled there)."""

from __future__ import annotations

import sys


def statistics_loaded() -> list[str]:
    """Which of pandas, scipy and the pipeline's run module this process has imported."""
    return sorted({"pandas", "scipy", "pipeline.run"} & set(sys.modules))
