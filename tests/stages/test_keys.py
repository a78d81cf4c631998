"""Choosing the column that identifies participants: the declared columns in order, a
student-number or e-mail fallback, or a stop; and the property that two different people are
never one participant unless their ids are equal after normalization in a column judged
identifying."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipeline.config import load_study
from pipeline.errors import InputError
from pipeline.stages.clean import clean
from pipeline.stages.identity import judge_id_column, normalize_ids
from pipeline.stages.ingest import ingest
from pipeline.stages.read import read_inputs
from pipeline.stages.validate import validate
from tests.conftest import program

CODEBOOK = {
    "id": "two",
    "title": {"id": "Dua butir", "en": "Two items"},
    "response_scale": {
        "min": 1,
        "max": 5,
        "labels": {k: {"id": str(k), "en": str(k)} for k in range(1, 6)},
    },
    "items": [
        {"id": "q1", "text": {"id": "Butir satu"}},
        {"id": "q2", "text": {"id": "Butir dua"}},
    ],
    "scales": [{"id": "total", "name": {"id": "Total", "en": "Total"}, "items": ["q1", "q2"]}],
}


def _study(folder: Path, waves: dict[str, pd.DataFrame], columns: dict, **extra) -> Path:
    """A study of hand-made waves with a two-item codebook (English texts left out)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "codebook.yaml").write_text(yaml.safe_dump(CODEBOOK), "utf-8")
    for wave, frame in waves.items():
        frame.to_csv(folder / f"{wave}.csv", index=False)
    study = {
        "program": program("keys"),
        "instrument": "codebook.yaml",
        "waves": {wave: f"{wave}.csv" for wave in waves},
        "columns": columns,
        "analysis": {"max_bad_row_share": 1.0},
        **extra,
    }
    (folder / "study.yaml").write_text(yaml.safe_dump(study, allow_unicode=True), "utf-8")
    return folder / "study.yaml"


def _wave(ids: dict[str, list[str]], seed: int = 0) -> pd.DataFrame:
    n = len(next(iter(ids.values())))
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2026-07-06 08:00", periods=n, freq="7min")
    return pd.DataFrame(
        {
            "Cap waktu": stamps.strftime("%d/%m/%Y %H:%M:%S"),
            **ids,
            "Butir satu": rng.integers(1, 6, n),
            "Butir dua": rng.integers(1, 6, n),
        }
    )


def _validated(path: Path):
    study = load_study(path)
    return study, validate(ingest(read_inputs(study), study), study)


MASKED = ["M******d", "S**i", "N*r", "A***d", "M******d", "S**i", "R***i", "D**i"]
NIMS = [f"2205{k:06d}" for k in (11, 23, 35, 47, 59, 61, 73, 85)]
NAMES = [
    "Muhammad Fauzi",
    "Siti Aminah",
    "Nur Hidayah",
    "Ahmad Rizki",
    "Muhammad Ilham",
    "Sari Dewi",
    "Rina Lestari",
    "Dimas Prakoso",
]


def test_a_usable_first_column_is_used_as_declared(tmp_path):
    waves = {w: _wave({"Nama": NAMES, "NIM": NIMS}) for w in ("pre", "post")}
    _, validated = _validated(_study(tmp_path, waves, {"id": "Nama"}))
    assert (validated.identity.header, validated.identity.kind) == ("Nama", "name")
    assert validated.identity.declared
    assert not [p for p in validated.problems if p.code == "id_fallback"]
    assert list(validated.valid["participant"][:2]) == NAMES[:2]


def test_masked_names_fall_back_to_a_declared_student_number(tmp_path):
    waves = {w: _wave({"Nama": MASKED, "NIM": NIMS}) for w in ("pre", "post")}
    columns = {"id": ["Nama", "NIM"], "id_kind": ["name", "number"]}
    _, validated = _validated(_study(tmp_path, waves, columns))
    assert (validated.identity.header, validated.identity.kind) == ("NIM", "number")
    [warning] = [p for p in validated.problems if p.code == "id_fallback"]
    assert warning.severity == "warning" and warning.column == "Nama"
    assert "masked" in warning.details["reasons"]
    assert "'NIM' identifies the participants instead" in warning.message("en")
    assert "'NIM' dipakai sebagai identitas peserta" in warning.message("id")
    assert list(validated.valid["participant"]) == NIMS * 2
    assert list(validated.valid["contact__nama"]) == MASKED * 2  # kept as personal data
    assert not any(c.startswith("key__") for c in validated.valid)


