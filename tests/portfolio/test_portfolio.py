"""A funder's portfolio on a local Dask cluster of two worker processes, one study broken."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.bundle.read import load_bundle
from pipeline.errors import ReportError
from pipeline.portfolio import discover, effects, evaluate, pool
from pipeline.portfolio import report as pf_report
from pipeline.simulate.portfolio import simulate_portfolio
from pipeline.stats import meta


@pytest.fixture(scope="module")
def portfolio_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("portfolio")
    studies = root / "studies"
    simulate_portfolio(studies, 6, seed=11, broken=1)
    kwargs = {"processed_root": root / "processed", "reports_root": root / "reports", "workers": 2}
    seen = []
    first = evaluate.run_portfolio(
        studies, progress=lambda d, t, row: seen.append((d, t)), **kwargs
    )
    bundle = root / "processed" / "portfolio"
    pf_report.write_portfolio(first, bundle)
    html = pf_report.write_portfolio_reports(bundle, root / "reports" / "portfolio", language="en")
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
    # ... and in Indonesian, for the Indonesian report
    assert "pre.csv" in broken["problems_id"] and broken["problems_id"] != broken["problems"]
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
    again = evaluate.run_portfolio(studies, **kwargs)
    ok = again.programs[again.programs["status"] == "ok"]
    assert ok["reused"].all()
    pd.testing.assert_series_equal(
        ok["yi"].reset_index(drop=True),
        portfolio_run["first"].programs.query("status == 'ok'")["yi"].reset_index(drop=True),
    )
    changed = studies / "program-0002" / "post.csv"
    lines = changed.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(lines[:-3]), encoding="utf-8")  # three fewer responses
    third = evaluate.run_portfolio(studies, **kwargs)
    rerun = third.programs.set_index("program_id")["reused"]
    assert not rerun["program-0002"]
    assert rerun.drop(["program-0002", "broken-1"]).all()


def test_a_portfolio_writes_only_what_it_reads_and_refuses_it_as_a_whole_bundle(portfolio_run):
    from pipeline.config import load_study

    folder = portfolio_run["root"] / "processed" / "program-0001"
    names = {path.name for path in folder.iterdir()}
    assert names == {"scores.parquet", "results.json", "manifest.json", "status.json"}
    assert load_bundle(folder, tables=("scores",))["scores"]["scale"].eq("total").any()
    with pytest.raises(ReportError) as refused:
        load_bundle(folder)
    message = refused.value.problems[0].message("en")
    assert str(folder) in message and "--whole-bundles" in message
    study = load_study(portfolio_run["studies"] / "program-0001" / "study.yaml")
    assert discover.reusable(study, folder) and not discover.reusable(study, folder, whole=True)


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


def test_portfolio_page_title_is_the_reports(portfolio_run):
    html = portfolio_run["html"].read_text(encoding="utf-8")
    title = pf_report.report_words("en")["title"]
    assert f"<title>{title}</title>" in html and '<html lang="en">' in html


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
        evaluate.run_portfolio(tmp_path, processed_root=tmp_path / "p", reports_root=tmp_path / "r")
    assert "study.yaml" in error.value.problems[0].message("en")


def test_cli_runs_a_portfolio_and_lists_the_failure(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    studies = tmp_path / "studies"
    simulate_portfolio(studies, 2, seed=5, broken=1)
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
            "--whole-bundles",
            "--study-time-limit",
            "300",
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 studies, 1 failed, 0 analysed but not pooled" in result.output
    assert (tmp_path / "r" / "portfolio-studies" / "portfolio.html").exists()
    # --whole-bundles: each study's bundle holds every table, as `pkm-eval run` writes it.
    whole = load_bundle(tmp_path / "p" / "program-0001")
    assert {"tests", "effects", "ledger", "scores"} <= set(whole.tables)
    assert (tmp_path / "p" / "program-0001" / "tests.csv").exists()
    shutil.rmtree(tmp_path / "p")


def test_a_changed_log_makes_the_bundle_stale(tmp_path):
    # The attendance and service logs change the results without touching the exports or
    # study.yaml; the manifest hashes them, so neither the report nor the portfolio's reuse
    # goes by a stale log.
    import hashlib
    import json

    from pipeline.config import load_study
    from pipeline.run import run_study
    from pipeline.simulate.examples import EXAMPLES_ROOT

    folder = tmp_path / "counseling_service"
    shutil.copytree(EXAMPLES_ROOT / "counseling_service", folder)
    result = run_study(folder / "study.yaml", processed_root=tmp_path / "p", render_report=False)
    manifest = json.loads((result.bundle_dir / "manifest.json").read_text("utf-8"))
    for role, name in (("attendance", "attendance.csv"), ("service_log", "service_log.csv")):
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert manifest["other_inputs"][role]["sha256"] == digest
    assert discover.reusable(load_study(folder / "study.yaml"), result.bundle_dir)
    log = folder / "service_log.csv"
    text = log.read_text(encoding="utf-8")
    assert "2026" in text
    log.write_text(text.replace("2026", "2027", 1), encoding="utf-8")
    assert not discover.reusable(load_study(folder / "study.yaml"), result.bundle_dir)


def test_studies_sharing_a_program_id_are_held_back_and_named(tmp_path):
    # Two studies with one program.id would write one bundle folder at once; neither runs.
    studies = tmp_path / "studies"
    simulate_portfolio(studies, 2, seed=3)
    shutil.copytree(studies / "program-0001", studies / "program-0001-copy")
    seen = []
    result = evaluate.run_portfolio(
        studies,
        processed_root=tmp_path / "p",
        reports_root=tmp_path / "r",
        workers=1,
        progress=lambda d, t, row: seen.append((d, t)),
    )
    programs = result.programs.set_index("study_file")
    original = str(studies / "program-0001" / "study.yaml")
    copy = str(studies / "program-0001-copy" / "study.yaml")
    for study_file in (original, copy):
        row = programs.loc[study_file]
        assert row["status"] == "failed" and row["program_id"] == "program-0001"
        assert original in row["problems"] and copy in row["problems"]
        assert "'program-0001'" in row["problems"]
    assert programs.loc[str(studies / "program-0002" / "study.yaml"), "status"] == "ok"
    assert not (tmp_path / "p" / "program-0001").exists()  # held back before anything ran
    assert seen[-1] == (3, 3)
    assert list(result.pooled["k"]) == [1]


def _program_row(program_id: str, design: str, yi: float, method: str = "A", **extra):
    row = {
        "study_file": f"{program_id}/study.yaml",
        "program_id": program_id,
        "title": f"Title of {program_id}",
        "method": method,
        "level": "SD",
        "region": "X",
        "status": "ok",
        "reused": False,
        "design": design,
        "not_pooled_reason": "",
        "enrolled": 30,
        "completed": 28,
        "n_treatment": 28,
        "n_control": 0,
        "yi": yi,
        "vi": 0.02,
        "problems": "",
        "seconds": 1.0,
    }
    return {**row, **extra}


@pytest.fixture(scope="module")
def hk_report(tmp_path_factory):
    """Pooled with Hartung-Knapp: three one-group programs in two methods, a single controlled
    program and one analysed program with too few pairs to pool, reported in both languages."""
    root = tmp_path_factory.mktemp("hk_report")
    rows = [
        _program_row("p0", "one_group", 0.4),
        _program_row("p1", "one_group", 0.5, method="B"),
        _program_row("p2", "one_group", 0.2),
        _program_row("p3", "controlled", 0.3, n_control=20),
        _program_row(
            "p9", "none", np.nan, vi=np.nan, n_treatment=2, not_pooled_reason="too_few_pairs"
        ),
    ]
    result = pool.pool(pd.DataFrame(rows), hk=True)
    bundle = root / "bundle"
    pf_report.write_portfolio(result, bundle)
    html = {
        language: pf_report.write_portfolio_reports(bundle, root / language, language=language)
        for language in ("en", "id")
    }
    return {"root": root, "result": result, "bundle": bundle, "html": html}


def _html_text(path) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).split())


def test_programs_analysed_but_not_pooled_are_counted_and_named(hk_report):
    import json

    import openpyxl

    summary = json.loads((hk_report["bundle"] / "portfolio.json").read_text("utf-8"))
    assert summary["programs_ok"] == 5 and summary["programs_not_pooled"] == 1
    english, indonesian = (_html_text(hk_report["html"][lang]) for lang in ("en", "id"))
    assert "Programs analysed but not pooled" in english
    assert "p9 Title of p9 fewer than 3 participants" in english and "(found 2)" in english
    assert "Program yang dianalisis tetapi tidak digabung" in indonesian
    assert "kurang dari 3 peserta" in indonesian and "(ada 2)" in indonesian
    book = openpyxl.load_workbook(hk_report["root"] / "en" / "portfolio.xlsx", read_only=True)
    rows = list(book["not_pooled"].iter_rows(values_only=True))
    assert rows[0] == ("program_id", "title", "reason")
    assert [row[0] for row in rows[1:]] == ["p9"] and "fewer than 3" in rows[1][2]


def test_hartung_knapp_subgroup_test_is_worded_as_an_f(hk_report):
    subgroups = pd.read_parquet(hk_report["bundle"] / "subgroups.parquet")
    test = subgroups.query("moderator == 'method'").iloc[0]
    assert test["QM_test"] == "F" and test["QM_df"] == 1 and test["QM_df2"] == 1
    english = _html_text(hk_report["html"]["en"])
    expected = f"(Hartung-Knapp): F(1, 1) = {test['QM']:.2f}, p = {test['QM_p']:.3f}".replace(
        "0.", "."
    )
    assert expected in english
    assert "QM =" not in english
    assert "F(1, 1) = " in _html_text(hk_report["html"]["id"])


def test_a_design_with_one_program_is_not_worded_as_pooled(hk_report):
    english = _html_text(hk_report["html"]["en"])
    single = hk_report["result"].pooled.set_index("design").loc["controlled"]
    assert single["k"] == 1
    assert (
        f"Only one program with a control group (p3): its treatment arm's change exceeded its "
        f"control arm's by {single['estimate']:.2f} pre-test standard deviations (95% CI "
        f"{single['ci_low']:.2f} to {single['ci_high']:.2f})"
    ) in english
    assert "Across 1 programs" not in english and "Q = 0.00" not in english
    assert f"Note: {single['note']}." in english
    indonesian = _html_text(hk_report["html"]["id"])
    assert "Hanya satu program dengan kelompok pembanding (p3)" in indonesian
    assert "Catatan: satu program: heterogenitas" in indonesian
    assert "the normal was used" not in indonesian  # the note is said in Indonesian too


def test_every_translated_fit_note_is_one_the_fit_writes():
    # The Indonesian report words meta's English notes by their text; a reworded note would
    # silently fall back to English, so the dictionary must match what the fits write.
    known = set(pf_report.report_words("id")["fit_notes"])
    notes = [
        meta.random_effects([0.3], [0.02], hk=True).note,
        meta.random_effects([0.3, 0.3], [0.02, 0.02], hk=True).note,
    ]
    written = {part.strip() for note in notes for part in note.split(";")}
    assert written == known


def _write_bundle(folder, groups: dict[str, int], spread: float = 0.5):
    """A finished bundle's two files program_effect reads: paired scores per group."""
    import json

    rng = np.random.default_rng(1)
    rows = []
    for group, n in groups.items():
        pre = 3 + rng.normal(0, spread, n)
        post = pre + 0.3 + rng.normal(0, spread, n)
        for k in range(n):
            code = f"{group}-{k}"
            for wave, value in (("pre", pre[k]), ("post", post[k])):
                rows.append(
                    {
                        "participant_code": code,
                        "wave": wave,
                        "scale": "total",
                        "group": group,
                        "mean": value,
                    }
                )
    folder.mkdir()
    pd.DataFrame(rows).to_parquet(folder / "scores.parquet")
    results = {
        "instrument": {"scales": [{"id": "total", "n_items": 9}]},
        "primary_scale": "total",
        "flow": {"participants": sum(groups.values())},
    }
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    (folder / "status.json").write_text('{"status": "complete"}', encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("groups", "spread", "reason"),
    [
        ({"control": 20}, 0.5, "no_treatment_group"),  # not "controlled" with yi = 0
        ({"all": 2}, 0.5, "too_few_pairs"),
        ({"all": 10}, 0.0, "no_spread"),
    ],
)
def test_a_program_without_an_effect_to_pool_says_why(tmp_path, groups, spread, reason):
    effect = effects.program_effect(_write_bundle(tmp_path / "bundle", groups, spread))
    assert effect["design"] == "none" and effect["not_pooled_reason"] == reason
    assert np.isnan(effect["yi"]) and np.isnan(effect["vi"])


