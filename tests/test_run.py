"""End to end on the bundled demo study: bundle, ledger, report content, privacy, CLI."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from rapidfuzz.distance import Levenshtein
from typer.testing import CliRunner

from pipeline import run_study
from pipeline.bundle.read import load_bundle
from pipeline.cli import app
from tests.conftest import DEMO


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_ledger_accounts_for_every_input_row(demo_analysis):
    ledger = demo_analysis.cleaned.ledger
    raw_rows = sum(len(pd.read_csv(DEMO / f"{w}.csv")) for w in ("pre", "post"))
    assert len(ledger) == raw_rows
    assert not ledger.duplicated(["wave", "source_row"]).any()
    assert set(ledger["outcome"]) <= {"matched", "unmatched", "duplicate", "quarantined"}
    # The demo has one duplicate per wave and one nameless post row, by construction.
    counts = ledger["outcome"].value_counts()
    assert counts["duplicate"] == 2
    assert counts["quarantined"] == 1


def test_matching_recovers_the_simulated_people(demo_analysis):
    """The simulator only drops people from the post wave, so every kept post row has a pre
    partner; names that were matched differ by at most two typing slips."""
    ledger = demo_analysis.cleaned.ledger
    post = ledger[(ledger["wave"] == "post") & ledger["outcome"].isin(["matched", "unmatched"])]
    assert (post["outcome"] == "matched").all()
    matches = demo_analysis.cleaned.matches
    assert (matches["method"] == "fuzzy").sum() >= 5  # the demo has typos to recover
    for a, b in zip(matches["id_base"], matches["id_other"], strict=True):
        squeeze = lambda name: "".join(name.casefold().split())  # noqa: E731
        assert Levenshtein.distance(squeeze(a), squeeze(b)) <= 2, (a, b)


def test_responses_hold_no_personal_data(demo_analysis):
    columns = set(demo_analysis.cleaned.responses.columns)
    assert not columns & {"participant", "id_norm", "contact__nomor whatsapp"}


def test_treatment_improves_more_than_control(demo_analysis):
    tests = demo_analysis.compared.tests
    t_tests = tests[tests["test"] == "paired t"].set_index(["outcome", "group"])
    treatment, control = t_tests.loc[("total", "treatment")], t_tests.loc[("total", "control")]
    assert treatment["estimate"] > control["estimate"]
    assert treatment["p_value"] < 0.05
    # with a control group, pooling both arms into one pre-post test would mislead
    assert set(tests["group"]) == {"treatment", "control"}
    ancova = demo_analysis.compared.ancova.set_index("outcome")
    assert ancova.loc["total", "adjusted_difference"] > 0


@pytest.mark.slow
def test_run_writes_bundle_and_report(demo_copy, tmp_path):
    raw_before = _hashes(demo_copy.parent)
    result = run_study(
        demo_copy, processed_root=tmp_path / "processed", reports_root=tmp_path / "reports"
    )
    assert _hashes(demo_copy.parent) == raw_before, "raw data must never be written"
    bundle = load_bundle(result.bundle_dir)
    for name in ("ledger", "problems", "scores", "descriptives", "tests", "effects"):
        assert (result.bundle_dir / f"{name}.csv").is_file()
    manifest = json.loads((result.bundle_dir / "manifest.json").read_text("utf-8"))
    assert (
        manifest["inputs"]["pre"]["sha256"]
        == hashlib.sha256((demo_copy.parent / "pre.csv").read_bytes()).hexdigest()
    )

    html = result.report_path.read_text("utf-8")
    assert "Laporan Evaluasi Program" in html
    # n per wave and group as the bundle has them
    d = bundle["descriptives"].query("outcome == 'total'")
    for n in d["n"]:
        assert f">{n}<" in html
    # the headline sentence with the treatment group's t and d_z, formatted the Indonesian way
    tests = bundle["tests"]
    t = tests[
        (tests["outcome"] == "total") & (tests["group"] == "treatment") & tests["primary"]
    ].iloc[0]
    effects = bundle["effects"].set_index(["outcome", "group", "effect"])
    if t["test"] == "paired t":
        e = effects.loc[("total", "treatment", "d_z")]
        assert f"t({int(t['df'])}) = {t['statistic']:.2f}".replace(".", ",") in html
        assert f"d_z = {e['value']:.2f}".replace(".", ",") in html
    else:
        e = effects.loc[("total", "treatment", "rank-biserial r")]
        assert f"V = {t['statistic']:.2f}".replace(".", ",") in html
        assert f"r rank-biserial = {e['value']:.2f}".replace(".", ",") in html
    assert "load_bundle" not in html  # code cells are hidden
    # privacy: no name or phone number from the raw exports reaches the report
    raw = pd.concat(
        [pd.read_csv(demo_copy.parent / f"{w}.csv", dtype=str) for w in ("pre", "post")]
    )
    for value in set(raw["Nama Lengkap"].dropna()) | set(raw["Nomor WhatsApp"].dropna()):
        assert value.strip() not in html


@pytest.mark.slow
def test_cli_run_without_report(demo_copy, tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(demo_copy),
            "--no-report",
            "--processed-dir",
            str(tmp_path / "p"),
            "--reports-dir",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Bundle:" in result.output
    assert not (tmp_path / "r").exists()


def test_bundle_tables_are_identical_across_runs(demo_copy, tmp_path):
    first = run_study(demo_copy, processed_root=tmp_path / "a", render_report=False)
    second = run_study(demo_copy, processed_root=tmp_path / "b", render_report=False)
    a, b = _hashes(first.bundle_dir), _hashes(second.bundle_dir)
    a.pop("manifest.json"), b.pop("manifest.json")  # holds the run's time
    assert a == b


def test_review_file_round_trip(demo_copy, tmp_path):
    """The bundle's match_review.csv, edited and declared in study.yaml, steers the next run."""
    import yaml

    first = run_study(demo_copy, processed_root=tmp_path / "p1", render_report=False)
    review = pd.read_csv(first.bundle_dir / "match_review.csv", dtype=str, keep_default_na=False)
    accepted = review[review["status"].str.startswith("accepted")]
    assert len(accepted) >= 1
    rejected = accepted.iloc[0]
    review.loc[rejected.name, "decision"] = "tidak"
    review.to_csv(demo_copy.parent / "match_review.csv", index=False)
    data = yaml.safe_load(demo_copy.read_text("utf-8"))
    data["match_review"] = "match_review.csv"
    demo_copy.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")

    second = run_study(demo_copy, processed_root=tmp_path / "p2", render_report=False)
    matches = second.analysis.cleaned.matches
    assert rejected["name_other"] not in set(matches["id_other"])
    ledger = second.analysis.cleaned.ledger
    assert (ledger["outcome"] == "matched").sum() == (
        first.analysis.cleaned.ledger["outcome"] == "matched"
    ).sum() - 2
    statuses = pd.read_csv(second.bundle_dir / "match_review.csv")["status"]
    assert (statuses == "rejected by review").sum() == 1


def test_outputs_go_under_the_project_root_wherever_the_command_starts(tmp_path):
    from pipeline.config.roots import output_roots

    root = tmp_path / "proyek"
    study = root / "data" / "raw" / "kelas" / "study.yaml"
    study.parent.mkdir(parents=True)
    expected = (root / "data" / "processed", root / "reports")
    for cwd in (root, study.parent, tmp_path):
        assert output_roots(study, cwd=cwd) == expected
        assert output_roots(study.relative_to(tmp_path), cwd=tmp_path) == expected
    outside = tmp_path / "lain" / "study.yaml"
    assert output_roots(outside, cwd=tmp_path) == (
        tmp_path / "data" / "processed",
        tmp_path / "reports",
    )
    assert output_roots(outside, cwd=study.parent) == expected  # never inside data/raw
