"""The reports people use: the funder summary (HTML and XLSX) holds the bundle's numbers and no
personal data, and both HTML reports render in a real browser (headless Chromium)."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline import run_study
from pipeline.bundle.read import load_bundle
from pipeline.reports.words import fmt


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from tests.conftest import DEMO

    folder = tmp_path_factory.mktemp("reports")
    shutil.copytree(DEMO, folder / "demo")
    result = run_study(
        folder / "demo" / "study.yaml", processed_root=folder / "p", reports_root=folder / "r"
    )
    return result, load_bundle(result.bundle_dir), folder


@pytest.mark.slow
def test_funder_summary_numbers_equal_the_bundle(rendered):
    _, bundle, folder = rendered
    html = (folder / "r" / "demo" / "funder_summary.html").read_text("utf-8")
    tests = bundle["tests"]
    t = tests[
        (tests["outcome"] == "total")
        & (tests["group"] == "treatment")
        & (tests["test"] == "paired t")
    ].iloc[0]
    ancova = bundle["ancova"].set_index("outcome").loc["total"]
    for value in (
        t["mean_pre"],
        t["mean_post"],
        ancova["adjusted_difference"],
        ancova["ci_low"],
        ancova["ci_high"],
        ancova["partial_eta_squared"],
    ):
        assert fmt(value, "id") in html
    attrition = bundle["attrition"].query("group == 'treatment' and pattern == 'pre+post'")
    assert f">{int(attrition['n'].iloc[0])}<" in html
    assert "Ringkasan Dampak Program" in html
    assert (folder / "r" / "demo" / "funder_summary.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
def test_funder_workbook_opens_and_agrees(rendered):
    _, _, folder = rendered
    book = load_workbook(folder / "r" / "demo" / "funder_summary.xlsx")
    sheet = book.worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Indikator", "Nilai", "95% CI batas bawah", "95% CI batas atas",
                       "Keterangan"]  # fmt: skip
    reach = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    assert reach[1][:4] == ["perlakuan", 32, 29, 29]  # the treatment arm alone
    assert len(book.worksheets) == 3 and book.worksheets[2].max_row >= 2


@pytest.mark.slow
def test_no_raw_name_or_phone_in_any_report(rendered):
    _, _, folder = rendered
    raw = pd.concat([pd.read_csv(folder / "demo" / f"{w}.csv", dtype=str) for w in ("pre", "post")])
    secrets = {
        v.strip().casefold()
        for c in ("Nama Lengkap", "Nomor WhatsApp")
        for v in raw[c].dropna()
        if v.strip()
    }
    files = [
        f for f in (folder / "r").rglob("*") if f.is_file() and f.suffix not in {".png", ".svg"}
    ]
    assert len(files) > 3
    for file in files:
        if file.suffix == ".docx":
            from docx import Document

            doc = Document(str(file))
            text = " ".join(
                [p.text for p in doc.paragraphs]
                + [c.text for t in doc.tables for row in t.rows for c in row.cells]
            ).casefold()
        elif file.suffix == ".xlsx":
            book = load_workbook(file)
            text = " ".join(
                str(c.value)
                for ws in book.worksheets
                for row in ws.iter_rows()
                for c in row
                if c.value is not None
            ).casefold()
        else:
            text = file.read_bytes().decode("utf-8", errors="ignore").casefold()
        assert not [s for s in secrets if s in text], file.name


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is missing: `make test` installs Debian's chromium when it can"
    return found


@pytest.mark.slow
@pytest.mark.parametrize("page", ["report.html", "funder_summary.html"])
def test_reports_render_in_headless_chromium(rendered, page, tmp_path):
    _, _, folder = rendered
    shot = tmp_path / f"{page}.png"
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1100,1400",
        f"--screenshot={shot}",
        (folder / "r" / "demo" / page).as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a page, not a blank


@pytest.mark.slow
@pytest.mark.parametrize("language", ["id", "en"])
def test_article_kit_holds_the_bundle_numbers(rendered, language):
    from docx import Document

    _, bundle, folder = rendered
    kit = folder / "r" / "demo" / "article" / language
    document = Document(str(kit / "article_tables.docx"))
    # descriptives, tests, effects, reliability, ANCOVA, Bayes factors
    assert len(document.tables) == 6
    header = [c.text for c in document.tables[1].rows[0].cells]
    assert header[:3] == (
        ["Skala", "Kelompok", "Uji"] if language == "id" else ["Scale", "Group", "Test"]
    )
    text = (kit / "paragraphs.md").read_text("utf-8")
    tests = bundle["tests"]
    t = tests[
        (tests["outcome"] == "total") & (tests["group"] == "treatment") & tests["primary"]
    ].iloc[0]
    assert f"= {fmt(t['statistic'], language)}" in text
    ancova = bundle["ancova"].set_index("outcome").loc["total"]
    assert fmt(ancova["adjusted_difference"], language) in text
    assert "\\(" not in text and "&lt;" not in text  # plain text, not Markdown-escaped
    stems = ("figure1_scores", "figure2_category_shift", "figure3_gain", "figure4_items",
             "figure5_qq_differences")  # fmt: skip
    for stem in stems:
        png = (kit / f"{stem}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert (kit / f"{stem}.svg").read_text("utf-8").lstrip().startswith("<?xml")
    captions = (kit / "figure_captions.txt").read_text("utf-8").splitlines()
    assert len(captions) == 5 and all(("n = " in c or "n ≤ " in c) for c in captions)
    markdown = (kit / "table1_descriptives.md").read_text("utf-8").splitlines()
    assert markdown[1].startswith("|---") and len(markdown) > 10


@pytest.mark.slow
def test_a_failed_report_does_not_leave_the_last_runs_beside_the_new_pages(
    rendered, tmp_path, monkeypatch
):
    # The funder pages are written while the notebook runs; when it fails, the report.html of
    # an earlier run must not stay beside them as if it read the same bundle
    from pipeline.errors import Problem, ReportError
    from pipeline.reports import render

    result, _, folder = rendered
    reports = tmp_path / "reports"
    shutil.copytree(folder / "r" / "demo", reports)
    assert (reports / "report.html").exists()

    def failing(parameters):
        raise ReportError([Problem("report_failed", file="report.ipynb", value="boom")], "failed")

    monkeypatch.setattr(render, "_execute_notebooks", failing)
    with pytest.raises(ReportError):
        render.render_reports(result.bundle_dir, reports, language="en")
    assert not (reports / "report.html").exists()
    assert (reports / "funder_summary.html").exists()


def _notebook(folder, last_cell: str):
    """A report notebook of a parameters cell and ``last_cell``."""
    import nbformat

    parameters = nbformat.v4.new_code_cell('bundle_dir = ""\nlanguage = "id"')
    parameters.metadata["tags"] = ["parameters"]
    notebook = nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell(last_cell)])
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    path = folder / "probe.ipynb"
    nbformat.write(notebook, path)
    return path


def test_the_kernel_is_stopped_at_once_with_every_output_in(tmp_path):
    # The kernel is stopped without its graceful teardown once the last cell has finished:
    # the last cell's outputs must all be there, and no kernel left running
    import os

    from pipeline.reports.render import render_notebook

    cell = "import os\nprint(os.getpid())\nfor k in range(200):\n    print('line', k)"
    executed = render_notebook(_notebook(tmp_path, cell), {"bundle_dir": "x", "language": "id"})
    text = "".join(o.get("text", "") for o in executed.cells[-1].outputs)
    lines = text.splitlines()
    assert lines[-1] == "line 199" and len(lines) == 201
    with pytest.raises(ProcessLookupError):
        os.kill(int(lines[0]), 0)


def test_a_failing_cell_still_names_itself_when_the_kernel_is_stopped_at_once(tmp_path):
    from pipeline.errors import ReportError
    from pipeline.reports.render import render_notebook

    path = _notebook(tmp_path, "raise ValueError('no such scale')")
    with pytest.raises(ReportError) as raised:
        render_notebook(path, {"bundle_dir": "x", "language": "id"})
    assert "ValueError: no such scale" in str(raised.value.problems[0].value)
