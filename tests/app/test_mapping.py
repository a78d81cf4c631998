"""The mapping grids: the drafted grid turned back unedited gives the same study file and
codebook as the draft itself, and edits (roles, keying, codes, arms, subscales) reach the files."""

from __future__ import annotations

import pytest

from pipeline.app import mapping
from pipeline.app.steps import draft_exports, read_exports
from pipeline.draft import render_codebook, render_study
from tests.app.conftest import DEMO


@pytest.fixture(scope="module")
def drafted():
    paths = {"pre": DEMO / "pre.csv", "post": DEMO / "post.csv"}
    frames = read_exports(paths)
    return draft_exports(frames, paths), frames


def _revise(draft, frames, grid, labels=None, arms=None):
    group = next(iter(grid.loc[grid["role"].eq("group"), "header"]), None)
    return mapping.revise(
        draft,
        grid,
        labels=mapping.labels_table(draft) if labels is None else labels,
        arms=mapping.arms_table(draft, frames, group) if arms is None else arms,
        frames=frames,
    )


def test_an_unedited_grid_gives_the_draft_back(drafted):
    draft, frames = drafted
    same = _revise(draft, frames, mapping.mapping_table(draft))
    assert render_study(same) == render_study(draft)
    assert render_codebook(same) == render_codebook(draft)


def test_edits_reach_the_draft(drafted):
    draft, frames = drafted
    grid = mapping.mapping_table(draft)
    rows = grid.index[grid["role"].eq("item")]
    grid.loc[rows[0], "reverse"] = True
    grid.loc[rows[1], "role"] = "unused"
    grid.loc[rows[:12], "scale"] = "diri"
    grid.loc[grid["header"].eq("Jenis Kelamin"), "role"] = "unused"
    labels = mapping.labels_table(draft)
    labels.loc[labels["label_id"].eq("Netral"), "label_id"] = "Ragu-ragu"
    arms = mapping.arms_table(draft, frames, "Kelompok").assign(arm="treatment")
    revised = _revise(draft, frames, grid, labels=labels, arms=arms)
    assert len(revised.items) == 23 and revised.items[0].reverse
    assert revised.demographics == ()
    assert revised.scale.labels[3][0] == "Ragu-ragu"
    assert revised.group.control == () and len(revised.group.treatment) == 2
    assert list(mapping.scales_of(grid)) == ["diri", "total"]


def test_a_bundled_instrument_recognizes_the_demo_columns(drafted):
    draft, _ = drafted
    grid = mapping.builtin_mapping(mapping.mapping_table(draft), "career_awareness_planning")
    items = grid[grid["role"].eq("item")]
    assert len(items) == 24
    assert items["scale"].nunique() == 4  # the instrument's four subscales
    assert sorted(items.loc[items["reverse"], "item_id"]) == sorted(
        ["sk4", "ck5", "ck6", "ex5", "gp5", "gp6"]
    )
    assert "career_awareness_planning" in mapping.builtin_instruments()
