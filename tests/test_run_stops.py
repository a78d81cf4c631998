"""When a run stops or warns (pipeline/run.py): no pairs, a wave with every row bad, one
active arm, and a failed run marking its bundle."""

from __future__ import annotations

import pytest
import yaml

from pipeline import run_study
from pipeline.bundle.read import load_bundle
from pipeline.config import load_study
from pipeline.errors import InputError, ReportError
from pipeline.run import analyse
from pipeline.simulate.exports import encode
from tests.small_study import simulated_waves, write_study


def test_no_pairs_stops_with_a_clear_message(tmp_path):
    waves = simulated_waves()
    waves["post"]["Nama Lengkap"] = [f"Orang Lain {i}" for i in range(len(waves["post"]))]
    (tmp_path / "pre.csv").write_bytes(encode(waves["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    path = write_study(tmp_path, {"pre": "pre.csv", "post": "post.csv"})
    with pytest.raises(InputError) as caught:
        analyse(load_study(path))
    assert caught.value.problems[0].message("en") == (
        "No participant answered both before and after; no paired comparison can be computed."
    )


def test_a_wave_with_every_row_bad_stops_even_at_a_generous_limit(tmp_path):
    waves = simulated_waves()
    waves["post"]["Kelompok"] = "Kelas Lain"
    (tmp_path / "pre.csv").write_bytes(encode(waves["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    path = write_study(tmp_path, {"pre": "pre.csv", "post": "post.csv"})
    data = yaml.safe_load(path.read_text("utf-8"))
    data["analysis"]["max_bad_row_share"] = 1.0
    path.write_text(yaml.safe_dump(data), "utf-8")
    with pytest.raises(InputError) as caught:
        analyse(load_study(path))
    first = caught.value.problems[0].message("en")
    assert first.startswith("11 of 11 rows of the post wave in post.csv have problems")


def test_one_active_arm_is_named_and_its_limit_said(tmp_path):
    waves = simulated_waves()
    for wave in waves.values():
        wave["Kelompok"] = "Kelas Pembanding"
    (tmp_path / "pre.csv").write_bytes(encode(waves["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    result = run_study(
        write_study(tmp_path, {"pre": "pre.csv", "post": "post.csv"}),
        processed_root=tmp_path / "out",
        render_report=False,
    )
    assert set(result.analysis.compared.tests["group"]) == {"control"}
    codes = {limit["code"] for limit in load_bundle(result.bundle_dir).results["limits"]}
    assert "no_treatment" in codes


def test_a_failed_run_marks_its_bundle(tmp_path):
    waves = simulated_waves()
    (tmp_path / "pre.csv").write_bytes(encode(waves["pre"]))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    path = write_study(tmp_path, {"pre": "pre.csv", "post": "post.csv"})
    first = run_study(path, processed_root=tmp_path / "out", render_report=False)
    assert load_bundle(first.bundle_dir).results
    (tmp_path / "post.csv").write_bytes(b"")
    with pytest.raises(InputError):
        run_study(path, processed_root=tmp_path / "out", render_report=False)
    with pytest.raises(ReportError) as caught:
        load_bundle(first.bundle_dir)
    assert "The last run for" in caught.value.problems[0].message("en")
