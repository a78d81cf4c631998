"""A small simulated two-arm study of the builtin career-awareness instrument, written to a
temporary folder: the shared fixture of tests that need real files but not a bundled example."""

from __future__ import annotations

from pathlib import Path

import yaml

from pipeline.config import load_instrument
from pipeline.simulate.survey import SimulationSpec, simulate_study
from tests.conftest import program

INSTRUMENT = load_instrument("builtin:career_awareness_planning")


def simulated_waves(**spec):
    """Pre and post exports of 6 treatment and 5 control participants, clean unless ``spec``
    asks for trouble."""
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


def write_study(folder: Path, waves: dict, **extra) -> Path:
    """A study.yaml in ``folder`` for ``waves`` (file names or sheet specs); returns its path."""
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