def test_a_study_with_groups_pools_its_treatment_arm_only(tmp_path):
    both = effects.program_effect(
        _write_bundle(tmp_path / "both", {"treatment": 20, "control": 20})
    )
    assert both["design"] == "controlled" and both["not_pooled_reason"] == ""
    alone = effects.program_effect(_write_bundle(tmp_path / "alone", {"treatment": 20}))
    assert alone["design"] == "one_group" and alone["n_treatment"] == 20
    everyone = effects.program_effect(_write_bundle(tmp_path / "everyone", {"all": 20}))
    assert everyone["design"] == "one_group" and everyone["n_treatment"] == 20


def _dies_on_the_second(study_file, *options):
    """Stands in for evaluate_study: kills its process on one study."""
    import os

    if study_file.endswith("two/study.yaml"):
        os._exit(1)
    return {"study_file": study_file, "status": "ok", "reused": False}


def test_a_dead_study_process_fails_its_study_only(tmp_path):
    files = [tmp_path / name / "study.yaml" for name in ("one", "two", "three")]
    rows = []
    evaluate.evaluate_on_cluster(
        files,
        rows.append,
        scheduler=None,
        workers=2,
        options=("p", "r", False, True, False),
        evaluate=_dies_on_the_second,
    )
    by_file = {Path(row["study_file"]).parent.name: row for row in rows}
    assert set(by_file) == {"one", "two", "three"}
    assert by_file["one"]["status"] == by_file["three"]["status"] == "ok"
    assert by_file["two"]["status"] == "failed"
    assert by_file["two"]["problems"] == (
        f"the process of the study {files[1]} ended without a result (ChildProcessError: the "
        "study's process exited with status 1); the other studies are unaffected"
    )


