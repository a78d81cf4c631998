"""Problems quote what they found, except where it ends in reports/: a phone number typed as
an answer, an e-mail as a group label, a name as the gender or the timestamp are masked (kind
and length) in report.html and in the bundle tables reports read."""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

import pytest
import yaml

from pipeline.errors import Problem, mask

PHONE, EMAIL, NAME, WHEN = "081234567890", "siti.aminah@contoh.id", "Siti Aminah", "Budi Santoso"


def _edit_row(path, row: int, changes: dict[str, str]) -> None:
    rows = list(csv.reader(path.read_text("utf-8").splitlines()))
    header = rows[0]
    for column, value in changes.items():
        rows[row - 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), "utf-8")


def _answer_header(path) -> str:
    return next(h for h in next(csv.reader([path.read_text("utf-8").splitlines()[0]])) if "[" in h)


def personal_study(demo_copy):
    pre = demo_copy.parent / "pre.csv"
    _edit_row(pre, 2, {_answer_header(pre): PHONE})
    _edit_row(pre, 3, {"Kelompok": EMAIL})
    _edit_row(pre, 4, {"Jenis Kelamin": NAME})
    _edit_row(pre, 5, {"Cap waktu": WHEN})
    return demo_copy


@pytest.fixture(scope="module")
def masked_run(tmp_path_factory):
    import shutil

    from pipeline import run_study
    from tests.conftest import DEMO

    root = tmp_path_factory.mktemp("masked")
    shutil.copytree(DEMO, root / "demo")
    result = run_study(
        personal_study(root / "demo" / "study.yaml"),
        processed_root=root / "p",
        reports_root=root / "r",
    )
    return result


def _public_text(result) -> dict[str, str]:
    from pipeline.bundle.catalog import public_tables

    bundle = result.bundle_dir
    found = {p.name: p.read_text("utf-8") for p in result.report_path.parent.rglob("*.html")}
    found.update(
        {f"{n}.csv": (bundle / f"{n}.csv").read_text("utf-8") for n in public_tables()
         if (bundle / f"{n}.csv").exists()}
    )  # fmt: skip
    return found


@pytest.mark.slow
@pytest.mark.parametrize("value", [PHONE, EMAIL, NAME, WHEN])
def test_a_personal_value_in_a_bad_cell_is_not_quoted_in_reports(masked_run, value):
    for name, text in _public_text(masked_run).items():
        assert value.lstrip("0") not in text, f"{value!r} quoted in {name}"  # even as a number


@pytest.mark.slow
def test_the_report_says_what_kind_of_value_it_was(masked_run):
    html = (masked_run.report_path.parent / "report.html").read_text("utf-8")
    assert "(angka 11 digit)" in html  # the answer read as the number 81234567890
    assert "(alamat e-mail)" in html or "(an e-mail address)" in html
    problems = masked_run.analysis.validated.problems
    assert {p.code for p in problems} >= {"code_out_of_range", "group_unknown", "value_not_allowed"}
    assert any(str(p.value).endswith(PHONE[1:]) for p in problems)  # the run keeps it


@pytest.mark.parametrize(
    ("value", "en", "id"),
    [
        ("0812-3456-7890", "a number of 12 digits", "angka 12 digit"),
        ("+62 812 345", "a number of 8 digits", "angka 8 digit"),
        ("ani@contoh.id", "an e-mail address", "alamat e-mail"),
        ("Siti Aminah", "a text of 11 characters", "teks 11 karakter"),
    ],
)
def test_masks_keep_the_kind_and_length(value, en, id):
    assert mask(value, "en") == en and mask(value, "id") == id


@cache
def _templates() -> dict:
    text = resources.files("pipeline.resources").joinpath("messages.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def test_every_template_quoting_a_row_value_says_whether_it_is_a_cell():
    """A new problem code that places {value} at a {row} must declare quotes_cell, so its
    values are masked in reports when they are a cell's content."""
    undeclared = [
        code
        for code, entry in _templates().items()
        if "en" in entry and "{row}" in entry["en"] and "{value}" in entry["en"]
        and "quotes_cell" not in entry
    ]  # fmt: skip
    assert undeclared == []


def test_every_template_quoting_examples_declares_them_cells():
    """Details that list examples of what a column held are cells too: declared under
    cells_in, so reports leave them out."""
    undeclared = [
        code
        for code, entry in _templates().items()
        if "en" in entry and "{examples}" in entry["en"]
        and "examples" not in entry.get("cells_in", ())
        and code != "quiz_export"  # its examples are column headers, not cells
    ]  # fmt: skip
    assert undeclared == []


def test_examples_of_cells_show_on_the_terminal_and_not_in_tables():
    problem = Problem(
        "timestamps_unreadable", file="pre.csv", column="Timestamp", value="Budi Santoso",
        details={"count": 2, "rows": "2, 3", "examples": "'Budi Santoso', 'kemarin'"},
        severity="warning",
    )  # fmt: skip
    assert "'Budi Santoso', 'kemarin'" in problem.message("en")
    record = problem.as_record()
    assert "Budi" not in str(record) and "kemarin" not in str(record)
    assert "examples are not shown in reports" in record["message_en"]
    assert "contoh tidak ditampilkan di laporan" in record["message_id"]


def test_the_terminal_keeps_the_value_and_the_table_masks_it():
    problem = Problem("label_unknown", file="pre.csv", row=5, column="Q1", value=PHONE)
    assert PHONE in problem.message("en")
    record = problem.as_record()
    assert PHONE not in str(record) and record["value"] == "a number of 12 digits"
