"""The hand-made real-export corpus (tests/fixtures/real_exports, manifest.yaml) end to end:
each shape through ``pkm-eval validate`` and ``pkm-eval run`` gets the outcome its manifest
entry states, a clear message or a correct analysis, with the ledger equal to the input rows
and never a run that exits 0 with people merged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from pipeline.bundle.read import load_bundle
from pipeline.cli import app
from pipeline.config import builtin_instrument_path, load_study
from pipeline.run import analyse
from pipeline.stages.ingest import ingest
from pipeline.stages.read import read_inputs
from pipeline.stages.validate import validate
from tests.conftest import program
from tests.stages.real_exports import MANIFEST, REAL

runner = CliRunner()
PRE = sorted(name for name, entry in MANIFEST.items() if entry.get("wave") == "pre")


def _folder(tmp_path: Path, name: str, *, columns: dict | None = None, **extra) -> Path:
    """A study of one corpus file (as the pre wave; its pair, or a copy of itself, as the
    post wave) with the bundled KPK-24 codebook, whose texts the corpus uses."""
    entry = MANIFEST[name]
    folder = tmp_path / "data" / "raw" / Path(name).stem.replace("_", "-")
    folder.mkdir(parents=True)
    post = entry.get("pair", name)
    suffix = Path(name).suffix
    shutil.copy(REAL / name, folder / f"pre{suffix}")
    shutil.copy(REAL / post, folder / f"post{suffix}")
    study = {
        "program": program(folder.name),
        "instrument": "builtin:career_awareness_planning",
        "waves": {"pre": f"pre{suffix}", "post": f"post{suffix}"},
        "columns": columns or {"id": entry["id"]["column"], "id_kind": entry["id"]["kind"]},
        "report": {"language": "en" if name.endswith("_en.csv") else "id"},
        **extra,
    }
    (folder / "study.yaml").write_text(yaml.safe_dump(study, allow_unicode=True), "utf-8")
    return folder / "study.yaml"


def _rows(name: str) -> int:
    entry = MANIFEST[name]
    return entry["rows"] + MANIFEST[entry.get("pair", name)]["rows"]


def _run(study: Path, *args: str):
    return runner.invoke(app, ["run", str(study), "--no-report", *args])


def _ledger(study: Path) -> pd.DataFrame:
    root = study.parents[3]  # <tmp>/data/raw/<name>/study.yaml: the project root
    return load_bundle(root / "data" / "processed" / load_study(study).program.id)["ledger"]


def _assert_nobody_merged(ledger: pd.DataFrame, rows: int) -> None:
    assert len(ledger) == rows
    assert not ledger.duplicated(["wave", "source_row"]).any()
    assert "duplicate" not in set(ledger["outcome"])  # the corpus has no repeated submission
    kept = ledger[ledger["outcome"].isin(["matched", "unmatched"])]
    assert not kept.duplicated(["participant_code", "wave"]).any()


# --------------------------------------------------------------------------- who is who


def test_masked_names_are_not_merged_and_the_student_number_is_used(tmp_path):
    study = _folder(tmp_path, "masked_names_pre.csv", columns={"id": "Nama"})
    checked = runner.invoke(app, ["validate", str(study)])
    assert checked.exit_code == 0, checked.output
    assert "'Nama' cannot tell people apart" in checked.output
    assert "'NIM' identifies the participants instead" in checked.output
    result = _run(study)
    assert result.exit_code == 0, result.output
    assert result.output.count("cannot tell people apart") == 1  # one message, in the summary
    assert "'NIM' is used instead" in result.output
    ledger = _ledger(study)
    _assert_nobody_merged(ledger, _rows("masked_names_pre.csv"))
    assert ledger["outcome"].value_counts().to_dict() == MANIFEST["masked_names_pre.csv"]["ledger"]
    bundle = study.parents[3] / "data" / "processed" / "masked-names-pre"
    key = pd.read_csv(bundle / "participant_key.csv", dtype=str)
    assert key["participant"].str.fullmatch(r"2205\d{6}").all()  # the NIMs
    assert key["contact__nama"].str.contains("*", regex=False).all()  # the masks, kept aside


def test_initials_stop_before_any_merge_with_the_remedy(tmp_path):
    study = _folder(tmp_path, "initials_pre.csv")
    for command in (["validate", str(study)], ["run", str(study), "--no-report"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1, result.output
        assert "No column can tell the participants apart" in result.output
        assert "'Inisial Nama' cannot identify anyone (initials instead of names" in result.output
        assert "student number (NIM/NIS) or e-mail" in result.output
    assert not (study.parents[3] / "data" / "processed" / "initials-pre" / "ledger.csv").exists()
    indonesian = runner.invoke(app, ["validate", str(study), "--lang", "id"])
    assert "Tidak ada kolom yang dapat membedakan peserta" in indonesian.output
    assert "inisial, bukan nama" in indonesian.output


def test_student_number_typos_are_proposed_for_review_and_accepted_once_reviewed(tmp_path):
    entry = MANIFEST["nim_typos_pre.csv"]
    columns = {"id": ["NIM", "Nama Mahasiswa"], "id_kind": ["number", "name"]}
    study = _folder(
        tmp_path,
        "nim_typos_pre.csv",
        columns=columns,
        groups={
            "column": "Kelompok",
            "treatment": "Peserta PKM",
            "control": "Kelompok Pembanding",
        },
    )
    result = _run(study)
    assert result.exit_code == 0, result.output
    assert "3 student-number pair(s) one digit apart with similar names" in result.output
    ledger = _ledger(study)
    _assert_nobody_merged(ledger, _rows("nim_typos_pre.csv"))
    assert ledger["outcome"].value_counts().to_dict() == entry["ledger"]
    bundle = study.parents[3] / "data" / "processed" / "nim-typos-pre"
    review = pd.read_csv(bundle / "match_review.csv", dtype=str, keep_default_na=False)
    proposed = review[review["status"].str.startswith("proposed: student numbers")]
    pairs = {
        (r.name_base.lstrip("'").replace(" ", ""), r.name_other) for r in proposed.itertuples()
    }
    assert pairs == {(p["pre"], p["post"]) for p in entry["near_miss"]}
    for miss in entry["near_miss"]:
        assert proposed["status"].str.contains(f"({miss['edit']})", regex=False).any()
    proposals = review["status"].str.startswith("proposed")
    decided = review.assign(decision=proposals.map({True: "ya", False: ""}))
    decided.to_csv(study.parent / "match_review.csv", index=False)
    data = yaml.safe_load(study.read_text("utf-8")) | {"match_review": "match_review.csv"}
    study.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    again = _run(study)
    assert again.exit_code == 0, again.output
    assert _ledger(study)["outcome"].value_counts()["matched"] == entry["ledger"]["matched"] + 6
    assert "Nothing needs a person." in again.output


# --------------------------------------------------------------------------- times and layouts

READ_WHOLE = [
    "gforms_download_en.csv",
    "excel_resave_us.csv",
    "excel_resave.xlsx",
    "kobo_versions.csv",
    "quiz_en.csv",
    "masked_names_pre.csv",
    "nim_typos_pre.csv",
]


@pytest.mark.parametrize("name", READ_WHOLE)
def test_every_time_is_read_as_the_file_wrote_it(name, tmp_path):
    entry = MANIFEST[name]
    columns = {"id": "NIM", "id_kind": "number"} if "pair" in entry else None
    study = load_study(_folder(tmp_path, name, columns=columns))
    validated = validate(ingest(read_inputs(study), study), study)
    assert not [p for p in validated.problems if p.code.startswith("timestamp")]
    times = validated.valid.groupby("wave")["submitted_at"]
    waves = {"pre": entry, "post": MANIFEST[entry.get("pair", name)]}
    for wave, expected in waves.items():
        first, last = times.min()[wave], times.max()[wave]
        assert (first, last) == (
            pd.Timestamp(expected["timestamps"]["first"]),
            pd.Timestamp(expected["timestamps"]["last"]),
        )


@pytest.mark.parametrize("name", READ_WHOLE)
def test_well_formed_exports_run_and_account_for_every_row(name, tmp_path):
    entry = MANIFEST[name]
    columns = {"id": "NIM", "id_kind": "number"} if "pair" in entry else None
    study = _folder(tmp_path, name, columns=columns)
    result = _run(study)
    assert result.exit_code == 0, result.output
    ledger = _ledger(study)
    _assert_nobody_merged(ledger, _rows(name))
    if "pair" not in entry:  # the same file twice: everyone answered both waves
        assert set(ledger["outcome"]) == {"matched"}
    bundle = load_bundle(study.parents[3] / "data" / "processed" / load_study(study).program.id)
    responses = bundle["responses"]
    assert responses[[i.id for i in load_study(study).instrument_spec.items]].notna().all().all()


def test_the_blank_second_kobo_column_is_ignored_with_a_warning(tmp_path):
    study = _folder(tmp_path, "kobo_versions.csv")
    result = runner.invoke(app, ["validate", str(study)])
    assert result.exit_code == 0, result.output
    assert "Warnings (the rows are kept)" in result.output
    assert result.output.count("A second column headed") == 2  # one per file (pre, post)
    [answered] = MANIFEST["kobo_versions.csv"]["empty_duplicates"].values()
    assert analyse(load_study(study)).ingested.item_headers["pre"]["sk3"] == answered


def test_a_quiz_export_with_ragged_rows_is_read_without_shifting_an_answer(tmp_path):
    entry = MANIFEST["quiz_id.csv"]
    study = _folder(tmp_path, "quiz_id.csv")
    checked = runner.invoke(app, ["validate", str(study)])
    assert checked.exit_code == 0, checked.output
    assert "is a Google Forms quiz export" in checked.output
    for row in entry["ragged"]["short"]:
        assert (
            f"Short row in pre.csv, row {row}: 41 cells where the header has 43" in checked.output
        )
    for row in entry["ragged"]["long"]:
        assert f"Long row in pre.csv, row {row}: 44 cells" in checked.output
    analysis = analyse(load_study(study))
    ledger = analysis.cleaned.ledger
    assert len(ledger) == 2 * entry["rows"]
    quarantined = ledger[ledger["outcome"] == "quarantined"]
    assert sorted(quarantined["source_row"]) == entry["ragged"]["long"] * 2
    # The short rows' Likert answers are those of their own cells, in their own columns.
    raw = pd.read_csv(REAL / "quiz_id.csv", dtype=str, keep_default_na=False, on_bad_lines="skip")
    loaded = load_study(study)
    ingested = ingest(read_inputs(loaded), loaded)
    grid = ingested.item_headers["pre"]
    coded = ingested.responses.query("wave == 'pre'").set_index("source_row")
    labels = {t.id: c for c, t in load_study(study).instrument_spec.response_scale.labels.items()}
    for row in entry["ragged"]["short"]:
        cells = raw.iloc[row - 2 - (row > 15)]  # pandas skipped the long row 15
        for item_id, header in grid.items():
            assert coded.at[row, item_id] == labels[cells[header]]
    quiz_columns = [c for c in ingested.responses if "Skor" in c or "Masukan" in c]
    assert quiz_columns == []


# --------------------------------------------------------------------------- headers and splits


def test_a_reworded_numbered_header_names_its_closest_header_and_the_key_to_add(tmp_path):
    study = _folder(tmp_path, "numbered_headers.csv")
    result = runner.invoke(app, ["validate", str(study)])
    assert result.exit_code == 1, result.output
    expected = MANIFEST["numbered_headers.csv"]["by_similarity"]["gp3"]
    lines = [line for line in result.output.splitlines() if line.startswith("- ")]
    assert len(lines) == 2  # gp3 in pre.csv and in post.csv; every other item was found
    for line in lines:
        assert "No column for gp3" in line
        assert f"the closest header is '{expected['header']}'" in line
        assert "add it to the codebook under 'headers:' of item gp3" in line
        similarity = int(line.split("' (")[1].split("%")[0])
        assert similarity >= expected["min"]
    # The remedy works: the header under gp3's 'headers:' in a copy of the codebook.
    codebook = yaml.safe_load(builtin_instrument_path("career_awareness_planning").read_text())
    gp3 = next(i for i in codebook["items"] if i["id"] == "gp3")
    gp3["headers"] = [expected["header"]]
    (study.parent / "codebook.yaml").write_text(yaml.safe_dump(codebook, allow_unicode=True))
    data = yaml.safe_load(study.read_text("utf-8")) | {"instrument": "codebook.yaml"}
    study.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    fixed = _run(study)
    assert fixed.exit_code == 0, fixed.output
    _assert_nobody_merged(_ledger(study), _rows("numbered_headers.csv"))


def test_the_item_text_is_quoted_in_the_report_language(tmp_path):
    study = _folder(tmp_path, "numbered_headers.csv", report={"language": "en"})
    result = runner.invoke(app, ["validate", str(study)])
    gp3 = load_study(study).instrument_spec.item("gp3").text
    assert f"a column headed like '{gp3.en}'" in result.output
    assert gp3.id not in result.output.replace(gp3.en, "")


@pytest.mark.parametrize("name", ["one_column_semicolon.csv", "one_column_quoted_lines.csv"])
def test_a_one_column_read_is_one_message_naming_the_fault_and_the_delimiter(name, tmp_path):
    split = MANIFEST[name]["split"]
    study = _folder(tmp_path, name, columns={"id": "Nama Lengkap"})
    result = runner.invoke(app, ["validate", str(study)])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("- ")]
    assert len(lines) == 2  # one per file, not one per item
    for line in lines:
        assert "was read as one single column" in line
        assert "wrapped whole in quotes" in line
        assert f"{split['fields']} columns separated by {split['delimiter']!r}" in line
