"""Helpers for the hand-shaped real-export corpus (tests/fixtures/real_exports): its
manifest, and each file read as the pipeline reads it today."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from pipeline.config import load_instrument
from pipeline.stages.parse import RawTable, read_table
from pipeline.stages.ragged import square_rows

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real_exports"
MANIFEST: dict[str, dict] = yaml.safe_load((REAL / "manifest.yaml").read_text("utf-8"))


def entries(key: str) -> list[str]:
    """Files of the manifest that state ``key``."""
    return sorted(name for name, entry in MANIFEST.items() if key in entry)


@cache
def read_export(name: str) -> RawTable:
    """A fixture read as the pipeline reads it today."""
    return read_table((REAL / name).read_bytes(), name)


def text(name: str) -> str:
    return (REAL / name).read_text("utf-8")


def frame(name: str) -> pd.DataFrame:
    """The file's cells as text. Ragged files, which today's reader refuses, are read with
    short rows padded and long rows left out."""
    if "ragged" in MANIFEST[name]:
        return square_rows(text(name), delimiter=",").reset_index(drop=True)
    return read_export(name).frame.copy()


@cache
def kpk():
    """The bundled KPK-24 codebook, whose item texts the corpus uses."""
    return load_instrument("builtin:career_awareness_planning")
