"""The drafting's options for a face that knows more than the exports: the program facts,
further study keys and named subscales are written into files that load."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.config import load_study
from pipeline.draft import propose, render_codebook, render_study
from pipeline.stages.parse import read_table

DEMO = Path(__file__).resolve().parent.parent / "data" / "raw" / "demo"


@pytest.fixture(scope="module")
def draft():
    frames = {
        w: read_table((DEMO / f"{w}.csv").read_bytes(), f"{w}.csv").frame for w in ("pre", "post")
    }
    return propose(frames, files={"pre": "pre.csv", "post": "post.csv"})


def _write(folder: Path, codebook: str, study: str) -> Path:
    for name in ("pre.csv", "post.csv"):
        (folder / name).write_bytes((DEMO / name).read_bytes())
    (folder / "codebook.yaml").write_text(codebook, "utf-8")
    (folder / "study.yaml").write_text(study, "utf-8")
    return folder / "study.yaml"


def test_program_facts_and_extra_keys_are_written(draft, tmp_path):
    facts = {
        "title": 'Bimbingan "Karier": santri',
        "partner": "Pesantren Nurul Huda",
        "place": "Jember",
        "method": "pelatihan",
        "funder": "",
        "start_date": dt.date(2026, 7, 1),
    }
    text = render_study(draft, program=facts, extra={"match_review": "match_review.csv"})
    assert "ISI / FILL IN" not in text.split("instrument:")[0]
    study = load_study(_write(tmp_path, render_codebook(draft), text))
    program = study.program
    assert (program.title, program.partner, program.funder) == (
        facts["title"],
        facts["partner"],
        None,
    )
    assert (program.start_date, program.end_date) == (dt.date(2026, 7, 1), dt.date(2026, 8, 17))
    assert study.match_review == "match_review.csv"


def test_without_facts_the_placeholders_stay(draft):
    text = render_study(draft)
    assert '"Judul program"' in text and "ISI / FILL IN" in text


def test_named_subscales_come_with_a_total(draft, tmp_path):
    ids = [item.id for item in draft.items]
    scales = {"Pengenalan diri": ids[:12], "Perencanaan (karier)": ids[12:]}
    study = load_study(_write(tmp_path, render_codebook(draft, scales=scales), render_study(draft)))
    codebook = study.instrument_spec
    assert [(s.id, s.name.id, len(s.items)) for s in codebook.scales] == [
        ("pengenalan_diri", "Pengenalan diri", 12),
        ("perencanaan_karier", "Perencanaan (karier)", 12),
    ]
    assert codebook.total_scale.items == ids


def test_one_scale_name_keeps_the_single_total_scale(draft):
    single = render_codebook(draft, scales={"total": [i.id for i in draft.items]})
    assert single == render_codebook(draft)
