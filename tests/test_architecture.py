"""The package's layers (README, "Architecture"): the import-linter contract in pyproject.toml
holds for the package, and breaks when a lower layer imports a higher one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """The package and its contract, copied so an import can be added without touching it."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "pipeline", root / "pipeline", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_package_keeps_its_layers(copy):
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Layers import downward only KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("stats/effsize.py", "pipeline.reports.words"),  # a statistic importing a report
        ("stages/clean.py", "pipeline.bundle.files"),  # a stage writing files
        ("config/study.py", "pipeline.stages.read"),  # configuration reading data
    ],
)
def test_an_upward_import_breaks_the_contract(copy, module, upward):
    path = copy / "pipeline" / module
    original = path.read_text("utf-8")
    try:
        path.write_text(original + f"\nimport {upward}  # noqa\n", "utf-8")
        result = _lint(copy)
    finally:
        path.write_text(original, "utf-8")
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert upward in result.stdout
