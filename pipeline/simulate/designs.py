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

import numpy as np
import pandas as pd

from pipeline.config import Instrument
from pipeline.simulate.exports import GRID_PROMPT
from pipeline.simulate.survey import _answers, _names, _to_labels, _typo

__all__ = [
    "KNOWLEDGE_TEST",
    "TRYOUT_INSTRUMENT",
    "ArmSpec",
    "simulate_arms",
    "simulate_quiz",
    "simulate_tryout",
]

_TIME = "%d/%m/%Y %H:%M:%S"
SHORT_ANSWER = "Sebutkan satu jalur masuk perguruan tinggi negeri (PTN)."


def _question(item_id: str, text: str, en: str, options: list[str], key: str) -> dict:
    return {"id": item_id, "kind": "test", "text": {"id": text, "en": en}, "options": options,
            "key": key}  # fmt: skip


#: The knowledge test of the example program: nine multiple-choice questions about further
#: study and work, and one short answer graded by the form (its points come from the quiz's
#: "[Skor]" column). Texts are this project's own.
KNOWLEDGE_TEST = {
    "id": "career_knowledge_test",
    "version": "1.0",
    "title": {"id": "Tes Pengetahuan Studi Lanjut dan Dunia Kerja (10 soal)",
              "en": "Knowledge of Further Study and Work (10 questions)"},  # fmt: skip
    "test": {"omitted": "wrong"},
    "items": [
        _question("k1", "Apa kepanjangan SNBP?", "What does SNBP stand for?",
                  ["Seleksi Nasional Berdasarkan Prestasi", "Seleksi Nilai Baku Prestasi",
                   "Seleksi Nasional Berbasis Portofolio", "Sistem Nasional Beasiswa Pendidikan"],
                  "Seleksi Nasional Berdasarkan Prestasi"),
        _question("k2", "Jalur masuk PTN yang memakai tes tertulis adalah",
                  "The state university entry route with a written test is",
                  ["SNBP", "SNBT", "Jalur prestasi olahraga", "KIP Kuliah"], "SNBT"),
        _question("k3", "Beasiswa KIP Kuliah ditujukan untuk", "The KIP Kuliah scholarship is for",
                  ["Mahasiswa berprestasi olahraga", "Mahasiswa dari keluarga kurang mampu",
                   "Mahasiswa dari luar negeri", "Dosen muda"],
                  "Mahasiswa dari keluarga kurang mampu"),
        _question("k4", "Lulusan SMK dapat mendaftar kuliah di perguruan tinggi.",
                  "Vocational school graduates may apply to university.", ["Benar", "Salah"],
                  "Benar"),
        _question("k5", "Politeknik terutama menyelenggarakan pendidikan",
                  "Polytechnics mainly offer",
                  ["Vokasi (terapan)", "Akademik murni", "Keagamaan", "Kedinasan militer"],
                  "Vokasi (terapan)"),
        _question("k6", "Dokumen yang biasanya diminta saat melamar kerja adalah",
                  "The documents usually asked for when applying for a job are",
                  ["Surat lamaran dan CV", "Rapor SD", "Kartu keluarga saja", "Akta kelahiran saja"],
                  "Surat lamaran dan CV"),
        _question("k7", "Sertifikat kompetensi kerja diterbitkan atas lisensi dari",
                  "Work competency certificates are issued under licence from",
                  ["BNSP", "BPJS", "BMKG", "BPS"], "BNSP"),
        _question("k8", "Minat dan bakat dapat dikenali melalui",
                  "Interests and talents can be recognized through",
                  ["Tes minat bakat dan pengalaman kegiatan", "Ramalan zodiak",
                   "Nilai matematika saja", "Pilihan teman dekat"],
                  "Tes minat bakat dan pengalaman kegiatan"),
        _question("k9", "Manfaat utama magang bagi pelajar adalah",
                  "The main benefit of an internship for a student is",
                  ["Pengalaman kerja nyata", "Pengganti ijazah", "Bebas ujian sekolah",
                   "Gelar sarjana"], "Pengalaman kerja nyata"),
        {"id": "k10", "kind": "test", "points": 1,
         "text": {"id": SHORT_ANSWER, "en": "Name one entry route to a state university."}},
    ],
    "scales": [{"id": "knowledge", "name": {"id": "Pengetahuan studi lanjut dan dunia kerja",
                                             "en": "Knowledge of further study and work"},
                "items": [f"k{i}" for i in range(1, 11)]}],
}  # fmt: skip

