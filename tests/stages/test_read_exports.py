"""The fixture corpus (tests/fixtures/exports, made by make_fixtures.py): every unusual layout
reads to the same codes, every broken file gets a clear message, and the ledger adds up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import load_study
from pipeline.errors import InputError
from pipeline.run import analyse
from pipeline.stages.ingest import ingest
from pipeline.stages.read import read_inputs
from pipeline.stages.validate import validate
from tests.conftest import program

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
MANIFEST = yaml.safe_load((FIXTURES / "manifest.yaml").read_text("utf-8"))
ITEMS = [f"{s}{k}" for s in ("sk", "ck", "ex", "gp") for k in range(1, 7)]


def _study(tmp_path: Path, name: str) -> Path:
    entry = MANIFEST[name]
    pre = {"file": str(FIXTURES / name)}
    if "sheet" in entry:
        pre["sheet"] = entry["sheet"]
    study = {
        "program": program("fixture"),
        "instrument": "builtin:career_awareness_planning",
        "waves": {"pre": pre, "post": str(FIXTURES / "post.csv")},
        "columns": {"id": "Nama Lengkap", "contact": ["Nomor WhatsApp"]},
        "groups": {
            "column": "Kelompok",
            "treatment": "Kelas Bimbingan Karier",
            "control": "Kelas Pembanding",
        },
        "demographics": [
            {"name": "gender", "column": "Jenis Kelamin", "values": ["Laki-laki", "Perempuan"]}
        ],
        "analysis": {"max_bad_row_share": 0.5},
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study, allow_unicode=True), "utf-8")
    return path


def test_the_corpus_is_large_enough():
    unusual = [n for n in MANIFEST if n != "post.csv"]
    assert len(unusual) >= 15


VALID = sorted(n for n, e in MANIFEST.items() if e.get("valid"))
FATAL = sorted(n for n, e in MANIFEST.items() if e.get("fatal"))
CELL = sorted(n for n, e in MANIFEST.items() if e.get("problem") or e.get("blank"))


@pytest.fixture(scope="module")
def reference_codes(tmp_path_factory):
    study = load_study(_study(tmp_path_factory.mktemp("ref"), "gforms_id.csv"))
    pre = ingest(read_inputs(study), study).responses.query("wave == 'pre'")
    return pre[["participant", *ITEMS]].reset_index(drop=True)


@pytest.mark.parametrize("name", VALID)
def test_valid_layouts_give_the_same_codes(name, tmp_path, reference_codes):
    study = load_study(_study(tmp_path, name))
    ingested = ingest(read_inputs(study), study)
    pre = ingested.responses.query("wave == 'pre'").reset_index(drop=True)
    assert ingested.problems == ()
    np.testing.assert_array_equal(pre[ITEMS].to_numpy(), reference_codes[ITEMS].to_numpy())
    assert list(pre["participant"]) == list(reference_codes["participant"])
    assert len(analyse(study).validated.problems) == 0
    assert validate(ingested, study).valid["submitted_at"].notna().all()


@pytest.mark.parametrize("name", FATAL)
def test_broken_files_are_refused_with_a_clear_message(name, tmp_path):
    entry = MANIFEST[name]
    study = load_study(_study(tmp_path, name))
    with pytest.raises(InputError) as caught:
        ingest(read_inputs(study), study)
    codes = {p.code for p in caught.value.problems}
    assert entry["fatal"] in codes
    problem = next(p for p in caught.value.problems if p.code == entry["fatal"])
    assert name in problem.message("en") and name in problem.message("id")
    if "column" in entry:
        assert problem.column == entry["column"]
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "study.yaml")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert name in result.output


def _rows(problem) -> list[int]:
    """The rows a problem names: its own, or those a file's summary lists."""
    if problem.row is not None:
        return [problem.row]
    return [int(r) for r in str(problem.details["rows"]).split(", ")]


@pytest.mark.parametrize("name", CELL)
def test_cell_problems_quarantine_rows_and_the_ledger_adds_up(name, tmp_path):
    entry = MANIFEST[name]
    analysis = analyse(load_study(_study(tmp_path, name)))
    ledger = analysis.cleaned.ledger
    pre_ledger = ledger[ledger["wave"] == "pre"]
    assert len(pre_ledger) == entry["rows"]
    assert len(ledger) == entry["rows"] + MANIFEST["post.csv"]["rows"]
    assert not ledger.duplicated(["wave", "source_row"]).any()
    if "problem" in entry:
        problems = [p for p in analysis.validated.problems if p.code == entry["problem"]]
        assert sorted(r for p in problems for r in _rows(p)) == entry["rows_bad"]
        quarantined = pre_ledger[pre_ledger["outcome"] == "quarantined"]["source_row"]
        errors = all(p.severity == "error" for p in problems)
        # an unreadable time is only a warning: the answers are kept
        assert sorted(quarantined) == (entry["rows_bad"] if errors else [])
        for problem in problems:
            if problem.row is None:  # one warning for the file, naming its rows
                assert f"in {name}, column" in problem.message("en")
                assert f"di {name}, kolom" in problem.message("id")
                assert "rows are kept" in problem.message("en")
            else:
                assert f"{name}, row {problem.row}" in problem.message("en")
                assert f"{name}, baris {problem.row}" in problem.message("id")
    if "blank" in entry:
        assert (pre_ledger["outcome"] == "blank").sum() == entry["blank"]


def test_formula_text_is_reported_as_text(tmp_path):
    analysis = analyse(load_study(_study(tmp_path, "formula_cells.csv")))
    (problem,) = [p for p in analysis.validated.problems if p.code == "label_unknown"]
    assert problem.value == '=HYPERLINK("http://contoh.id","klik")'
    assert problem.message("en").startswith(
        'Answer \'=HYPERLINK("http://contoh.id","klik")\' in formula_cells.csv, row 2'
    )


def test_a_failed_run_leaves_its_problem_list(tmp_path):
    from pipeline import run_study

    study = _study(tmp_path, "missing_item_column.csv")
    with pytest.raises(InputError):
        run_study(study, processed_root=tmp_path / "processed", render_report=False)
    problems = (tmp_path / "processed" / "fixture" / "problems.csv").read_text("utf-8")
    assert "No column for sk3 was found" in problems


def test_formula_text_is_neutralized_in_csv_outputs(tmp_path):
    from pipeline import run_study

    result = run_study(
        _study(tmp_path, "formula_cells.csv"),
        processed_root=tmp_path / "processed",
        render_report=False,
    )
    problems = (result.bundle_dir / "problems.csv").read_text("utf-8")
    assert "HYPERLINK" not in problems  # a bad cell's value is masked (kind and length)
    key = (result.bundle_dir / "participant_key.csv").read_text("utf-8")
    assert "'=1+2" in key and ",=1+2" not in key