def test_an_undeclared_student_number_column_is_the_fallback(tmp_path):
    waves = {w: _wave({"Nama": MASKED, "NIM Mahasiswa": NIMS}) for w in ("pre", "post")}
    study, validated = _validated(_study(tmp_path, waves, {"id": "Nama"}))
    assert (validated.identity.header, validated.identity.declared) == ("NIM Mahasiswa", False)
    cleaned = clean(validated, study)
    assert set(cleaned.ledger["outcome"]) == {"matched"}
    assert cleaned.ledger["participant_code"].nunique() == len(NIMS)


def test_an_email_column_is_found_by_its_header_and_compared_exactly(tmp_path):
    emails = [f"{n.split()[0].lower()}.{k}@contoh.ac.id" for k, n in enumerate(NAMES)]
    pre = _wave({"Inisial": ["M.", "S.", "N.", "A.", "M.", "S.", "R.", "D."], "Email": emails})
    post = pre.assign(Email=[e.upper() for e in emails])
    study, validated = _validated(_study(tmp_path, {"pre": pre, "post": post}, {"id": "Inisial"}))
    assert (validated.identity.header, validated.identity.kind) == ("Email", "email")
    cleaned = clean(validated, study)
    assert set(cleaned.matches["method"]) == {"exact"}
    assert cleaned.ledger["outcome"].eq("matched").all()


def test_no_identifying_column_stops_before_any_merge(tmp_path):
    waves = {w: _wave({"Nama": MASKED}) for w in ("pre", "post")}
    with pytest.raises(InputError) as caught:
        _validated(_study(tmp_path, waves, {"id": "Nama"}))
    [problem] = caught.value.problems
    assert (problem.code, problem.column, problem.severity) == (
        "id_not_identifying",
        "Nama",
        "error",
    )
    assert "columns.id" in problem.message("en") and "columns.id" in problem.message("id")


def test_the_kind_is_read_off_the_values_when_not_declared(tmp_path):
    waves = {w: _wave({"NIM": NIMS}) for w in ("pre", "post")}
    _, validated = _validated(_study(tmp_path, waves, {"id": "NIM"}))
    assert validated.identity.kind == "number"


def test_a_name_beside_the_number_is_kept_for_the_near_miss_review(tmp_path):
    post_nims = list(NIMS)
    post_nims[2] = NIMS[2][:-1] + "9"  # a typo, same person
    post_nims[5] = NIMS[5][:-2] + "00"  # two digits off: never proposed
    pre = _wave({"NIM": NIMS, "Nama": NAMES})
    post = _wave({"NIM": post_nims, "Nama": NAMES}, seed=1)
    columns = {"id": ["NIM", "Nama"], "id_kind": ["number", "name"]}
    study, validated = _validated(_study(tmp_path, {"pre": pre, "post": post}, columns))
    assert validated.identity.names == "contact__nama"
    review = clean(validated, study).review
    [proposal] = review[review["status"].str.startswith("proposed: student numbers")].itertuples()
    assert (proposal.name_base, proposal.name_other) == (NIMS[2], post_nims[2])
    assert f"'{NAMES[2]}' / '{NAMES[2]}'" in proposal.status


# --------------------------------------------------------------------------- the property

FIRST = [
    "Muhammad",
    "Siti",
    "Nur",
    "Ahmad",
    "Dewi",
    "Budi",
    "Rina",
    "Fajar",
    "Intan",
    "Galih",
    "Yusuf",
    "Laras",
    "Bayu",
    "Putri",
    "Hana",
    "Eka",
    "Taufik",
    "Arif",
    "Sekar",
    "Dimas",
]
LAST = [
    "Rizki",
    "Aminah",
    "Hidayah",
    "Fauzi",
    "Lestari",
    "Santoso",
    "Wulandari",
    "Nugroho",
    "Saputra",
    "Maulana",
    "Kusuma",
    "Setiawan",
    "Rahmawati",
    "Fitriani",
    "Hakim",
    "Permana",
    "Utomo",
    "Siregar",
    "Nasution",
    "Pratama",
]


def _twin(name: str, how: str) -> str:
    """Another person's name typed like someone else's: the same, one letter off, or with
    its words swapped (name similarity joins the last two across waves)."""
    if how == "same":
        return name
    if how == "typo":
        return name[:-1] + ("y" if name[-1] != "y" else "i")
    return " ".join(reversed(name.split()))


