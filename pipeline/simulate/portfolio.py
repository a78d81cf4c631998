"""A simulated portfolio: many study folders whose true effects vary between programs and by
method, plus broken ones, for the portfolio's tests and benchmark."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.bundle.files import atomic_write_bytes
from pipeline.simulate.survey import DEMO_PROGRAM, SimulationSpec, write_study

__all__ = ["simulate_portfolio"]


_METHODS = ("pelatihan", "bimbingan kelompok", "CBPR", "lokakarya")
_LEVELS = ("SD", "SMP", "SMA/MA", "S1")
_REGIONS = ("Jawa Timur", "Jawa Barat", "Sumatera Utara", "Sulawesi Selatan", "NTB")


def simulate_portfolio(
    root: Path, n_programs: int, *, seed: int = 20261122, broken: int = 0
) -> list[Path]:
    """Write ``n_programs`` simulated studies (30-150 participants each; true effects vary
    between programs and by method) under ``root``, plus ``broken`` studies whose pre-test
    export is not a survey at all. Returns the study files."""
    rng = np.random.default_rng(seed)
    files = []
    for k in range(n_programs):
        method = _METHODS[k % len(_METHODS)]
        n = int(rng.integers(30, 151))
        controlled = rng.random() < 0.4
        effect = max(0.0, rng.normal(0.35 + 0.15 * (method == "CBPR"), 0.15))
        spec = SimulationSpec(
            n_treatment=n // 2 if controlled else n,
            n_control=n - n // 2 if controlled else 0,
            effect=float(effect),
            seed=seed + k,
        )
        program = {
            **DEMO_PROGRAM,
            "id": f"program-{k + 1:04d}",
            "title": f"Program PKM simulasi {k + 1}",
            "method": method,
            "level": _LEVELS[int(rng.integers(len(_LEVELS)))],
            "region": _REGIONS[int(rng.integers(len(_REGIONS)))],
        }
        folder = Path(root) / program["id"]
        folder.mkdir(parents=True, exist_ok=True)
        files.append(write_study(folder, spec=spec, program=program))
    for k in range(broken):
        folder = Path(root) / f"broken-{k + 1}"
        folder.mkdir(parents=True, exist_ok=True)
        program = {**DEMO_PROGRAM, "id": f"broken-{k + 1}", "title": "Program dengan data rusak"}
        files.append(write_study(folder, spec=SimulationSpec(seed=k), program=program))
        atomic_write_bytes(folder / "pre.csv", b"\x00\x01 not a survey export \x02")
    return files
