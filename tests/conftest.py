"""Shared fixtures: the bundled demo study, copied so tests never touch data/raw."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "reference"
DEMO = ROOT / "data" / "raw" / "demo"


def program(program_id: str) -> dict:
    """The program facts block of a throwaway test study."""
    return {
        "id": program_id,
        "title": "t",
        "partner": "p",
        "place": "x",
        "start_date": "2026-07-01",
        "end_date": "2026-08-01",
        "method": "m",
    }


def load_reference(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text("utf-8"))


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of the demo study folder; returns its study.yaml."""
    target = tmp_path / "demo"
    shutil.copytree(DEMO, target)
    return target / "study.yaml"


@pytest.fixture(scope="session")
def demo_analysis(tmp_path_factory):
    """The demo study analysed once per session (no files written)."""
    from pipeline.config import load_study
    from pipeline.run import analyse

    target = tmp_path_factory.mktemp("demo") / "demo"
    shutil.copytree(DEMO, target)
    return analyse(load_study(target / "study.yaml"))