def _hangs_on_program_three(study_file, *options):
    """Stands in for evaluate_study: one study never finishes, the others are evaluated."""
    import time

    if "program-0003" in study_file:
        time.sleep(3600)
    return evaluate.evaluate_study(study_file, *options)


def test_a_study_past_its_time_limit_is_failed_and_the_others_are_evaluated(portfolio_run):
    # On a local cluster of two workers; the other studies' bundles are reused (fast enough
    # for a limit of 2 s on a busy machine) and pooled without the stopped one.
    kwargs, studies, root = portfolio_run["kwargs"], portfolio_run["studies"], portfolio_run["root"]
    result = evaluate.run_portfolio(
        studies, study_time_limit=2, evaluate=_hangs_on_program_three, **kwargs
    )
    programs = result.programs.set_index("program_id")
    stopped = programs.loc["program-0003"]
    study_file = studies / "program-0003" / "study.yaml"
    assert stopped["status"] == "failed" and stopped["title"] == "Program PKM simulasi 3"
    assert stopped["problems"] == (
        f"the study {study_file} had not finished within the time limit per study (2 s), so it "
        "was stopped and the other studies went on; if it is only slow, raise --study-time-limit"
    )
    assert 2 <= stopped["seconds"] < 60
    others = programs.drop(["program-0003", "broken-1"])
    assert len(others) == 5 and others["status"].eq("ok").all() and others["reused"].all()
    assert programs.loc["broken-1", "status"] == "failed"
    for row in result.pooled.itertuples():
        part = others.query("design == @row.design")
        fit = meta.random_effects(part["yi"], part["vi"], method="REML")
        assert row.k == len(part) and row.estimate == pytest.approx(fit.estimate, abs=1e-12)
    bundle = root / "processed" / "portfolio-limit"
    pf_report.write_portfolio(result, bundle)
    # Both reports list it with its reason, each in its own language.
    assert stopped["problems_id"] == (
        f"studi {study_file} belum selesai dalam batas waktu per studi (2 detik), sehingga "
        "dihentikan dan studi lain dilanjutkan; bila studi ini memang hanya lambat, naikkan "
        "--study-time-limit"
    )
    titles = {"en": "Programs that could not be evaluated", "id": "Program yang tidak dapat"}
    for language, title in titles.items():
        html = pf_report.write_portfolio_reports(
            bundle, root / f"limit-{language}", language=language
        )
        text = _html_text(html)
        assert title in text
        reason = stopped["problems" if language == "en" else "problems_id"]
        assert f"program-0003 Program PKM simulasi 3 {reason}" in text
        other = stopped["problems_id" if language == "en" else "problems"]
        assert other not in text
        failed = pd.read_excel(root / f"limit-{language}" / "portfolio.xlsx", sheet_name="failed")
        assert reason in failed.iloc[:, 2].tolist()


