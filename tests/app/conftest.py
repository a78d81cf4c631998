"""Shared pieces of the page's tests: the demo's exports and a page in a fresh project folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.app.launch import ROOT_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "raw" / "demo"
PAGE = ROOT / "pipeline" / "app" / "page.py"
FACTS = {
    "title": "Bimbingan Karier Santri",
    "partner": "Pondok Pesantren Nurul Huda",
    "place": "Jember",
    "method": "pelatihan",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """An empty project folder the page works in."""
    monkeypatch.setenv(ROOT_VARIABLE, str(tmp_path))
    return tmp_path


def demo_bytes(wave: str) -> bytes:
    return (DEMO / f"{wave}.csv").read_bytes()
