"""The CLI's scaffolding and simulation commands produce studies that run."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from pipeline.bundle.read import load_bundle
from pipeline.cli import app
from pipeline.config import load_study

runner = CliRunner()


def test_init_scaffolds_a_valid_study_with_editable_instrument(tmp_path):
    folder = tmp_path / "pesantren-2026"
    result = runner.invoke(app, ["init", str(folder), "--with-example-data"])
    assert result.exit_code == 0, result.output
    study = load_study(folder / "study.yaml")
    assert study.program.id == "pesantren-2026"
    assert study.instrument == "career_awareness_planning.yaml"
    assert (folder / "pre.csv").is_file() and (folder / "post.csv").is_file()
    check = runner.invoke(app, ["validate", str(folder / "study.yaml")])
    assert check.exit_code == 0, check.output
    again = runner.invoke(app, ["init", str(folder)])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_init_without_data_tells_the_next_step(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "desa")])
    assert result.exit_code == 0
    assert "pkm-eval validate" in result.output
    assert not (tmp_path / "desa" / "pre.csv").exists()


def test_simulate_then_run_without_report(tmp_path):
    folder = tmp_path / "trial"
    made = runner.invoke(
        app, ["simulate", str(folder), "--n-treatment", "12", "--n-control", "0", "--seed", "3"]
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(
        app,
        [
            "run",
            str(folder / "study.yaml"),
            "--no-report",
            "--processed-dir",
            str(tmp_path / "processed"),
        ],
    )
    assert result.exit_code == 0, result.output
    bundle = load_bundle(tmp_path / "processed" / "trial")
    assert set(bundle["tests"]["group"]) == {"all"}
    assert {"code": "no_control"} in bundle.results["limits"]
    assert not load_study(folder / "study.yaml").groups


# --------------------------------------------------------------------------- issue 16

REAL = Path(__file__).resolve().parent / "fixtures" / "real_exports"


def test_plain_init_is_neutral_and_bilingual(tmp_path):
    folder = tmp_path / "desa-karier"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    text = (folder / "study.yaml").read_text("utf-8")
    for demo_only in ('Jenis Kelamin"\n', "Nomor WhatsApp", "Kelas Pembanding", "Bimbingan"):
        assert demo_only not in text
    assert "ISI" in text and "FILL IN" in text and "init FOLDER --from" in text
    study = load_study(folder / "study.yaml")
    assert (study.program.id, study.groups, study.demographics) == ("desa-karier", None, [])
    assert "init FOLDER --from" in result.output


def test_init_from_drafts_a_study_that_validates_and_runs(tmp_path):
    downloads = tmp_path / "unduhan"
    downloads.mkdir()
    for wave in ("pre", "post"):
        shutil.copy(REAL / f"masked_names_{wave}.csv", downloads / f"{wave}.csv")
    folder = tmp_path / "data" / "raw" / "kelas-bk"
    made = runner.invoke(
        app,
        ["init", str(folder), "--from", str(downloads / "pre.csv"), str(downloads / "post.csv")],
    )
    assert made.exit_code == 0, made.output
    assert "Participant id: 'NIM' (number)" in made.output
    assert (folder / "pre.csv").read_bytes() == (downloads / "pre.csv").read_bytes()
    study = load_study(folder / "study.yaml")
    assert study.instrument == "codebook.yaml" and len(study.instrument_spec.items) == 24
    assert all(item.text.en is None for item in study.instrument_spec.items)
    checked = runner.invoke(app, ["validate", str(folder / "study.yaml")])
    assert checked.exit_code == 0, checked.output
    ran = runner.invoke(app, ["run", str(folder / "study.yaml"), "--no-report"])
    assert ran.exit_code == 0, ran.output
    ledger = load_bundle(tmp_path / "data" / "processed" / "kelas-bk")["ledger"]
    assert ledger["outcome"].value_counts().to_dict() == {"matched": 76, "unmatched": 2}


def test_init_from_without_a_questionnaire_says_so(tmp_path):
    export = tmp_path / "saran.csv"
    export.write_text("Nama,Saran\nAni,Bagus\nBudi,Lebih lama\n", "utf-8")
    result = runner.invoke(app, ["init", str(tmp_path / "x"), "--from", str(export)])
    assert result.exit_code == 1
    assert "No questionnaire was found in saran.csv" in result.output
    assert not (tmp_path / "x" / "study.yaml").exists()
    indonesian = runner.invoke(
        app, ["init", str(tmp_path / "x"), "--from", str(export), "--lang", "id"]
    )
    assert "Tidak ada kuesioner di saran.csv" in indonesian.output


def test_exports_without_from_are_a_usage_error(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "x"), str(REAL / "quiz_en.csv")])
    assert result.exit_code == 2
    assert "--from" in result.output


def _demo_with_a_bad_time(tmp_path) -> Path:
    folder = tmp_path / "data" / "raw" / "demo"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "raw" / "demo", folder)
    lines = (folder / "pre.csv").read_text("utf-8").splitlines(keepends=True)
    lines[4] = "kemarin sore" + lines[4][lines[4].index(",") :]
    (folder / "pre.csv").write_text("".join(lines), "utf-8")
    return folder / "study.yaml"


def test_validate_keeps_warnings_apart_and_ends_with_what_needs_a_person(tmp_path):
    study = _demo_with_a_bad_time(tmp_path)
    result = runner.invoke(app, ["validate", str(study)])
    assert result.exit_code == 0, result.output
    assert "Rows that will be quarantined" not in result.output
    assert "Warnings (the rows are kept)" in result.output
    assert result.output.count("cannot be read (rows 5;") == 1
    assert "Needs a person:" in result.output
    assert "1 submission time(s) could not be read (the rows are kept)" in result.output
    assert "1 row(s) quarantined: their reasons are in the list above" in result.output


def test_lang_id_says_the_headline_and_the_summary_in_indonesian(tmp_path, monkeypatch):
    study = _demo_with_a_bad_time(tmp_path)
    monkeypatch.chdir(study.parent)  # run from inside the study folder
    result = runner.invoke(app, ["run", "study.yaml", "--no-report", "--lang", "id"])
    assert result.exit_code == 0, result.output
    assert "Selesai. 120 baris masukan: cocok" in result.output
    assert "Perlu diperiksa:" in result.output
    assert "waktu pengisian tidak terbaca" in result.output
    assert "Done." not in result.output and "Needs a person" not in result.output
    # Outputs go under the project root, not inside data/raw/demo.
    assert (tmp_path / "data" / "processed" / "demo" / "ledger.csv").is_file()
    assert not (study.parent / "data").exists()


def test_a_template_that_does_not_fit_names_the_study_keys_and_the_headers_found(tmp_path):
    folder = tmp_path / "kelas"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    for wave in ("pre", "post"):
        shutil.copy(REAL / "initials_pre.csv", folder / f"{wave}.csv")
    text = (folder / "study.yaml").read_text("utf-8")
    (folder / "study.yaml").write_text(text.replace("contact: []", 'contact: ["No HP"]'), "utf-8")
    result = runner.invoke(app, ["validate", str(folder / "study.yaml")])
    assert result.exit_code == 1
    assert "group_label" not in result.output and "contact__" not in result.output
    assert "declared under columns.id in the study file" in result.output
    assert "declared under columns.contact in the study file" in result.output
    assert "the headers found are 'Cap waktu', 'Inisial Nama', 'Kelas'" in result.output


def test_lang_option_is_case_insensitive(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nope.yaml"), "--lang", "ID"])
    assert result.exit_code == 1
    assert "tidak ditemukan" in result.output
    assert "Traceback" not in result.output


def test_validate_takes_a_try_out_which_has_one_wave():
    # a try-out has nothing to pair: validate checks it as run does, without a "no pairs" stop
    study = Path(__file__).resolve().parents[1] / "data/raw/examples/tryout/study.yaml"
    result = CliRunner().invoke(app, ["validate", str(study), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "No participant answered both before and after" not in result.output
