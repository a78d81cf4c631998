"""Commands that write example data never replace a file that exists: a folder holding a
user's real exports and study file is refused, named, exit 1 (``--force`` replaces)."""

from __future__ import annotations

import hashlib

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

REAL = {"pre.csv": "Nama,Skor\nAni,4\n", "post.csv": "Nama,Skor\nAni,5\n", "study.yaml": "x: 1\n"}


def _real_folder(tmp_path, names):
    folder = tmp_path / "my-program"
    folder.mkdir()
    for name in names:
        (folder / name).write_text(REAL[name], "utf-8")
    return folder


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    ("command", "names"),
    [
        (["simulate"], ["pre.csv", "post.csv", "study.yaml"]),
        (["simulate"], ["pre.csv"]),
        (["init", "--with-example-data"], ["pre.csv"]),
        (["init"], ["study.yaml"]),
    ],
)
def test_example_data_never_replaces_a_real_file(tmp_path, command, names):
    folder = _real_folder(tmp_path, names)
    before = _digests(folder)
    result = CliRunner().invoke(app, [*command, str(folder)])
    assert result.exit_code == 1, result.output
    for name in names:
        assert f"{folder / name} already exists" in result.output
    assert "--force" in result.output
    assert _digests(folder) == before  # nothing written, nothing replaced


def test_force_replaces_the_files(tmp_path):
    folder = _real_folder(tmp_path, ["pre.csv", "study.yaml"])
    result = CliRunner().invoke(app, ["simulate", str(folder), "--force"])
    assert result.exit_code == 0, result.output
    assert (folder / "pre.csv").read_text("utf-8") != REAL["pre.csv"]


def test_a_long_folder_name_still_makes_a_valid_study(tmp_path):
    from pipeline.config import load_study

    folder = tmp_path / ("Program " * 20).strip()
    result = CliRunner().invoke(app, ["init", str(folder), "--with-example-data"])
    assert result.exit_code == 0, result.output
    assert len(load_study(folder / "study.yaml").program.id) <= 64
