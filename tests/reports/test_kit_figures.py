"""The article kit's Likert bars, drawn as one collection, against matplotlib's ``barh``: the
same pixels and the same axis limits on varied bars; and the figures cropped to a tight box
measured without a draw, against ``bbox_inches="tight"``: the same PNG."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from pipeline.reports.figures import _bars, tight_box


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_likert_bars_draw_as_barh_draws(seed):
    rng = np.random.default_rng(seed)
    y = np.arange(int(rng.integers(2, 30)), dtype=float)[::-1] * 1.7
    widths, left = rng.uniform(0, 60, len(y)), rng.uniform(-100, 0, len(y))
    drawn = []
    for collection in (False, True):
        fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
        if collection:
            _bars(ax, y, widths, left=left, height=0.85, colour="#d55e00", label="1")
        else:
            ax.barh(y, widths, left=left, color="#d55e00", height=0.85, label="1")
        ax.set_xlim(-100, 124)
        ax.legend()
        fig.canvas.draw()
        drawn.append((np.asarray(fig.canvas.buffer_rgba()).copy(), ax.get_ylim()))
        plt.close(fig)
    assert drawn[0][1] == pytest.approx(drawn[1][1])
    assert np.array_equal(drawn[0][0], drawn[1][0])


def _legend_above(seed: int):
    """A laid-out figure whose legend, title and tick labels reach past its axes."""
    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=110)
    ax.plot(rng.normal(size=30).cumsum(), label="sebelum")
    ax.plot(rng.normal(size=30).cumsum(), label="sesudah")
    ax.set_yticks([-5, 0, 5], ["rendah sekali", "sedang", "tinggi sekali"])
    ax.legend(ncol=2, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.set_xlabel("hari")
    fig.tight_layout()
    return fig


@pytest.mark.parametrize(("seed", "dpi"), [(0, 110), (1, 300)])
def test_a_tight_box_measured_without_a_draw_gives_the_tight_png(seed, dpi):
    import io

    saved = []
    for measured in (False, True):
        fig = _legend_above(seed)
        box = tight_box(fig, dpi) if measured else "tight"
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=box)
        saved.append(buffer.getvalue())
        plt.close(fig)
    assert saved[0] == saved[1]
