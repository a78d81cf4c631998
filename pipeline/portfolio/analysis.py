"""What a portfolio computes of one study: every check that can stop the study (read, ingest,
validate, clean, the pairs check), then its scale scores, and nothing the portfolio does not
read.

The portfolio pools each program's standardized change from its scores
(:mod:`pipeline.portfolio.effects`). The comparisons, psychometrics, categories, gains and
sensitivity variants of a study's own report were about two thirds of a small study's cost
in a portfolio and none of it reached the portfolio's tables; they are computed when the
study's whole bundle is asked for (``whole_bundles``, ``render_reports``, ``pkm-eval run``).

A study that declares program parts (logs, plan, CBPR, aspirations) is analysed whole: a
part's configuration that does not fit its data stops the study (a ``ConfigError``), and the
parts read the comparisons.
"""

from __future__ import annotations

import pandas as pd

from pipeline.config import Study
from pipeline.run import analyse
from pipeline.stages.check import prepared
from pipeline.stages.result import Analysis, CompareResult, ScoreResult
from pipeline.stages.score import keyed_scores, scoring_rules

__all__ = ["portfolio_analysis"]


def portfolio_analysis(study: Study) -> Analysis:
    """The analysis a portfolio needs of one study: what can stop it, and its scores.

    The comparison and the score tables beside the scores are empty; the bundle written from
    it holds only the portfolio's tables (:data:`pipeline.bundle.write.PORTFOLIO_READS`).

    Raises
    ------
    InputError, ConfigError
        As :func:`pipeline.run.analyse` does.
    """
    if study.declares_parts():
        return analyse(study)
    ingested, validated, cleaned = prepared(study)  # released as they come back
    keyed, scores = keyed_scores(cleaned, study)
    empty = pd.DataFrame()
    scored = ScoreResult(keyed, scores, *(empty,) * 7, rule=scoring_rules(study))
    compared = CompareResult(*(empty,) * 10)
    return Analysis(study, ingested, validated, cleaned, scored, compared)
