"""The CLI's scaffolding and simulation commands produce studies that run."""

from __future__ import annotations

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
