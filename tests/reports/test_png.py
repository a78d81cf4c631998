"""The article kit's PNG: the pixels matplotlib's own ``savefig(bbox_inches="tight")`` gives at
300 dpi, read back by Pillow with the resolution and "Software" text matplotlib writes; an
image with transparency keeps its alpha."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image

from pipeline.reports.article import _write_figure
from pipeline.reports.png import png_bytes


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def test_kit_png_has_matplotlibs_tight_pixels(tmp_path: Path) -> None:
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.barh(["a long label", "b"], [3, 5], color=["#2166ac", "#b2182b"])
    ax.text(5.2, 1, "outside", fontsize=6)
    ax.legend(["x"], loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout()
    expected = io.BytesIO()
    fig.savefig(expected, format="png", dpi=300, bbox_inches="tight")
    _write_figure(tmp_path / "f", fig)
    plt.close(fig)
    written = (tmp_path / "f.png").read_bytes()
    assert np.array_equal(_pixels(written), _pixels(expected.getvalue()))
    image = Image.open(tmp_path / "f.png")
    assert round(image.info["dpi"][0]) == 300
    assert image.info["Software"].startswith("Matplotlib version")
    assert (tmp_path / "f.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_png_keeps_alpha() -> None:
    rgba = np.zeros((2, 3, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[0, 0, 3] = 128
    rgba[1:, :, 3] = 255
    back = _pixels(png_bytes(rgba, dpi=72, software="t"))
    assert np.array_equal(back, rgba)
    opaque = rgba.copy()
    opaque[..., 3] = 255
    image = Image.open(io.BytesIO(png_bytes(opaque, dpi=72, software="t")))
    assert image.mode == "RGB"
    assert np.array_equal(np.asarray(image.convert("RGBA")), opaque)
