"""Simulated benchmark studies: 40 items, two waves, a student-number id, any size.

Data are cached under ``benchmarks/.data/<size>/`` with a stamp of everything that made them
(the simulator's source, the spec), so a second ``make bench`` does not regenerate them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from pipeline.bundle.files import atomic_write_text
from pipeline.config import builtin_instrument_path, load_instrument
from pipeline.simulate import survey as simulate
from pipeline.simulate.survey import SimulationSpec, simulate_study, study_yaml

__all__ = ["DATA", "ITEMS", "bench_study"]

DATA = Path(__file__).parent / ".data"
ITEMS = 40
SCALES = 5
PROGRAM = {
    "id": "bench",
    "title": "Survei karier nasional (simulasi untuk benchmark)",
    "partner": "Sekolah menengah (simulasi)",
    "place": "Indonesia",
    "start_date": "2026-07-06",
    "end_date": "2026-08-17",
    "method": "pelatihan (training)",
    "funder": "benchmark",
    "participants": "siswa kelas akhir (final-year students)",
}


def _instrument_text() -> str:
    """The 40-item codebook: KPK-24's answer scale, five scales of eight items, two of them
    reverse-keyed per scale, and KPK-24's attention check."""
    base = yaml.safe_load(builtin_instrument_path("career_awareness_planning").read_text())
    per_scale = ITEMS // SCALES
    items, scales = [], []
    for s in range(SCALES):
        ids = [f"b{s + 1}{k + 1}" for k in range(per_scale)]
        scales.append(
            {
                "id": f"scale{s + 1}",
                "name": {"id": f"Skala {s + 1}", "en": f"Scale {s + 1}"},
                "items": ids,
            }
        )
        for k, item_id in enumerate(ids):
            text = f"Pernyataan {s + 1}.{k + 1} tentang rencana karier saya."
            items.append(
                {
                    "id": item_id,
                    "text": {"id": text, "en": f"Career statement {s + 1}.{k + 1}."},
                    "reverse": k in (3, 6),
                }
            )
    base.update(
        id="bench_40",
        items=items,
        scales=scales,
        total_scale={
            "id": "total",
            "name": {"id": "Total", "en": "Total"},
            "items": [i["id"] for i in items],
        },
    )
    return yaml.safe_dump(base, allow_unicode=True, sort_keys=False)


def _spec(n: int) -> SimulationSpec:
    return SimulationSpec(
        n_treatment=n - n // 2,
        n_control=n // 2,
        id_kind="number",
        seed=20261122 + n,
        duplicates=max(1, n // 1000),
        nameless_rows=max(1, n // 2000),
    )


def _stamp(n: int, instrument: str) -> str:
    parts = [Path(simulate.__file__).read_text(), repr(_spec(n)), instrument, "v1"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def bench_study(n: int, root: Path = DATA) -> Path:
    """The study file of a simulated ``n``-participant study, generated when not cached."""
    folder = root / str(n)
    study_file = folder / "study.yaml"
    instrument = _instrument_text()
    stamp = _stamp(n, instrument)
    stamp_file = folder / "stamp.json"
    if stamp_file.exists() and json.loads(stamp_file.read_text()).get("stamp") == stamp:
        return study_file
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "instrument_40.yaml", instrument)
    spec = _spec(n)
    frames = simulate_study(load_instrument(folder / "instrument_40.yaml"), spec)
    for wave, frame in frames.items():
        table = pa.Table.from_pandas(frame.astype(str), preserve_index=False)
        pacsv.write_csv(table, folder / f"{wave}.csv")
    text = study_yaml(program=PROGRAM, spec=spec, instrument="instrument_40.yaml")
    settings = yaml.safe_load(text)
    settings["limits"] = {"max_file_mb": 4000, "max_rows": 5_000_000}
    atomic_write_text(study_file, yaml.safe_dump(settings, allow_unicode=True, sort_keys=False))
    atomic_write_text(
        stamp_file, json.dumps({"stamp": stamp, "rows": {w: len(f) for w, f in frames.items()}})
    )
    return study_file
