"""Regression tests for defects found in review: ids that are numbers, two waves in one
workbook, careless reasons on a gapped index, a wave without pairs, repeated headers, same-name
conflicts, follow-up waves, one active arm, and failed runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from pipeline import run_study
from pipeline.bundle.read import load_bundle
from pipeline.cli import app
from pipeline.config import load_instrument, load_study
from pipeline.errors import InputError, ReportError
from pipeline.run import analyse
from pipeline.simulate.exports import encode
from pipeline.simulate.survey import SimulationSpec, simulate_study
from pipeline.stages.careless import careless_flags
from tests.conftest import program

INSTRUMENT = load_instrument("builtin:career_awareness_planning")


def _waves(**spec):
    base = {
        "n_treatment": 6,
        "n_control": 5,
        "duplicates": 0,
        "nameless_rows": 0,
        "careless": 0,
        "dropout": 0.0,
        "typo_rate": 0.0,
        "missing_rate": 0.0,
        "seed": 3,
    }
    return simulate_study(INSTRUMENT, SimulationSpec(**{**base, **spec}))


def _study(folder: Path, waves: dict, **extra) -> Path:
    study = {
        "program": program("fix"),
        "instrument": "builtin:career_awareness_planning",
        "waves": waves,
        "columns": {"id": "Nama Lengkap", "contact": ["Nomor WhatsApp"]},
        "groups": {
            "column": "Kelompok",
            "treatment": "Kelas Bimbingan Karier",
            "control": "Kelas Pembanding",
        },
        "analysis": {"max_bad_row_share": 0.5},
        **extra,
    }
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(study, allow_unicode=True), "utf-8")
    return path


def test_student_numbers_match_exactly_never_by_similarity(tmp_path):
    waves = _waves()
    pre, post = waves["pre"], waves["post"]
    pre["Nama Lengkap"] = [f"00211051{1000 + i}" for i in range(len(pre))]
    post["Nama Lengkap"] = [f"211051{1100 + i}" for i in range(len(post))]  # other students
    post.loc[0, "Nama Lengkap"] = "2110511000"  # the first student, leading zeros dropped
    (tmp_path / "pre.csv").write_bytes(encode(pre))
    (tmp_path / "post.csv").write_bytes(encode(post))
    path = _study(tmp_path, {"pre": "pre.csv", "post": "post.csv"})
    data = yaml.safe_load(path.read_text("utf-8"))
    data["columns"]["id_kind"] = "number"
    path.write_text(yaml.safe_dump(data), "utf-8")
    analysis = analyse(load_study(path))
    matches = analysis.cleaned.matches
    assert list(matches["method"]) == ["exact"]
    assert analysis.cleaned.review.empty


def test_two_waves_in_one_workbook_keep_their_rows_apart(tmp_path):
    from openpyxl import load_workbook

    waves = _waves()
    waves["pre"].loc[3, waves["pre"].columns[6]] = "7"  # spreadsheet row 5 of the pre sheet
    pre_bytes = encode(waves["pre"], fmt="xlsx", sheet="Pre")
    post_bytes = encode(waves["post"], fmt="xlsx", sheet="Post")
    (tmp_path / "pre.xlsx").write_bytes(pre_bytes)
    (tmp_path / "post.xlsx").write_bytes(post_bytes)
    book = load_workbook(tmp_path / "pre.xlsx")
    post_sheet = load_workbook(tmp_path / "post.xlsx")["Post"]
    target = book.create_sheet("Post")
    for row in post_sheet.iter_rows(values_only=True):
        target.append(list(row))
    book.save(tmp_path / "data.xlsx")
    path = _study(
        tmp_path,
        {
            "pre": {"file": "data.xlsx", "sheet": "Pre"},
            "post": {"file": "data.xlsx", "sheet": "Post"},
        },
    )
    analysis = analyse(load_study(path))
    quarantine = analysis.validated.quarantine
    assert list(zip(quarantine["wave"], quarantine["source_row"], strict=True)) == [("pre", 5)]
    (problem,) = analysis.validated.problems
    assert problem.message("en").startswith(
        "Value '7' in data.xlsx [Pre], row 5, column 'Seberapa setuju"
    )


def test_careless_reasons_follow_their_rows_on_a_gapped_index():
    items = [i.id for i in INSTRUMENT.items]
    frame = pd.DataFrame(
        np.tile(np.arange(1, 6), 5)[:24][None, :].repeat(3, axis=0),
        columns=items,
        dtype=float,
        index=[4, 9, 17],
    )
    frame.loc[17, items] = 2.0
    frame["ac1"] = [4.0, 1.0, 4.0]
    flags = careless_flags(frame, INSTRUMENT, longstring_share=0.8)
    assert flags.loc[4, "reason"] == ""
    assert flags.loc[9, "reason"] == "1 attention check(s) failed"
    assert flags.loc[17, "reason"] == "same answer on 24 of 24 items"


def test_no_pairs_stops_with_a_clear_message(tmp_path):
    waves = _waves()
    waves["post"]["Nama Lengkap"] = [f"Orang Lain {i}" for i in range(len(waves["post"]))]
    (tmp_path / "pre.csv").write_bytes(encode(waves["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    path = _study(tmp_path, {"pre": "pre.csv", "post": "post.csv"})
    with pytest.raises(InputError) as caught:
        analyse(load_study(path))
    assert caught.value.problems[0].message("en") == (
        "No participant answered both before and after; no paired comparison can be computed."
    )


def test_a_wave_with_every_row_bad_stops_even_at_a_generous_limit(tmp_path):
    waves = _waves()
    waves["post"]["Kelompok"] = "Kelas Lain"
    (tmp_path / "pre.csv").write_bytes(encode(waves["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    path = _study(tmp_path, {"pre": "pre.csv", "post": "post.csv"})
    data = yaml.safe_load(path.read_text("utf-8"))
    data["analysis"]["max_bad_row_share"] = 1.0
    path.write_text(yaml.safe_dump(data), "utf-8")
    with pytest.raises(InputError) as caught:
        analyse(load_study(path))
    first = caught.value.problems[0].message("en")
    assert first.startswith("11 of 11 rows of the post wave in post.csv have problems")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_repeated_item_header_is_refused(tmp_path, fmt):
    waves = _waves()
    pre = waves["pre"]
    column = pre.columns[6]
    doubled = pd.concat([pre, pre[[column]]], axis=1)
    (tmp_path / f"pre.{fmt}").write_bytes(encode(doubled, fmt=fmt))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    path = _study(tmp_path, {"pre": f"pre.{fmt}", "post": "post.csv"})
    with pytest.raises(InputError) as caught:
        analyse(load_study(path))
    messages = [p.message("en") for p in caught.value.problems]
    assert any(f"Column header '{column}' appears 2 times in" in m for m in messages)


def test_same_id_with_another_group_is_reported_not_silently_merged(tmp_path):
    waves = _waves()
    pre = waves["pre"]
    twin = pre.iloc[[0]].copy()
    twin["Kelompok"] = "Kelas Pembanding"
    twin["Cap waktu"] = "06/07/2026 12:00:00"
    pre = pd.concat([pre, twin], ignore_index=True)
    (tmp_path / "pre.csv").write_bytes(encode(pre))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    result = run_study(
        _study(tmp_path, {"pre": "pre.csv", "post": "post.csv"}),
        processed_root=tmp_path / "out",
        render_report=False,
    )
    (warning,) = result.analysis.cleaned.warnings
    assert warning.row == 2 and warning.severity == "warning"
    assert "possibly two different people" in warning.message("en")
    problems = pd.read_csv(result.bundle_dir / "problems.csv")
    assert "duplicate_conflict" in set(problems["code"])
    name = pre.loc[0, "Nama Lengkap"]
    assert name not in (result.bundle_dir / "problems.csv").read_text("utf-8")


def test_follow_up_joins_people_first_seen_in_post(tmp_path):
    waves = _waves()
    pre, post = waves["pre"], waves["post"]
    follow = post.copy()
    late = post.loc[0, "Nama Lengkap"]
    pre = pre[pre["Nama Lengkap"] != late]  # this person skipped the pre wave
    for name, frame in {"pre": pre, "post": post, "follow": follow}.items():
        (tmp_path / f"{name}.csv").write_bytes(encode(frame))
    path = _study(tmp_path, {"pre": "pre.csv", "post": "post.csv", "follow_up": "follow.csv"})
    analysis = analyse(load_study(path))
    attrition = analysis.cleaned.attrition.query("group == 'all'").set_index("pattern")["n"]
    assert attrition["post+follow_up"] == 1
    assert "follow_up only" not in attrition.index


def test_one_active_arm_is_named_and_its_limit_said(tmp_path):
    waves = _waves()
    for wave in waves.values():
        wave["Kelompok"] = "Kelas Pembanding"
    (tmp_path / "pre.csv").write_bytes(encode(waves["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    result = run_study(
        _study(tmp_path, {"pre": "pre.csv", "post": "post.csv"}),
        processed_root=tmp_path / "out",
        render_report=False,
    )
    assert set(result.analysis.compared.tests["group"]) == {"control"}
    codes = {limit["code"] for limit in load_bundle(result.bundle_dir).results["limits"]}
    assert "no_treatment" in codes


def test_a_failed_run_marks_its_bundle(tmp_path):
    waves = _waves()
    (tmp_path / "pre.csv").write_bytes(encode(waves["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    path = _study(tmp_path, {"pre": "pre.csv", "post": "post.csv"})
    first = run_study(path, processed_root=tmp_path / "out", render_report=False)
    assert load_bundle(first.bundle_dir).results
    (tmp_path / "post.csv").write_bytes(b"")
    with pytest.raises(InputError):
        run_study(path, processed_root=tmp_path / "out", render_report=False)
    with pytest.raises(ReportError) as caught:
        load_bundle(first.bundle_dir)
    assert "The last run for" in caught.value.problems[0].message("en")


def test_lang_option_is_case_insensitive(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(tmp_path / "nope.yaml"), "--lang", "ID"])
    assert result.exit_code == 1
    assert "tidak ditemukan" in result.output
    assert "Traceback" not in result.output
