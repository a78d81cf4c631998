"""A funder's portfolio on a local Dask cluster of two worker processes, one study broken."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from pipeline import portfolio as pf
from pipeline.stats import meta


@pytest.fixture(scope="module")
def portfolio_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("portfolio")
    studies = root / "studies"
    pf.simulate_portfolio(studies, 6, seed=11, broken=1)
    kwargs = {"processed_root": root / "processed", "reports_root": root / "reports", "workers": 2}
    seen = []
    first = pf.run_portfolio(studies, progress=lambda d, t, row: seen.append((d, t)), **kwargs)
    bundle = root / "processed" / "portfolio"
    pf.write_portfolio(first, bundle)
    html = pf.write_portfolio_reports(bundle, root / "reports" / "portfolio", language="en")
    return {
        "root": root,
        "studies": studies,
        "first": first,
        "kwargs": kwargs,
        "seen": seen,
        "html": html,
        "bundle": bundle,
    }


def test_every_study_is_listed_and_the_broken_one_is_reported_not_fatal(portfolio_run):
    programs = portfolio_run["first"].programs
    assert len(programs) == 7
    assert portfolio_run["seen"][-1] == (7, 7)
    broken = programs[programs["program_id"] == "broken-1"].iloc[0]
    assert broken["status"] == "failed"
    assert "pre.csv" in broken["problems"] and "binary" in broken["problems"]
    ok = programs[programs["status"] == "ok"]
    assert len(ok) == 6
    assert set(ok["design"]) <= {"one_group", "controlled"}
    assert ok["yi"].notna().all() and (ok["vi"] > 0).all()


def test_program_effect_is_the_smcr_of_its_paired_scores(portfolio_run):
    root = portfolio_run["root"]
    row = portfolio_run["first"].programs.query("design == 'one_group'").iloc[0]
    scores = pd.read_parquet(root / "processed" / row["program_id"] / "scores.parquet")
    wide = (
        scores[scores["scale"] == "total"]
        .pivot(index="participant_code", columns="wave", values="mean")[["pre", "post"]]
        .dropna()
    )
    # Becker's SMCR by hand, with Hedges' exact correction on n - 1 df.
    from scipy.special import gammaln

    n = len(wide)
    m = n - 1
    c = np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))
    d = c * (wide["post"].mean() - wide["pre"].mean()) / wide["pre"].std()
    r = np.corrcoef(wide["pre"], wide["post"])[0, 1]
    assert row["yi"] == pytest.approx(d, abs=1e-12)
    assert row["vi"] == pytest.approx(2 * (1 - r) / n + d**2 / (2 * n), abs=1e-12)
    assert row["completed"] == n


def test_pooled_rows_are_the_random_effects_fit_of_each_design(portfolio_run):
    result = portfolio_run["first"]
    for row in result.pooled.itertuples():
        part = result.programs.query("status == 'ok' and design == @row.design")
        fit = meta.random_effects(part["yi"], part["vi"], method="REML")
        assert row.k == len(part)
        assert row.estimate == pytest.approx(fit.estimate, abs=1e-12)
        assert row.tau2 == pytest.approx(fit.tau2, abs=1e-12)
        assert pytest.approx(fit.I2, abs=1e-12) == row.I2


def test_unchanged_studies_are_reused_and_a_changed_one_is_rerun(portfolio_run):
    kwargs, studies = portfolio_run["kwargs"], portfolio_run["studies"]
    again = pf.run_portfolio(studies, **kwargs)
    ok = again.programs[again.programs["status"] == "ok"]
    assert ok["reused"].all()
    pd.testing.assert_series_equal(
        ok["yi"].reset_index(drop=True),
        portfolio_run["first"].programs.query("status == 'ok'")["yi"].reset_index(drop=True),
    )
    changed = studies / "program-0002" / "post.csv"
    lines = changed.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(lines[:-3]), encoding="utf-8")  # three fewer responses
    third = pf.run_portfolio(studies, **kwargs)
    rerun = third.programs.set_index("program_id")["reused"]
    assert not rerun["program-0002"]
    assert rerun.drop(["program-0002", "broken-1"]).all()


def test_portfolio_report_words_each_subgroup_comparison(portfolio_run):
    import re

    html = portfolio_run["html"].read_text(encoding="utf-8")
    assert "= =" not in html  # fmt_p carries its own sign
    subgroups = pd.read_parquet(portfolio_run["bundle"] / "subgroups.parquet")
    assert not subgroups.empty
    for (_, moderator), part in subgroups.groupby(["design", "moderator"]):
        name = {"method": "method", "level": "participant level", "region": "region"}[moderator]
        if part["QM"].notna().any():
            assert f"Test of differences between {name} groups: QM = " in html
        else:
            k, m = int(part["k"].sum()), len(part)
            expected = f"{name} groups are not tested: {k} programs in {m} groups"
            assert expected in html or "could not be computed" in html
    assert "k (programs)" in html and "ci_low" not in html
    # Every p printed in a sentence reads "p = .xxx" or "p < .001".
    assert all(
        re.fullmatch(r"p (= \.\d{3}|< \.001|= 1\.000)", m)
        for m in re.findall(r"p [=<] [^ )]+", html)
    )


def test_portfolio_report_and_workbook_hold_no_personal_data(portfolio_run):
    html = portfolio_run["html"].read_text(encoding="utf-8")
    assert "Pooled impact" in html and "broken-1" in html
    assert "<img" in html  # the forest plot is embedded
    names = pd.read_csv(portfolio_run["studies"] / "program-0001" / "pre.csv")["Nama Lengkap"]
    workbook = portfolio_run["root"] / "reports" / "portfolio" / "portfolio.xlsx"
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True)
    cells = " ".join(
        str(v)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    for name in names.dropna().head(20):
        assert name not in html and name not in cells


def test_a_folder_without_studies_is_a_clear_error(tmp_path):
    from pipeline.errors import InputError

    with pytest.raises(InputError) as error:
        pf.run_portfolio(tmp_path, processed_root=tmp_path / "p", reports_root=tmp_path / "r")
    assert "study.yaml" in error.value.problems[0].message("en")


def test_cli_runs_a_portfolio_and_lists_the_failure(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    studies = tmp_path / "studies"
    pf.simulate_portfolio(studies, 2, seed=5, broken=1)
    result = CliRunner().invoke(
        app,
        [
            "portfolio",
            str(studies),
            "--processed-dir",
            str(tmp_path / "p"),
            "--reports-dir",
            str(tmp_path / "r"),
            "--workers",
            "1",
            "--method",
            "DL",
            "--hk",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 studies, 1 failed" in result.output
    assert (tmp_path / "r" / "portfolio-studies" / "portfolio.html").exists()
    shutil.rmtree(tmp_path / "p")


def test_a_changed_log_makes_the_bundle_stale(tmp_path):
    # The attendance and service logs change the results without touching the exports or
    # study.yaml; the manifest hashes them, so neither the report nor the portfolio's reuse
    # goes by a stale log.
    import hashlib
    import json

    from pipeline.config import load_study
    from pipeline.examples import EXAMPLES_ROOT
    from pipeline.run import run_study

    folder = tmp_path / "counseling_service"
    shutil.copytree(EXAMPLES_ROOT / "counseling_service", folder)
    result = run_study(folder / "study.yaml", processed_root=tmp_path / "p", render_report=False)
    manifest = json.loads((result.bundle_dir / "manifest.json").read_text("utf-8"))
    for role, name in (("attendance", "attendance.csv"), ("service_log", "service_log.csv")):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert manifest["other_inputs"][role]["sha256"] == digest
    assert pf._reusable(load_study(folder / "study.yaml"), result.bundle_dir)
    log = folder / "service_log.csv"
    text = log.read_text(encoding="utf-8")
    assert "2026" in text
    log.write_text(text.replace("2026", "2027", 1), encoding="utf-8")
    assert not pf._reusable(load_study(folder / "study.yaml"), result.bundle_dir)
