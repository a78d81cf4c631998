"""The README's walk from two Google Forms downloads to a report, run as written: its commands
on copies of two corpus exports, in a fresh project folder."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.bundle.read import load_bundle
from pipeline.cli import app
from tests.stages.real_exports import MANIFEST, REAL

README = Path(__file__).resolve().parent.parent / "README.md"
#: Two Google Forms downloads of the corpus: the pre and post forms of one class.
DOWNLOADS = {"pre.csv": "nim_typos_pre.csv", "post.csv": "nim_typos_post.csv"}


def walk_commands() -> list[list[str]]:
    """The commands between the README's walk markers, as argument lists."""
    text = README.read_text("utf-8")
    block = re.search(r"<!-- walk:start -->(.*?)<!-- walk:end -->", text, re.DOTALL).group(1)
    lines = [line.strip() for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line.startswith(".venv/bin/pkm-eval")]


def test_the_walk_starts_with_init_from_the_two_downloads():
    commands = walk_commands()
    assert [c[1] for c in commands] == ["init", "validate", "run"]
    assert commands[0][3] == "--from" and len(commands[0]) == 6


@pytest.mark.slow
def test_the_readme_walk_ends_in_a_report(tmp_path, monkeypatch):
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    for name, fixture in DOWNLOADS.items():
        shutil.copy(REAL / fixture, downloads / name)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    outputs = []
    for command in walk_commands():
        args = [arg.replace("~/Downloads", str(downloads)) for arg in command[1:]]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, f"{' '.join(command)}\n{result.output}"
        outputs.append(result.output)
    assert "24 questionnaire items found" in outputs[0]
    assert "Needs a person:" in outputs[1] and "Needs a person:" in outputs[2]
    assert "student-number pair(s) one digit apart" in outputs[2]
    assert (project / "reports" / "my-program" / "report.html").is_file()
    ledger = load_bundle(project / "data" / "processed" / "my-program")["ledger"]
    assert len(ledger) == sum(MANIFEST[f]["rows"] for f in DOWNLOADS.values())
    assert ledger["outcome"].value_counts().to_dict() == MANIFEST["nim_typos_pre.csv"]["ledger"]