@st.composite
def people(draw):
    """People with true identities; the name each typed (first and last names drawn, and now
    and then the previous person's name again, one letter off or swapped), maybe masked or
    given as initials; a student number (unique, or shared by several people when
    ``shared``) typed with the spaces, apostrophes and zeros Excel and typists add; which
    waves each answered, and how often (a near twin answers the wave the other skipped, so
    name similarity has someone to join)."""
    n = draw(st.integers(10, 40))
    shared = draw(st.sampled_from([False, False, False, True]))
    style = draw(st.sampled_from(["plain", "plain", "plain", "masked", "initials"]))
    persons = []
    for k in range(n):
        name = f"{draw(st.sampled_from(FIRST))} {draw(st.sampled_from(LAST))}"
        how = draw(st.sampled_from(["own"] * 6 + ["same", "typo", "swap"]))
        if persons and how != "own":
            name = _twin(persons[-1]["name"], how)
        if style == "masked" and draw(st.booleans()):
            name = name[0] + "*" * 5 + name.split()[0][-1]
        if style == "initials" and draw(st.booleans()):
            name = ".".join(w[0] for w in name.split()) + "."
        number = 230100 + (k % 3 if shared else k)
        pre, post = draw(st.sampled_from([(1, 1)] * 8 + [(1, 0), (0, 1), (2, 1), (1, 2)]))
        if persons and how in ("typo", "swap"):  # one answered before, the other after
            persons[-1] |= {"pre": 1, "post": 0}
            pre, post = 0, 1
        persons.append({"name": name, "number": number, "pre": pre, "post": post})
    return persons, draw(st.sampled_from(["name", "number", "both"]))


def _typed(number: int, variant: int) -> str:
    return [f"{number}", f"'{number}", f"00{number}", f"{str(number)[:3]} {str(number)[3:]}"][
        variant % 4
    ]


def _property_waves(persons: list[dict]) -> tuple[dict[str, pd.DataFrame], dict]:
    """The waves' rows, and the true person of each (wave, spreadsheet row)."""
    waves, truth = {}, {}
    for wave in ("pre", "post"):
        rows = []
        for who, person in enumerate(persons):
            for copy in range(person[wave]):
                rows.append((who, person["name"], _typed(person["number"], who + copy)))
        if not rows:  # every wave has someone
            rows.append((0, persons[0]["name"], _typed(persons[0]["number"], 0)))
        frame = _wave({"Nama": [r[1] for r in rows], "NIM": [r[2] for r in rows]})
        waves[wave] = frame
        truth |= {(wave, k + 2): r[0] for k, r in enumerate(rows)}
    return waves, truth


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people())
def test_two_people_are_one_participant_only_by_equal_ids_in_an_identifying_column(drawn):
    persons, declared = drawn
    columns = {
        "name": {"id": "Nama", "id_kind": "name"},
        "number": {"id": "NIM", "id_kind": "number"},
        "both": {"id": ["Nama", "NIM"], "id_kind": ["name", "number"]},
    }[declared]
    waves, truth = _property_waves(persons)
    with tempfile.TemporaryDirectory() as folder:
        path = _study(Path(folder), waves, columns)
        study = load_study(path)
        try:
            validated = validate(ingest(read_inputs(study), study), study)
        except InputError as error:  # no usable column: nothing was merged at all
            assert {p.code for p in error.problems} == {"id_not_identifying"}
            event("stopped: no column identifies people")
            return
        cleaned = clean(validated, study)
    identity = validated.identity
    header = {"NIM": "NIM", "Nama": "Nama"}[identity.header]
    for frame in waves.values():  # the chosen column identifies people in every wave
        assert judge_id_column(frame[header], kind=identity.kind).usable
    rows_of = cleaned.ledger[["wave", "source_row"]].itertuples(index=False)
    ledger = cleaned.ledger.assign(person=[truth[tuple(row)] for row in rows_of])
    typed = {(wave, k + 2): value for wave, f in waves.items() for k, value in enumerate(f[header])}
    joined_by_similarity = set(
        cleaned.matches.loc[cleaned.matches["method"] != "exact", "participant_code"]
    )
    for code, rows in ledger.dropna(subset=["participant_code"]).groupby("participant_code"):
        values = [typed[tuple(row)] for row in rows[["wave", "source_row"]].itertuples(index=False)]
        rows = rows.assign(id=normalize_ids(pd.Series(values), kind=identity.kind).to_numpy())
        # Within a wave, only equal ids merge (a repeated submission).
        for _, in_wave in rows.groupby("wave"):
            assert in_wave["person"].nunique() == 1 or in_wave["id"].nunique() == 1
        # Across waves, equal ids join; names may also join by a similarity at or above the
        # threshold, and such a join is listed in matches with its method and score.
        if rows["person"].nunique() > 1:
            event("two people in one participant")
        if rows["person"].nunique() > 1 and rows["id"].nunique() > 1:
            assert identity.kind == "name" and code in joined_by_similarity
            event("two people joined by name similarity")
