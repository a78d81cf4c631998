"""The scored data for SPSS, JASP and jamovi: ``scores.sav`` in the article kit.

One row per participant code (the bundle's pseudonyms; no name, phone number or e-mail is in
the bundle to begin with), the group as a number with value labels, and one score per scale
and wave (the score the comparisons use: a Likert scale's item mean, a test's percentage of the
maximum, an entered score's sum), each with a variable label in the report's language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.bundle import files
from pipeline.bundle.read import Bundle
from pipeline.reports.apa import as_plain, kit_say, kit_words
from pipeline.reports.tables import group_names, scale_facts, scale_names
from pipeline.reports.words import texts
from pipeline.waves import WAVE_ORDER

__all__ = ["scores_frame", "spss_name", "write_scores_sav"]

_NOT_NAME = re.compile(r"[^A-Za-z0-9_]")


def spss_name(text: str) -> str:
    """A valid SPSS variable name: letters, digits and "_", starting with a letter, at most
    64 characters."""
    name = _NOT_NAME.sub("_", text)
    if not name[:1].isalpha():
        name = "v_" + name
    return name[:64]


def scores_frame(
    bundle: Bundle, language: str
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[float, str]]]:
    """The scored data wide (one row per participant code), its variable labels and the
    group's value labels, in ``language``."""
    scores = bundle["scores"].astype({"wave": str, "group": str, "scale": str})
    arms = [arm["name"] for arm in bundle.results["design"].get("arms", [])]
    found = set(scores["group"])
    groups = [g for g in dict.fromkeys([*arms, "treatment", "control", "all"]) if g in found]
    groups += sorted(found - set(groups))
    code = {g: float(k) for k, g in enumerate(groups, start=1)}
    names = group_names(bundle, language)
    every = kit_say(language, "glossary.all_participants")
    value_labels = {"group": {code[g]: every if g == "all" else names.get(g, g) for g in groups}}
    spss = kit_words(language)["spss"]
    labels = {"participant_code": spss["participant_code"], "group": spss["group"]}
    person = scores.groupby("participant_code", sort=True)["group"].first()
    out = pd.DataFrame({"participant_code": person.index, "group": person.map(code).to_numpy()})
    waves = sorted(set(scores["wave"]), key=lambda w: WAVE_ORDER.get(w, 99))
    facts, titles = scale_facts(bundle), scale_names(bundle, language)
    for scale in [s["id"] for s in bundle.results["instrument"]["scales"]]:
        column = facts[scale].get("column", "mean")
        part = scores[scores["scale"] == scale]
        for wave in waves:
            values = part[part["wave"] == wave].set_index("participant_code")[column]
            if values.empty:
                continue
            name = spss_name(f"{scale}_{wave}")
            out[name] = out["participant_code"].map(values).astype(float).to_numpy()
            labels[name] = as_plain(kit_say(
                language, "spss.score", scale=titles[scale],
                wave=texts(language)["waves"].get(wave, wave), unit=spss["units"][column],
            ))  # fmt: skip
    return out, labels, value_labels


def write_scores_sav(bundle: Bundle, language: str, path: Path) -> None:
    """``scores.sav``: the scored data with variable and value labels in ``language``."""
    frame, labels, value_labels = scores_frame(bundle, language)
    files.write_sav(path, frame, column_labels=labels, value_labels=value_labels)
