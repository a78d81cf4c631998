"""pkm-eval: evaluation pipeline for Indonesian community-service (PKM) career-guidance programs.

The Python API mirrors the CLI::

    from pipeline import run_study
    result = run_study("data/raw/demo/study.yaml")
    result.analysis.compared.tests      # paired tests per scale and group
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.run import StudyResult, analyse, run_study

__all__ = ["StudyResult", "__version__", "analyse", "run_study"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # The run API pulls in every stage (scipy, pingouin, statsmodels: seconds of imports).
    # Loaded on first use, so a report notebook importing ``pipeline.reports`` stays light.
    if name in {"StudyResult", "analyse", "run_study"}:
        from pipeline import run

        return getattr(run, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
