"""The page's steps on the issue 16 shapes: a student-number study drafted with its name as
the fallback key checks with its near misses pending, as ``pkm-eval validate`` lists them."""

from __future__ import annotations

import shutil

import pandas as pd

from pipeline.app import mapping
from pipeline.app.steps import Checked, check_study, draft_exports, read_exports
from pipeline.draft import render_codebook, render_study
from tests.stages.real_exports import MANIFEST, REAL


def test_near_miss_student_numbers_are_pending_decisions(tmp_path):
    paths = {"pre": tmp_path / "pre.csv", "post": tmp_path / "post.csv"}
    for wave, path in paths.items():
        shutil.copy(REAL / f"nim_typos_{wave}.csv", path)
    draft = draft_exports(read_exports(paths), paths)
    (tmp_path / "codebook.yaml").write_text(render_codebook(draft), "utf-8")
    (tmp_path / "study.yaml").write_text(render_study(draft, program_id="nim"), "utf-8")
    checked = check_study(tmp_path / "study.yaml")
    pending = checked.pending
    pairs = set(zip(pending["name_base"], pending["name_other"], strict=True))
    assert pairs == {(m["pre"], m["post"]) for m in MANIFEST["nim_typos_pre.csv"]["near_miss"]}


def test_a_decided_near_miss_is_no_longer_pending():
    review = pd.DataFrame(
        {
            "wave": ["post", "post"],
            "name_base": ["2301313805", "2301907066"],
            "name_other": ["2301316805", "2301907061"],
            "score": [100.0, 96.3],
            "status": ["proposed: student numbers one edit apart (substitution) ..."] * 2,
            "decision": ["", "yes"],
        }
    )
    checked = Checked(n_input=4, n_quarantined=0, problems=(), review=review)
    assert checked.pending["name_base"].tolist() == ["2301313805"]


def test_giving_the_id_role_to_another_column_keeps_each_column_once():
    paths = {"pre": REAL / "nim_typos_pre.csv", "post": REAL / "nim_typos_post.csv"}
    frames = read_exports(paths)
    draft = draft_exports(frames, paths)
    table = mapping.mapping_table(draft)
    nim = table["header"].eq("NIM")
    revised = mapping.revise(
        draft,
        table.assign(role=table["role"].where(~nim, "contact")),
        labels=mapping.labels_table(draft),
        arms=mapping.arms_table(draft, frames, draft.group.column),
        frames=frames,
        id_kind="name",
    )
    assert (revised.id_column, revised.id_fallbacks) == ("Nama Mahasiswa", ())
    kept = mapping.revise(
        draft,
        table,
        labels=mapping.labels_table(draft),
        arms=mapping.arms_table(draft, frames, draft.group.column),
        frames=frames,
    )
    assert (kept.id_column, kept.id_kind, kept.id_fallbacks) == (
        "NIM",
        "number",
        (("Nama Mahasiswa", "name"),),
    )
