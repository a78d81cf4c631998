"""pkm-eval: evaluation pipeline for Indonesian community-service (PKM) career-guidance programs.

The Python API mirrors the CLI::

    from pipeline import run_study
    result = run_study("data/raw/demo/study.yaml")
    result.analysis.compared.tests      # paired tests per scale and group
"""

from pipeline.run import StudyResult, analyse, run_study

__all__ = ["StudyResult", "__version__", "analyse", "run_study"]
__version__ = "0.1.0"
