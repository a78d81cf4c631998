"""Simulated exports of the designs beyond one pre/post Likert survey: a Google Forms quiz (a
knowledge test before and after), an instrument try-out (a questionnaire and a test answered
once), and a program with several arms and a follow-up wave.

Everything is seeded, so the example studies (:mod:`pipeline.simulate.examples`) are the same
bytes on every run. Answers come from simple latent models: a test question is answered right
with the two-parameter logistic probability of the person's ability and the item's
difficulty; a Likert item is the person's level times the item's loading plus noise, cut into
the answer categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pipeline.config import Instrument
from pipeline.simulate.exports import GRID_PROMPT
from pipeline.simulate.survey import _answers, _names, _to_labels, _typo

__all__ = [
    "ArmSpec",
    "example_codebook",
    "example_codebook_text",
    "simulate_arms",
    "simulate_quiz",
    "simulate_tryout",
]

_TIME = "%d/%m/%Y %H:%M:%S"


_LETTERS = ["A", "B", "C", "D"]


@cache
def example_codebook(name: str) -> dict[str, Any]:
    """The codebook of an example (``knowledge_test`` or ``tryout``) as a mapping."""
    return yaml.safe_load(example_codebook_text(name))


def example_codebook_text(name: str) -> str:
    """The codebook file of an example, as shipped in ``pipeline/resources/example_codebooks``."""
    source = resources.files("pipeline.resources").joinpath(f"example_codebooks/{name}.yaml")
    return source.read_text("utf-8")


def _right(rng, ability: np.ndarray, difficulty: float, slope: float) -> np.ndarray:
    """Who answers right: the two-parameter logistic model."""
    return rng.random(len(ability)) < 1 / (1 + np.exp(-slope * (ability - difficulty)))


def _wrong_option(rng, options: Sequence[str], key: str, n: int, weights=None) -> np.ndarray:
    """A wrong option for each of n answers; the last distractor draws few (it barely works)."""
    distractors = [o for o in options if o != key]
    if weights is None:
        weights = np.array([1.0] * (len(distractors) - 1) + [0.15])[: len(distractors)]
    return rng.choice(distractors, n, p=np.asarray(weights) / np.sum(weights))


_SHORT_RIGHT = ["SNBP", "SNBT", "snbt", "Jalur mandiri", "SNBT (UTBK)", "mandiri"]
_SHORT_WRONG = ["tidak tahu", "UN", "beasiswa", "-", "ujian sekolah"]


def simulate_quiz(
    rng, instrument: Instrument, names: Sequence[str], ability: np.ndarray, start: pd.Timestamp
) -> pd.DataFrame:
    """A Google Forms quiz export in the Indonesian locale: ``Cap waktu``, ``Total skor``
    (``7 / 10``), ``Nama Lengkap``, and per question its answer, ``… [Skor]`` (``1.00 / 1``)
    and ``… [Masukan]`` (feedback on a wrong answer)."""
    n = len(names)
    times = start + pd.to_timedelta(np.sort(rng.integers(0, 2 * 3600, n)), unit="s")
    columns = {"Cap waktu": pd.Series(times).dt.strftime(_TIME).to_numpy()}
    columns["Total skor"] = np.zeros(n)
    columns["Nama Lengkap"] = np.asarray(names, dtype=object)
    total = np.zeros(n)
    difficulties = np.linspace(-1.4, 1.2, len(instrument.items))
    for item, difficulty in zip(instrument.items, difficulties, strict=True):
        right = _right(rng, ability, difficulty, 1.4)
        text = item.text.id
        if item.key is not None:
            key = str(item.key)
            wrong = _wrong_option(rng, [str(o) for o in item.options], key, n)
            answer = np.where(right, key, wrong)
        else:
            answer = np.where(right, rng.choice(_SHORT_RIGHT, n), rng.choice(_SHORT_WRONG, n))
        blank = rng.random(n) < 0.02  # a few questions skipped: scored wrong
        answer, right = np.where(blank, "", answer), right & ~blank
        total += right
        columns[text] = answer
        columns[f"{text} [Skor]"] = np.where(right, "1.00 / 1", "0.00 / 1")
        columns[f"{text} [Masukan]"] = np.where(right, "", "Coba lagi")
    columns["Total skor"] = [f"{int(t)} / {len(instrument.items)}" for t in total]
    return pd.DataFrame(columns)


def simulate_tryout(rng, instrument: Instrument, n: int, start: pd.Timestamp) -> pd.DataFrame:
    """A Google Form answered once by the try-out group: the Likert grid (item 7 does not load
    on the scale) and the test answered with letters (question 9 is weak, question 4 works
    against the total: the lower group gets it right more often)."""
    names = _names(rng, n)
    level = rng.normal(0, 1, n)
    ability = 0.6 * level + 0.6 * rng.normal(0, 1, n)
    times = start + pd.to_timedelta(np.sort(rng.integers(0, 4 * 3600, n)), unit="s")
    columns = {"Cap waktu": pd.Series(times).dt.strftime(_TIME).to_numpy(), "Nama Lengkap": names}
    loadings = [0.9, 0.8, 0.85, 0.7, 0.75, 0.8, 0.0, 0.7]
    codes = []
    for item, loading in zip(instrument.items_of("likert"), loadings, strict=True):
        raw = 0.4 + loading * level + rng.normal(0, 0.75, n)
        code = 1 + np.searchsorted(np.array([-1.7, -0.7, 0.3, 1.3]), raw)
        codes.append(6 - code if item.reverse else code)
    labels = _to_labels(np.column_stack(codes), instrument, rng, missing=0.01)
    for k, item in enumerate(instrument.items_of("likert")):
        columns[f"{GRID_PROMPT} [{item.text.id}]"] = labels[:, k]
    slopes = [2.4, 2.2, 2.6, -0.8, 2.2, 2.4, 2.0, 2.6, 0.15, 2.2]
    difficulties = [-1.6, -0.8, -0.3, 0.0, 0.3, -0.5, 0.6, 1.0, 0.2, -1.0]
    for item, slope, difficulty in zip(instrument.items_of("test"), slopes, difficulties,
                                       strict=True):  # fmt: skip
        right = _right(rng, ability, difficulty, slope)
        wrong = _wrong_option(rng, _LETTERS, str(item.key), n)
        columns[item.text.id] = np.where(right, str(item.key), wrong)
    return pd.DataFrame(columns)


@dataclass(frozen=True)
class ArmSpec:
    """One arm of a simulated program: its label in the export, size, effect at post (SD
    units) and the share of that effect kept at the follow-up."""

    label: str
    n: int
    effect: float
    retained: float = 0.0


def simulate_arms(
    rng, instrument: Instrument, arms: Sequence[ArmSpec], *, dropout: float = 0.08
) -> dict[str, pd.DataFrame]:
    """Pre, post and follow-up Google Forms exports of a program with several arms
    (``Kelompok`` names the arm); names get typos in later waves and some people drop out."""
    labels = np.concatenate([[arm.label] * arm.n for arm in arms])
    effect = np.concatenate([[arm.effect] * arm.n for arm in arms])
    kept = np.concatenate([[arm.retained] * arm.n for arm in arms])
    n = len(labels)
    names = np.array(rng.permutation(_names(rng, n)), dtype=object)
    genders = rng.choice(["Laki-laki", "Perempuan"], n)
    phones = "08" + rng.integers(10**9, 10**10, n).astype(str).astype(object)
    level = 0.7 * rng.normal(0, 1, (n, 1)) + 0.7 * rng.normal(0, 1, (n, len(instrument.scales)))
    shifts = {"pre": np.zeros(n), "post": effect, "follow_up": effect * kept}
    start = pd.Timestamp("2026-07-13 08:00:00")
    offsets = {"pre": 0, "post": 35, "follow_up": 126}
    present = np.ones(n, dtype=bool)
    waves = {}
    for wave, shift in shifts.items():
        wave_level = level + 0.1 * (wave != "pre") + np.asarray(shift)[:, None]
        wave_level = wave_level + rng.normal(0, 0.3, level.shape) * (wave != "pre")
        codes = _answers(rng, instrument, wave_level)
        times = start + pd.Timedelta(days=offsets[wave])
        times = times + pd.to_timedelta(np.sort(rng.integers(0, 3 * 3600, n)), unit="s")
        frame = _arm_frame(instrument, names, labels, genders, phones, codes, times, rng)
        if wave != "pre":
            present &= rng.random(n) >= dropout
            typo = rng.random(n) < 0.15
            renamed = [_typo(rng, x) for x in frame.loc[typo, "Nama Lengkap"]]
            frame.loc[typo, "Nama Lengkap"] = renamed
        waves[wave] = frame[present].reset_index(drop=True)
    return waves


def _arm_frame(instrument, names, labels, genders, phones, codes, times, rng) -> pd.DataFrame:
    columns = {"Cap waktu": pd.Series(times).dt.strftime(_TIME).to_numpy(),
               "Nama Lengkap": names, "Kelompok": labels, "Jenis Kelamin": genders,
               "Nomor WhatsApp": phones}  # fmt: skip
    answers = _to_labels(codes, instrument, rng, missing=0.01)
    item_ids = [i for scale in instrument.scales for i in scale.items]
    for k, item_id in enumerate(item_ids):
        columns[f"{GRID_PROMPT} [{instrument.item(item_id).text.id}]"] = answers[:, k]
    for check in instrument.attention_checks:
        label = instrument.response_scale.labels[check.expected].id
        columns[f"{GRID_PROMPT} [{check.text.id}]"] = np.full(len(names), label, dtype=object)
    return pd.DataFrame(columns)
