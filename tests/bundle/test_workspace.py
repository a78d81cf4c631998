"""A study's folders: uploads land in the study folder under their role's name, the zip holds
the three folders under the paths a rerun needs, a review file round-trips through the read
stage and is declared in the study file, and removal takes all three folders."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest

from pipeline.bundle.workspace import StudyFolders, export_name
from pipeline.config import Limits, load_study
from tests.conftest import DEMO


@pytest.mark.parametrize(
    ("role", "name", "stored"),
    [
        ("pre", "Kuesioner Pre (Jawaban).xlsx", "pre.xlsx"),
        ("post", "../../etc/passwd", "post.csv"),
        ("attendance", "hadir.CSV", "attendance.csv"),
        ("follow_up", "x.exe", "follow_up.csv"),
    ],
)
def test_an_upload_is_stored_under_its_role(tmp_path, role, name, stored):
    folders = StudyFolders.under(tmp_path, "studi")
    assert export_name(role, name) == stored
    path = folders.save_export(role, name, b"a,b\n1,2\n")
    assert path == tmp_path / "data" / "raw" / "studi" / stored
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [path]


def _study(tmp_path: Path) -> StudyFolders:
    folders = StudyFolders.under(tmp_path, "demo")
    folders.raw.mkdir(parents=True)
    for name in ("pre.csv", "post.csv", "study.yaml"):
        (folders.raw / name).write_bytes((DEMO / name).read_bytes())
    for folder, name in ((folders.processed, "tests.csv"), (folders.reports / "article", "a.md")):
        folder.mkdir(parents=True)
        (folder / name).write_text("x", "utf-8")
        (folder / f".{name}.123.tmp").write_text("half", "utf-8")
    return folders


def test_the_archive_holds_the_three_folders_under_the_project_layout(tmp_path):
    folders = _study(tmp_path)
    with zipfile.ZipFile(BytesIO(folders.archive())) as archive:
        assert sorted(archive.namelist()) == [
            "data/processed/demo/tests.csv",
            "data/raw/demo/post.csv",
            "data/raw/demo/pre.csv",
            "data/raw/demo/study.yaml",
            "reports/demo/article/a.md",
        ]
        assert archive.read("data/raw/demo/pre.csv") == (DEMO / "pre.csv").read_bytes()
    with zipfile.ZipFile(BytesIO(folders.article_kit())) as kit:
        assert kit.namelist() == ["a.md"]


def test_a_saved_review_reads_back_and_is_declared_once(tmp_path):
    from pipeline.stages.read import read_review

    folders = _study(tmp_path)
    review = pd.DataFrame(
        {
            "wave": ["post", "post"],
            "name_base": ["Ahmad Wahyudi", "=cmd|' /C calc'!A0"],
            "name_other": ["Wahyudi A", "x"],
            "score": [81.8, 76.0],
            "status": ["proposed", "proposed"],
            "decision": ["yes", ""],
        }
    )
    path = folders.save_review(review, folders.study_file)
    again = folders.save_review(review.assign(decision=["no", "no"]), folders.study_file)
    assert path == again == folders.raw / "match_review.csv"
    assert folders.study_file.read_text("utf-8").count("match_review:") == 1
    assert load_study(folders.study_file).match_review == "match_review.csv"
    read = read_review(path, limits=Limits())
    assert read["decision"].tolist() == ["no", "no"]
    assert read["name_base"].iat[1].startswith("'=")  # a formula stays text in a spreadsheet


def test_remove_takes_raw_data_bundle_and_reports(tmp_path):
    folders = _study(tmp_path)
    other = tmp_path / "data" / "raw" / "other"
    other.mkdir()
    removed = folders.remove()
    assert removed == [folders.raw, folders.processed, folders.reports]
    assert not any(f.exists() for f in removed)
    assert other.is_dir(), "only this study's folders go"
