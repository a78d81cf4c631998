"""A study whose user text is hostile (a scale name and an attendance session name holding an
``<img onerror>``, Markdown links, math, category labels typed as ``@sedang``) runs end to
end: every report, article-kit file, workbook and bundle CSV shows the text as typed."""

from __future__ import annotations

import csv
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from pipeline.simulate.examples import EXAMPLES_ROOT

BAD = "<img src=x onerror=alert(1)> [x](http://evil.example/a) **b** $x^2$ www.evil.example"
_INSTRUMENT = Path(__file__).resolve().parents[2] / "pipeline/resources/instruments"


def hostile_study(folder: Path) -> Path:
    """The pesantren example with user text that tries to act in every output."""
    shutil.copytree(EXAMPLES_ROOT / "pesantren", folder)
    codebook = yaml.safe_load((_INSTRUMENT / "career_awareness_planning.yaml").read_text("utf-8"))
    for scale in codebook["scales"]:
        scale["name"] = {"id": f"{BAD} {scale['id']}", "en": f"{BAD} {scale['id']}"}
    codebook["total_scale"]["name"] = {"id": f"{BAD} total", "en": f"{BAD} total"}
    (folder / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True), "utf-8")
    study = yaml.safe_load((folder / "study.yaml").read_text("utf-8"))
    study["instrument"] = "codebook.yaml"
    study["program"].update(id="hostile", method=BAD, partner=BAD, place=BAD, funder=BAD)
    study["categories"] = {"custom": {"cuts": [2.5, 3.5], "labels": ["@rendah", "@sedang", "=x"]}}
    (folder / "study.yaml").write_text(yaml.safe_dump(study, allow_unicode=True), "utf-8")
    log = (folder / "attendance.csv").read_text("utf-8").splitlines()
    quoted = '"' + BAD.replace('"', '""') + '"'
    log = [log[0], *(re.sub(r"^1,", quoted + ",", line) for line in log[1:])]
    (folder / "attendance.csv").write_text("\n".join(log) + "\n", "utf-8")
    return folder / "study.yaml"


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _formula_cells(path: Path) -> list[str]:
    rows = csv.reader(path.read_text("utf-8").splitlines())
    return [
        cell
        for row in rows
        for cell in row
        if cell.lstrip(" ").startswith(_FORMULA)
        and not re.fullmatch(r"-|[+-]?\d+([.,]\d+)?(e[+-]?\d+)?", cell.strip(), re.I)
    ]


class _Tags(HTMLParser):
    """Every tag of a page with its attributes, as a browser would parse them (text inside an
    attribute, such as a figure's alternative text, is not a tag)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    from pipeline import run_study

    root = tmp_path_factory.mktemp("hostile")
    result = run_study(
        hostile_study(root / "study"), processed_root=root / "p", reports_root=root / "r"
    )
    return result.bundle_dir, result.report_path.parent


@pytest.mark.slow
@pytest.mark.parametrize("page", ["report.html", "funder_summary.html"])
def test_html_reports_show_user_text_and_run_none(hostile_run, page):
    html = (hostile_run[1] / page).read_text("utf-8")
    tags = _tags(html)
    assert not [(tag, name) for tag, attrs in tags for name in attrs if name.startswith("on")]
    assert not [attrs for tag, attrs in tags if tag == "a" and "evil" in (attrs.get("href") or "")]
    assert not [attrs for tag, attrs in tags if tag == "img" and attrs.get("src") == "x"]
    assert "MathJax" not in html  # "$x^2$" is shown, not typeset
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the text itself is there


@pytest.mark.slow
def test_the_attendance_session_name_is_text_in_the_report(hostile_run):
    html = (hostile_run[1] / "report.html").read_text("utf-8")
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 10  # scales, session, facts


@pytest.mark.slow
def test_article_kit_markdown_holds_no_markup_or_links(hostile_run):
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    markdown = sorted((hostile_run[1] / "article").rglob("*.md"))
    assert len(markdown) >= 10
    for path in markdown:
        rendered = markdown2html_mistune(path.read_text("utf-8"))
        assert "<img" not in rendered, path.name
        assert not re.search(r"<a [^>]*href=\"(?!#)", rendered), path.name  # heading anchors only
        assert "<strong>b</strong>" not in rendered, path.name


@pytest.mark.slow
def test_every_csv_and_workbook_cell_is_text_not_formula(hostile_run):
    from openpyxl import load_workbook

    bundle, reports = hostile_run
    tables = sorted(bundle.glob("*.csv")) + sorted(reports.rglob("*.csv"))
    assert len(tables) > 30
    assert "'@sedang" in (bundle / "categories.csv").read_text("utf-8")
    for path in tables:
        assert _formula_cells(path) == [], path.name
    for path in reports.rglob("*.xlsx"):
        for sheet in load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                assert all(cell.data_type != "f" for cell in row), path.name