def _quick_or_hangs(study_file, *options):
    """Stands in for evaluate_study: "two" hangs (saying its process id), the rest answer."""
    import os
    import time

    if "two" in study_file:
        Path(study_file).with_name("pid").write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(3600)
    return {"study_file": study_file, "status": "ok", "reused": False}


def test_the_time_limit_holds_on_a_cluster_given_by_its_address(tmp_path):
    # An existing cluster (its scheduler's address), two threads per worker: each thread
    # keeps a study host of its own; the stopped study's process is reaped on the worker.
    from dask.distributed import LocalCluster

    files = [tmp_path / name / "study.yaml" for name in ("one", "two", "three", "four")]
    for path in files:
        path.parent.mkdir()
    rows = []
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
    ) as cluster:
        evaluate.evaluate_on_cluster(
            files,
            rows.append,
            scheduler=cluster.scheduler_address,
            workers=1,
            options=("p", "r", False, True, False),
            limit=1.0,
            evaluate=_quick_or_hangs,
        )
        pid = int((tmp_path / "two" / "pid").read_text(encoding="utf-8"))
        assert not Path(f"/proc/{pid}").exists()  # killed and reaped, not a zombie
    by_file = {Path(row["study_file"]).parent.name: row for row in rows}
    assert [by_file[name]["status"] for name in ("one", "two", "three", "four")] == [
        "ok",
        "failed",
        "ok",
        "ok",
    ]
    assert "time limit per study (1 s)" in by_file["two"]["problems"]
    assert str(files[1]) in by_file["two"]["problems"]


