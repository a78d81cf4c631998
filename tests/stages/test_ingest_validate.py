"""Ingest and validation of the demo's messy exports, and of deliberately broken copies."""

from __future__ import annotations

import pytest

from pipeline.config import load_study
from pipeline.errors import InputError
from pipeline.stages.ingest import ingest
from pipeline.stages.read import read_inputs
from pipeline.stages.validate import validate
from pipeline.text import normalize_text


def _replace_cell(csv_path, row: int, old: str, new: str) -> None:
    """Replace text in the spreadsheet row ``row`` (header = 1) of a CSV file."""
    lines = csv_path.read_text("utf-8").split("\n")
    assert old in lines[row - 1]
    lines[row - 1] = lines[row - 1].replace(old, new, 1)
    csv_path.write_text("\n".join(lines), "utf-8")


def test_grid_headers_and_labels_are_coded(demo_copy):
    study = load_study(demo_copy)
    ingested = ingest(read_inputs(study), study)
    items = [i.id for i in study.instrument_spec.items]
    coded = ingested.responses[items]
    assert coded.notna().mean().mean() > 0.95
    assert set(coded.stack().dropna().unique()) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert ingested.responses["source_row"].min() == 2


def test_unknown_label_is_located(demo_copy):
    pre = demo_copy.parent / "pre.csv"
    _replace_cell(pre, 5, ",Setuju,", ",Setujuuu,")
    study = load_study(demo_copy)
    validated = validate(ingest(read_inputs(study), study), study)
    (problem,) = [p for p in validated.problems if p.code == "label_unknown"]
    assert problem.file == "pre.csv" and problem.row == 5
    message = problem.message("en")
    assert message.startswith("Answer 'Setujuuu' in pre.csv, row 5, column 'Seberapa setuju")
    assert "expected a code 1-5 or a label (1 = Sangat Tidak Setuju" in message
    assert "Jawaban 'Setujuuu' di pre.csv, baris 5" in problem.message("id")


def test_out_of_range_code_is_quarantined(demo_copy):
    pre = demo_copy.parent / "pre.csv"
    _replace_cell(pre, 6, ",Setuju,", ",6,")
    study = load_study(demo_copy)
    validated = validate(ingest(read_inputs(study), study), study)
    (problem,) = [p for p in validated.problems if p.code == "code_out_of_range"]
    assert problem.row == 6
    assert problem.message("en").endswith("expected a whole number from 1 to 5, or a blank.")
    assert problem.message("id").endswith(
        "yang diharapkan: bilangan bulat 1 sampai 5, atau kosong."
    )
    assert ("pre.csv", 6) in set(
        zip(validated.quarantine["source_file"], validated.quarantine["source_row"], strict=True)
    )


def test_too_many_bad_rows_stop_the_run(demo_copy):
    import yaml

    data = yaml.safe_load(demo_copy.read_text("utf-8"))
    data["analysis"]["max_bad_row_share"] = 0.0
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    study = load_study(demo_copy)
    with pytest.raises(InputError) as caught:
        validate(ingest(read_inputs(study), study), study)
    first = caught.value.problems[0].message("en")
    assert first.startswith("1 of ") and "more than the limit of 0%" in first


def test_missing_file_and_column_are_reported_together(demo_copy):
    (demo_copy.parent / "post.csv").unlink()
    pre = demo_copy.parent / "pre.csv"
    _replace_cell(pre, 1, "Nama Lengkap", "Nama")
    study = load_study(demo_copy)
    with pytest.raises(InputError) as caught:
        ingest(read_inputs(study), study)
    messages = [p.message("en") for p in caught.value.problems]
    assert any("No column for Nama Lengkap was found" in m for m in messages)
    assert any(m.startswith("The data file of wave post was not found") for m in messages)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("  Sangat   SETUJU ", "sangat setuju"), ("Netral.", "netral"), ("Café", "cafe")],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected
