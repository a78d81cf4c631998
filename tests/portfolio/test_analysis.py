"""A portfolio analyses a study only as far as it reads: its rows are those of the whole
analysis, and a study that declares program parts is analysed whole."""

from __future__ import annotations

import json
import math
import shutil

from pipeline.config import load_study
from pipeline.portfolio.analysis import portfolio_analysis
from pipeline.portfolio.evaluate import evaluate_study
from pipeline.simulate.examples import EXAMPLES_ROOT
from pipeline.simulate.portfolio import simulate_portfolio


def _row(study_file, root, *, whole: bool) -> dict:
    row = evaluate_study(
        str(study_file), str(root / "processed"), str(root / "reports"), reuse=False,
        whole_bundles=whole,
    )  # fmt: skip
    del row["seconds"]
    return {k: "nan" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}


def test_a_portfolio_row_is_the_whole_analysis_row(tmp_path):
    files = simulate_portfolio(tmp_path / "studies", 4, seed=5)
    for name in ("knowledge_test", "tryout"):  # a test outcome; an instrument try-out
        shutil.copytree(EXAMPLES_ROOT / name, tmp_path / "studies" / name)
        files.append(tmp_path / "studies" / name / "study.yaml")
    designs = set()
    for study_file in files:
        lean = _row(study_file, tmp_path / "lean", whole=False)
        assert lean == _row(study_file, tmp_path / "whole", whole=True)
        assert lean["status"] == "ok"
        designs.add(lean["design"])
    assert designs == {"one_group", "controlled", "none"}
    facts = json.loads(
        (tmp_path / "lean" / "processed" / "program-0001" / "results.json").read_text()
    )
    assert "limits" not in facts  # the limits read the comparisons, which it did not reach


def test_a_study_with_program_parts_is_analysed_whole(tmp_path):
    shutil.copytree(EXAMPLES_ROOT / "pesantren", tmp_path / "pesantren")
    study = load_study(tmp_path / "pesantren" / "study.yaml")
    analysis = portfolio_analysis(study)
    assert len(analysis.compared.tests) and analysis.parts.tables