_RELAY_PROBE = """
import json, sys
from pathlib import Path

if __name__ == "__main__":  # a spawned worker imports this file again: nothing above loads
    from dask.distributed import Client, LocalCluster
    from pipeline.portfolio import evaluate
    from pipeline.simulate.portfolio import simulate_portfolio
    from tests.portfolio.worker_probe import statistics_loaded

    folder = Path(sys.argv[1])
    (study,) = simulate_portfolio(folder / "studies", 1, seed=9)
    rows = []
    with (
        LocalCluster(n_workers=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        evaluate.evaluate_on_cluster(
            [study], rows.append, scheduler=cluster.scheduler_address, workers=1,
            options=(str(folder / "p"), str(folder / "r"), False, True, False), limit=300,
        )
        loaded = client.run(statistics_loaded)
    print(json.dumps({"rows": [[r["status"], r["yi"]] for r in rows],
                      "loaded": list(loaded.values())}))
"""


def test_a_worker_relays_studies_without_loading_the_statistics_stack(tmp_path):
    # The study host imports the pipeline; the Dask worker beside it stays without pandas
    # (about 300 MB less per worker), and the study is evaluated all the same. Run as a
    # portfolio is, from a fresh process: a test process's own state (its imports, its
    # earlier clusters) must not decide what a worker holds.
    import json
    import os
    import subprocess
    import sys

    script = tmp_path / "probe.py"
    script.write_text(_RELAY_PROBE, "utf-8")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True, text=True, cwd=root, timeout=600,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert [status for status, _ in found["rows"]] == ["ok"]
    assert np.isfinite(found["rows"][0][1])
    assert found["loaded"] == [[]]
