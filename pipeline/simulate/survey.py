"""A seeded simulator of PKM pre/post survey exports, messy the way real ones are.

It writes what a Google Form in the Indonesian locale exports: a ``Cap waktu`` column with
day-first timestamps, question texts as headers (grid questions as ``Question [row text]``),
answers as text labels such as ``Sangat Setuju``. It adds what real data bring: name typos
between waves, a duplicate submission, a row without a name, missing answers and dropouts. The
treatment group improves by a chosen effect; the control group only drifts.

Responses follow a simple latent model: each participant has one latent level per subscale
(correlated through a common factor); each item is that level plus noise, cut into the five
answer categories; reverse-keyed items are flipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.bundle.files import atomic_write_text, refuse_to_overwrite
from pipeline.config import Instrument, load_instrument
from pipeline.simulate.exports import GRID_PROMPT

__all__ = ["SimulationSpec", "simulate_study", "write_study"]

_FIRST = [
    "Ahmad",
    "Siti",
    "Muhammad",
    "Nur",
    "Dewi",
    "Rizki",
    "Putri",
    "Fajar",
    "Aisyah",
    "Bayu",
    "Intan",
    "Hendra",
    "Lestari",
    "Yusuf",
    "Rina",
    "Agus",
    "Wulan",
    "Dimas",
    "Fitri",
    "Ilham",
    "Nabila",
    "Rahmat",
    "Sari",
    "Taufik",
    "Ayu",
    "Farhan",
    "Indah",
    "Galih",
    "Maya",
    "Zainal",
    "Anisa",
    "Bagus",
    "Citra",
    "Dani",
    "Eka",
    "Fikri",
]
_LAST = [
    "Pratama",
    "Saputra",
    "Hidayat",
    "Rahmawati",
    "Kurniawan",
    "Wijaya",
    "Nugroho",
    "Lestari",
    "Setiawan",
    "Fauzi",
    "Hasanah",
    "Maulana",
    "Permata",
    "Ramadhan",
    "Syahputra",
    "Utami",
    "Wahyudi",
    "Yulianti",
    "Zulkarnain",
    "Anggraini",
    "Firmansyah",
    "Handayani",
    "Iskandar",
    "Kusuma",
    "Santoso",
    "Susanti",
    "Purnama",
    "Hakim",
]


@dataclass(frozen=True)
class SimulationSpec:
    """What to simulate. Effects are in SD units of the latent level."""

    n_treatment: int = 32
    n_control: int = 28
    effect: float = 0.45
    drift: float = 0.1
    dropout: float = 0.12
    typo_rate: float = 0.25
    missing_rate: float = 0.015
    duplicates: int = 1
    nameless_rows: int = 1
    careless: int = 1
    seed: int = 20260721
    treatment_label: str = "Kelas Bimbingan Karier"
    control_label: str = "Kelas Pembanding"
    #: ``name``: participants are known by their typed names (typos between waves, matched by
    #: similarity); ``number``: by a ten-digit student number (NISN), as large surveys do.
    id_kind: str = "name"


def _names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct names (small studies, where names identify participants)."""
    names: set[str] = set()
    while len(names) < n:
        parts = [rng.choice(_FIRST), rng.choice(_FIRST), rng.choice(_LAST)]
        names.add(" ".join(parts[:1] + parts[2:] if rng.random() < 0.5 else parts))
    return sorted(names)


