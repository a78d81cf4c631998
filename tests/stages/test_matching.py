"""Matching participants across waves (pipeline/stages/matching.py): student numbers match
exactly, the same id in another group is reported, follow-up joins people first seen after."""

from __future__ import annotations

import pandas as pd
import yaml

from pipeline import run_study
from pipeline.config import load_study
from pipeline.run import analyse
from pipeline.simulate.exports import encode
from tests.small_study import simulated_waves, write_study


def test_student_numbers_match_exactly_never_by_similarity(tmp_path):
    waves = simulated_waves()
    pre, post = waves["pre"], waves["post"]
    pre["Nama Lengkap"] = [f"00211051{1000 + i}" for i in range(len(pre))]
    post["Nama Lengkap"] = [f"211051{1100 + i}" for i in range(len(post))]  # other students
    post.loc[0, "Nama Lengkap"] = "2110511000"  # the first student, leading zeros dropped
    (tmp_path / "pre.csv").write_bytes(encode(pre))
    (tmp_path / "post.csv").write_bytes(encode(post))
    path = write_study(tmp_path, {"pre": "pre.csv", "post": "post.csv"})
    data = yaml.safe_load(path.read_text("utf-8"))
    data["columns"]["id_kind"] = "number"
    path.write_text(yaml.safe_dump(data), "utf-8")
    analysis = analyse(load_study(path))
    matches = analysis.cleaned.matches
    assert list(matches["method"]) == ["exact"]
    assert analysis.cleaned.review.empty


def test_same_id_with_another_group_is_reported_not_silently_merged(tmp_path):
    waves = simulated_waves()
    pre = waves["pre"]
    twin = pre.iloc[[0]].copy()
    twin["Kelompok"] = "Kelas Pembanding"
    twin["Cap waktu"] = "06/07/2026 12:00:00"
    pre = pd.concat([pre, twin], ignore_index=True)
    (tmp_path / "pre.csv").write_bytes(encode(pre))
    (tmp_path / "post.csv").write_bytes(encode(waves["post"]))
    result = run_study(
        write_study(tmp_path, {"pre": "pre.csv", "post": "post.csv"}),
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
    waves = simulated_waves()
    pre, post = waves["pre"], waves["post"]
    follow = post.copy()
    late = post.loc[0, "Nama Lengkap"]
    pre = pre[pre["Nama Lengkap"] != late]  # this person skipped the pre wave
    for name, frame in {"pre": pre, "post": post, "follow": follow}.items():
        (tmp_path / f"{name}.csv").write_bytes(encode(frame))
    path = write_study(tmp_path, {"pre": "pre.csv", "post": "post.csv", "follow_up": "follow.csv"})
    analysis = analyse(load_study(path))
    attrition = analysis.cleaned.attrition.query("group == 'all'").set_index("pattern")["n"]
    assert attrition["post+follow_up"] == 1
    assert "follow_up only" not in attrition.index
