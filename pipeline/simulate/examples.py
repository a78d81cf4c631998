"""Six bundled example studies: three kinds of program that dominate the field, and three
designs beyond one pre/post survey (a knowledge test, an instrument try-out, three arms with a
follow-up).

``data/raw/examples/<name>/`` holds what a team would have after its program: the pre and post
exports, the logs, ``study.yaml`` and a README. All data are simulated (seeded), so
:func:`make_examples` writes the same bytes every time and a test checks the committed files
against a regeneration.

- ``pesantren``: career planning with final-year santri of an Islamic boarding school, grounded
  in personal and social identity and aspiration (KPK-24, attendance log, plan; Indonesian).
- ``cbpr_children``: career awareness with children of a marginal urban village through a
  Community-Based Participatory Research cycle (3-point faces scale, the open question "what
  do you want to be?" before and after, attendance log, the CBPR cycle, plan; Indonesian).
- ``counseling_service``: a university career-counseling centre with a written procedure and
  an interest and talent workshop for 3rd and 5th semester students (KPK-24 by student
  number, service log against the procedure's time standards, plan; English report).
- ``knowledge_test``: a Google Forms quiz before and after a further-study class (answer key,
  one question scored by the form, passing score, declared one-sided hypothesis; Indonesian).
- ``tryout``: the try-out of a new questionnaire and test with one group, once (Indonesian).
- ``three_arms``: workshop vs peer mentoring vs regular class, pre, post and a follow-up,
  with sensitivity variants (English).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pipeline.bundle.files import atomic_write_text
from pipeline.config import Instrument, load_instrument
from pipeline.config.parts import Step
from pipeline.simulate.aspirations import simulate_answers
from pipeline.simulate.designs import (
    ArmSpec,
    example_codebook,
    example_codebook_text,
    simulate_arms,
    simulate_quiz,
    simulate_tryout,
)
from pipeline.simulate.logs import simulate_attendance, simulate_service_log
from pipeline.simulate.survey import SimulationSpec, _names, _typo, simulate_study

__all__ = ["DESIGN_EXAMPLES", "EXAMPLES", "EXAMPLES_ROOT", "PART_EXAMPLES", "make_examples"]

#: Where the examples live in the repository.
EXAMPLES_ROOT = Path(__file__).resolve().parents[2] / "data" / "raw" / "examples"
ASPIRATION_QUESTION = "Kamu ingin menjadi apa?"
SERVICE_STEPS = [
    Step(name="Formulir permohonan", column="Waktu Formulir"),
    Step(name="Surat rekomendasi", column="Waktu Surat Rekomendasi", standard="1x24 jam"),
    Step(name="Persetujuan konselor", column="Waktu Persetujuan", standard="dalam 2 hari"),
    Step(name="Sesi konseling", column="Waktu Sesi", standard="1 minggu"),
    Step(name="Laporan konselor", column="Waktu Laporan", standard="3 hari"),
]


def _csv(folder: Path, name: str, frame: pd.DataFrame) -> None:
    atomic_write_text(folder / name, frame.to_csv(index=False, lineterminator="\n"))


def _yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _ids(frame: pd.DataFrame, column: str) -> list[str]:
    """Distinct non-blank identities of a wave, in order of first appearance."""
    values = frame[column].astype(str).str.strip()
    return list(dict.fromkeys(v for v in values if v))


def _attendance(rng, ids: list[str], sessions: int, start: dt.date, columns) -> pd.DataFrame:
    """Every participant in every session, each with their own chance of coming."""
    p_attend = rng.uniform(0.45, 1.0, len(ids))
    return simulate_attendance(rng, ids, sessions, p_attend, start=start, columns=columns)


def _common(program: dict[str, Any], instrument: str, columns: dict[str, Any]) -> dict[str, Any]:
    return {
        "program": program,
        "instrument": instrument,
        "waves": {"pre": "pre.csv", "post": "post.csv"},
        "columns": columns,
    }


# --------------------------------------------------------------------------- pesantren


def _pesantren(folder: Path) -> None:
    rng = np.random.default_rng(20260801)
    spec = SimulationSpec(n_treatment=30, n_control=0, effect=0.25, seed=20260802,
                          treatment_label="Santri Kelas XII")  # fmt: skip
    waves = simulate_study(load_instrument("builtin:career_awareness_planning"), spec)
    names = _ids(waves["pre"], "Nama Lengkap")
    log = _attendance(rng, names, 6, dt.date(2026, 7, 11), ("Pertemuan", "Tanggal", "Nama Santri",
                                                          "Kehadiran"))  # fmt: skip
    log.loc[7, "Nama Santri"] = log.loc[7, "Nama Santri"][:-2]  # a misspelt name: a warning
    study = _common(
        {
            "id": "example-pesantren",
            "title": "Perencanaan Karier Santri Tingkat Akhir Berbasis Identitas Personal dan "
            "Sosial (contoh simulasi)",
            "partner": "Pondok Pesantren Al-Hikmah (fiktif)",
            "place": "Kabupaten Contoh, Jawa Tengah",
            "start_date": "2026-07-06",
            "end_date": "2026-08-17",
            "method": "bimbingan karier kelompok: identitas personal dan sosial, aspirasi, "
            "perencanaan",
            "funder": "LPPM Universitas Contoh (hibah PKM)",
            "participants": "santri kelas XII (tingkat akhir), 16-18 tahun",
            "level": "SMA/MA",
            "region": "Jawa Tengah",
        },
        "builtin:career_awareness_planning",
        {"id": "Nama Lengkap", "id_kind": "name", "contact": ["Nomor WhatsApp"]},
    )
    study |= {
        "demographics": [
            {"name": "gender", "column": "Jenis Kelamin", "values": ["Laki-laki", "Perempuan"]}
        ],
        "attendance": {
            "file": "attendance.csv",
            "session_column": "Pertemuan",
            "id_column": "Nama Santri",
            "date_column": "Tanggal",
            "present_column": "Kehadiran",
            "sessions_planned": 6,
        },
        "plan": {
            "plan": {"participants": 30, "sessions": 6, "effect_size": 0.5, "improved_share": 0.7},
            "organize": {"facilitators": 3, "partners": 1},
            "actuate": {
                "participants_reached": 28,
                "attendance_share": 0.8,
                "completion_share": 0.75,
            },
            "control": {"pre_measured": True, "post_measured": True, "attrition_share": 0.1},
        },
        "achieved": {"facilitators": 3, "partners": 1},
        "report": {"language": "id"},
    }
    _write(folder, study, waves, {"attendance.csv": log})


# --------------------------------------------------------------------------- CBPR children


def _cbpr_children(folder: Path) -> None:
    rng = np.random.default_rng(20260901)
    spec = SimulationSpec(n_treatment=24, n_control=0, effect=0.35, seed=20260902, dropout=0.1,
                          treatment_label="Anak RW 05")  # fmt: skip
    waves = simulate_study(load_instrument("builtin:career_awareness_children"), spec)
    for wave, frame in waves.items():
        answers, _ = simulate_answers(rng, len(frame), wave)
        frame.insert(3, ASPIRATION_QUESTION, answers.fillna("").to_numpy())
    names = _ids(waves["pre"], "Nama Lengkap")
    log = _attendance(rng, names, 5, dt.date(2026, 7, 12), ("Pertemuan", "Tanggal", "Nama Anak",
                                                          "Hadir"))  # fmt: skip
    stage = _stage
    study = _common(
        {
            "id": "example-cbpr-children",
            "title": "Mengenal Cita-cita: Kesadaran Karier Anak Kampung Kota melalui CBPR "
            "(contoh simulasi)",
            "partner": "Karang Taruna dan kader PKK RW 05, Kelurahan Contoh (fiktif)",
            "place": "Kota Contoh, Jawa Timur",
            "start_date": "2026-06-01",
            "end_date": "2026-09-05",
            "method": "Community-Based Participatory Research (CBPR)",
            "funder": "DRTPM Kemdiktisaintek (hibah PKM, fiktif)",
            "participants": "anak usia 8-12 tahun di kampung kota marginal",
            "level": "SD",
            "region": "Jawa Timur",
        },
        "builtin:career_awareness_children",
        {"id": "Nama Lengkap", "id_kind": "name", "contact": ["Nomor WhatsApp"]},
    )
    study |= {
        "demographics": [
            {"name": "gender", "column": "Jenis Kelamin", "values": ["Laki-laki", "Perempuan"]}
        ],
        "analysis": {"longstring_share": 1.0},
        "attendance": {
            "file": "attendance.csv",
            "session_column": "Pertemuan",
            "id_column": "Nama Anak",
            "date_column": "Tanggal",
            "present_column": "Hadir",
            "sessions_planned": 5,
        },
        "aspirations": {"column": ASPIRATION_QUESTION},
        "cbpr": {
            "community_invited": stage(
                "2026-06-01",
                "Ketua RW, kader PKK, Karang Taruna, tim dosen",
                "Warga bersedia menjadi mitra sejajar program",
            ),
            "agenda_set": stage(
                "2026-06-08",
                "Rembug warga (32 orang tua dan tokoh)",
                "Prioritas: anak belum mengenal ragam pekerjaan dan cita-cita",
            ),
            "target_group_chosen": stage(
                "2026-06-15",
                "Kader PKK dan tim dosen",
                "Anak usia 8-12 tahun yang tinggal di RW 05",
            ),
            "design_drafted": stage(
                "2026-06-22",
                "Karang Taruna, orang tua, tim dosen",
                "Lima pertemuan: kenal diri, kenal pekerjaan, kunjungan "
                "profesi, cita-citaku, pameran karya",
            ),
            "carried_out": stage(
                "2026-07-12",
                "Anak, fasilitator Karang Taruna, tim dosen",
                "Lima pertemuan Sabtu sore di balai RW",
                end="2026-08-09",
            ),
            "action_taken": stage(
                "2026-09-05",
                "Warga, kelurahan, tim dosen",
                "Pojok cita-cita di balai RW dikelola Karang Taruna",
            ),
        },
        "plan": {
            "plan": {"participants": 25, "sessions": 5, "effect_size": 0.5, "improved_share": 0.6},
            "organize": {"facilitators": 4, "partners": 2},
            "actuate": {"participants_reached": 22, "completion_share": 0.7},
            "control": {"pre_measured": True, "post_measured": True, "attrition_share": 0.2},
            "custom": [
                {
                    "pillar": "plan",
                    "name": "aspiration_named_share_post",
                    "label": {
                        "id": "Anak yang menyebut cita-cita (sesudah)",
                        "en": "Children naming an aspiration (after)",
                    },
                    "planned": 0.8,
                },
                {
                    "pillar": "organize",
                    "name": "cbpr_stages_recorded",
                    "label": {
                        "id": "Tahap siklus CBPR yang terlaksana",
                        "en": "CBPR cycle stages carried out",
                    },
                    "planned": 6,
                },
            ],
        },
        "achieved": {"facilitators": 5, "partners": 2},
        "report": {"language": "id"},
    }
    _write(folder, study, waves, {"attendance.csv": log})


def _stage(date: str, who: str, decided: str, *, end: str | None = None) -> dict[str, Any]:
    return {"date": date, **({"end_date": end} if end else {}), "who": who, "decided": decided}


# --------------------------------------------------------------------------- counseling service


def _counseling(folder: Path) -> None:
    rng = np.random.default_rng(20261001)
    spec = SimulationSpec(n_treatment=40, n_control=0, effect=0.2, seed=20261002, dropout=0.15,
                          id_kind="number", treatment_label="Peserta Workshop")  # fmt: skip
    waves = simulate_study(load_instrument("builtin:career_awareness_planning"), spec)
    waves = {wave: frame.rename(columns={"NISN": "NIM"}) for wave, frame in waves.items()}
    for frame in waves.values():
        digits = frame["NIM"].astype(str).str[-1:]
        semester = np.where(digits.isin(list("01234")), "3", "5")
        frame.insert(3, "Semester", np.where(frame["NIM"].astype(str).eq(""), "", semester))
    nims = _ids(waves["pre"], "NIM")
    log = _attendance(rng, nims, 3, dt.date(2026, 9, 5), ("Sesi", "Tanggal", "NIM", "Hadir"))
    service = simulate_service_log(rng, 30, SERVICE_STEPS, start=dt.datetime(2026, 2, 2, 8, 0),
                                   speed=0.7, spread=0.6)  # fmt: skip
    # a session entered before the counselor agreed: the case is quarantined with a problem
    service.loc[4, "Waktu Sesi"] = service.loc[4, "Waktu Surat Rekomendasi"]
    study = _common(
        {
            "id": "example-counseling-service",
            "title": "Career Counseling Service and Interest and Talent Workshop (simulated "
            "example)",
            "partner": "Career Development Centre, Universitas Contoh (fictional)",
            "place": "Kota Contoh, DI Yogyakarta",
            "start_date": "2026-02-02",
            "end_date": "2026-10-31",
            "method": "counseling service with a written procedure; interest and talent workshop",
            "funder": "Universitas Contoh (internal service grant)",
            "participants": "3rd and 5th semester undergraduate students",
            "level": "S1",
            "region": "DI Yogyakarta",
        },
        "builtin:career_awareness_planning",
        {"id": "NIM", "id_kind": "number", "contact": ["Nomor WhatsApp", "Nama Lengkap"]},
    )
    study |= {
        "demographics": [
            {"name": "gender", "column": "Jenis Kelamin", "values": ["Laki-laki", "Perempuan"]},
            {"name": "semester", "column": "Semester", "values": ["3", "5"]},
        ],
        "attendance": {
            "file": "attendance.csv",
            "session_column": "Sesi",
            "id_column": "NIM",
            "id_kind": "number",
            "date_column": "Tanggal",
            "present_column": "Hadir",
            "sessions_planned": 3,
            "completion_min_sessions": 2,
        },
        "service_log": {
            "file": "service_log.csv",
            "case_column": "No. Kasus",
            "steps": [s.model_dump(exclude_none=True) for s in SERVICE_STEPS],
        },
        "plan": {
            "plan": {"participants": 40, "sessions": 3, "effect_size": 0.4, "improved_share": 0.6},
            "organize": {"facilitators": 3},
            "actuate": {"completion_share": 0.75},
            "control": {"pre_measured": True, "post_measured": True, "attrition_share": 0.15},
            "custom": [
                {
                    "pillar": "control",
                    "name": "service_share_within",
                    "label": {
                        "id": "Kasus layanan selesai sesuai standar waktu",
                        "en": "Service cases completed within the time standards",
                    },
                    "planned": 0.8,
                },
                {
                    "pillar": "actuate",
                    "name": "service_cases",
                    "label": {"id": "Kasus konseling dilayani", "en": "Counseling cases served"},
                    "planned": 25,
                },
            ],
        },
        "achieved": {"facilitators": 3},
        "report": {"language": "en"},
    }
    _write(folder, study, waves, {"attendance.csv": log, "service_log.csv": service})


# --------------------------------------------------------------------------- knowledge test


def _knowledge_test(folder: Path) -> None:
    rng = np.random.default_rng(20261101)
    codebook = Instrument.model_validate(example_codebook("knowledge_test"))
    names = list(rng.permutation(_names(rng, 36)))
    ability = rng.normal(-0.3, 1.0, len(names))
    pre = simulate_quiz(rng, codebook, names, ability, pd.Timestamp("2026-07-20 08:00:00"))
    stay = rng.random(len(names)) >= 0.1
    later = [_typo(rng, n) if rng.random() < 0.2 else n for n in names]
    grown = ability + 0.9 + rng.normal(0, 0.4, len(names))
    post = simulate_quiz(rng, codebook, later, grown, pd.Timestamp("2026-08-24 08:00:00"))
    post = post[stay].reset_index(drop=True)
    # one student typed an answer into the "other" box: not one of the options
    question = codebook.items[4].text.id
    post.loc[5, [question, f"{question} [Skor]"]] = ["Lainnya: belum tahu", "0.00 / 1"]
    study = _common(
        {
            "id": "example-knowledge-test",
            "title": "Kelas Persiapan Studi Lanjut dan Dunia Kerja untuk Siswa Kelas XII "
            "(contoh simulasi)",
            "partner": "SMA Negeri Contoh (fiktif)",
            "place": "Kabupaten Contoh, Nusa Tenggara Barat",
            "start_date": "2026-07-20",
            "end_date": "2026-08-24",
            "method": "kelas informasi karier: empat sesi tatap muka dan tugas mandiri",
            "funder": "LPPM Universitas Contoh (hibah PKM)",
            "participants": "siswa kelas XII, 16-18 tahun",
            "level": "SMA/MA",
            "region": "Nusa Tenggara Barat",
        },
        "instrument.yaml",
        {"id": "Nama Lengkap", "id_kind": "name"},
    )
    study |= {
        "analysis": {
            "passing_score": 70,
            "hypothesis": {
                "direction": "increase",
                "declared": "2026-06-15",
                "where": "proposal PKM, bab 3 (target luaran)",
            },
        },
        "report": {"language": "id"},
    }
    _write(folder, study, {"pre": pre, "post": post}, {}, {"instrument.yaml": "knowledge_test"})


# --------------------------------------------------------------------------- try-out


def _tryout(folder: Path) -> None:
    rng = np.random.default_rng(20261201)
    codebook = Instrument.model_validate(example_codebook("tryout"))
    answers = simulate_tryout(rng, codebook, 32, pd.Timestamp("2026-05-11 09:00:00"))
    study = {
        "program": {
            "id": "example-tryout",
            "title": "Uji Coba Instrumen Efikasi Keputusan Karier dan Pengetahuan Dunia Kerja "
            "(contoh simulasi)",
            "partner": "MA Contoh (fiktif), kelas XI di luar kelompok sasaran program",
            "place": "Kota Contoh, Jawa Barat",
            "start_date": "2026-05-11",
            "end_date": "2026-05-11",
            "method": "uji coba instrumen (satu kali pengisian)",
            "funder": "LPPM Universitas Contoh (hibah PKM)",
            "participants": "32 siswa kelas XI",
            "level": "SMA/MA",
            "region": "Jawa Barat",
        },
        "instrument": "instrument.yaml",
        "waves": {"tryout": "tryout.csv"},
        "columns": {"id": "Nama Lengkap", "id_kind": "name"},
        "analysis": {"item_r": "corrected", "r_table_df": "n-2"},
        "report": {"language": "id"},
    }
    _write(folder, study, {"tryout": answers}, {}, {"instrument.yaml": "tryout"})


# --------------------------------------------------------------------------- three arms


ARMS = [
    ArmSpec("Workshop Karier", 26, effect=0.7, retained=0.6),
    ArmSpec("Mentoring Sebaya", 24, effect=0.45, retained=0.9),
    ArmSpec("Kelas Reguler", 25, effect=0.05, retained=1.0),
]


def _three_arms(folder: Path) -> None:
    rng = np.random.default_rng(20261301)
    waves = simulate_arms(rng, load_instrument("builtin:career_awareness_planning"), ARMS)
    study = _common(
        {
            "id": "example-three-arms",
            "title": "Workshop or Peer Mentoring? Career Planning in Three Classes, with a "
            "Four-Month Follow-up (simulated example)",
            "partner": "SMK Contoh (fictional), three parallel grade XI classes",
            "place": "Kota Contoh, Sulawesi Selatan",
            "start_date": "2026-07-13",
            "end_date": "2026-11-16",
            "method": "career workshop vs peer mentoring vs regular class (quasi-experiment)",
            "funder": "Universitas Contoh (PKM grant, fictional)",
            "participants": "grade XI vocational students, 16-17 years",
            "level": "SMK",
            "region": "Sulawesi Selatan",
        },
        "builtin:career_awareness_planning",
        {"id": "Nama Lengkap", "id_kind": "name", "contact": ["Nomor WhatsApp"]},
    )
    study["waves"] = {"pre": "pre.csv", "post": "post.csv", "follow_up": "follow_up.csv"}
    study |= {
        "groups": {
            "column": "Kelompok",
            "arms": [
                {
                    "name": "workshop",
                    "labels": ["Workshop Karier"],
                    "title": {"id": "workshop karier", "en": "career workshop"},
                },
                {
                    "name": "mentoring",
                    "labels": ["Mentoring Sebaya"],
                    "title": {"id": "mentoring sebaya", "en": "peer mentoring"},
                },
                {
                    "name": "regular",
                    "labels": ["Kelas Reguler"],
                    "role": "control",
                    "title": {"id": "kelas reguler", "en": "regular class"},
                },
            ],
        },
        "sensitivity": [
            {"name": "listwise", "reliability_missing": "listwise"},
            {"name": "benjamini_hochberg", "multiplicity": "fdr_bh"},
        ],
        "report": {"language": "en"},
    }
    _write(folder, study, waves, {})


# --------------------------------------------------------------------------- writing and running

_READMES = {
    "pesantren": "Pesantren career planning: 30 final-year santri, six sessions on personal and "
    "social identity, aspiration and career planning; KPK-24 before and after (the planning "
    "and self-knowledge/identity subscales), an attendance log and planned targets (POAC). "
    "Report in Indonesian.",
    "cbpr_children": "CBPR career awareness with children of a marginal urban village: 24 "
    "children aged 8-12, five sessions; the children's 3-point faces scale (KP-9), the open "
    "question 'Kamu ingin menjadi apa?' before and after, an attendance log, the CBPR cycle "
    "as lived (study.yaml, key cbpr) and planned targets. Report in Indonesian.",
    "knowledge_test": "Knowledge test of a further-study and world-of-work class: 36 grade XII "
    "students took the same Google Forms quiz before and after four sessions (nine multiple-"
    "choice questions scored by the codebook's answer key, one short answer scored by the "
    "form, read from its '[Skor]' column). Item analysis, KR-20, mastery against a passing "
    "score of 70 with McNemar's test, N-gain, and a one-sided test of the increase declared "
    "in the proposal. One answer typed into the 'other' box is not an option: that row is "
    "quarantined with its reason. Report in Indonesian.",
    "tryout": "Try-out (uji coba) of a new instrument with 32 students before a program: an "
    "eight-item efficacy scale and a ten-question world-of-work test (letters A-D). One wave; "
    "the report gives r hitung against r tabel, valid or gugur, alpha or KR-20 with its CI, "
    "alpha if an item is dropped, difficulty and discrimination. Report in Indonesian.",
    "three_arms": "Three classes of a vocational school: a career workshop, peer mentoring and "
    "the regular class as control; KPK-24 before, after and four months later. ANCOVA with "
    "three arms, adjusted means and Holm-adjusted contrasts, a mixed ANOVA arms x waves, "
    "repeated-measures ANOVA and Friedman per arm, retained gain, and two sensitivity variants "
    "(listwise reliability, Benjamini-Hochberg). Report in English.",
    "counseling_service": "University career-counseling service: a service log of 30 cases "
    "through the written procedure (request form, recommendation letter, counselor "
    "agreement, session, counselor report) with its time standards, and an interest and "
    "talent workshop for 3rd and 5th semester students identified by student number (NIM), "
    "KPK-24 before and after, attendance and planned targets. Report in English.",
}


def _write(
    folder: Path,
    study: dict[str, Any],
    waves: dict[str, pd.DataFrame],
    logs: dict[str, Any],
    codebooks: dict[str, str] | None = None,
) -> None:
    for wave, frame in waves.items():
        _csv(folder, f"{wave}.csv", frame)
    for name, frame in logs.items():
        _csv(folder, name, frame)
    for name, codebook in (codebooks or {}).items():  # file name -> the shipped codebook
        atomic_write_text(folder / name, example_codebook_text(codebook))
    header = (
        "# Example study bundled with pkm-eval: simulated data written by pipeline/examples.py\n"
        "# (make_examples). Every key is documented in README.md and docs/examples.md.\n"
    )
    atomic_write_text(folder / "study.yaml", header + _yaml(study))
    readme = (
        f"# Example: {folder.name}\n\n{_READMES[folder.name]}\n\n"
        "All data are simulated (names, numbers and answers are made up) and reproducible: "
        "`pipeline.simulate.examples.make_examples()` writes these files again, byte for byte.\n\n"
        "```sh\n"
        f".venv/bin/pkm-eval run data/raw/examples/{folder.name}/study.yaml\n"
        "```\n"
    )
    atomic_write_text(folder / "README.md", readme)


#: The examples of a program's parts (logs, plan, CBPR, aspirations) and of the designs.
PART_EXAMPLES = ("pesantren", "cbpr_children", "counseling_service")
DESIGN_EXAMPLES = ("knowledge_test", "tryout", "three_arms")
#: Example name to its writer.
EXAMPLES: dict[str, Callable[[Path], None]] = {
    "pesantren": _pesantren,
    "cbpr_children": _cbpr_children,
    "counseling_service": _counseling,
    "knowledge_test": _knowledge_test,
    "tryout": _tryout,
    "three_arms": _three_arms,
}


def make_examples(root: str | Path = EXAMPLES_ROOT) -> list[Path]:
    """Write the example studies under ``root`` (seeded: the same bytes every time).

    Returns
    -------
    list of Path
        The study files, in the order of :data:`EXAMPLES`.
    """
    paths = []
    for name, writer in EXAMPLES.items():
        folder = Path(root) / name
        writer(folder)
        paths.append(folder / "study.yaml")
    return paths