def _many_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` names, not necessarily distinct, drawn without a Python loop (large studies)."""
    first = np.array(_FIRST, dtype=object)[rng.integers(len(_FIRST), size=n)]
    last = np.array(_LAST, dtype=object)[rng.integers(len(_LAST), size=n)]
    return first + " " + last


def _student_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct ten-digit student numbers (NISN-like, some with a leading zero)."""
    return np.char.zfill(rng.choice(10**10, n, replace=False).astype(str), 10).astype(object)


def _typo(rng: np.random.Generator, name: str) -> str:
    """One realistic slip: a dropped or doubled letter, swapped letters, case or spacing."""
    kind = rng.integers(5)
    i = int(rng.integers(1, len(name) - 2))
    if kind == 0:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i] + name[i:]
    if kind == 2:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 3:
        return name.upper() if rng.random() < 0.5 else name.lower()
    return "  ".join(name.split()) + " "


def _answers(rng, instrument: Instrument, level: np.ndarray) -> np.ndarray:
    """Item codes from latent levels (participants x subscales)."""
    low, high = instrument.response_scale.min, instrument.response_scale.max
    cuts = np.array([-1.9, -0.9, 0.2, 1.3]) if high - low == 4 else _cuts(high - low)
    columns = []
    for s, scale in enumerate(instrument.scales):
        for item_id in scale.items:
            raw = 0.6 + level[:, s] + rng.normal(0, 0.8, len(level))
            code = low + np.searchsorted(cuts, raw)
            columns.append(np.where(instrument.item(item_id).reverse, low + high - code, code))
    return np.column_stack(columns)


def _cuts(k: int) -> np.ndarray:
    """Cut points of the latent item response for a scale of k + 1 codes other than five:
    children's three faces or yes/no. Set so that the usual pre level leaves room to grow
    (about 10% on the lowest code of a 3-point scale, 20% on the highest; half 'yes')."""
    return np.array([0.6]) if k == 1 else np.linspace(-1.0, 1.6, k)


def _latent(rng, n: int, n_scales: int) -> np.ndarray:
    common = rng.normal(0, 1, (n, 1))
    return 0.7 * common + 0.7 * rng.normal(0, 1, (n, n_scales))


def _to_labels(codes: np.ndarray, instrument: Instrument, rng, missing: float) -> np.ndarray:
    labels = np.array(
        [""] + [instrument.response_scale.labels[c].id for c in instrument.response_scale.codes],
        dtype=object,
    )
    index = codes - instrument.response_scale.min + 1
    index[rng.random(codes.shape) < missing] = 0
    return labels[index]


def _frame(instrument, people, groups, genders, codes, times, rng, spec) -> pd.DataFrame:
    item_ids = [i for s in instrument.scales for i in s.items]
    phones = "08" + rng.integers(10**9, 10**10, len(groups)).astype(str).astype(object)
    columns = {"Cap waktu": pd.Series(times).dt.strftime("%d/%m/%Y %H:%M:%S").to_numpy()}
    columns.update(people)
    columns.update({"Kelompok": groups, "Jenis Kelamin": genders, "Nomor WhatsApp": phones})
    labels = _to_labels(codes, instrument, rng, spec.missing_rate)
    for k, item_id in enumerate(item_ids):
        columns[f"{GRID_PROMPT} [{instrument.item(item_id).text.id}]"] = labels[:, k]
    for check in instrument.attention_checks:
        answer = instrument.response_scale.labels[check.expected].id
        columns[f"{GRID_PROMPT} [{check.text.id}]"] = np.full(len(groups), answer, dtype=object)
    return pd.DataFrame(columns)


def simulate_study(instrument: Instrument, spec: SimulationSpec) -> dict[str, pd.DataFrame]:
    """Simulated ``pre`` and ``post`` exports as text tables, ready to write as CSV."""
    rng = np.random.default_rng(spec.seed)
    n = spec.n_treatment + spec.n_control
    if spec.id_kind == "name":
        people = {"Nama Lengkap": np.array(rng.permutation(_names(rng, n)), dtype=object)}
    else:
        people = {"NISN": _student_numbers(rng, n), "Nama Lengkap": _many_names(rng, n)}
    groups = np.array(
        [spec.treatment_label] * spec.n_treatment + [spec.control_label] * spec.n_control
    )
    genders = rng.choice(["Laki-laki", "Perempuan"], n)
    level = _latent(rng, n, len(instrument.scales))
    treated = (groups == spec.treatment_label)[:, None]
    post_level = level + spec.drift + spec.effect * treated + rng.normal(0, 0.3, level.shape)
    start = pd.Timestamp("2026-07-06 08:00:00")
    pre_times = start + pd.to_timedelta(np.sort(rng.integers(0, 3 * 3600, n)), unit="s")
    pre = _frame(
        instrument, people, groups, genders, _answers(rng, instrument, level), pre_times, rng, spec
    )
    post = _frame(
        instrument,
        people,
        groups,
        genders,
        _answers(rng, instrument, post_level),
        pre_times + pd.Timedelta(days=42),
        rng,
        spec,
    )
    post["Nomor WhatsApp"] = pre["Nomor WhatsApp"]
    stay = rng.random(n) >= spec.dropout
    if spec.id_kind == "name":
        typo = stay & (rng.random(n) < spec.typo_rate)
        post.loc[typo, "Nama Lengkap"] = [_typo(rng, x) for x in post.loc[typo, "Nama Lengkap"]]
    post = post[stay].reset_index(drop=True)
    answer_columns = [c for c in pre.columns if c.startswith(GRID_PROMPT)]
    scale = instrument.response_scale
    # the straight-liner picks 3 (the middle of the usual 1-5 scale), else the middle code
    neutral = scale.labels[3 if 3 in scale.labels else (scale.min + scale.max) // 2].id
    for row in rng.choice(len(pre), spec.careless, replace=False):
        pre.loc[row, answer_columns] = neutral  # straight-lining, attention check missed
    return {"pre": _add_mess(pre, rng, spec), "post": _add_mess(post, rng, spec, nameless=True)}


def _id_column(spec: SimulationSpec) -> str:
    return "Nama Lengkap" if spec.id_kind == "name" else "NISN"


def _add_mess(frame: pd.DataFrame, rng, spec: SimulationSpec, nameless: bool = False):
    """Duplicate submissions (an earlier, partly different copy) and rows without a name."""
    extra = []
    for _ in range(spec.duplicates):
        copy = frame.iloc[[int(rng.integers(len(frame)))]].copy()
        earlier = pd.to_datetime(copy["Cap waktu"], format="%d/%m/%Y %H:%M:%S") - pd.Timedelta(
            minutes=7
        )
        copy["Cap waktu"] = earlier.dt.strftime("%d/%m/%Y %H:%M:%S")
        item_columns = [c for c in frame.columns if c.startswith(GRID_PROMPT)]
        copy[item_columns[:3]] = ""
        extra.append(copy)
    if nameless:
        for _ in range(spec.nameless_rows):
            row = frame.iloc[[int(rng.integers(len(frame)))]].copy()
            row[_id_column(spec)] = ""
            extra.append(row)
    out = pd.concat([frame, *extra], ignore_index=True)
    stamps = pd.to_datetime(out["Cap waktu"], format="%d/%m/%Y %H:%M:%S")
    return out.iloc[np.argsort(stamps.to_numpy(), kind="stable")].reset_index(drop=True)


DEMO_PROGRAM = {
    "id": "demo",
    "title": "Bimbingan Karier bagi Santri Tingkat Akhir (contoh simulasi)",
    "partner": "Pondok Pesantren Nurul Huda (fiktif)",
    "place": "Kabupaten Contoh, Jawa Timur",
    "start_date": "2026-07-06",
    "end_date": "2026-08-17",
    "method": "pelatihan dan bimbingan kelompok (training and group guidance)",
    "funder": "LPPM Universitas Contoh (hibah PKM internal)",
    "participants": "santri kelas akhir (final-year santri), 15-18 tahun",
}


def study_yaml(
    *,
    program: dict,
    spec: SimulationSpec,
    language: str = "id",
    with_groups: bool = True,
    instrument: str = "builtin:career_awareness_planning",
) -> str:
    """The text of a study.yaml for a simulated (or newly scaffolded) study."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("pipeline", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("study.yaml.j2").render(
        name=program["id"],
        program=program,
        instrument=instrument,
        waves={"pre": "pre.csv", "post": "post.csv"},
        columns={
            "id": _id_column(spec),
            "id_kind": spec.id_kind,
            "timestamp": "Cap waktu",
            # With student numbers as ids, names are personal data like the phone number.
            "contact": ["Nomor WhatsApp"] + (["Nama Lengkap"] if spec.id_kind == "number" else []),
        },
        groups={
            "column": "Kelompok",
            "treatment": spec.treatment_label,
            "control": spec.control_label,
        }
        if with_groups
        else None,
        demographics=[
            {"name": "gender", "column": "Jenis Kelamin", "values": ["Laki-laki", "Perempuan"]}
        ],
        targets={"participants": spec.n_treatment},
        language=language,
    )


def write_study(
    folder: Path,
    *,
    spec: SimulationSpec | None = None,
    program: dict | None = None,
    instrument: Instrument | None = None,
    force: bool = False,
) -> Path:
    """Simulate a study and write ``pre.csv``, ``post.csv`` and ``study.yaml`` into ``folder``.

    Returns the path of the study file.

    Raises
    ------
    OutputError
        When any of the three files exists (a user's real exports), unless ``force``; nothing
        is written then.
    """
    refuse_to_overwrite([folder / n for n in ("pre.csv", "post.csv", "study.yaml")], force=force)
    spec = spec or SimulationSpec()
    program = program or DEMO_PROGRAM
    instrument = instrument or load_instrument("builtin:career_awareness_planning")
    for wave, frame in simulate_study(instrument, spec).items():
        atomic_write_text(folder / f"{wave}.csv", frame.to_csv(index=False, lineterminator="\n"))
    study_file = folder / "study.yaml"
    text = study_yaml(program=program, spec=spec, with_groups=spec.n_control > 0)
    atomic_write_text(study_file, text)
    return study_file