_LIKERT_5 = {
    "min": 1,
    "max": 5,
    "labels": {
        1: {"id": "Sangat Tidak Setuju", "en": "Strongly Disagree"},
        2: {"id": "Tidak Setuju", "en": "Disagree"},
        3: {"id": "Netral", "en": "Neutral"},
        4: {"id": "Setuju", "en": "Agree"},
        5: {"id": "Sangat Setuju", "en": "Strongly Agree"},
    },
}
_EFFICACY = [
    ("Saya yakin dapat memilih jurusan yang sesuai dengan minat saya.",
     "I am sure I can choose a study programme that fits my interests."),
    ("Saya mampu mencari informasi tentang pekerjaan yang saya minati.",
     "I can find information about the work I am interested in."),
    ("Saya yakin dapat menyusun rencana untuk lima tahun ke depan.",
     "I am sure I can make a plan for the next five years."),
    ("Saya bingung harus mulai dari mana dalam merencanakan karier.",
     "I do not know where to start in planning my career."),
    ("Saya dapat menilai kelebihan dan kekurangan diri saya secara jujur.",
     "I can judge my strengths and weaknesses honestly."),
    ("Saya yakin dapat mengatasi hambatan dalam mencapai cita-cita.",
     "I am sure I can overcome obstacles on the way to my goals."),
    ("Saya suka menonton film pada akhir pekan.", "I like watching films at the weekend."),
    ("Saya mampu memutuskan pilihan studi tanpa terus-menerus ragu.",
     "I can decide on a course of study without doubting again and again."),
]  # fmt: skip
_LETTERS = ["A", "B", "C", "D"]
#: The try-out instrument: an eight-item self-efficacy scale (one reverse-keyed item, one that
#: does not belong) and a ten-question world-of-work test answered with letters A-D.
TRYOUT_INSTRUMENT = {
    "id": "tryout_career_decision",
    "version": "0.1 (uji coba)",
    "title": {"id": "Efikasi Keputusan Karier dan Pengetahuan Dunia Kerja (draf uji coba)",
              "en": "Career Decision Efficacy and World-of-Work Knowledge (try-out draft)"},
    "response_scale": _LIKERT_5,
    "test": {"options": _LETTERS, "omitted": "wrong"},
    "items": [
        *[{"id": f"e{i}", "text": {"id": t, "en": en}, **({"reverse": True} if i == 4 else {})}
          for i, (t, en) in enumerate(_EFFICACY, start=1)],
        *[{"id": f"t{i}", "kind": "test", "key": key,
           "text": {"id": f"Soal pengetahuan dunia kerja nomor {i}",
                    "en": f"World-of-work knowledge question {i}"}}
          for i, key in enumerate("BDACBADCAB", start=1)],
    ],
    "scales": [
        {"id": "efficacy", "name": {"id": "Efikasi keputusan karier",
                                     "en": "Career decision efficacy"},
         "items": [f"e{i}" for i in range(1, 9)]},
        {"id": "world_of_work", "name": {"id": "Pengetahuan dunia kerja",
                                          "en": "World-of-work knowledge"},
         "items": [f"t{i}" for i in range(1, 11)]},
    ],
}  # fmt: skip


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
            frame.loc[typo, "Nama Lengkap"] = [_typo(rng, x) for x in frame.loc[typo,
                                                                                "Nama Lengkap"]]  # fmt: skip
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
